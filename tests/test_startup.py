"""Start-up as an operator meets it: `python -m bot` as a process with stdin closed, each unusable
setting giving one line that names it, a non-zero exit, within seconds; SIGTERM exiting 0.

(The issue's outside runs: a bad database hung the process forever; no token exited 0 silently;
a web page at TELEGRAM_BASE_URL gave a JSON traceback then "rejected the bot token"; a second
instance gave a traceback every poll.)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.fake_api import FakeBotApi, private_message

TOKEN = "123456789:" + "A" * 35
FAST = 10.0  # seconds: "within seconds", with room for a loaded CI machine
ROOT = os.geteuid() == 0
# As root, permission bits do not stop the process; drop the capabilities that bypass them.
DROP_PRIVILEGES = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if ROOT else []


def env_for(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AWARDS_BOT_"))}
    env.pop("PORT", None)
    env.update(extra)
    return env


def api_env(api: FakeBotApi, tmp_path: Path, **extra: str) -> dict:
    db = str(tmp_path / "db.sqlite3")
    return env_for(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url, AWARDS_BOT_DB=db, **extra
    )


def wait_until(condition, bot: Bot) -> None:
    deadline = time.monotonic() + FAST
    while not condition():
        assert time.monotonic() < deadline, bot.output
        time.sleep(0.05)


def run(*args: str, env: dict, cwd: Path, prefix: list[str] = ()) -> tuple[int, str, float]:
    """The bot as a host runs it: stdin closed. Returns (exit code, stderr, seconds)."""
    start = time.monotonic()
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "bot", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )
    return result.returncode, result.stderr + result.stdout, time.monotonic() - start


def one_error_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    assert "Traceback" not in output, output
    return lines[0]


def unreachable_api() -> str:
    return "http://127.0.0.1:9/bot"  # never reached: the database is checked first


# -- the database --------------------------------------------------------------------------------
def garbage(path: Path) -> Path:
    path.write_bytes(os.urandom(4096))
    return path


def text_file(path: Path) -> Path:
    path.write_text("these are my notes, not a database\n" * 20)
    return path


def folder(path: Path) -> Path:
    path.mkdir()
    return path


def missing_folder(path: Path) -> Path:
    return path.parent / "not-mounted" / path.name


DATABASE_CASES = {
    "garbage": (garbage, "not a usable SQLite database"),
    "text": (text_file, "not a usable SQLite database"),
    "folder": (folder, "is a folder"),
    "missing-folder": (missing_folder, "does not exist"),
}


@pytest.mark.parametrize("mode", ["serve", "console"])
@pytest.mark.parametrize("case", list(DATABASE_CASES))
def test_an_unusable_database_gives_one_line_and_exits_fast(tmp_path, case, mode):
    make, expected = DATABASE_CASES[case]
    db = make(tmp_path / "awards.sqlite3")
    if mode == "serve":
        env = env_for(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=unreachable_api())
        args = ("serve",)
    else:
        env, args = env_for(), ()
    code, output, seconds = run(*args, env=env | {"AWARDS_BOT_DB": str(db)}, cwd=tmp_path)
    line = one_error_line(output)
    assert code == 1
    assert f"AWARDS_BOT_DB={db}" in line and expected in line
    assert seconds < FAST


@pytest.mark.skipif(ROOT and not shutil.which("setpriv"), reason="needs setpriv to drop root")
@pytest.mark.parametrize(
    ("case", "expected"),
    [("read-only file", "is read-only"), ("read-only folder", "folder"), ("unreadable", "read")],
)
def test_a_database_the_user_cannot_write_is_refused_at_start(tmp_path, case, expected):
    """Refused with one line (the README says so), not started to fail every /quiz later."""
    home = tmp_path / "dbdir"
    home.mkdir()
    db = home / "awards.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    if case == "read-only file":
        db.chmod(0o444)
    elif case == "read-only folder":  # the file is writable, but not its -wal and -shm
        home.chmod(0o555)
    else:
        db.chmod(0o000)
    try:
        env = env_for(
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=unreachable_api(), AWARDS_BOT_DB=str(db)
        )
        code, output, seconds = run("serve", env=env, cwd=tmp_path, prefix=DROP_PRIVILEGES)
    finally:
        home.chmod(0o755)
        db.chmod(0o644)
    line = one_error_line(output)
    assert code == 1 and f"AWARDS_BOT_DB={db}" in line and expected in line
    assert seconds < FAST


def test_a_newer_database_is_refused_before_anything_is_written(tmp_path):
    db = tmp_path / "future.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE later (x)")
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    env = env_for(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=unreachable_api(), AWARDS_BOT_DB=str(db)
    )
    code, output, seconds = run("serve", env=env, cwd=tmp_path)
    line = one_error_line(output)
    assert code == 1 and "newer" in line and seconds < FAST
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not Path(f"{db}-wal").exists()  # not switched to WAL first
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


# -- the token -----------------------------------------------------------------------------------
def test_serve_without_a_token_says_so_and_fails(tmp_path):
    """The Procfile and the image run `serve`: a deploy that forgot the token must not exit 0."""
    code, output, seconds = run("serve", env=env_for(), cwd=tmp_path)
    line = one_error_line(output)
    assert code == 2 and "TELEGRAM_BOT_TOKEN is not set" in line and seconds < FAST


def test_the_console_with_stdin_closed_is_not_silent(tmp_path):
    env = env_for(AWARDS_BOT_DB=str(tmp_path / "db.sqlite3"))
    code, output, _ = run(env=env, cwd=tmp_path)
    assert code == 0
    assert "TELEGRAM_BOT_TOKEN is not set" in output and "serve" in output


# -- the Bot API ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("html", "does not answer like a Telegram Bot API"),
        ("html404", "does not answer like a Telegram Bot API"),
        ("404", "404 Not Found"),
        ("401", "rejected the bot token"),
    ],
)
def test_a_wrong_bot_api_gives_one_line(tmp_path, mode, expected):
    with FakeBotApi(mode) as api:
        env = api_env(api, tmp_path)
        code, output, seconds = run("serve", env=env, cwd=tmp_path)
    line = one_error_line(output)
    assert code == 1 and expected in line and seconds < FAST
    assert TOKEN not in output
    if mode != "401":
        assert "rejected the bot token" not in line


def test_a_base_url_without_bot_is_refused_before_the_token_is_glued_to_it(tmp_path):
    env = env_for(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL="http://127.0.0.1:8081")
    code, output, _ = run("serve", env=env, cwd=tmp_path)
    line = one_error_line(output)
    assert code == 2 and "must end in /bot" in line and TOKEN not in output


def test_unreachable_api_gives_one_line_without_the_token(tmp_path):
    env = env_for(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=unreachable_api(),
        AWARDS_BOT_DB=str(tmp_path / "db.sqlite3"),
    )
    code, output, seconds = run("serve", env=env, cwd=tmp_path)
    line = one_error_line(output)
    assert code == 1 and "cannot reach the Telegram Bot API" in line and seconds < FAST
    assert TOKEN not in output


# -- running, then SIGTERM -----------------------------------------------------------------------
class Bot:
    """`python -m bot serve` in the background, its stderr collected line by line."""

    def __init__(self, env: dict, cwd: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=cwd,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = FAST) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert self.proc.poll() is None, "\n".join(self.lines)
            assert time.monotonic() < deadline, "\n".join(self.lines)
            time.sleep(0.05)

    def terminate(self) -> tuple[int, float]:
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        time.sleep(0.1)
        return code, time.monotonic() - start

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


def test_polling_answers_then_sigterm_exits_0_quickly(tmp_path):
    with FakeBotApi() as api:
        api.updates.append(private_message(1, 42, "who founded huion"))
        env = api_env(api, tmp_path)
        bot = Bot(env, tmp_path)
        bot.wait_for("is running by long polling")
        wait_until(lambda: "sendMessage" in api.methods(), bot)
        code, seconds = bot.terminate()
    assert code == 0 and seconds < 10, bot.output
    assert "Traceback" not in bot.output
    sent = [p for m, p in api.calls if m == "sendMessage"]
    assert "Xu Hefeng" in sent[0]["text"]


def test_sigterm_exits_within_10_s_even_when_telegram_stops_answering(tmp_path):
    with FakeBotApi("hang") as api:
        bot = Bot(api_env(api, tmp_path), tmp_path)
        bot.wait_for("is running by long polling")
        wait_until(lambda: "getUpdates" in api.methods(), bot)
        code, seconds = bot.terminate()
    assert code == 0 and seconds < 10, bot.output


def test_a_second_instance_gets_one_plain_line_not_a_traceback_per_poll(tmp_path):
    with FakeBotApi("conflict") as api:
        env = api_env(api, tmp_path)
        bot = Bot(env, tmp_path)
        bot.wait_for("another instance of the bot is running with this token")
        time.sleep(4)  # the library retries after 1, 1.5, 2.25 s...
        polls = api.methods().count("getUpdates")
        code, _ = bot.terminate()
    assert polls >= 3
    assert code == 0
    assert "Traceback" not in bot.output
    said = [line for line in bot.lines if "another instance" in line]
    assert len(said) <= 2, bot.output  # the line, then its count (at shutdown here)
    assert "more in the last" not in said[0] and "since start)" in said[-1]


def _request(url: str, *, body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_mode_checks_the_secret_answers_health_and_stops_on_sigterm(tmp_path):
    port = _free_port()
    with FakeBotApi() as api:
        env = api_env(
            api,
            tmp_path,
            TELEGRAM_WEBHOOK_URL="https://bot.example.com/telegram/hook",
            TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
            PORT=str(port),
        )
        bot = Bot(env, tmp_path)
        bot.wait_for("is running by webhook")
        (hook,) = [p for m, p in api.calls if m == "setWebhook"]
        assert hook["url"] == "https://bot.example.com/telegram/hook"
        secret = hook["secret_token"]
        assert 1 <= len(secret) <= 256 and TOKEN.split(":")[1] not in secret
        url = f"http://127.0.0.1:{port}/telegram/hook"
        update = json.dumps(private_message(5, 42, "who founded huion")).encode()
        json_type = {"Content-Type": "application/json"}
        assert _request(url, body=update, headers=json_type)[0] == 403
        wrong = json_type | {"X-Telegram-Bot-Api-Secret-Token": "x" + secret[1:]}
        assert _request(url, body=update, headers=wrong)[0] == 403
        time.sleep(0.3)
        assert "sendMessage" not in api.methods()  # refused updates are not processed
        right = json_type | {"X-Telegram-Bot-Api-Secret-Token": secret}
        assert _request(url, body=b"{not json", headers=right)[0] == 200  # skipped, not retried
        assert _request(url, body=update, headers=right)[0] == 200
        assert _request(f"http://127.0.0.1:{port}/healthz") == (200, "ok\n")
        wait_until(lambda: "sendMessage" in api.methods(), bot)
        code, seconds = bot.terminate()
    assert code == 0 and seconds < 10, bot.output
    assert "getUpdates" not in api.methods()
    assert secret not in bot.output and TOKEN not in bot.output
    refused = [line for line in bot.lines if "without the right secret" in line]
    assert len(refused) == 2 and "1 more in the last 1 min (2 since start)" in refused[1]


def test_a_webhook_port_in_use_or_a_refused_webhook_url_gives_one_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with FakeBotApi() as api:
            env = api_env(
                api,
                tmp_path,
                TELEGRAM_WEBHOOK_URL="https://bot.example.com/hook",
                TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
                PORT=str(port),
            )
            code, output, seconds = run("serve", env=env, cwd=tmp_path)
    line = one_error_line(output)
    assert code == 1 and f"cannot listen on 127.0.0.1:{port}" in line and seconds < FAST
    with FakeBotApi("badhook") as api:
        env = api_env(
            api,
            tmp_path,
            TELEGRAM_WEBHOOK_URL="https://bot.example.com/hook",
            TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
            PORT=str(_free_port()),
        )
        code, output, seconds = run("serve", env=env, cwd=tmp_path)
    line = one_error_line(output)
    assert code == 1 and "Telegram refused TELEGRAM_WEBHOOK_URL" in line and "resolve host" in line
