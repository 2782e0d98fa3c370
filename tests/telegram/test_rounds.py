"""The round driver without Telegram: a fake for its few Bot API operations, fake timers, the
real store and question bank, time passed in."""

from __future__ import annotations

import random

import pytest

from bot.knowledge.dataset import Lang
from bot.quiz.bank import QuestionBank
from bot.quiz.round import AnswerMode, ChatSettings, RoundStatus, Verdict
from bot.store import Store
from bot.telegram.rounds import CallFailed, Failure, RoundDriver, Sent, Start, Stop

CHAT = -100


class FakeTelegram:
    def __init__(self, clock):
        self.clock = clock
        self.calls: list[tuple] = []
        self.failures: dict[str, list[Failure]] = {}
        self._ids = iter(range(1, 10_000))

    def fail(self, method: str, *failures: Failure) -> None:
        self.failures.setdefault(method, []).extend(failures)

    def _maybe_fail(self, method: str) -> None:
        queue = self.failures.get(method)
        if queue:
            raise CallFailed(queue.pop(0), f"{method} failed")

    async def send_text(self, chat_id, text, markup=None) -> Sent:
        self.calls.append(("send_text", chat_id, text))
        self._maybe_fail("send_text")
        return Sent(next(self._ids), self.clock())

    async def send_poll(self, chat_id, question, options, correct, seconds, explanation) -> Sent:
        self.calls.append(("send_poll", chat_id, question, tuple(options), correct))
        self._maybe_fail("send_poll")
        message_id = next(self._ids)
        self.last_poll = f"poll{message_id}"
        return Sent(message_id, self.clock(), self.last_poll)

    async def stop_poll(self, chat_id, message_id) -> None:
        self.calls.append(("stop_poll", chat_id, message_id))
        self._maybe_fail("stop_poll")

    async def edit_text(self, chat_id, message_id, text, markup=None) -> None:
        self.calls.append(("edit_text", chat_id, message_id, text))
        self._maybe_fail("edit_text")

    def sent(self, kind: str) -> list[tuple]:
        return [c for c in self.calls if c[0] == kind]


class FakeTimers:
    def __init__(self):
        self.due: dict[tuple[int, int], float] = {}

    def set(self, round_id, idx, at):
        self.due[(round_id, idx)] = at

    def cancel(self, round_id, idx):
        self.due.pop((round_id, idx), None)


class Clock:
    now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
async def world(tmp_path, dataset):
    clock = Clock()
    store = await Store.open(tmp_path / "d.sqlite3")
    telegram, timers = FakeTelegram(clock), FakeTimers()
    driver = RoundDriver(
        store,
        QuestionBank(dataset),
        telegram,
        timers,
        clock=clock,
        rng=random.Random(5),
        topic_title=lambda topic, lang: topic or "everything",
    )
    await store.ensure_chat(CHAT, "supergroup", "G")
    await store.ensure_user(1, "Ann")
    yield driver, telegram, timers, clock, store
    await store.close()


async def start(driver, count=3, mode=AnswerMode.POLL):
    outcome, stored = await driver.start(
        CHAT,
        is_private=False,
        started_by=1,
        settings=ChatSettings(mode=mode, lang=Lang.EN),
        count=count,
        topic=None,
    )
    assert outcome is Start.STARTED
    return stored.state.round_id


async def fire(driver, timers, clock):
    (key, at), *_ = timers.due.items()
    clock.now = at
    await driver.close(*key, early=False)


async def test_a_round_asks_reveals_and_ends_with_its_table(world):
    driver, telegram, timers, clock, store = world
    round_id = await start(driver)
    (_, _, _question, options, correct) = telegram.sent("send_poll")[0]
    asked = await store.question(round_id, 0)
    assert list(options) == list(asked.question.options)  # stored in the order shown
    assert asked.question.correct == correct
    answered = await driver.answer_poll(telegram.last_poll, 1, correct, "Ann")
    assert answered.verdict is Verdict.ACCEPTED and answered.points == 15
    for _ in range(3):
        await fire(driver, timers, clock)
        if timers.due == {}:
            break
        poll = telegram.sent("send_poll")[-1]
        await driver.answer_poll(telegram.last_poll, 1, poll[4], "Ann")
    assert not telegram.sent("stop_poll")  # Telegram closes timed polls itself
    assert len(telegram.sent("send_poll")) == 3
    assert "Round over" in telegram.calls[-1][2] and "Ann — 45" in telegram.calls[-1][2]
    assert (await store.load_round(round_id)).state.status is RoundStatus.FINISHED


async def test_two_questions_refused_in_a_row_end_the_round_with_a_word(world):
    driver, telegram, timers, _, store = world
    telegram.fail("send_poll", Failure.REFUSED, Failure.UNKNOWN)
    round_id = await start(driver)
    assert len(telegram.sent("send_poll")) == 2
    assert "could not send" in telegram.calls[-1][2]
    assert (await store.load_round(round_id)).state.status is RoundStatus.STOPPED
    assert timers.due == {}


