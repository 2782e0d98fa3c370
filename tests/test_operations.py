"""Operations: backup while the bot writes, stats, the health check, JSON logs."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time

from bot.__main__ import setup_logging
from bot.config import Settings
from bot.store import Store
from tests.test_startup import env_for, one_error_line, run
from tests.test_store import RIGHT, new_round

TOKEN = "123456789:" + "J" * 35


def answer(store: Store, round_id: int, user: int, at: float):
    return store.record_answer(
        chat_id=-1, round_id=round_id, idx=0, user_id=user, option=1, judgement=RIGHT, at=at
    )


async def test_backup_while_answers_are_written_is_a_consistent_copy(tmp_path):
    store = await Store.open(tmp_path / "live.sqlite3")
    round_id = await new_round(store)
    for user in range(400):
        await store.ensure_user(user, f"U{user}")

    async def answers() -> None:
        for user in range(400):
            await answer(store, round_id, user, 1.0)

    writing = asyncio.create_task(answers())
    await asyncio.sleep(0)
    await Store.backup(tmp_path / "live.sqlite3", tmp_path / "copy.sqlite3")
    await writing
    await store.close()
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file to keep
    (answered,) = copy.execute("SELECT COUNT(*) FROM answers").fetchone()
    (scored,) = copy.execute("SELECT COALESCE(SUM(answered), 0) FROM scores").fetchone()
    assert answered == scored  # answers and scores from the same moment
    copy.close()
    assert not list(tmp_path.glob("*.partial"))


def test_backup_and_stats_from_the_command_line(tmp_path):
    db = tmp_path / "bot.sqlite3"

    async def fill() -> None:
        store = await Store.open(db)
        round_id = await new_round(store)
        await answer(store, round_id, 7, time.time())
        await store.close()

    asyncio.run(fill())
    env = env_for(AWARDS_BOT_DB=str(db))
    code, output, _ = run("backup", str(tmp_path / "b.sqlite3"), env=env, cwd=tmp_path)
    assert code == 0 and "backed up" in output and (tmp_path / "b.sqlite3").is_file()
    code, output, _ = run("backup", str(tmp_path / "b.sqlite3"), env=env, cwd=tmp_path)
    assert code == 1 and "exists already" in one_error_line(output)

    code, output, _ = run(
        "stats", env=env_for(AWARDS_BOT_DB=str(tmp_path / "b.sqlite3")), cwd=tmp_path
    )
    assert code == 0, output
    lines = {line.split()[0]: line for line in output.splitlines()[1:]}
    assert lines["rounds"].split()[-3:] == ["0", "/", "1"]  # started at time 0: not today
    assert lines["answers"].split()[-3:] == ["1", "/", "1"]
    assert lines["players"].split()[-3:] == ["1", "/", "1"]


def test_stats_of_a_missing_database_says_so_and_creates_nothing(tmp_path):
    db = tmp_path / "nowhere.sqlite3"
    code, output, _ = run("stats", env=env_for(AWARDS_BOT_DB=str(db)), cwd=tmp_path)
    assert code == 1 and "does not exist" in one_error_line(output)
    assert not db.exists()


async def test_health_check_fails_when_the_database_file_is_gone(tmp_path):
    store = await Store.open(tmp_path / "h.sqlite3")
    assert await store.healthy()
    (tmp_path / "h.sqlite3").unlink()  # deleted under the bot: its writes would be lost
    assert not await store.healthy()
    await store.close()


def test_json_logs_are_one_object_a_line_without_secrets(capsys):
    settings = Settings(token=TOKEN, log_format="json")
    setup_logging(settings)
    try:
        logging.getLogger("bot.test").warning("calling /bot%s/getMe", TOKEN)
    finally:
        logging.basicConfig(force=True)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "bot.test"
    assert "<token>" in entry["message"] and TOKEN not in line
