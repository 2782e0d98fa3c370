"""Round rules end to end (flood limits on): auto-stop, /stop's table, stalled chats, Play again,
boards, languages, forged callbacks, and failures on the close path. Every test checks that the
bot provoked no Bot API error."""

from __future__ import annotations

import asyncio
import json

import pytest
from telegram.error import TimedOut

from bot.sandbox.session import Sandbox
from tests.telegram.conftest import buttons, say, tap
from tests.telegram.test_quiz_e2e import correct_of, current_poll, db_rows, polls_in, vote

pytestmark = pytest.mark.usefixtures("no_errors")


@pytest.fixture
def players(emulator):
    return [emulator.add_user(name) for name in ("Ann", "Ben", "Cai")]


@pytest.fixture
def dora(emulator):
    return emulator.add_user("Dora")


@pytest.fixture
def group(emulator, players, dora):
    return emulator.add_group("Quiz night", members=players, admins=[dora])


def texts(emulator, chat_id):
    return [m.get("text", "") for m in emulator.bot_messages(chat_id)]


async def test_a_group_round_nobody_plays_stops_after_two_questions(
    sandbox, strict, group, players
):
    await say(sandbox, group, players[0], "/quiz 10")
    await sandbox.advance(31)
    await sandbox.advance(31)
    sent = strict.bot_messages(group)
    assert len(polls_in(strict, group)) == 2  # not ten
    last = sent[-1]["text"]
    assert "nobody answered the last 2 questions" in last and "Answer:" in last
    assert "Play again" in buttons(sent[-1])[0][0]
    assert db_rows(sandbox.settings, "SELECT status FROM rounds") == [("stopped",)]
    await sandbox.advance(31)
    assert len(strict.bot_messages(group)) == len(sent)  # nothing more


async def test_a_private_round_stops_after_one_unanswered_question(sandbox, strict, players):
    ann = players[0]
    await say(sandbox, ann, ann, "/quiz 5")
    await sandbox.advance(31)
    assert len(polls_in(strict, ann)) == 1
    assert "nobody answered the last 1 question" in strict.last_bot_message(ann)["text"]


async def test_stop_shows_the_table_so_far_and_stops_the_open_poll(sandbox, strict, group, players):
    ann, ben, _ = players
    await say(sandbox, group, ann, "/quiz 3")
    poll = current_poll(strict, group)
    await vote(sandbox, poll, ben, correct_of(poll))
    (stopped,) = await say(sandbox, group, ann, "/stop")
    assert "Round stopped" in stopped["text"] and "Ben — 15" in stopped["text"]
    assert "Answer:" in stopped["text"]  # the open question's reveal heads the table
    assert strict.polls[poll["id"]]["is_closed"]


async def test_quiz_in_a_chat_whose_round_stalled_ends_it_and_says_so(
    settings, emulator, clock, players
):
    ann = players[0]
    first = Sandbox(settings, emulator=emulator, clock=clock)
    await first.start()
    await say(first, ann, ann, "/quiz 3")
    await first.kill()
    # The question's timer and the database disagree (a crash mid-step): the round looks
    # running with nothing happening. Ten minutes later someone types /quiz.
    with __import__("sqlite3").connect(settings.db_path) as conn:
        conn.execute("UPDATE questions SET deadline = NULL, sending_at = NULL, message_id = NULL")
    clock.advance(600)
    second = Sandbox(settings, emulator=emulator, clock=clock)
    # start-up itself finds the stalled round
    await second.start()
    try:
        await second.settle()
        assert "it had stalled" in emulator.last_bot_message(ann)["text"]
        replies = await say(second, ann, ann, "/quiz 2")
        assert "3 questions" not in replies[0]["text"] and "2 questions" in replies[0]["text"]
        assert db_rows(settings, "SELECT status FROM rounds ORDER BY id") == [
            ("stopped",),
            ("running",),
        ]
    finally:
        await second.stop()


async def test_quiz_ends_a_stalled_round_while_running(sandbox, strict, players, settings):
    ann = players[0]
    await say(sandbox, ann, ann, "/quiz 3")
    for job in sandbox.app.job_queue.jobs():  # a lost timer
        job.schedule_removal()
    strict.clock.advance(30 + 331)  # the deadline, then more than 30 s + 5 min
    replies = await say(sandbox, ann, ann, "/quiz 2")
    assert "it had stalled" in replies[0]["text"]
    assert "2 questions" in replies[1]["text"]


