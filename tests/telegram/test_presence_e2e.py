"""The bot introduces itself: its profile texts, and a welcome when it is added to a group."""

from __future__ import annotations

import sqlite3

import pytest

from bot.knowledge.dataset import Lang
from bot.sandbox.session import Sandbox
from bot.telegram import render
from tests.telegram.conftest import say, tap

pytestmark = pytest.mark.usefixtures("no_errors")


def calls_of(emulator, method):
    return [params for name, params in emulator.calls if name == method]


async def test_profile_texts_and_commands_are_set_in_both_languages_once(settings, emulator, clock):
    async with Sandbox(settings, emulator=emulator, clock=clock):
        pass
    for lang, code in ((Lang.EN, None), (Lang.ZH, "zh")):
        assert (
            emulator.descriptions[("description", code)] == render.STRINGS["bot_description"][lang]
        )
        short = render.STRINGS["bot_short_description"][lang]
        assert emulator.descriptions[("short_description", code)] == short
    sets = len(calls_of(emulator, "setMyDescription"))
    async with Sandbox(settings, emulator=emulator, clock=clock):  # a restart: nothing changed
        pass
    assert len(calls_of(emulator, "setMyDescription")) == sets == 2
    assert len(calls_of(emulator, "setMyShortDescription")) == 2
    assert len(calls_of(emulator, "setMyCommands")) == 2  # the menu too: set once per language
    assert emulator.errors == []


async def test_added_to_a_group_it_says_what_it_does(sandbox, emulator):
    ann = emulator.add_user("Ann")
    group = emulator.add_group("Patent fans", members=[ann])
    emulator.bot_status[group] = "left"
    emulator.add_bot_to_group(group, ann)
    await sandbox.settle()
    (welcome,) = emulator.bot_messages(group)
    assert "/quiz" in welcome["text"] and "/ask" in welcome["text"]
    assert "quiz polls" in welcome["text"]
    assert emulator.errors == []


async def test_where_members_may_not_send_polls_the_chat_switches_to_buttons(
    sandbox, emulator, settings
):
    ann = emulator.add_user("Ann")
    group = emulator.add_group("No polls", members=[ann])
    emulator.bot_status[group] = "left"
    emulator.set_permissions(group, can_send_polls=False)
    emulator.add_bot_to_group(group, ann)
    await sandbox.settle()
    (welcome,) = emulator.bot_messages(group)
    assert "buttons" in welcome["text"] and "allow members to send polls" in welcome["text"]
    with sqlite3.connect(settings.db_path) as db:
        assert db.execute("SELECT mode FROM chats WHERE id = ?", (group,)).fetchone() == (
            "buttons",
        )
    replies = await say(sandbox, group, ann, "/quiz 1")
    assert not any("poll" in m for m in replies)
    assert any((m.get("reply_markup") or {}).get("inline_keyboard") for m in replies)
    assert emulator.errors == []


async def test_the_welcome_is_in_the_language_of_whoever_added_the_bot(sandbox, emulator):
    li = emulator.add_user("Li", language_code="zh-hans")
    group = emulator.add_group("专利", members=[li])
    emulator.bot_status[group] = "left"
    emulator.add_bot_to_group(group, li)
    await sandbox.settle()
    (welcome,) = emulator.bot_messages(group)
    assert "大家好" in welcome["text"]


def rows(settings, sql, *args):
    with sqlite3.connect(settings.db_path) as db:
        return db.execute(sql, args).fetchall()


async def test_removed_from_a_group_mid_round_it_ends_the_round_quietly(
    sandbox, emulator, settings
):
    ann, ben = emulator.add_user("Ann"), emulator.add_user("Ben")
    group = emulator.add_group("Bye", members=[ann, ben])
    await say(sandbox, group, ann, "/quiz 3")
    poll = [m for m in emulator.bot_messages(group) if "poll" in m][-1]["poll"]
    emulator.vote(poll["id"], ben, [poll["correct_option_ids"][0]])
    await sandbox.settle()
    sent = len(emulator.bot_messages(group))
    emulator.remove_bot_from_group(group, ann)
    await sandbox.settle()
    await sandbox.advance(40)  # the question's timer would have fired by now
    assert len(emulator.bot_messages(group)) == sent  # not a word more
    assert rows(settings, "SELECT status FROM rounds") == [("stopped",)]
    assert rows(settings, "SELECT user_id, points > 0 FROM scores") == [(ben, 1)]  # kept
    assert emulator.errors == []


async def test_blocked_by_a_user_mid_round_it_stops_writing_to_them(sandbox, emulator, settings):
    ann = emulator.add_user("Ann")
    await say(sandbox, ann, ann, "/quiz 3")
    emulator.block(ann)
    await sandbox.settle()
    await sandbox.advance(40)
    assert rows(settings, "SELECT status FROM rounds") == [("stopped",)]
    assert emulator.errors == []  # no send was tried after the block
    emulator.unblock(ann)
    replies = await say(sandbox, ann, ann, "who founded huion")  # it writes again: answered
    assert "Xu Hefeng" in replies[-1]["text"]


async def test_a_group_upgraded_to_a_supergroup_keeps_its_settings_scores_and_round(
    sandbox, emulator, settings
):
    ann, ben, dora = (emulator.add_user(n) for n in ("Ann", "Ben", "Dora"))
    group = emulator.add_group("Basic", members=[ann, ben], admins=[dora], supergroup=False)
    panel = (await say(sandbox, group, dora, "/settings"))[-1]
    await tap(sandbox, group, panel, dora, "60 s")
    await say(sandbox, group, ann, "/quiz 3")
    poll = [m for m in emulator.bot_messages(group) if "poll" in m][-1]["poll"]
    emulator.vote(poll["id"], ben, [poll["correct_option_ids"][0]])
    await sandbox.settle()

    new_id = emulator.migrate_to_supergroup(group, dora)
    await sandbox.settle()
    emulator.vote(poll["id"], ann, [poll["correct_option_ids"][0]])  # late, for the old id
    await sandbox.settle()

    assert rows(settings, "SELECT id, seconds FROM chats WHERE id IN (?, ?)", group, new_id) == [
        (new_id, 60)
    ]
    assert rows(settings, "SELECT chat_id, status FROM rounds") == [(new_id, "running")]
    assert rows(settings, "SELECT chat_id, user_id FROM scores") == [(new_id, ben)]
    moved_on = [m for m in emulator.bot_messages(new_id)]
    assert "supergroup" in moved_on[0]["text"]
    assert moved_on[-1]["poll"]["question"].startswith("Question 2/3")
    assert emulator.errors == []

    for _ in range(2):  # the round plays on in the new chat to its results
        poll = [m for m in emulator.bot_messages(new_id) if "poll" in m][-1]["poll"]
        emulator.vote(poll["id"], ben, [poll["correct_option_ids"][0]])
        await sandbox.settle()
        await sandbox.advance(65)
    assert rows(settings, "SELECT status FROM rounds") == [("finished",)]
    assert "Round over" in emulator.bot_messages(new_id)[-1]["text"]
