"""Telegram failing under the bot: 5xx, timeouts, late answers, dropped connections, bad updates.

Each case is injected into the emulator (`fail_next`, `inject_update`) and checked from the user's
side: exactly one answer or one apology, never both; the bot carries on afterwards.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.__main__ import RedactingFilter
from bot.telegram.app import ChatOrderedUpdateProcessor
from tests.telegram.conftest import say, tap

APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."


async def test_failed_send_is_logged_and_the_user_gets_an_apology(sandbox, emulator, caplog):
    alice = emulator.add_user("Alice")
    emulator.fail_next("sendMessage", error_code=502)
    with caplog.at_level(logging.ERROR):
        replies = await say(sandbox, alice, alice, "who founded huion")
    assert [r["text"] for r in replies] == [APOLOGY]
    assert any(r.exc_info for r in caplog.records if r.levelno >= logging.ERROR)
    (again,) = await say(sandbox, alice, alice, "who founded huion")  # and the bot carries on
    assert "Xu Hefeng" in again["text"]


@pytest.mark.parametrize("kind", ["late", "drop_after"])
async def test_a_send_carried_out_but_not_confirmed_is_one_answer_without_apology(
    sandbox, emulator, kind
):
    """A slow answer (or a connection lost after the send) must not become the answer AND an
    apology, nor be sent twice by a retry."""
    alice = emulator.add_user("Alice")
    emulator.fail_next("sendMessage", kind=kind)
    replies = await say(sandbox, alice, alice, "who founded huion")
    assert len(replies) == 1 and "Xu Hefeng" in replies[0]["text"]
    assert [m for m, _ in emulator.calls].count("sendMessage") == 1  # not retried blindly


@pytest.mark.parametrize("kind", ["timeout", "drop"])
async def test_a_send_that_may_not_have_gone_out_is_not_retried_nor_apologised(
    sandbox, emulator, caplog, kind
):
    alice = emulator.add_user("Alice")
    emulator.fail_next("sendMessage", kind=kind)
    with caplog.at_level(logging.ERROR):
        assert await say(sandbox, alice, alice, "who founded huion") == []
    assert [m for m, _ in emulator.calls].count("sendMessage") == 1
    assert any("may have been carried out" in r.getMessage() or r.exc_info for r in caplog.records)
    (again,) = await say(sandbox, alice, alice, "who founded huion")
    assert "Xu Hefeng" in again["text"]


@pytest.mark.parametrize("kind", ["error", "timeout", "drop", "late"])
async def test_answering_a_button_is_retried_until_the_spinner_stops(sandbox, emulator, kind):
    alice = emulator.add_user("Alice")
    (listing,) = await say(sandbox, alice, alice, "/topics")
    emulator.fail_next("answerCallbackQuery", error_code=502, kind=kind, times=2)
    new, toast = await tap(sandbox, alice, listing, alice, 0)
    assert toast is not None  # answered on the third try (or the first, late, one counted)
    assert len(new) == 1 and APOLOGY not in new[0]["text"]


async def test_429_on_a_read_is_not_retried_by_the_request_layer(sandbox, emulator):
    """429s are for the pacer to avoid, not for the HTTP layer to hammer."""
    alice = emulator.add_user("Alice")
    (listing,) = await say(sandbox, alice, alice, "/topics")
    emulator.fail_next("answerCallbackQuery", error_code=429, retry_after=1)
    calls = len(emulator.calls)
    await tap(sandbox, alice, listing, alice, 0)
    answered = [m for m, _ in emulator.calls[calls:]].count("answerCallbackQuery")
    assert answered <= 2  # the rate limiter may try once more after retry_after; no burst


async def test_a_repeated_failure_logs_one_traceback_then_counts(sandbox, emulator, caplog):
    alice = emulator.add_user("Alice")
    emulator.fail_next("sendMessage", error_code=502, times=40)  # the apologies fail too
    with caplog.at_level(logging.INFO):
        for _ in range(20):
            await say(sandbox, alice, alice, "who founded huion")
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) <= 2, [r.getMessage() for r in errors]


async def test_an_unreadable_update_is_skipped_once_and_the_next_is_answered(
    sandbox, emulator, caplog
):
    alice = emulator.add_user("Alice")
    with caplog.at_level(logging.ERROR):
        bad = emulator.inject_update({"message": {"message_id": 1, "chat": "not a chat"}})
        replies = await say(sandbox, alice, alice, "who founded huion")
        await asyncio.sleep(0.2)  # a bot stuck on the bad batch would ask for it again and again
    assert len(replies) == 1 and "Xu Hefeng" in replies[0]["text"]
    skipped = [r for r in caplog.records if f"skipped update {bad}" in r.getMessage()]
    assert len(skipped) == 1
    offsets = [p.get("offset") for m, p in emulator.calls if m == "getUpdates"]
    assert offsets.count(bad) <= 2  # the batch, then read again once to salvage it
    assert emulator.pending_updates == 0


async def test_a_getupdates_answer_that_is_not_json_is_retried_quietly(sandbox, emulator, caplog):
    alice = emulator.add_user("Alice")
    emulator.fail_next("getUpdates", kind="garbage", times=2)
    with caplog.at_level(logging.WARNING):
        replies = await say(sandbox, alice, alice, "who founded huion")
    assert len(replies) == 1
    assert not [r for r in caplog.records if r.exc_info]
    assert len([r for r in caplog.records if "getUpdates failed" in r.getMessage()]) == 1


async def test_a_busy_chat_does_not_hold_every_slot():
    """40 updates of one chat wait for its lock, not for concurrency slots: another chat's
    update runs at once, even with only 2 slots."""
    processor = ChatOrderedUpdateProcessor(max_concurrent_updates=2)
    release = asyncio.Event()
    order: list[str] = []

    class Chat:
        def __init__(self, chat_id):
            self.id = chat_id

    def update(chat_id):
        from unittest.mock import MagicMock

        from telegram import Update

        u = MagicMock(spec=Update)
        u.effective_chat = Chat(chat_id)
        return u

    async def slow(i):
        await release.wait()
        order.append(f"busy{i}")

    async def quick():
        order.append("other")

    busy = [asyncio.create_task(processor.process_update(update(1), slow(i))) for i in range(40)]
    await asyncio.sleep(0.01)
    await asyncio.wait_for(processor.process_update(update(2), quick()), timeout=1)
    assert order == ["other"]
    release.set()
    await asyncio.gather(*busy)
    assert order[1:] == [f"busy{i}" for i in range(40)]  # and the busy chat kept its order


async def test_blocked_user_is_not_an_error(sandbox, emulator, caplog):
    alice = emulator.add_user("Alice")
    emulator.block(alice)
    with caplog.at_level(logging.WARNING):
        assert await say(sandbox, alice, alice, "who founded huion") == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_token_is_redacted_from_log_messages_and_tracebacks():
    token = "123456789:" + "S" * 35
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "POST https://api.telegram.org/bot%s/getMe",
        (token,),
        None,
    )
    RedactingFilter(token).filter(record)
    assert token not in record.getMessage() and "<token>" in record.getMessage()
    try:
        raise RuntimeError(f"failed calling /bot{token}/sendMessage")
    except RuntimeError as error:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "boom", (), (type(error), error, error.__traceback__)
        )
    RedactingFilter(token).filter(record)
    assert token not in (record.exc_text or "") and record.exc_info is None
