"""Stopping (SIGTERM): the update in hand finishes, every step runs even if one fails or hangs,
and the database is closed."""

from __future__ import annotations

import asyncio
import time

from bot.sandbox.session import Sandbox
from bot.telegram import service
from bot.telegram.services import SERVICES_KEY


async def _in_flight(emulator, user: int) -> None:
    emulator.send_message(user, user, "who founded huion")
    async with asyncio.timeout(5):
        while not any(method == "sendMessage" for method, _ in emulator.calls):
            await asyncio.sleep(0.01)


async def test_stopping_lets_the_update_in_hand_finish_then_closes_the_store(
    settings, emulator, clock
):
    sandbox = Sandbox(settings, emulator=emulator, clock=clock)
    app = await sandbox.start()
    store = app.bot_data[SERVICES_KEY].store
    alice = emulator.add_user("Alice")
    emulator.fail_next("sendMessage", kind="slow", delay=0.5)  # Telegram is slow to answer
    await _in_flight(emulator, alice)
    assert emulator.bot_messages(alice) == []
    await service.shutdown(app, None)
    (answer,) = emulator.bot_messages(alice)  # finished before the process would exit
    assert "Xu Hefeng" in answer["text"]
    assert app.bot_data[SERVICES_KEY].store is None and not await store.healthy()


class FailingServer:
    async def stop(self) -> None:
        raise RuntimeError("the port was already closed")


async def test_a_failing_and_a_hanging_step_do_not_keep_the_store_open(
    settings, emulator, clock, monkeypatch, caplog
):
    monkeypatch.setattr(service, "GRACE", 0.3)
    sandbox = Sandbox(settings, emulator=emulator, clock=clock)
    app = await sandbox.start()
    store = app.bot_data[SERVICES_KEY].store
    alice = emulator.add_user("Alice")
    emulator.fail_next("sendMessage", kind="slow", delay=2.0)  # longer than the grace period
    await _in_flight(emulator, alice)
    started = time.monotonic()
    await service.shutdown(app, FailingServer())
    assert time.monotonic() - started < 2.0
    assert not await store.healthy()
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "the webhook server failed (RuntimeError" in said
    assert "the updates in hand did not finish in time" in said
    await asyncio.sleep(2.0)  # let the abandoned handler run out before the loop closes