async def test_size_and_topic_in_either_order_and_play_again_repeats_them(
    sandbox, strict, players, dataset
):
    ann = players[0]
    huion = {q.question.en for q in dataset.quiz if dataset.facts[q.fact].topic == "huion"}
    for command in ("/quiz 2 huion", "/quiz huion 2"):
        (intro, first) = await say(sandbox, ann, ann, command)
        assert "2 questions" in intro["text"]
        for _ in range(2):
            poll = current_poll(strict, ann)
            assert poll["question"].rsplit(" · ", 1)[1] in huion
            strict.clock.advance(2)
            await vote(sandbox, poll, ann, correct_of(poll))
        strict.clock.advance(2)
    results = strict.last_bot_message(ann)
    (intro, first), _toast = await tap(sandbox, ann, results, ann, 0)
    assert "2 questions" in intro["text"] and "HUION" in intro["text"]
    assert first["poll"]["question"].rsplit(" · ", 1)[1] in huion


async def test_boards_switch_period_and_an_admin_resets_after_confirming(
    sandbox, strict, group, players, dora, settings
):
    ann, ben, _ = players
    await say(sandbox, group, ann, "/quiz 1")
    poll = current_poll(strict, group)
    await vote(sandbox, poll, ann, correct_of(poll))
    await sandbox.advance(31)
    strict.clock.advance(3)
    (board,) = await say(sandbox, group, ben, "/top")
    assert "This week" in board["text"] and "Ann — 15" in board["text"]
    assert [b[0] for b in buttons(board)] == ["✅ This week", "This month", "All time"]
    _, _toast = await tap(sandbox, group, board, ben, 2)
    edited = strict.messages(group)[-1]
    assert "All time" in edited["text"] and "Ann — 15" in edited["text"]
    (denied,) = await say(sandbox, group, ben, "/top reset")
    assert "Only group admins" in denied["text"]
    strict.clock.advance(3)
    (confirm,) = await say(sandbox, group, dora, "/top reset")
    _, refused = await tap(sandbox, group, confirm, ben, 0)  # not an admin
    assert "Only group admins" in refused["text"]
    _, done = await tap(sandbox, group, confirm, dora, 0)
    assert "afresh" in done["text"]
    strict.clock.advance(3)
    (board,) = await say(sandbox, group, ben, "/top")
    assert "Ann" not in board["text"] and "No scores yet" in board["text"]
    assert db_rows(settings, "SELECT COUNT(*) FROM answers") == [(1,)]  # history kept
    (mine,) = await say(sandbox, group, ann, "/score")
    assert "In this chat: no answers yet" in mine["text"] and "Overall: 15 points" in mine["text"]


async def test_a_chinese_group_gets_chinese_whoever_types(sandbox, strict, group, players, dora):
    (panel,) = await say(sandbox, group, dora, "/settings")
    _, saved = await tap(sandbox, group, panel, dora, 9)  # 中文
    assert saved["text"] == "已保存。"
    assert "问答设置" in strict.messages(group)[-1]["text"]  # the panel itself switched
    _, toast = await tap(sandbox, group, strict.messages(group)[-1], dora, 1)  # buttons
    strict.clock.advance(3)
    ann = players[0]  # an English-speaking client
    (intro, question) = await say(sandbox, group, ann, "/quiz 1")
    assert "问答开始" in intro["text"] and "第1/1题" in question["text"]
    _, toast = await tap(sandbox, group, question, ann, 0)
    assert toast["text"].startswith(("✅ 答对了", "❌ 答错了"))
    await sandbox.advance(31)
    assert "本轮结束" in strict.last_bot_message(group)["text"]
    strict.clock.advance(3)
    (board,) = await say(sandbox, group, ann, "/top")
    assert "本群排行榜" in board["text"] and "本周" in board["text"]


async def test_a_private_chat_starts_in_its_users_language(sandbox, strict, emulator):
    mei = emulator.add_user("Mei", language_code="zh-hans")
    (panel,) = await say(sandbox, mei, mei, "/settings")
    assert "问答设置" in panel["text"] and "✅ 中文" in [b[0] for b in buttons(panel)]


