"""The round driver: one quiz round's story, top to bottom.

    start -> ask -> (answers) -> close -> reveal -> ask the next ... -> finish
                                 (timer, a private answer, /stop)      (results, /stop, nobody
                                                                        playing, sends failing)

Every step loads the round once from the store (the source of truth: a process killed at any
point resumes from it), decides with the pure rules of bot.quiz.round, and talks to Telegram
through `Telegram`, a narrow set of operations (fake it in tests), and to timers through
`Timers`. Handlers (play.py) only translate updates into these calls.

A failed call never leaves a round stuck. What is safe to repeat (stopping a poll, editing a
message) is retried; a send is never repeated (a dropped connection may hide a send that went
through): a question that could not be sent is skipped, two in a row end the round, and a chat
the bot can no longer write to ends it quietly. Each is logged with its reason.

Seams for the reach features: `start` (a deep link), `stop_quietly` (the bot was removed from
a group), `resume_round` (after a group's round was moved to its new supergroup id).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.knowledge.dataset import Lang
from bot.quiz.bank import QuestionBank, QuizQuestion, states
from bot.quiz.round import (
    MAX_SECONDS,
    AnswerMode,
    ChatSettings,
    Reveal,
    RoundStatus,
    Verdict,
    can_stop,
    is_stuck,
    rank,
    reveal,
    should_auto_stop,
    shuffle_options,
)
from bot.store import Store, StoredQuestion, StoredRound
from bot.telegram import render

log = logging.getLogger(__name__)

DRIVER_KEY = "rounds"  # application.bot_data key of the RoundDriver
POLL_GRACE = 1.0  # after Telegram closes a poll, votes cast in its last moment are still arriving
RESUME_GRACE = 3.0  # after a restart, pending answers are handled before overdue questions close
LOST_TIMER = 10.0  # a question this far past its close time lost its timer: the sweep closes it
SWEEP_EVERY = 180.0  # seconds between two looks for stalled rounds
EARLY_VOTE_TTL = MAX_SECONDS + 60.0  # votes for a poll never stored are dropped after this
# A tap can arrive before sendMessage's answer does (a slow answer, a fast player): it waits this
# long for the question's message id, then counts as of when it came.
TAP_WAITS_FOR_SEND = 10.0


# -- what the driver needs from Telegram ----------------------------------------------------------


class Failure(StrEnum):
    REFUSED = "refused"  # 400: Telegram will not take this call as it is
    GONE = "gone"  # 403: the bot cannot write to this chat any more
    UNKNOWN = "unknown"  # timeout, dropped connection, 5xx: it may or may not have happened
    NOT_SENT = "not_sent"  # 429 left over by the rate limiter: it did not happen


class CallFailed(Exception):
    def __init__(self, failure: Failure, detail: str):
        super().__init__(f"{failure}: {detail}")
        self.failure, self.detail = failure, detail


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: int
    date: float  # when Telegram says the message was sent (unix seconds)
    poll_id: str | None = None


class Telegram(Protocol):
    """The Bot API calls a round makes. Each raises CallFailed; "message is not modified" and
    "poll has already been closed" are successes (the goal is reached)."""

    async def send_text(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> Sent: ...

    async def send_poll(
        self, chat_id: int, question: str, options: list[str], correct: int, seconds: int,
        explanation: str,
    ) -> Sent: ...  # fmt: skip

    async def stop_poll(self, chat_id: int, message_id: int) -> None: ...

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None: ...


class Timers(Protocol):
    """One timer per asked question: when it fires, the driver closes the question."""

    def set(self, round_id: int, idx: int, at: float) -> None: ...

    def cancel(self, round_id: int, idx: int) -> None: ...


class BotTelegram:
    """`Telegram` over python-telegram-bot's Bot: its errors become CallFailed."""

    def __init__(self, bot):
        self.bot = bot

    async def _call(self, call: Callable[[], Awaitable]):
        try:
            return await call()
        except Forbidden as error:
            raise CallFailed(Failure.GONE, str(error)) from error
        except BadRequest as error:
            raise CallFailed(Failure.REFUSED, str(error)) from error
        except RetryAfter as error:
            raise CallFailed(Failure.NOT_SENT, str(error)) from error
        except TelegramError as error:  # NetworkError, TimedOut, 5xx
            raise CallFailed(Failure.UNKNOWN, f"{type(error).__name__}: {error}") from error

    async def send_text(self, chat_id, text, markup=None) -> Sent:
        message = await self._call(
            lambda: self.bot.send_message(chat_id, text, reply_markup=markup)
        )
        return Sent(message.message_id, message.date.timestamp())

    async def send_poll(self, chat_id, question, options, correct, seconds, explanation) -> Sent:
        message = await self._call(
            lambda: self.bot.send_poll(
                chat_id,
                question=question,
                options=options,
                type="quiz",
                correct_option_ids=[correct],
                is_anonymous=False,
                open_period=seconds,
                explanation=explanation,
                explanation_parse_mode=None,
            )
        )
        return Sent(message.message_id, message.date.timestamp(), message.poll.id)

    async def stop_poll(self, chat_id, message_id) -> None:
        try:
            await self._call(lambda: self.bot.stop_poll(chat_id, message_id))
        except CallFailed as failed:
            if "already been closed" not in failed.detail:
                raise

    async def edit_text(self, chat_id, message_id, text, markup=None) -> None:
        try:
            await self._call(
                lambda: self.bot.edit_message_text(text, chat_id, message_id, reply_markup=markup)
            )
        except CallFailed as failed:
            if "not modified" not in failed.detail:
                raise


