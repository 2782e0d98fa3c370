"""The bot introduces itself: its profile texts, and a welcome when it is added to a group."""

from __future__ import annotations

import sqlite3

import pytest

from bot.knowledge.dataset import Lang
from bot.sandbox.session import Sandbox
from bot.telegram import render
from tests.telegram.conftest import say

pytestmark = pytest.mark.usefixtures("no_errors")


def calls_of(emulator, method):
    return [params for name, params in emulator.calls if name == method]


async def test_profile_texts_are_set_in_both_languages_once(settings, emulator, clock):
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


async def test_removed_from_a_group_it_sends_nothing_more(sandbox, emulator):
    ann = emulator.add_user("Ann")
    group = emulator.add_group("Bye", members=[ann])
    emulator.remove_bot_from_group(group, ann)
    await sandbox.settle()
    assert emulator.bot_messages(group) == []
    assert emulator.errors == []
