"""Quiz rules, pure: no Telegram, no I/O, time passed in as `at` (unix seconds).

A round is a sequence of questions asked one at a time. Its state lives in the database (the
store) so it survives restarts; this module decides every transition from that state:
- `judge`: is an answer accepted, and how many points does it score;
- `due` / `after_close`: when a question closes and what comes next;
- `reveal`: who got a closed question right and wrong;
- `can_stop`: who may end a round; `rank`: leaderboards with shared ranks for ties;
- `should_auto_stop`, `is_stuck`: rounds nobody plays, rounds that stalled;
- `shuffle_options`: the order options are shown in; `parse_quiz_args`: "/quiz 10 huion";
- `period_start`: where this week's and this month's boards begin (UTC, weeks from Monday).

Streaks: a right answer extends the player's streak in that chat, a wrong one ends it; a question
left unanswered does not break it.

Scoring (quoted by /help): a right answer scores 10 points plus a speed bonus of up to 5: 5 for an
answer in the first fifth of the time, 4 in the second fifth, down to 1 in the last fifth; a wrong
or late answer scores nothing. Only a player's first answer to a question counts.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.knowledge.dataset import Lang
from bot.quiz.bank import QuizQuestion

CORRECT_POINTS = 10
MAX_SPEED_BONUS = 5
DEFAULT_QUESTIONS, MIN_QUESTIONS, MAX_QUESTIONS = 5, 1, 20
DEFAULT_SECONDS, MIN_SECONDS, MAX_SECONDS = 30, 10, 120
SECONDS_CHOICES = (15, 30, 60)
QUESTION_CHOICES = (5, 10, 20)

UNANSWERED_TO_STOP = {True: 1, False: 2}  # private chat? -> questions nobody answered, in a row
STUCK_AFTER = 300.0  # seconds of silence past the longest a question can take: a stalled round

SCORING_RULE = {
    Lang.EN: (
        f"a right answer scores {CORRECT_POINTS} points plus a speed bonus of up to "
        f"{MAX_SPEED_BONUS}: {MAX_SPEED_BONUS} for an answer in the first fifth of the time, "
        f"{MAX_SPEED_BONUS - 1} in the second, down to 1 in the last fifth; a wrong or late answer "
        "scores nothing. Only your first answer to a question counts."
    ),
    Lang.ZH: (
        f"答对得{CORRECT_POINTS}分，另有最多{MAX_SPEED_BONUS}分的速度加分：在前五分之一的时间内"
        f"作答加{MAX_SPEED_BONUS}分，第二个五分之一加{MAX_SPEED_BONUS - 1}分，依次递减，最后五分之一加1分；"
        "答错或超时不得分。每题只算你的第一次作答。"
    ),
}


class AnswerMode(StrEnum):
    POLL = "poll"  # native Telegram quiz polls
    BUTTONS = "buttons"  # inline keyboard buttons, each tap answered with a toast


class RoundStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"


class Period(StrEnum):
    """A leaderboard's span: weeks start on Monday, 00:00 UTC; months on the 1st."""

    WEEK = "week"
    MONTH = "month"
    ALL = "all"


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"  # the player answered this question already
    LATE = "late"  # the question is closed or its time is up (also: closed when it was written)
    STALE = "stale"  # not the round's current question (or not sent yet), or the round is over
    BAD_OPTION = "bad_option"  # an option the question does not have (forged data)


@dataclass(frozen=True, slots=True)
class ChatSettings:
    mode: AnswerMode = AnswerMode.POLL
    seconds: int = DEFAULT_SECONDS
    questions: int = DEFAULT_QUESTIONS
    lang: Lang = Lang.EN

    def changed(self, name: str, value: str) -> ChatSettings | None:
        """These settings with one field set from text (as in button data); None if invalid."""
        try:
            if name == "mode":
                return replace(self, mode=AnswerMode(value))
            if name == "lang":
                return replace(self, lang=Lang(value))
            number = int(value)
        except ValueError:
            return None
        if name == "seconds" and MIN_SECONDS <= number <= MAX_SECONDS:
            return replace(self, seconds=number)
        if name == "questions" and MIN_QUESTIONS <= number <= MAX_QUESTIONS:
            return replace(self, questions=number)
        return None


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    correct: bool = False
    points: int = 0

    @property
    def counts(self) -> bool:
        return self.verdict is Verdict.ACCEPTED


