"""Stopping (SIGTERM): the update in hand finishes, every step runs even if one fails or hangs,
and the database is closed."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

from bot.sandbox.session import Sandbox
from bot.telegram import service
from bot.telegram.services import SERVICES_KEY


async def _in_flight(emulator, user: int) -> None:
    emulator.send_message(user, user, "who founded huion")
    await _first_reply_on_its_way(emulator)


async def _first_reply_on_its_way(emulator) -> None:
    async with asyncio.timeout(5):
        while not any(method == "sendMessage" for method, _ in emulator.calls):
            await asyncio.sleep(0.01)


async def _group_backlog(emulator, commands: int = 12) -> int:
    """A group sends `commands` /help while Telegram is slow: the bot takes the whole batch and
    its first reply is on its way. Returns the group's id."""
    ann = emulator.add_user("Ann")
    group = emulator.add_group("Busy", members=[ann])
    emulator.fail_next("sendMessage", kind="slow", delay=0.3, times=commands)
    for _ in range(commands):
        emulator.send_message(group, ann, "/help")
    await _first_reply_on_its_way(emulator)
    return group


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


# The simulated process exit cancels handlers that had not started: their coroutines never ran.
@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited")
async def test_updates_not_handled_by_the_deadline_are_kept_for_the_next_start(
    settings, emulator, clock, monkeypatch
):
    """A group's backlog outlasts the grace period at SIGTERM. Telegram forgets what the bot has
    taken, so what was taken and not handled is kept in the database and answered first at the
    next start (before, it was lost)."""
    monkeypatch.setattr(service, "GRACE", 0.5)
    sandbox = Sandbox(settings, emulator=emulator, clock=clock)
    app = await sandbox.start()
    group = await _group_backlog(emulator)
    await service.shutdown(app, None)
    assert len(emulator.bot_messages(group)) < 12  # the deadline came first
    assert emulator.pending_updates == 0  # Telegram considers all twelve delivered
    with sqlite3.connect(settings.db_path) as db:
        (kept,) = db.execute("SELECT COUNT(*) FROM kept_updates").fetchone()
    assert kept > 0
    _exit_process()  # what was still running ends with the process
    emulator.clear_faults()  # Telegram is quick again
    clock.advance(60)  # the restart: the old process's sends are a minute in the past

    async with Sandbox(settings, emulator=emulator, clock=clock) as restarted:
        await restarted.settle()
    assert len(emulator.bot_messages(group)) >= 12  # every /help answered, none lost
    with sqlite3.connect(settings.db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM kept_updates").fetchone() == (0,)


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited")
async def test_updates_taken_and_not_handled_survive_a_kill(settings, emulator, clock):
    """kill -9 with a group's backlog in hand: no shutdown step runs, yet every update taken
    was written down when taken, so the next start answers them (before, they were lost)."""
    first = Sandbox(settings, emulator=emulator, clock=clock)
    await first.start()
    group = await _group_backlog(emulator)
    await first.kill()
    answered_before = len(emulator.bot_messages(group))
    assert answered_before < 12 and emulator.pending_updates == 0
    with sqlite3.connect(settings.db_path) as db:
        (kept,) = db.execute("SELECT COUNT(*) FROM kept_updates").fetchone()
    assert kept >= 12 - answered_before
    _exit_process()
    emulator.clear_faults()
    clock.advance(60)

    async with Sandbox(settings, emulator=emulator, clock=clock) as restarted:
        await restarted.settle()
        await restarted.app.bot.unfinished.settle()
        with sqlite3.connect(settings.db_path) as db:
            assert db.execute("SELECT COUNT(*) FROM kept_updates").fetchone() == (0,)
    assert len(emulator.bot_messages(group)) >= 12  # every /help answered


async def test_the_journal_is_emptied_as_updates_are_handled(settings, emulator, clock):
    alice = emulator.add_user("Alice")
    async with Sandbox(settings, emulator=emulator, clock=clock) as sandbox:
        for text in ("who founded huion", "/help", "/topics"):
            emulator.send_message(alice, alice, text)
        await sandbox.settle()
        await sandbox.app.bot.unfinished.settle()
        with sqlite3.connect(settings.db_path) as db:
            assert db.execute("SELECT COUNT(*) FROM kept_updates").fetchone() == (0,)
    assert len(emulator.bot_messages(alice)) == 3


def _exit_process() -> None:
    """Cancel the update handlers a stopped Application left running, as a process exit would
    (in a test they would otherwise go on beside the restarted bot)."""
    current = asyncio.current_task()
    for task in asyncio.all_tasks():
        if task is not current and "Application." in repr(task.get_coro()):
            task.cancel()