async def test_forged_and_misplaced_callbacks_are_answered_and_change_nothing(
    sandbox, strict, players, settings
):
    ann = players[0]
    await say(sandbox, ann, ann, "/quiz 2")
    poll_message = polls_in(strict, ann)[-1]
    for data in ["set:mode:buttons", "top:week", "score:all:1", "reset:1", "again:1", "a:1:0:0"]:
        query = strict.send_callback(ann, poll_message["message_id"], ann, data)
        await sandbox.settle()
        assert strict.callback_answer(query)["text"], data  # answered, with a word
    assert not [m for m, _ in strict.calls if m.startswith("edit")]
    assert db_rows(settings, "SELECT mode FROM chats") == [("poll",)]
    assert db_rows(settings, "SELECT COUNT(*) FROM answers") == [(0,)]


async def test_answer_buttons_from_another_message_do_not_count(sandbox, strict, group, players):
    ann, ben, _ = players
    dora = next(iter(strict.admins[group]))
    (panel,) = await say(sandbox, group, dora, "/settings")
    await tap(sandbox, group, panel, dora, 1)
    strict.clock.advance(3)
    (_, question) = await say(sandbox, group, ann, "/quiz 1")
    data = buttons(question)[0][1]
    query = strict.send_callback(group, panel["message_id"], ben, data)  # right data, wrong message
    await sandbox.settle()
    assert "no longer valid" in strict.callback_answer(query)["text"]
    assert db_rows(sandbox.settings, "SELECT COUNT(*) FROM answers") == [(0,)]


# -- failures on the close path: every round reaches its results ---------------------------------


@pytest.mark.parametrize(
    ("method", "code"),
    [("stopPoll", 502), ("stopPoll", None), ("sendPoll", 502), ("sendPoll", None)],
)
async def test_a_failed_call_on_the_private_close_path_never_leaves_the_round_stuck(
    sandbox, emulator, players, method, code
):
    ann = players[0]
    await say(sandbox, ann, ann, "/quiz 3")
    emulator.fail_next(method, error_code=code)
    while "poll" in (emulator.last_bot_message(ann) or {}):
        poll = current_poll(emulator, ann)
        emulator.clock.advance(2)
        await vote(sandbox, poll, ann, correct_of(poll))
    assert "Round over" in emulator.last_bot_message(ann)["text"]
    assert db_rows(sandbox.settings, "SELECT status FROM rounds") == [("finished",)]


@pytest.mark.parametrize("method", ["sendMessage", "sendPoll"])
async def test_a_failed_reveal_or_next_question_in_a_group_still_reaches_the_results(
    sandbox, emulator, group, players, method
):
    ann = players[0]
    await say(sandbox, group, ann, "/quiz 3")
    emulator.fail_next(method, error_code=502)
    for _ in range(4):
        if "Round" in (emulator.last_bot_message(group).get("text") or ""):
            break
        poll = current_poll(emulator, group)
        if not emulator.polls[poll["id"]]["is_closed"]:
            await vote(sandbox, poll, ann, correct_of(poll))
        await sandbox.advance(31)
    assert "Round over" in emulator.last_bot_message(group)["text"]


async def test_a_question_whose_send_answer_was_lost_is_never_shown_twice(
    sandbox, emulator, players
):
    ann = players[0]
    original = emulator.handle
    lost = []

    async def drop_after_send(url, params):
        status, body = await original(url, params)
        if url.endswith("/sendPoll") and not lost:
            lost.append(params["question"])
            raise TimedOut("the connection dropped after the poll was sent")
        return status, body

    await say(sandbox, ann, ann, "/quiz 2")
    emulator.handle = drop_after_send
    poll = current_poll(emulator, ann)
    emulator.clock.advance(2)
    await vote(sandbox, poll, ann, correct_of(poll))  # the next question's answer is lost
    emulator.handle = original
    questions = [p["poll"]["question"] for p in polls_in(emulator, ann)]
    assert len(questions) == len(set(q.rsplit(" · ", 1)[1] for q in questions)) == 2
    assert "Round over" in emulator.last_bot_message(ann)["text"]


