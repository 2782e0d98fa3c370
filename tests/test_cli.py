"""The command line as a user runs it: real processes, real exit codes, real output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot.knowledge.dataset import DEFAULT_DATA_DIR

FAKE_TOKEN = "123456789:" + "A" * 35


def run(*args: str, stdin: str = "", env: dict | None = None, cwd: Path | None = None, timeout=60):
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AWARDS_BOT_"))
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
    )


def test_validate_prints_one_summary_line():
    result = run("validate")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "facts" in lines[0]


def test_validate_names_file_entry_and_field_of_a_broken_dataset(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    facts = (data / "facts.yaml").read_text(encoding="utf-8")
    (data / "facts.yaml").write_text(
        facts.replace("id: huion.founder", "id: huion.founder\n    colour: red", 1),
        encoding="utf-8",
    )
    result = run("validate", str(data))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    message = result.stderr
    assert "facts.yaml" in message and "huion.founder" in message and "colour" in message


def test_ask_prints_an_answer():
    result = run("ask", "Who founded HUION?")
    assert result.returncode == 0
    assert "Xu Hefeng" in result.stdout


def test_ask_json_answers_one_question_per_line():
    questions = ["huoin founder", "腾讯的专利是什么?", "what is the capital of France"]
    result = run("ask", "--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == questions
    assert set(records[0]) == {"question", "answer", "kind", "found", "facts", "score"}
    assert records[0]["found"] and records[0]["facts"][0] == "huion.founder"
    assert records[0]["kind"] == "answer" and "Xu Hefeng" in records[0]["answer"]
    assert records[1]["found"] and records[1]["facts"][0] == "tencent.patent"
    assert records[2]["kind"] == "off_topic" and not records[2]["found"]
    assert records[2]["facts"] == []


def test_ask_json_gives_each_kind_and_only_an_answer_is_found():
    questions = ["Did Xiaomi win a gold?", "Who won the Oscar for best picture in 2025?"]
    result = run("ask", "--json", stdin="\n".join(questions) + "\n")
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert first["kind"] == "not_in_sources" and not first["found"]
    assert "Xiaomi is not among the winners named in the sources" in first["answer"]
    assert second["kind"] == "off_topic" and not second["found"]


def test_ask_json_follow_reads_each_question_after_the_one_before():
    questions = ["Who founded HUION?", "When was it founded?"]
    result = run("ask", "--json", "--follow", stdin="\n".join(questions) + "\n")
    founder, founded = [json.loads(line) for line in result.stdout.splitlines()]
    assert "Xu Hefeng" in founder["answer"]
    assert founded["kind"] == "answer" and "2011" in founded["answer"]
    alone = run("ask", "--json", stdin="When was it founded?\n")
    assert "2011" not in json.loads(alone.stdout)["answer"]


def test_malformed_token_gives_one_line_and_never_echoes_the_token():
    secret = "not-a-token-SECRET123"
    result = run(env={"TELEGRAM_BOT_TOKEN": secret})
    assert result.returncode == 2
    assert secret not in result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_unreachable_api_gives_one_line_without_the_token(tmp_path):
    env = {"TELEGRAM_BOT_TOKEN": FAKE_TOKEN, "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot"}
    result = run(env=env | {"AWARDS_BOT_DB": str(tmp_path / "db.sqlite3")})
    assert result.returncode == 1
    assert FAKE_TOKEN not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "cannot reach the Telegram Bot API" in result.stderr


def test_console_reads_piped_lines_and_exits_cleanly(tmp_path):
    env = {"AWARDS_BOT_DB": str(tmp_path / "db.sqlite3")}
    result = run(stdin="/start\nWho founded HUION?\n", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2025 China Patent Awards" in result.stdout
    assert "Xu Hefeng" in result.stdout
    assert "Traceback" not in result.stderr


def test_database_from_a_newer_bot_gives_one_line(tmp_path):
    import sqlite3

    db = tmp_path / "future.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    result = run(stdin="/start\n", env={"AWARDS_BOT_DB": str(db)}, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "newer" in result.stderr and str(db) in result.stderr


def test_console_shows_an_open_question_again_after_a_restart_and_a_number_votes(tmp_path):
    env = {"AWARDS_BOT_DB": str(tmp_path / "c.sqlite3")}
    first = run(stdin="/quiz 2\n", env=env)
    assert first.returncode == 0, first.stderr
    assert "Question 1/2" in first.stdout
    question = next(line for line in first.stdout.splitlines() if "Question 1/2" in line)
    second = run(stdin="1\n", env=env)
    assert second.returncode == 0, second.stderr
    assert question.split(" · ", 1)[1] in second.stdout  # shown again
    assert first.stdout.split(question, 1)[1].split("(30 s")[0] in second.stdout  # same order
    assert "Question 2/2" in second.stdout  # the number voted: the round went on
    assert "I didn't catch" not in second.stdout and "Traceback" not in second.stderr


def test_console_taps_every_kind_of_button_without_a_traceback(tmp_path):
    """After a round: Play again is a callback, Challenge a friend types an inline query (its
    results are listed), and a link cannot be followed offline (said so)."""
    env = {"AWARDS_BOT_DB": str(tmp_path / "c.sqlite3")}
    result = run(stdin="/quiz 1\n1\n2\n", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "bot (inline)> Share my score" in result.stdout
    assert "Can you beat that?" in result.stdout and "<b>" not in result.stdout