@dataclass(frozen=True, slots=True)
class RoundState:
    """Where a round stands: enough to judge an answer and to decide what happens next."""

    round_id: int
    chat_id: int
    started_by: int
    is_private: bool
    seconds: int
    total: int
    index: int  # the question being asked (0-based)
    deadline: float | None  # when the current question closes; None before it is sent
    closed: bool  # the current question has been closed and revealed
    status: RoundStatus = RoundStatus.RUNNING

    def judge(
        self,
        *,
        index: int,
        option: int,
        correct_option: int,
        n_options: int,
        at: float,
        already_answered: bool,
        enforce_deadline: bool = True,
    ) -> Judgement:
        """Judge one answer. Poll answers pass enforce_deadline=False: Telegram closes the poll
        itself, so any vote it delivers was cast in time, even if the bot was down meanwhile."""
        if self.status is not RoundStatus.RUNNING or index != self.index or self.deadline is None:
            return Judgement(Verdict.STALE)
        if not 0 <= option < n_options:
            return Judgement(Verdict.BAD_OPTION)
        if self.closed or (enforce_deadline and at > self.deadline):
            return Judgement(Verdict.LATE)
        if already_answered:
            return Judgement(Verdict.DUPLICATE)
        correct = option == correct_option
        time_left = max(self.deadline - at, 0.0)
        return Judgement(Verdict.ACCEPTED, correct, points_for(correct, time_left, self.seconds))

    def due(self, at: float) -> bool:
        """The current question's time is up and it has not been closed yet."""
        return (
            self.status is RoundStatus.RUNNING
            and not self.closed
            and self.deadline is not None
            and at >= self.deadline
        )

    def closes_after_answer(self) -> bool:
        """In a private chat the only player has answered: move on at once."""
        return self.is_private

    def after_close(self) -> RoundState:
        """The state once the current question is revealed: the next question, or the end."""
        if self.index + 1 >= self.total:
            return replace(self, closed=True, status=RoundStatus.FINISHED)
        return replace(self, index=self.index + 1, deadline=None, closed=False)


@dataclass(frozen=True, slots=True)
class Reveal:
    """What a chat is told when a question closes: the answer, who got it right and who not."""

    question: QuizQuestion
    right: tuple[tuple[int, str, int], ...]  # (user id, name, points), first answer first
    wrong: tuple[tuple[int, str], ...]  # (user id, name)

    @property
    def answer(self) -> str:
        return self.question.options[self.question.correct]


def reveal(question: QuizQuestion, answers: Iterable[tuple[int, str, bool, int]]) -> Reveal:
    """Build the reveal from the recorded answers, (user id, name, correct, points) in the
    order given (as Store.answers returns them)."""
    answers = list(answers)
    return Reveal(
        question,
        tuple((uid, name, points) for uid, name, correct, points in answers if correct),
        tuple((uid, name) for uid, name, correct, _ in answers if not correct),
    )


def points_for(correct: bool, time_left: float, time_limit: float) -> int:
    """10 for a right answer, plus 5 in the first fifth of the time ... 1 in the last fifth."""
    if not correct:
        return 0
    share = min(max(time_left / time_limit, 0.0), 1.0) if time_limit > 0 else 0.0
    return CORRECT_POINTS + math.ceil(MAX_SPEED_BONUS * share)


def should_auto_stop(unanswered_in_a_row: int, *, is_private: bool) -> bool:
    """Nobody is playing: two questions in a row without an answer in a group, one in private."""
    return unanswered_in_a_row >= UNANSWERED_TO_STOP[is_private]


def is_stuck(last_activity: float, seconds: int, at: float) -> bool:
    """A running round silent for longer than a question could possibly take has stalled (a
    crash between two steps, a lost timer): it is ended rather than left blocking the chat."""
    return at - last_activity > seconds + STUCK_AFTER


def shuffle_options(question: QuizQuestion, rng: random.Random) -> tuple[QuizQuestion, list[int]]:
    """The question with its options in a random order, and that order (shown position ->
    authored position), so the right option is in each position equally often."""
    order = list(range(len(question.options)))
    rng.shuffle(order)
    shown = tuple(question.options[i] for i in order)
    return replace(question, options=shown, correct=order.index(question.correct)), order


def period_start(period: Period, at: float) -> float:
    """When the board of `period` containing `at` begins (unix seconds)."""
    if period is Period.ALL:
        return 0.0
    day = datetime.fromtimestamp(at, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period is Period.WEEK:
        return (day - timedelta(days=day.weekday())).timestamp()
    return day.replace(day=1).timestamp()


def can_stop(*, is_private: bool, user_id: int | None, started_by: int, is_admin: bool) -> bool:
    """Anyone in a private chat; in a group the player who started the round, or an admin."""
    return is_private or is_admin or (user_id is not None and user_id == started_by)


def rank(rows: list[tuple[str, int]]) -> list[tuple[int, str, int]]:
    """(name, points) best first -> (rank, name, points); ties share a rank: 1, 2, 2, 4."""
    ordered = sorted(rows, key=lambda r: -r[1])
    out: list[tuple[int, str, int]] = []
    for position, (name, points) in enumerate(ordered, 1):
        shared = out and out[-1][2] == points
        out.append((out[-1][0] if shared else position, name, points))
    return out


@dataclass(frozen=True, slots=True)
class QuizArgs:
    count: int | None = None  # None: the chat's setting
    topic: str | None = None  # the words naming a topic, as typed
    bad_count: bool = False  # a number out of range


def parse_quiz_args(text: str) -> QuizArgs:
    """ "/quiz 10 huion", "/quiz huion 10", "/quiz china mobile": a round size first or last,
    the rest names a topic."""
    words = text.split()
    count = None
    for position in (0, -1):
        if words and re.fullmatch(r"[-+]?\d+", words[position]):
            number = parse_round_size(words[position])
            if number is None:
                return QuizArgs(bad_count=True)
            count = number
            words.pop(position)
            break
    return QuizArgs(count, " ".join(words) or None)


def parse_round_size(text: str) -> int | None:
    """ "/quiz 10" -> 10; None when it is not a whole number in range."""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 3):  # "²".isdigit() is True
        return None
    number = int(text)
    return number if MIN_QUESTIONS <= number <= MAX_QUESTIONS else None
