"""Pacing: every send gets a slot inside Telegram's flood limits; one chat never waits for another.

Unit tests drive the limiter in virtual time (a FakeClock); the end-to-end tests run the real bot
against the project's emulator, whose flood limits answer 429 as Telegram does.
"""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import RetryAfter

from bot.sandbox.session import FakeClock
from bot.telegram.pacing import PacedRateLimiter, counts_as_message

PRIVATE_A, PRIVATE_B, GROUP = 101, 102, -1001


class Recorder:
    """A stand-in for the HTTP call: records (time, endpoint, chat) when the send happens."""

    def __init__(self, clock: FakeClock, fail_with: dict[int, list[int]] | None = None):
        self.clock = clock
        self.sent: list[tuple[float, str, object]] = []
        self.fail_with = fail_with or {}  # chat -> retry_after values to raise, in order

    def call(self, endpoint: str, chat_id: object):
        async def send():
            failures = self.fail_with.get(chat_id)
            if failures:
                raise RetryAfter(failures.pop(0))
            self.sent.append((self.clock(), endpoint, chat_id))
            return {"ok": True}

        return send


@pytest.fixture
def clock():
    return FakeClock(start=1000.0)


@pytest.fixture
def limiter(clock):
    return PacedRateLimiter(clock=clock, wait_until=clock.wait_until)


async def send(limiter, recorder, chat_id, endpoint="sendMessage"):
    return await limiter.process_request(
        recorder.call(endpoint, chat_id), (), {}, endpoint, {"chat_id": chat_id}, None
    )


def times_of(recorder, chat_id):
    return [at - 1000.0 for at, _, chat in recorder.sent if chat == chat_id]


async def test_a_private_chat_gets_one_message_a_second_in_order(limiter, clock):
    recorder = Recorder(clock)
    await asyncio.gather(*(send(limiter, recorder, PRIVATE_A) for _ in range(4)))
    assert times_of(recorder, PRIVATE_A) == [0.0, 1.0, 2.0, 3.0]


async def test_a_quiet_chat_is_answered_at_once(limiter, clock):
    recorder = Recorder(clock)
    await send(limiter, recorder, PRIVATE_A)
    clock.advance(5)
    await send(limiter, recorder, PRIVATE_A)
    assert times_of(recorder, PRIVATE_A) == [0.0, 5.0]


async def test_a_group_gets_at_most_twenty_messages_a_minute(limiter, clock):
    recorder = Recorder(clock)
    await asyncio.gather(*(send(limiter, recorder, GROUP) for _ in range(25)))
    times = times_of(recorder, GROUP)
    assert times[:20] == [float(i) for i in range(20)]
    assert times[20] == 60.0  # a minute after the first of the twenty
    for i, at in enumerate(times):
        assert sum(1 for other in times if at - 60 < other <= at) <= 20, i


async def test_a_busy_group_does_not_delay_a_private_chat(limiter, clock):
    recorder = Recorder(clock)
    group_backlog = [asyncio.create_task(send(limiter, recorder, GROUP)) for _ in range(40)]
    await asyncio.sleep(0)
    await send(limiter, recorder, PRIVATE_A)
    assert times_of(recorder, PRIVATE_A) == [0.0]
    for task in group_backlog:
        task.cancel()


async def test_thirty_messages_a_second_over_all_chats(limiter, clock):
    recorder = Recorder(clock)
    chats = range(1, 41)
    await asyncio.gather(*(send(limiter, recorder, chat) for chat in chats))
    times = sorted(at - 1000.0 for at, _, _ in recorder.sent)
    assert times.count(0.0) == 30 and times[30:] == [1.0] * 10


async def test_a_group_slot_a_minute_ahead_does_not_hold_back_everyone(limiter, clock):
    recorder = Recorder(clock)
    # Fill the group's minute: its 21st message is booked a minute ahead.
    group = [asyncio.create_task(send(limiter, recorder, GROUP)) for _ in range(21)]
    await asyncio.sleep(0)
    # 29 private chats now still fit in the first second's remaining capacity with it.
    await asyncio.gather(*(send(limiter, recorder, chat) for chat in range(1, 30)))
    assert all(at == 1000.0 for at, _, chat in recorder.sent if chat != GROUP)
    for task in group:
        task.cancel()


async def test_a_429_pauses_only_its_chat_and_the_send_is_tried_again(limiter, clock):
    recorder = Recorder(clock, fail_with={PRIVATE_A: [5]})
    await asyncio.gather(send(limiter, recorder, PRIVATE_A), send(limiter, recorder, PRIVATE_B))
    assert times_of(recorder, PRIVATE_B) == [0.0]
    assert times_of(recorder, PRIVATE_A) == [5.0]
    assert limiter.retries == 1


async def test_a_429_that_persists_reaches_the_caller(limiter, clock):
    recorder = Recorder(clock, fail_with={PRIVATE_A: [1, 1, 1]})
    with pytest.raises(RetryAfter):
        await send(limiter, recorder, PRIVATE_A)


async def test_edits_and_callback_answers_are_not_paced(limiter, clock):
    recorder = Recorder(clock)
    for _ in range(3):
        await send(limiter, recorder, PRIVATE_A, "sendMessage")
    await send(limiter, recorder, PRIVATE_A, "editMessageText")
    await send(limiter, recorder, PRIVATE_A, "answerCallbackQuery")
    edits = [at - 1000.0 for at, endpoint, _ in recorder.sent if endpoint != "sendMessage"]
    assert edits == [2.0, 2.0]  # at once, even though the chat's next message slot is at 3
    assert [counts_as_message(e) for e in ("sendPoll", "sendChatAction", "stopPoll")] == [
        True,
        False,
        False,
    ]