async def test_one_question_not_sent_is_skipped(world):
    driver, telegram, timers, _clock, store = world
    telegram.fail("send_poll", Failure.UNKNOWN)
    round_id = await start(driver)
    assert len(telegram.sent("send_poll")) == 2  # the first skipped, never resent
    assert (await store.question(round_id, 0)).closed
    assert list(timers.due) == [(round_id, 1)]


async def test_a_chat_the_bot_cannot_write_to_ends_the_round_quietly(world):
    driver, telegram, _timers, _, store = world
    telegram.fail("send_poll", Failure.GONE)
    round_id = await start(driver)
    assert telegram.calls[-1][0] == "send_poll"  # nothing sent after the 403
    assert (await store.load_round(round_id)).state.status is RoundStatus.STOPPED


async def test_a_poll_that_cannot_be_stopped_does_not_keep_a_stop_from_showing_the_table(world):
    driver, telegram, _timers, _, _store = world
    await start(driver)
    telegram.fail("stop_poll", Failure.UNKNOWN)  # retried below the driver, in resilience.py
    outcome = await driver.stop(CHAT, user_id=2, is_admin=_no)
    assert outcome is Stop.DENIED
    assert await driver.stop(CHAT, user_id=1, is_admin=_no) is Stop.STOPPED
    assert len(telegram.sent("stop_poll")) == 1
    assert "Round stopped" in telegram.calls[-1][2] and "Answer:" in telegram.calls[-1][2]
    assert await driver.stop(CHAT, user_id=1, is_admin=_no) is Stop.NO_ROUND


async def _no() -> bool:
    return False


async def test_a_vote_before_the_poll_is_known_is_judged_once_it_is(world):
    driver, _telegram, _timers, _clock, store = world
    early = await driver.answer_poll("poll2", 1, 0, "Ann")  # the poll id of the first question
    assert early.verdict is Verdict.STALE
    round_id = await start(driver)
    assert len(await store.answers(round_id, 0)) == 1


async def test_the_sweep_closes_a_question_that_lost_its_timer(world):
    driver, _telegram, timers, clock, store = world
    round_id = await start(driver)
    timers.due.clear()  # lost
    clock.now += 30 + 1 + 11
    await driver.sweep()
    assert (await store.question(round_id, 0)).closed
    assert (round_id, 1) in timers.due


async def test_buttons_reveal_in_the_question_message_itself(world):
    driver, telegram, timers, clock, _store = world
    await start(driver, count=2, mode=AnswerMode.BUTTONS)
    await fire(driver, timers, clock)
    (edit,) = telegram.sent("edit_text")
    assert "Answer:" in edit[3] and "Question 1/2" in edit[3]
    assert not [c for c in telegram.sent("send_text") if "Answer:" in c[2]]


async def test_over_many_rounds_each_position_is_right_about_equally_often(world):
    driver, telegram, _, _, _ = world
    positions: dict[int, int] = {}
    for _ in range(150):
        await start(driver, count=1)
        (_, _, _, options, correct) = telegram.sent("send_poll")[-1]
        if len(options) == 4:
            positions[correct] = positions.get(correct, 0) + 1
        await driver.stop(CHAT, user_id=1, is_admin=_no)
    n = sum(positions.values())
    assert n > 100 and sorted(positions) == [0, 1, 2, 3]
    chi2 = sum((positions[p] - n / 4) ** 2 / (n / 4) for p in range(4))
    assert chi2 < 16.3, positions  # 3 degrees of freedom, p = 0.001


async def test_a_reply_that_states_the_open_questions_answer_is_declined(world):
    """Not only replies built on the open question's fact: any reply that states its right
    answer (a list of named winners, say) would give it away while the question is open."""
    from types import SimpleNamespace

    from bot.telegram.rounds import DRIVER_KEY, decline

    driver, _telegram, timers, clock, store = world
    round_id = await start(driver, count=1)
    asked = (await store.question(round_id, 0)).question
    answer = asked.options[asked.correct]
    app = SimpleNamespace(bot_data={DRIVER_KEY: driver})
    elsewhere = "Some other fact entirely."
    assert await decline(app, CHAT, ("other.fact",), lambda: elsewhere) is None
    assert await decline(app, CHAT, (asked.fact_id,), lambda: elsewhere)  # its fact
    stating = f"The winners they name are: Tencent, {answer} and BYD."
    assert "after the reveal" in await decline(app, CHAT, ("other.fact",), lambda: stating)
    await fire(driver, timers, clock)  # revealed: anything may be said again
    assert await decline(app, CHAT, (asked.fact_id,), lambda: stating) is None