async def test_a_restart_during_a_send_skips_that_question(settings, emulator, clock, players):
    ann = players[0]
    first = Sandbox(settings, emulator=emulator, clock=clock)
    await first.start()
    await say(first, ann, ann, "/quiz 3")
    await first.kill()
    with __import__("sqlite3").connect(settings.db_path) as conn:  # killed after sendPoll went out
        conn.execute("UPDATE questions SET sending_at = 1 WHERE idx = 1")
        conn.execute("UPDATE questions SET closed_at = 1 WHERE idx = 0")
        conn.execute("UPDATE rounds SET current = 1")
    second = Sandbox(settings, emulator=emulator, clock=clock)
    await second.start()
    try:
        await second.settle()
        assert db_rows(settings, "SELECT idx, message_id IS NULL FROM questions") == [
            (0, 0),
            (1, 1),
            (2, 0),
        ]
        assert len(polls_in(emulator, ann)) == 2
    finally:
        await second.stop()


async def test_the_open_questions_fact_is_declined_until_the_reveal(
    sandbox, strict, group, players, lookup, settings
):
    ann, ben, _ = players
    await say(sandbox, group, ann, "/quiz 1 huion")
    ((text, fact),) = db_rows(settings, "SELECT text, fact_id FROM questions")
    assert fact in lookup.answer(text).facts  # the lookup would answer it
    strict.clock.advance(2)
    (declined,) = await say(sandbox, group, ben, f"/ask {text}")
    assert "after the reveal" in declined["text"]
    strict.clock.advance(2)
    (other,) = await say(sandbox, group, ben, "/ask Where were the awards presented?")
    assert "Dalian" in other["text"]
    await sandbox.advance(31)
    strict.clock.advance(3)
    (answered,) = await say(sandbox, group, ben, f"/ask {text}")
    assert "after the reveal" not in answered["text"]


async def test_tapping_what_is_already_shown_edits_nothing(sandbox, strict, group, players, dora):
    """Telegram answers an edit to the same text and buttons with 400 'message is not
    modified': a tap on the period or the setting already shown must not provoke it."""
    ann = players[0]
    (board,) = await say(sandbox, group, ann, "/top")
    (mine,) = await say(sandbox, group, ann, "/score")
    (panel,) = await say(sandbox, group, dora, "/settings")
    edits = len([m for m, _ in strict.calls if m.startswith("edit")])
    _, toast = await tap(sandbox, group, board, ann, 0)  # "✅ This week", shown already
    assert toast is not None
    await tap(sandbox, group, mine, ann, 0)
    current = next(label for label, _ in buttons(panel) if label.startswith("✅"))
    _, saved = await tap(sandbox, group, panel, dora, current)  # the mode already chosen
    assert saved["text"]
    assert len([m for m, _ in strict.calls if m.startswith("edit")]) == edits
    await tap(sandbox, group, board, ann, 2)  # a real change still edits
    shown = next(m for m in strict.messages(group) if m["message_id"] == board["message_id"])
    assert "All time" in shown["text"]
    assert len([m for m, _ in strict.calls if m.startswith("edit")]) == edits + 1


async def test_taps_before_the_questions_send_is_answered_still_count(
    sandbox, strict, group, players, dora, settings
):
    """A slow sendMessage answer and fast players: the taps reach the bot before it knows the
    question's message. They wait for it and count (before, each got 'no longer valid')."""
    (panel,) = await say(sandbox, group, dora, "/settings")
    await tap(sandbox, group, panel, dora, "buttons")
    await say(sandbox, group, players[0], "/quiz 2")
    original, taps = strict.handle, []

    async def slow_question_two(url, params):
        status, body = await original(url, params)
        if url.endswith("/sendMessage") and "Question 2/2" in str(params.get("text")):
            message = json.loads(body)["result"]
            for player in players:  # they tap while the bot still waits for this answer
                taps.append(strict.tap(group, message["message_id"], player, 0))
            await asyncio.sleep(0.3)  # the taps are fetched and handled meanwhile
        return status, body

    strict.handle = slow_question_two
    await sandbox.advance(31)  # question 1 closes; question 2 goes out by the timer
    strict.handle = original
    await sandbox.settle()
    toasts = [strict.callback_answer(query)["text"] for query in taps]
    assert len(toasts) == 3 and not [t for t in toasts if "no longer valid" in t], toasts
    assert db_rows(settings, "SELECT COUNT(*) FROM answers WHERE idx = 1") == [(3,)]