# -- outcomes handlers turn into replies ------------------------------------------------------


class Start(StrEnum):
    STARTED = "started"
    RUNNING = "running"  # a round runs in this chat already
    NO_QUESTIONS = "no_questions"


class Stop(StrEnum):
    STOPPED = "stopped"
    NO_ROUND = "no_round"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class Answered:
    verdict: Verdict
    correct: bool = False
    points: int = 0
    lang: Lang = Lang.EN
    round_id: int = 0
    idx: int = 0
    closes: bool = False  # the round moves on now (a private chat's only player answered)


# -- the driver ---------------------------------------------------------------------------------


class RoundDriver:
    def __init__(
        self,
        store: Store,
        bank: QuestionBank,
        telegram: Telegram,
        timers: Timers,
        *,
        clock: Callable[[], float],
        rng: random.Random,
        topic_title: Callable[[str | None, Lang], str],
    ):
        self.store, self.bank, self.telegram, self.timers = store, bank, telegram, timers
        self.clock, self.rng, self.topic_title = clock, rng, topic_title
        # poll id -> votes that came before sendPoll's answer: (user, option, name, at)
        self._early: dict[str, list[tuple[int, int, str, float]]] = {}
        # (round, question) -> set once a send begun has its answer (or failed): for early taps
        self._sends: dict[tuple[int, int], asyncio.Event] = {}

    # -- start --------------------------------------------------------------------------------
    async def start(
        self,
        chat_id: int,
        *,
        is_private: bool,
        started_by: int,
        settings: ChatSettings,
        count: int,
        topic: str | None,
    ) -> tuple[Start, StoredRound | None]:
        """Start a round in a chat. A stalled round there is ended first (and the chat told);
        a live one is left alone and returned with RUNNING."""
        running = await self.store.running_round(chat_id)
        if running is not None:
            if not await self.stalled(running):
                return Start.RUNNING, running
            await self.finish(running, RoundStatus.STOPPED, title_key="stalled")
            log.info(
                "round %s in chat %s had stalled; ended at /quiz", running.state.round_id, chat_id
            )
        lang = settings.lang
        seen = await self.store.seen(chat_id)
        questions = self.bank.pick(count, lang, self.rng, topic, seen=seen)
        if not questions:
            await self._say(chat_id, render.t("no_questions", lang))
            return Start.NO_QUESTIONS, None
        round_id = await self.store.create_round(
            chat_id=chat_id,
            started_by=started_by,
            settings=settings,
            questions=questions,
            at=self.clock(),
            topic=topic,
        )
        if round_id is None:  # another /quiz won the race
            return Start.RUNNING, await self.store.running_round(chat_id)
        intro = render.round_intro(len(questions), self.topic_title(topic, lang), settings)
        try:
            await self.telegram.send_text(chat_id, intro)
        except CallFailed as failed:
            if failed.failure is Failure.GONE:
                await self._end_quietly(round_id, f"intro not sent ({failed})")
                return Start.STARTED, None
            log.warning("round %s: intro not sent (%s); asking anyway", round_id, failed)
        await self.ask(round_id, 0)
        return Start.STARTED, await self.store.load_round(round_id)

    # -- ask ------------------------------------------------------------------------------------
    async def ask(self, round_id: int, idx: int, *, prefix: str = "") -> None:
        """Send question `idx` (options shuffled, the order stored first) and set its timer.
        `prefix`: a line folded into the question (a private player's last verdict)."""
        stored = await self.store.load_round(round_id)
        asked = await self.store.question(round_id, idx)
        if not _running(stored) or asked is None or asked.sending or asked.closed:
            return
        if asked.shuffled:  # shown before (the console's repost): the same order again
            shown, order = asked.question, None
        else:
            shown, order = shuffle_options(asked.question, self.rng)
        if not await self.store.begin_send(round_id, idx, shown, order, self.clock()):
            return  # someone else is sending it
        try:
            await self._send_question(stored, idx, shown, prefix)
        finally:
            self._sends.pop((round_id, idx), asyncio.Event()).set()  # wake early taps

    async def _send_question(
        self, stored: StoredRound, idx: int, shown: QuizQuestion, prefix: str
    ) -> None:
        state, lang, round_id = stored.state, stored.lang, stored.state.round_id
        header = render.question_header(idx + 1, state.total, lang)
        if prefix:
            header = f"{prefix} · {header}"
        try:
            if stored.mode is AnswerMode.POLL:
                sent = await self.telegram.send_poll(
                    state.chat_id,
                    render.poll_question(header, shown.text),
                    [render.poll_option(o) for o in shown.options],
                    shown.correct,
                    state.seconds,
                    render.poll_explanation(shown.explanation),
                )
            else:
                sent = await self.telegram.send_text(
                    state.chat_id,
                    render.button_question(header, shown.text),
                    render.answer_keyboard(round_id, idx, shown.options),
                )
        except CallFailed as failed:
            await self._not_sent(stored, idx, failed)
            return
        # The clock starts when the question is on screen: the message's date (unless
        # Telegram's clock is ahead of ours).
        deadline = min(sent.date, self.clock()) + state.seconds
        await self.store.mark_sent(
            round_id, idx, deadline=deadline, poll_id=sent.poll_id, message_id=sent.message_id
        )
        self.timers.set(round_id, idx, self._close_time(stored, deadline))
        if sent.poll_id is not None:
            for user_id, option, name, at in self._early.pop(sent.poll_id, []):
                await self.answer_poll(sent.poll_id, user_id, option, name, at)

    @staticmethod
    def _close_time(stored: StoredRound, deadline: float) -> float:
        return deadline + (POLL_GRACE if stored.mode is AnswerMode.POLL else 0.0)

    async def _not_sent(self, stored: StoredRound, idx: int, failed: CallFailed) -> None:
        """A question could not be sent (or we cannot tell): skip it, never send it again."""
        round_id = stored.state.round_id
        log.warning("round %s: question %s skipped, not sent (%s)", round_id, idx + 1, failed)
        await self.store.close_question(round_id, idx, self.clock())
        if failed.failure is Failure.GONE:
            await self._end_quietly(round_id, "the bot cannot write to the chat")
            return
        recent = await self.store.recent(round_id, idx)
        unsent = _leading(recent, lambda sent, _: not sent)
        if unsent >= 2:
            await self.finish(stored, RoundStatus.STOPPED, title_key="send_failed")
            return
        await self._next(round_id, idx)

    # -- answers ----------------------------------------------------------------------------
    async def answer_poll(
        self, poll_id: str, user_id: int, option: int, name: str, at: float | None = None
    ) -> Answered:
        """A vote in a quiz poll. Votes for a poll not known yet (sendPoll's answer is still on
        its way) are kept and judged once it is stored."""
        at = self.clock() if at is None else at
        asked = await self.store.question_by_poll(poll_id)
        if asked is None:
            self._keep_early(poll_id, (user_id, option, name, at))
            return Answered(Verdict.STALE)
        stored = await self.store.load_round(asked.round_id)
        answered = await self._judge(stored, asked, user_id, option, name, at, poll=True)
        if answered.closes:
            await self.close(asked.round_id, asked.idx, early=True)
        return answered

    def _keep_early(self, poll_id: str, vote: tuple[int, int, str, float]) -> None:
        self._early.setdefault(poll_id, []).append(vote)
        if len(self._early) > 64:  # polls never stored (an older bot's): drop their votes
            oldest = vote[3] - EARLY_VOTE_TTL
            self._early = {p: v for p, v in self._early.items() if v[0][3] >= oldest}

    async def answer_button(
        self,
        answer: render.AnswerButton,
        *,
        chat_id: int,
        message_id: int | None,
        user_id: int,
        name: str,
    ) -> Answered:
        """A tap on an answer button, checked against the message it came from. The caller
        answers the tap, then calls `after_answer` (the toast comes first)."""
        at = self.clock()  # a tap counts as of when it came, even if it has to wait below
        asked = await self.store.question(answer.round_id, answer.idx)
        if asked is not None and asked.message_id is None and asked.sending:
            asked = await self._after_send(asked)
        stored = await self.store.load_round(answer.round_id) if asked else None
        if (
            asked is None
            or stored is None
            or stored.mode is not AnswerMode.BUTTONS
            or stored.state.chat_id != chat_id
            or asked.message_id is None
            or asked.message_id != message_id
        ):
            return Answered(Verdict.STALE, lang=stored.lang if stored else Lang.EN)
        return await self._judge(stored, asked, user_id, answer.option, name, at, poll=False)

    async def _after_send(self, asked: StoredQuestion) -> StoredQuestion | None:
        """The question once its send has an answer (a tap came before it did)."""
        key = (asked.round_id, asked.idx)
        sent = self._sends.setdefault(key, asyncio.Event())
        asked = await self.store.question(*key)  # the send may have finished meanwhile
        if asked is not None and asked.message_id is None and asked.sending:
            try:
                async with asyncio.timeout(TAP_WAITS_FOR_SEND):
                    await sent.wait()
            except TimeoutError:
                return asked
            asked = await self.store.question(*key)
        return asked

    async def after_answer(self, answered: Answered) -> None:
        if answered.closes:
            await self.close(answered.round_id, answered.idx, early=True)

    async def _judge(
        self,
        stored: StoredRound | None,
        asked: StoredQuestion,
        user_id: int,
        option: int,
        name: str,
        at: float,
        *,
        poll: bool,
    ) -> Answered:
        if stored is None:
            return Answered(Verdict.STALE)
        state = stored.state
        judgement = state.judge(
            index=asked.idx,
            option=option,
            correct_option=asked.question.correct,
            n_options=len(asked.question.options),
            at=at,
            already_answered=False,  # the database's unique key decides, race-free, below
            enforce_deadline=not poll,  # Telegram closes a poll on time itself
        )
        verdict = judgement.verdict
        if judgement.counts:
            verdict = await self.store.record_answer(
                chat_id=state.chat_id,
                round_id=state.round_id,
                idx=asked.idx,
                user_id=user_id,
                option=option,
                judgement=judgement,
                at=at,
                name=name,
            )
        accepted = verdict is Verdict.ACCEPTED
        return Answered(
            verdict,
            judgement.correct and accepted,
            judgement.points if accepted else 0,
            stored.lang,
            state.round_id,
            asked.idx,
            closes=accepted and state.closes_after_answer(),
        )

    # -- close, reveal, next --------------------------------------------------------------------
    async def close(self, round_id: int, idx: int, *, early: bool) -> None:
        """Close question `idx` once (however many callers race), reveal it, then go on: the
        next question, or the results; or stop when nobody is playing. `early`: before its
        time (only then is a poll stopped: Telegram closes it itself at its open_period's end)."""
        stored = await self.store.load_round(round_id)
        if not _running(stored) or stored.state.index != idx:
            return
        if not await self.store.close_question(round_id, idx, self.clock()):
            return
        self.timers.cancel(round_id, idx)
        asked = await self.store.question(round_id, idx)
        if asked is None or asked.message_id is None:
            await self._next(round_id, idx)
            return
        if early and stored.mode is AnswerMode.POLL:
            await self._safely(
                "stop the poll",
                lambda: self.telegram.stop_poll(stored.state.chat_id, asked.message_id),
            )
        shown = reveal(asked.question, await self.store.answers(round_id, idx))
        said = await self._reveal(stored, asked, shown)
        recent = await self.store.recent(round_id, idx)
        unanswered = _leading(recent, lambda sent, answered: sent and not answered)
        if should_auto_stop(unanswered, is_private=stored.state.is_private):
            await self.finish(
                stored,
                RoundStatus.STOPPED,
                head=said,
                title_key="auto_stopped",
                unanswered=unanswered,
            )
            return
        if stored.state.after_close().status is RoundStatus.FINISHED:
            await self.finish(stored, RoundStatus.FINISHED, head=said)
            return
        if said and not stored.state.is_private:
            await self._say(stored.state.chat_id, render.fit(said))
            said = []
        await self._next(round_id, idx, prefix=said[0] if said else "")

    async def _reveal(self, stored: StoredRound, asked: StoredQuestion, shown: Reveal) -> list[str]:
        """Show the answer. Buttons: the question's message turns into its reveal (no new
        message). Polls show the answer themselves: a group gets who was right, a private
        player a verdict; both are returned, to be sent or folded into the next message."""
        state, lang = stored.state, stored.lang
        if stored.mode is AnswerMode.BUTTONS:
            header = render.question_header(asked.idx + 1, state.total, lang)
            text = render.button_question(
                header,
                asked.question.text,
                render.reveal_lines(shown, lang, names=not state.is_private),
            )
            await self._safely(
                "reveal in the question",
                lambda: self.telegram.edit_text(state.chat_id, asked.message_id, text),
            )
            return []
        if state.is_private:
            if shown.right:
                return [render.verdict(True, shown.right[0][2], lang)]
            return [render.verdict(False, 0, lang)] if shown.wrong else []
        return render.reveal_lines(shown, lang)

    async def _next(self, round_id: int, idx: int, *, prefix: str = "") -> None:
        stored = await self.store.load_round(round_id)
        if not _running(stored):
            return
        following = stored.state.after_close()
        if following.status is RoundStatus.FINISHED:
            await self.finish(stored, RoundStatus.FINISHED)
            return
        await self.store.advance(round_id, following.index)
        await self.ask(round_id, following.index, prefix=prefix)

    # -- finish, stop ----------------------------------------------------------------------------
    async def finish(
        self,
        stored: StoredRound,
        status: RoundStatus,
        *,
        head: list[str] | None = None,
        title_key: str | None = None,
        unanswered: int = 0,
    ) -> bool:
        """End the round once and post its table (with `head`, e.g. the last reveal, on top)."""
        round_id, lang = stored.state.round_id, stored.lang
        if not await self.store.end_round(round_id, status, self.clock()):
            return False
        self.timers.cancel(round_id, stored.state.index)
        key = title_key or ("results" if status is RoundStatus.FINISHED else "stopped")
        title = render.STRINGS[key][lang].format(
            n=unanswered, plural="" if unanswered == 1 else "s"
        )
        ranked = rank(await self.store.round_results(round_id))
        await self._say(
            stored.state.chat_id,
            render.results_text(title, ranked, lang, head or []),
            render.again_keyboard(round_id, lang),
        )
        log.info("round %s in chat %s ended: %s", round_id, stored.state.chat_id, key)
        return True

    async def stop(
        self, chat_id: int, *, user_id: int | None, is_admin: Callable[[], Awaitable[bool]]
    ) -> Stop:
        """/stop: the round's starter, an admin, or anyone in a private chat; the chat gets the
        table so far."""
        stored = await self.store.running_round(chat_id)
        if stored is None:
            return Stop.NO_ROUND
        state = stored.state
        starter = user_id is not None and user_id == state.started_by
        allowed = can_stop(
            is_private=state.is_private,
            user_id=user_id,
            started_by=state.started_by,
            is_admin=state.is_private or starter or await is_admin(),
        )
        if not allowed:
            return Stop.DENIED
        head = await self._close_for_good(stored)
        await self.finish(stored, RoundStatus.STOPPED, head=head)
        return Stop.STOPPED

    async def stop_quietly(self, chat_id: int) -> bool:
        """End a chat's round without a word (the bot was removed from the group)."""
        stored = await self.store.running_round(chat_id)
        if stored is None:
            return False
        idx = stored.state.index
        if await self.store.close_question(stored.state.round_id, idx, self.clock()):
            self.timers.cancel(stored.state.round_id, idx)
        await self._end_quietly(stored.state.round_id, "stopped quietly")
        return True

    async def _close_for_good(self, stored: StoredRound) -> list[str]:
        """Close the open question of a round being stopped; its reveal, to head the table."""
        round_id, idx = stored.state.round_id, stored.state.index
        if not await self.store.close_question(round_id, idx, self.clock()):
            return []
        self.timers.cancel(round_id, idx)
        asked = await self.store.question(round_id, idx)
        if asked is None or asked.message_id is None:
            return []
        if stored.mode is AnswerMode.POLL:
            await self._safely(
                "stop the poll",
                lambda: self.telegram.stop_poll(stored.state.chat_id, asked.message_id),
            )
        shown = reveal(asked.question, await self.store.answers(round_id, idx))
        return await self._reveal(stored, asked, shown)

    async def _end_quietly(self, round_id: int, why: str) -> None:
        if await self.store.end_round(round_id, RoundStatus.STOPPED, self.clock()):
            log.info("round %s ended quietly: %s", round_id, why)

    # -- restart, stalled rounds ---------------------------------------------------------------
    async def resume(self) -> None:
        """At start-up: carry on every round the database says is running."""
        for stored in await self.store.open_rounds():
            await self.resume_round(stored)

    async def resume_round(self, stored: StoredRound) -> None:
        state, at = stored.state, self.clock()
        round_id = state.round_id
        if await self.stalled(stored):
            await self.finish(stored, RoundStatus.STOPPED, title_key="stalled")
            return
        asked = await self.store.question(round_id, state.index)
        if asked is None:
            await self.finish(stored, RoundStatus.FINISHED)
        elif asked.closed:  # died between a close and the next question
            await self._next(round_id, state.index)
        elif asked.message_id is not None:
            # Answers sent while the bot was down are still queued at Telegram: give them a
            # moment to be handled before an overdue question closes.
            close_at = max(self._close_time(stored, asked.deadline), at + RESUME_GRACE)
            self.timers.set(round_id, state.index, close_at)
        elif asked.sending:  # died during the send: it may be on screen; never send it twice
            await self._not_sent(
                stored, state.index, CallFailed(Failure.UNKNOWN, "interrupted by a restart")
            )
        else:
            await self.ask(round_id, state.index)
        log.info(
            "resumed round %s in chat %s at question %s", round_id, state.chat_id, state.index + 1
        )

    async def carry_over(self, chat_id: int) -> bool:
        """The chat's round moved with its group to the group's new supergroup id (see
        Store.move_chat). The question on screen stayed behind in the old chat, which takes no
        more votes: it is closed unrevealed, and the round goes on here with the next one."""
        stored = await self.store.running_round(chat_id)
        if stored is None:
            return False
        round_id, idx = stored.state.round_id, stored.state.index
        if await self.store.close_question(round_id, idx, self.clock()):
            self.timers.cancel(round_id, idx)
        await self._say(chat_id, render.t("round_moved", stored.lang))
        await self._next(round_id, idx)
        log.info("round %s carried over to chat %s", round_id, chat_id)
        return True

    async def sweep(self) -> None:
        """Every few minutes: end stalled rounds; close questions whose timer was lost."""
        at = self.clock()
        for stored in await self.store.open_rounds():
            if await self.stalled(stored):
                log.warning("round %s had stalled; ending it", stored.state.round_id)
                await self.finish(stored, RoundStatus.STOPPED, title_key="stalled")
                continue
            state = stored.state
            overdue = state.deadline is not None and not state.closed
            if overdue and at > self._close_time(stored, state.deadline) + LOST_TIMER:
                log.warning("round %s: question %s lost its timer", state.round_id, state.index + 1)
                await self.close(state.round_id, state.index, early=False)

    async def stalled(self, stored: StoredRound) -> bool:
        last = await self.store.last_activity(stored.state.round_id)
        return is_stuck(last, stored.state.seconds, self.clock())

    # -- the chat's questions and the lookup ----------------------------------------------------
    async def open_question(self, chat_id: int) -> QuizQuestion | None:
        """The chat's question on screen (while it is open), else None."""
        stored = await self.store.running_round(chat_id)
        if stored is None or stored.state.closed or stored.state.deadline is None:
            return None
        asked = await self.store.question(stored.state.round_id, stored.state.index)
        return asked.question if asked and not asked.closed else None

    async def repost_open_question(self, chat_id: int) -> bool:
        """Send the chat's open question again as a new message (the console after a restart:
        its chat starts empty, so the old message is gone). Never used with Telegram."""
        stored = await self.store.running_round(chat_id)
        if stored is None or stored.state.closed:
            return False
        round_id, idx = stored.state.round_id, stored.state.index
        asked = await self.store.question(round_id, idx)
        if asked is None or asked.message_id is None:
            return False
        self.timers.cancel(round_id, idx)
        await self.store.reopen_send(round_id, idx)
        await self.ask(round_id, idx)
        return True

    # -- helpers ---------------------------------------------------------------------------------
    async def _say(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """A message that is not a question: sent once; if it fails, the round goes on."""
        try:
            await self.telegram.send_text(chat_id, text, markup)
        except CallFailed as failed:
            log.warning("chat %s: message not sent (%s)", chat_id, failed)

    async def _safely(self, what: str, call: Callable[[], Awaitable[None]]) -> bool:
        """A call whose failure does not stop the round (stopping a poll Telegram also closes on
        time, taking buttons away). It is tried once here: the request layer (resilience.py)
        already retries such calls on timeouts and server errors."""
        try:
            await call()
            return True
        except CallFailed as failed:
            log.warning("could not %s (%s)", what, failed)
            return False


def _running(stored: StoredRound | None) -> bool:
    return stored is not None and stored.state.status is RoundStatus.RUNNING


def _leading(recent: list[tuple[bool, bool]], test: Callable[[bool, bool], bool]) -> int:
    """How many of the latest questions in a row pass `test(sent, answered)`; questions that
    were not sent are passed over when counting unanswered ones."""
    count = 0
    for sent, answered in recent:
        if test(sent, answered):
            count += 1
        elif sent:
            break
    return count


def driver(app) -> RoundDriver:
    return app.bot_data[DRIVER_KEY]


async def decline(
    app, chat_id: int, facts: tuple[str, ...], reply: Callable[[], str]
) -> str | None:
    """For the lookup: while a question is open in this chat, a reply built on its fact, or one
    that states its right answer (a list of winners, say), is declined there ("ask me after the
    reveal"); returns the text to say instead, else None. `reply()` gives the reply's text (only
    written when a question is open)."""
    rounds = app.bot_data.get(DRIVER_KEY)
    if rounds is None:
        return None
    question = await rounds.open_question(chat_id)
    if question is None:
        return None
    if question.fact_id not in facts and not states(reply(), question.options[question.correct]):
        return None
    stored = await rounds.store.running_round(chat_id)
    return render.t("decline_open", stored.lang if stored else Lang.EN)


class JobTimers:
    """`Timers` on python-telegram-bot's JobQueue: one job per question, named
    "quiz:<round>:<question>", its close time in job.data["deadline"] (the sandbox fires jobs
    by that time on its fake clock). Jobs live in memory: `resume` sets them again."""

    def __init__(self, app, clock: Callable[[], float]):
        self.app, self.clock = app, clock

    @staticmethod
    def name(round_id: int, idx: int) -> str:
        return f"quiz:{round_id}:{idx}"

    def set(self, round_id: int, idx: int, at: float) -> None:
        self.cancel(round_id, idx)
        self.app.job_queue.run_once(
            _close_job,
            when=max(at - self.clock(), 0.0),
            name=self.name(round_id, idx),
            data={"deadline": at, "round_id": round_id, "idx": idx},
        )

    def cancel(self, round_id: int, idx: int) -> None:
        # Compared by hand: get_jobs_by_name compiles a regex per name, and a name per question
        # kept replacing the entries of re's 512-pattern cache (the soak's top growing site).
        name = self.name(round_id, idx)
        for job in self.app.job_queue.jobs():
            if job.name == name:
                job.schedule_removal()


async def _close_job(context) -> None:
    data = context.job.data
    await driver(context.application).close(data["round_id"], data["idx"], early=False)


async def _sweep_job(context) -> None:
    await driver(context.application).sweep()


def install(app, store: Store, bank: QuestionBank, *, clock, rng, topic_title) -> RoundDriver:
    """Create the application's round driver, and the job that looks for stalled rounds."""
    rounds = RoundDriver(
        store,
        bank,
        BotTelegram(app.bot),
        JobTimers(app, clock),
        clock=clock,
        rng=rng,
        topic_title=topic_title,
    )
    app.bot_data[DRIVER_KEY] = rounds
    app.job_queue.run_repeating(
        _sweep_job, interval=SWEEP_EVERY, first=SWEEP_EVERY, name="quiz:sweep"
    )
    return rounds