async def test_idle_chats_are_forgotten(clock):
    limiter = PacedRateLimiter(clock=clock, wait_until=clock.wait_until)
    recorder = Recorder(clock)
    for chat in range(1, 1100):
        await send(limiter, recorder, chat)
        clock.advance(0.1)
    assert limiter.chats_tracked < 1100


# -- the real bot against the strict emulator --------------------------------------------------


async def test_questions_typed_quickly_are_all_answered_without_a_429(sandbox, emulator, clock):
    alice = emulator.add_user("Alice")
    start = clock()
    for question in ["who founded huion"] * 6:
        emulator.send_message(alice, alice, question)
    await sandbox.settle()
    replies = emulator.bot_messages(alice)
    assert len(replies) == 6 and all("Xu Hefeng" in r["text"] for r in replies)
    assert emulator.too_many_requests == 0
    assert clock() - start >= 5  # one a second: the sixth reply went five seconds after the first


async def test_a_group_flooded_with_commands_is_paced_at_twenty_a_minute(sandbox, emulator, clock):
    alice = emulator.add_user("Alice")
    group = emulator.add_group("Busy", members=[alice])
    start = clock()
    for _ in range(25):
        emulator.send_message(group, alice, "/help")
    await sandbox.settle(timeout=30)
    assert len(emulator.bot_messages(group)) == 25
    assert emulator.too_many_requests == 0
    assert clock() - start >= 60


async def test_a_group_send_that_left_late_still_counts_from_when_it_left(clock):
    """A slot is a plan; Telegram counts a group's minute from the real sends. The 1st message
    left 5 s after its slot (a slow request before it): the 21st waits for that, not the plan."""
    limiter = PacedRateLimiter(clock=clock, wait_until=clock.wait_until)
    recorder = Recorder(clock)
    late = {"done": False}

    def call(chat_id):
        async def send():
            if not late["done"]:
                late["done"] = True
                clock.advance(5)  # this send reached Telegram 5 s late
            recorder.sent.append((clock(), "sendMessage", chat_id))
            return {"ok": True}

        return send

    async def one():
        await limiter.process_request(call(GROUP), (), {}, "sendMessage", {"chat_id": GROUP}, None)

    await asyncio.gather(*(one() for _ in range(21)))
    times = sorted(at for at, _, _ in recorder.sent)
    for at in times:  # never more than 20 in any minute of real sends
        assert sum(1 for other in times if at - 60 < other <= at) <= 20


async def test_thirty_a_second_holds_where_sends_arrive_not_only_in_the_plan(limiter, clock):
    """The first thirty sends are slow to arrive (a full connection pool), the next thirty quick:
    planned a second apart, they would arrive together. Telegram counts arrivals."""
    arrivals: list[float] = []
    order = iter(range(60))

    def call():
        async def send():
            slow = next(order) < 30
            await clock.wait_until(clock() + (0.9 if slow else 0.0))
            arrivals.append(clock())  # arrived by the time the answer comes
            return {"ok": True}

        return send

    async def one(chat):
        await limiter.process_request(call(), (), {}, "sendMessage", {"chat_id": chat}, None)

    await asyncio.gather(*(one(chat) for chat in range(1, 61)))
    arrivals.sort()
    for at in arrivals:
        assert sum(1 for other in arrivals if at - 1 < other <= at) <= 30


async def test_a_restart_still_counts_the_last_minutes_sends(settings, emulator, clock):
    """Telegram's minute outlives a restart: a group that had its twenty replies waits out that
    minute after the bot comes back, instead of getting a 429 (the emulator fixture checks)."""
    from bot.sandbox.session import Sandbox

    ann = emulator.add_user("Ann")
    group = emulator.add_group("Busy", members=[ann])
    start = clock()
    async with Sandbox(settings, emulator=emulator, clock=clock) as first:
        for _ in range(20):
            emulator.send_message(group, ann, "/help")
        await first.settle(timeout=30)
    assert len(emulator.bot_messages(group)) == 20 and clock() - start < 60
    async with Sandbox(settings, emulator=emulator, clock=clock) as second:
        emulator.send_message(group, ann, "/help")
        await second.settle(timeout=30)
    assert len(emulator.bot_messages(group)) == 21
    assert clock() - start >= 60  # the 21st waited for the first minute to pass


async def test_a_kill_still_counts_the_last_minutes_sends(settings, emulator, clock):
    """As above, but killed (no shutdown step runs): each group send was written down before it
    went, so the restarted bot still waits out the minute instead of getting a 429."""
    from bot.sandbox.session import Sandbox

    ann = emulator.add_user("Ann")
    group = emulator.add_group("Busy", members=[ann])
    start = clock()
    first = Sandbox(settings, emulator=emulator, clock=clock)
    await first.start()
    for _ in range(20):
        emulator.send_message(group, ann, "/help")
    await first.settle(timeout=30)
    await first.kill()
    assert len(emulator.bot_messages(group)) == 20 and clock() - start < 60
    async with Sandbox(settings, emulator=emulator, clock=clock) as second:
        emulator.send_message(group, ann, "/help")
        await second.settle(timeout=30)
    assert len(emulator.bot_messages(group)) == 21
    assert emulator.too_many_requests == 0
    assert clock() - start >= 60  # the 21st waited for the first minute to pass
