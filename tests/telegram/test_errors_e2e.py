"""Telegram failing under the bot: 5xx and timeouts are logged and the user gets an apology."""

from __future__ import annotations

import logging

import pytest

from bot.__main__ import RedactingFilter
from tests.telegram.conftest import say


@pytest.mark.parametrize("error_code", [502, None], ids=["bad-gateway", "timeout"])
async def test_failed_send_is_logged_and_the_user_gets_an_apology(
    sandbox, emulator, caplog, error_code
):
    alice = emulator.add_user("Alice")
    emulator.fail_next("sendMessage", error_code=error_code)
    with caplog.at_level(logging.ERROR):
        replies = await say(sandbox, alice, alice, "who founded huion")
    assert [r["text"] for r in replies] == [
        "Sorry, something went wrong on my side. Please try again in a moment."
    ]
    assert any(r.exc_info for r in caplog.records if r.levelno >= logging.ERROR)
    (again,) = await say(sandbox, alice, alice, "who founded huion")  # and the bot carries on
    assert "Xu Hefeng" in again["text"]


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
