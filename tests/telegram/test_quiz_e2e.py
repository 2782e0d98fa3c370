"""Quiz rounds end to end: users vote and tap in the emulator; the real bot runs the round."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from bot.sandbox.emulator import EmulatorRefused
from bot.sandbox.session import Sandbox
from tests.telegram.conftest import assert_well_formed, buttons, say, tap

pytestmark = pytest.mark.usefixtures("no_errors", "no_api_errors")


@pytest.fixture
def no_api_errors(emulator):
    """Flood limits are on (the emulator's default): no 429, and no other Bot API error."""
    assert emulator.enforce_flood_limits
    yield
    assert emulator.errors == []


def db_rows(settings, sql, *args):
    with sqlite3.connect(settings.db_path) as conn:
        return conn.execute(sql, args).fetchall()


def polls_in(emulator, chat_id):
    return [m for m in emulator.bot_messages(chat_id) if "poll" in m]


def current_poll(emulator, chat_id):
    return polls_in(emulator, chat_id)[-1]["poll"]


def correct_of(poll):
    return poll["correct_option_ids"][0]


def wrong_of(poll):
    return (correct_of(poll) + 1) % len(poll["options"])


async def vote(sb, poll, user, option):
    sb.emu.vote(poll["id"], user, [option])
    await sb.settle()


@pytest.fixture
def players(emulator):
    return [emulator.add_user(name) for name in ("Ann", "Ben", "Cai")]


@pytest.fixture
def group(emulator, players):
    admin = emulator.add_user("Dora")
    return emulator.add_group("Quiz night", members=players, admins=[admin])


async def test_private_round_runs_from_quiz_to_results(sandbox, emulator, settings, players):
    ann = players[0]
    (intro, first) = await say(sandbox, ann, ann, "/quiz 3")
    assert "3 questions" in intro["text"]
    assert first["poll"]["type"] == "quiz" and not first["poll"]["is_anonymous"]
    assert first["poll"]["open_period"] == 30
    await vote(sandbox, first["poll"], ann, correct_of(first["poll"]))  # right, at once: 10 + 5
    second = current_poll(emulator, ann)
    assert second["id"] != first["poll"]["id"]  # the next question follows the answer at once
    await vote(sandbox, second, ann, wrong_of(second))
    third = current_poll(emulator, ann)
    await vote(sandbox, third, ann, correct_of(third))
    results = emulator.last_bot_message(ann)
    assert "Round over" in results["text"] and "30" in results["text"]
    assert buttons(results)[0][1].startswith("again:")
    questions = {p["poll"]["question"] for p in polls_in(emulator, ann)}
    assert len(questions) == 3  # no repeats within a round
    assert db_rows(settings, "SELECT points, answered, correct, best_streak FROM scores") == [
        (30, 3, 2, 1)
    ]
    assert db_rows(settings, "SELECT status FROM rounds") == [("finished",)]
    for message in emulator.bot_messages(ann):
        if "text" in message:
            assert_well_formed(message)


async def test_next_round_avoids_questions_the_chat_has_seen(sandbox, emulator, players):
    ann = players[0]
    asked = []
    for _ in range(2):
        await say(sandbox, ann, ann, "/quiz 5")
        for _ in range(5):
            poll = current_poll(emulator, ann)
            asked.append(poll["question"].rsplit(" · ", 1)[1])
            await vote(sandbox, poll, ann, 0)
    assert len(set(asked)) == 10


async def test_second_quiz_is_refused_while_one_runs(sandbox, players):
    ann = players[0]
    await say(sandbox, ann, ann, "/quiz")
    (reply,) = await say(sandbox, ann, ann, "/quiz")
    assert "already running" in reply["text"] and "/stop" in reply["text"]


async def test_bad_round_sizes_and_topics_are_explained(sandbox, players):
    ann = players[0]
    (too_many,) = await say(sandbox, ann, ann, "/quiz 50")
    assert "1 to 20" in too_many["text"]
    (unknown,) = await say(sandbox, ann, ann, "/quiz <b>volcanoes</b>")
    assert "no quiz topic" in unknown["text"] and "&lt;b&gt;" not in unknown["text"]


async def test_group_poll_round_counts_right_wrong_and_refuses_late_votes(
    sandbox, emulator, settings, group, players
):
    ann, ben, cai = players
    await say(sandbox, group, ann, "/quiz 2")
    poll = current_poll(emulator, group)
    await vote(sandbox, poll, ann, correct_of(poll))
    emulator.clock.advance(10)
    await vote(sandbox, poll, ben, wrong_of(poll))
    with pytest.raises(EmulatorRefused):  # Telegram allows one vote per quiz poll
        emulator.vote(poll["id"], ben, [correct_of(poll)])
    assert current_poll(emulator, group)["id"] == poll["id"]  # a group waits for the timer
    await sandbox.advance(21)
    with pytest.raises(EmulatorRefused):  # late: the poll is closed
        emulator.vote(poll["id"], cai, [correct_of(poll)])
    reveal = [m for m in emulator.bot_messages(group) if "Answer:" in m.get("text", "")][-1]
    assert "Ann (+15)" in reveal["text"] and "Ben" not in reveal["text"]
    assert current_poll(emulator, group)["id"] != poll["id"]
    rows = db_rows(settings, "SELECT user_id, correct, points FROM answers ORDER BY user_id")
    assert rows == [(ann, 1, 15), (ben, 0, 0)]


async def test_group_button_round_gives_toasts_and_counts_first_answer_only(
    sandbox, emulator, settings, group, players
):
    ann, ben, cai = players
    dora = next(iter(emulator.admins[group]))
    (settings_message,) = await say(sandbox, group, dora, "/settings")
    _, saved = await tap(sandbox, group, settings_message, dora, 1)  # "buttons"
    assert saved["text"] == "Saved."
    await say(sandbox, group, ann, "/quiz 1")
    question = emulator.last_bot_message(group)
    options = buttons(question)
    assert len(options) >= 2 and all(data.startswith("a:") for _, data in options)
    _, toast_ann = await tap(sandbox, group, question, ann, 0)
    _, toast_ann_again = await tap(sandbox, group, question, ann, 1)
    _, toast_ben = await tap(sandbox, group, question, ben, 1)
    assert toast_ann["text"].startswith(("✅", "❌"))
    assert "already answered" in toast_ann_again["text"]
    assert toast_ben["text"].startswith(("✅", "❌"))
    await sandbox.advance(31)
    assert (
        buttons(
            emulator.messages(group)[
                [m["message_id"] for m in emulator.messages(group)].index(question["message_id"])
            ]
        )
        == []
    )
    _, toast_late = await tap_raw(sandbox, group, question, cai, options[0][1])  # an old client
    assert "Time is up" in toast_late["text"] or "no longer valid" in toast_late["text"]
    assert db_rows(settings, "SELECT user_id, option FROM answers ORDER BY user_id") == [
        (ann, 0),
        (ben, 1),
    ]
    assert "Round over" in emulator.last_bot_message(group)["text"]


async def test_non_admin_cannot_change_group_settings(sandbox, emulator, group, players):
    (denied,) = await say(sandbox, group, players[1], "/settings")
    assert "Only group admins" in denied["text"]


async def tap_raw(sb, chat_id, message, user_id, data):
    query_id = sb.emu.send_callback(chat_id, message["message_id"], user_id, data)
    await sb.settle()
    return None, sb.emu.callback_answer(query_id)


async def test_forged_answer_buttons_get_a_toast_and_no_points(
    sandbox, emulator, settings, players
):
    ann = players[0]
    (listing,) = await say(sandbox, ann, ann, "/topics")
    for data in ["a:999:0:1", "a:1:0:9", "a:x:y:z", "a:1:99:0", "set:mode:rocket", "again:now"]:
        _, toast = await tap_raw(sandbox, ann, listing, ann, data)
        assert toast is not None and toast["text"], data
    assert db_rows(settings, "SELECT COUNT(*) FROM answers") == [(0,)]


async def test_stop_in_a_group_only_by_starter_or_admin(
    sandbox, emulator, group, players, settings
):
    ann, ben, _ = players
    dora = next(iter(emulator.admins[group]))
    await say(sandbox, group, ann, "/quiz 3")
    (denied,) = await say(sandbox, group, ben, "/stop")
    assert "Only" in denied["text"]
    replies = await say(sandbox, group, dora, "/stop")
    assert any("Round stopped" in m.get("text", "") for m in replies)
    assert db_rows(settings, "SELECT status FROM rounds") == [("stopped",)]
    (none,) = await say(sandbox, group, ann, "/stop")
    assert "No quiz round" in none["text"]


async def test_restart_mid_round_resumes_and_keeps_every_answer(
    settings, emulator, clock, group, players
):
    ann, ben, cai = players
    first = Sandbox(settings, emulator=emulator, clock=clock)
    await first.start()
    await say(first, group, ann, "/quiz 2")
    poll = current_poll(emulator, group)
    await vote(first, poll, ann, correct_of(poll))
    await first.kill()  # no clean shutdown
    emulator.vote(poll["id"], ben, [correct_of(poll)])  # while the bot is down
    clock.advance(40)  # the question's deadline passes during the downtime
    second = Sandbox(settings, emulator=emulator, clock=clock)
    await second.start()
    try:
        await second.settle()
        await second.advance(5)  # the grace period after a restart
        reveal = [m for m in emulator.bot_messages(group) if "Answer:" in m.get("text", "")]
        assert len(reveal) == 1 and "Ann" in reveal[0]["text"] and "Ben" in reveal[0]["text"]
        nxt = current_poll(emulator, group)
        assert nxt["id"] != poll["id"]
        await vote(second, nxt, cai, correct_of(nxt))
        await second.advance(31)
        assert db_rows(settings, "SELECT COUNT(*) FROM answers") == [(3,)]
        assert db_rows(settings, "SELECT status FROM rounds") == [("finished",)]
        assert db_rows(settings, "SELECT COUNT(*) FROM scores") == [(3,)]
    finally:
        await second.stop()


async def test_fifty_players_answering_at_once_are_each_counted_once(sandbox, emulator, settings):
    crowd = [emulator.add_user(f"P{i}") for i in range(50)]
    group = emulator.add_group("Crowd", members=crowd)
    await say(sandbox, group, crowd[0], "/quiz 1")
    poll = current_poll(emulator, group)
    for user in crowd:
        emulator.vote(poll["id"], user, [correct_of(poll)])
    await sandbox.settle()
    assert db_rows(settings, "SELECT COUNT(*), COUNT(DISTINCT user_id) FROM answers") == [(50, 50)]
    assert db_rows(settings, "SELECT COUNT(*), SUM(answered) FROM scores") == [(50, 50)]


async def test_score_and_top_show_points_with_shared_ranks(sandbox, emulator, group, players):
    ann, ben, cai = players
    await say(sandbox, group, ann, "/quiz 1")
    poll = current_poll(emulator, group)
    for user in (ann, ben):
        emulator.vote(poll["id"], user, [correct_of(poll)])
    emulator.vote(poll["id"], cai, [wrong_of(poll)])
    await sandbox.settle()
    await sandbox.advance(31)
    (board,) = await say(sandbox, group, cai, "/top")
    lines = board["text"].splitlines()
    assert lines[1].startswith("🥇 Ann") and lines[2].startswith("🥇 Ben")  # a tie shares rank 1
    assert lines[3].startswith("🥉 Cai")
    (mine,) = await say(sandbox, group, ann, "/score")
    assert "15 points" in mine["text"] and "1/1 correct" in mine["text"]
    await asyncio.sleep(0)


async def test_topic_round_keeps_to_the_topic_and_chinese_chats_get_chinese(
    sandbox, emulator, players, dataset
):
    ann = players[0]
    (settings_message,) = await say(sandbox, ann, ann, "/settings")
    await tap(sandbox, ann, settings_message, ann, 9)  # 中文
    await say(sandbox, ann, ann, "/quiz 绘王")
    huion_texts = {q.question.zh for q in dataset.quiz if dataset.facts[q.fact].topic == "huion"}
    for _ in range(3):
        poll = current_poll(emulator, ann)
        assert poll["question"].rsplit(" · ", 1)[1] in huion_texts
        await vote(sandbox, poll, ann, correct_of(poll))


# -- the four failures seen against a strict Bot API ----------------------------------------------


@pytest.fixture
def strict(emulator):
    """Telegram's flood limits on; every Bot API error the bot provoked is checked at the end."""
    emulator.enforce_flood_limits = True
    yield emulator
    assert emulator.errors == []


async def test_a_timed_group_poll_is_not_stopped_after_telegram_closed_it(
    sandbox, strict, group, players
):
    ann, ben, _ = players
    await say(sandbox, group, ann, "/quiz 2")
    for _ in range(2):
        poll = current_poll(strict, group)
        await vote(sandbox, poll, ben, correct_of(poll))
        await sandbox.advance(31)  # Telegram closes the poll at 30 s, the bot's timer a bit later
    assert "Round over" in strict.last_bot_message(group)["text"]
    assert not [m for m, _ in strict.calls if m == "stopPoll"]


async def test_poll_text_with_html_characters_is_escaped(sandbox, strict, players, settings):
    ann = players[0]
    (panel,) = await say(sandbox, ann, ann, "/settings")
    await tap(sandbox, ann, panel, ann, 7)  # 20 questions: every Tencent question
    strict.clock.advance(3)
    await say(sandbox, ann, ann, "/quiz tencent")
    seen = []
    while "poll" in strict.last_bot_message(ann) and len(seen) < 20:
        poll = current_poll(strict, ann)
        seen.append(poll["question"])
        strict.clock.advance(2)
        await vote(sandbox, poll, ann, correct_of(poll))
    assert any("R&D" in q for q in seen)  # shown as typed, not as "R&amp;D"
    assert "Round over" in strict.last_bot_message(ann)["text"]


async def test_a_vote_arriving_before_the_poll_id_is_stored_still_counts(
    sandbox, emulator, group, players, settings
):
    ann, ben, _ = players
    original = emulator.handle

    async def slow_send_poll(url, params):
        status, body = await original(url, params)
        if url.endswith("/sendPoll") and status == 200:
            poll = json.loads(body)["result"]["poll"]
            emulator.vote(poll["id"], ben, [correct_of(poll)])  # faster than sendPoll's answer
            async with asyncio.timeout(5):
                while emulator.pending_updates:
                    await asyncio.sleep(0.001)
            await asyncio.sleep(0.05)  # the vote is handled before the bot knows the poll
        return status, body

    emulator.handle = slow_send_poll
    await say(sandbox, group, ann, "/quiz 1")
    emulator.handle = original
    await sandbox.advance(31)
    reveal = [m for m in emulator.bot_messages(group) if "Answer:" in m.get("text", "")][-1]
    assert "Ben (+15)" in reveal["text"]
    assert db_rows(settings, "SELECT user_id, correct FROM answers") == [(ben, 1)]


async def test_a_fast_private_round_stays_within_one_message_a_second(sandbox, strict, players):
    ann = players[0]
    await say(sandbox, ann, ann, "/quiz 5")
    for _ in range(5):
        poll = current_poll(strict, ann)
        strict.clock.advance(2)  # a quick player: an answer every two seconds
        await vote(sandbox, poll, ann, correct_of(poll))
    assert "Round over" in strict.last_bot_message(ann)["text"]
    assert not [e for e in strict.errors if e[1] == 429]
