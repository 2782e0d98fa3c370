"""End-to-end fixtures: the real Application, started through the Bot API emulator."""

from __future__ import annotations

import logging
import random

import pytest

from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.session import FakeClock, Sandbox

MAX_TEXT = 4096


@pytest.fixture
def settings(tmp_path):
    return Settings(db_path=tmp_path / "bot.sqlite3")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def emulator(clock):
    """The project's Bot API emulator, flood limits on. No test may provoke a 429 from them:
    the bot's own pacing must keep every chat inside Telegram's limits."""
    emulator = BotApiEmulator(clock=clock)
    yield emulator
    assert emulator.too_many_requests == 0, "the bot went over Telegram's flood limits"


@pytest.fixture
async def sandbox(settings, emulator, clock):
    async with Sandbox(settings, emulator=emulator, clock=clock, rng=random.Random(1)) as sb:
        yield sb


@pytest.fixture
def strict(emulator):
    """The emulator, for a test that must provoke no Bot API error at all (no 400, no 403)."""
    yield emulator
    assert emulator.errors == [], emulator.errors


@pytest.fixture
def no_errors(caplog):
    """Fails the test if the bot logged an error (a crashed handler, a rejected message)."""
    caplog.set_level(logging.WARNING)
    yield caplog
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def say(sb: Sandbox, chat_id: int, user_id: int | None, text: str, **kwargs) -> list[dict]:
    """Send a message as a user and return the bot's new messages in that chat."""
    before = len(sb.emu.bot_messages(chat_id))
    sb.emu.send_message(chat_id, user_id, text, **kwargs)
    await sb.settle()
    return sb.emu.bot_messages(chat_id)[before:]


async def tap(
    sb: Sandbox, chat_id: int, message: dict, user_id: int, button
) -> tuple[list[dict], dict | None]:
    """Tap a button; return the bot's new messages and the toast it answered with."""
    before = len(sb.emu.bot_messages(chat_id))
    query_id = sb.emu.tap(chat_id, message["message_id"], user_id, button)
    await sb.settle()
    return sb.emu.bot_messages(chat_id)[before:], sb.emu.callback_answer(query_id)


def buttons(message: dict) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data")) for row in rows for b in row]


def assert_well_formed(message: dict) -> None:
    text = message.get("text") or ""
    assert 0 < len(text.encode("utf-16-le")) // 2 <= MAX_TEXT
    assert "Traceback" not in text
    for _, data in buttons(message):
        assert data is None or 1 <= len(data.encode()) <= 64
