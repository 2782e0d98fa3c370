"""Asking questions, end to end: a user types in Telegram (the emulator), the real bot answers."""

from __future__ import annotations

import pytest

from tests.telegram.conftest import assert_well_formed, buttons, say, tap

pytestmark = pytest.mark.usefixtures("no_errors")


@pytest.fixture
def alice(emulator):
    return emulator.add_user("Alice", username="alice")


@pytest.fixture
def group(emulator, alice):
    bob = emulator.add_user("Bob")
    return emulator.add_group("Patent fans", members=[alice, bob], admins=[alice])


async def test_private_question_is_answered_with_its_source(sandbox, alice):
    replies = await say(sandbox, alice, alice, "Who founded HUION?")
    assert len(replies) == 1
    text = replies[0]["text"]
    assert "Xu Hefeng" in text
    assert "Source: Xinhua" in text
    assert_well_formed(replies[0])


async def test_chinese_question_gets_a_chinese_answer(sandbox, alice):
    (reply,) = await say(sandbox, alice, alice, "广东获得了多少金奖？")
    assert "11" in reply["text"]
    assert "来源" in reply["text"]


async def test_typo_is_tolerated(sandbox, alice):
    (reply,) = await say(sandbox, alice, alice, "huoin founder")
    assert "Xu Hefeng" in reply["text"]


async def test_off_topic_question_is_declined_with_topic_buttons(sandbox, alice, dataset):
    (reply,) = await say(sandbox, alice, alice, "What is the capital of France?")
    assert "don't know" in reply["text"]
    offered = buttons(reply)
    assert 1 <= len(offered) <= 3
    titles = {t.title.en for t in dataset.topics.values()}
    assert all(label in titles for label, _ in offered)
    new, toast = await tap(sandbox, alice, reply, alice, 0)
    assert toast is not None
    assert len(new) == 1 and offered[0][0] in new[0]["text"]


def italic_text(message: dict) -> list[str]:
    """The italic parts of a message as the user sees them (the source line). Entity offsets
    count UTF-16 code units."""
    units = message["text"].encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.get("entities", [])
        if e["type"] == "italic"
    ]


@pytest.fixture
def li(emulator):
    return emulator.add_user("Li", language_code="zh-hans")


async def test_not_in_sources_says_so_and_gives_what_the_sources_say(sandbox, alice):
    (reply,) = await say(sandbox, alice, alice, "What was Huawei's winning patent?")
    text = reply["text"]
    assert text.startswith(
        "The sources name Huawei among the winners but do not say which of its patents won."
    )
    assert "tech giants such as Huawei" in text
    assert italic_text(reply) == ["Source: Xinhua, 19 Oct 2025"]
    assert_well_formed(reply)


async def test_a_company_not_among_the_named_winners_in_english_and_chinese(sandbox, alice, li):
    (en,) = await say(sandbox, alice, alice, "Did Xiaomi win a gold?")
    assert en["text"].startswith("Xiaomi is not among the winners named in the sources.")
    assert "Tencent, HUION, China Mobile" in en["text"]
    (zh,) = await say(sandbox, li, li, "小米获得金奖了吗？")
    assert zh["text"].startswith("资料提到的获奖者中没有小米。资料提到的获奖者有：腾讯、绘王、")
    assert italic_text(zh) == ["来源：新华社，2025年10月19日；新华社，2025年10月16日"]


async def test_an_earlier_editions_figures_are_labelled(sandbox, alice):
    (reply,) = await say(sandbox, alice, alice, "How many silver awards were given?")
    assert reply["text"].startswith(
        "The sources give silver award figures only for the 23rd edition (2022):"
    )


async def test_off_topic_in_chinese_is_declined_with_topic_buttons(sandbox, li, dataset):
    (reply,) = await say(sandbox, li, li, "2025年奥运会中国拿了几块金牌")
    assert reply["text"].startswith("这个问题超出了我的范围")
    titles = {t.title.zh for t in dataset.topics.values()}
    offered = buttons(reply)
    assert 1 <= len(offered) <= 3 and all(label in titles for label, _ in offered)


async def test_follow_ups_in_a_private_chat(sandbox, alice):
    (founder,) = await say(sandbox, alice, alice, "Who founded HUION?")
    assert "Xu Hefeng" in founder["text"]
    (founded,) = await say(sandbox, alice, alice, "When was it founded?")
    assert "HUION" in founded["text"] and "2011" in founded["text"]
    (byd,) = await say(sandbox, alice, alice, "And BYD?")
    assert byd["text"].startswith("The sources do not give a date or year for BYD.")


async def test_a_chinese_follow_up_in_a_private_chat(sandbox, li):
    await say(sandbox, li, li, "绘王获得了什么奖？")
    (reply,) = await say(sandbox, li, li, "它的创始人是谁？")
    assert reply["text"].startswith("绘王的创始人是 Xu Hefeng。")


async def test_a_follow_up_after_the_context_expired_stands_alone(sandbox, alice):
    await say(sandbox, alice, alice, "Who founded HUION?")
    await sandbox.advance(301)
    (reply,) = await say(sandbox, alice, alice, "When was it founded?")
    assert "2011" not in reply["text"]


async def test_a_question_naming_its_own_company_ignores_the_last_one(sandbox, alice):
    await say(sandbox, alice, alice, "Who founded HUION?")
    (reply,) = await say(sandbox, alice, alice, "Who founded BYD?")
    assert "BYD" in reply["text"] and "Xu Hefeng" not in reply["text"]


async def test_in_a_group_a_follow_up_must_reply_to_the_bots_answer(
    sandbox, emulator, group, alice
):
    (answer,) = await say(sandbox, group, alice, f"@{emulator.bot_username} who founded huion")
    assert "Xu Hefeng" in answer["text"]
    (follow_up,) = await say(
        sandbox, group, alice, "when was it founded?", reply_to=answer["message_id"]
    )
    assert "2011" in follow_up["text"]
    (alone,) = await say(sandbox, group, alice, f"@{emulator.bot_username} when was it founded?")
    assert "2011" not in alone["text"]


async def test_start_offers_example_questions_that_answer_when_tapped(sandbox, alice):
    (greeting,) = await say(sandbox, alice, alice, "/start")
    assert "2025 China Patent Awards" in greeting["text"]
    examples = buttons(greeting)
    assert len(examples) >= 3
    new, toast = await tap(sandbox, alice, greeting, alice, 0)
    assert toast is not None  # the spinner is stopped
    assert len(new) == 1
    assert examples[0][0] in new[0]["text"] and "Source:" in new[0]["text"]


async def test_help_explains_commands_and_scoring(sandbox, alice):
    (reply,) = await say(sandbox, alice, alice, "/help")
    for command in ("/ask", "/topics", "/quiz", "/stop", "/score", "/top", "/settings"):
        assert command in reply["text"]
    assert "point" in reply["text"].lower()


async def test_topics_buttons_show_the_topics_facts(sandbox, alice, dataset):
    (listing,) = await say(sandbox, alice, alice, "/topics")
    offered = buttons(listing)
    assert len(offered) == len(dataset.topics)
    label = dataset.topics["huion"].title.en
    index = [text for text, _ in offered].index(label)
    new, _ = await tap(sandbox, alice, listing, alice, index)
    (topic,) = new
    assert "Xu Hefeng" in topic["text"]
    assert topic["text"].count("•") == len(dataset.facts_of_topic("huion"))
    assert_well_formed(topic)


async def test_topics_by_number_and_an_unknown_number(sandbox, alice, dataset):
    (first,) = await say(sandbox, alice, alice, "/topics 1")
    first_topic = next(iter(dataset.topics.values()))
    assert first_topic.title.en in first["text"]
    (missing,) = await say(sandbox, alice, alice, "/topics 999")
    assert "no topic" in missing["text"].lower()
    assert len(buttons(missing)) == len(dataset.topics)


async def test_commands_are_registered_in_english_and_chinese(sandbox, emulator):
    languages = {key[1] if isinstance(key, tuple) else key for key in emulator.my_commands}
    assert None in languages or "" in languages
    assert "zh" in languages


# -- groups: privacy mode ---------------------------------------------------------------------


async def test_group_ignores_ordinary_chat(sandbox, emulator, group, alice):
    assert await say(sandbox, group, alice, "who founded huion") == []


async def test_group_answers_ask_command_with_and_without_bot_name(sandbox, emulator, group, alice):
    (plain,) = await say(sandbox, group, alice, "/ask who founded huion")
    assert "Xu Hefeng" in plain["text"]
    (named,) = await say(sandbox, group, alice, f"/ask@{emulator.bot_username} who founded huion")
    assert "Xu Hefeng" in named["text"]
    assert await say(sandbox, group, alice, "/ask@SomeOtherBot who founded huion") == []


async def test_group_answers_a_mention_and_a_reply_to_the_bot(sandbox, emulator, group, alice):
    (reply,) = await say(
        sandbox, group, alice, f"@{emulator.bot_username} how many golds did beijing win"
    )
    assert "9" in reply["text"]
    (follow_up,) = await say(sandbox, group, alice, "and guangdong?", reply_to=reply["message_id"])
    assert "11" in follow_up["text"]


async def test_anonymous_admin_can_ask_in_a_group(sandbox, emulator, group):
    (reply,) = await say(sandbox, group, None, "/ask who founded huion", sender_chat_id=group)
    assert "Xu Hefeng" in reply["text"]


async def test_unknown_command_in_a_group_is_left_to_other_bots(sandbox, group, alice):
    assert await say(sandbox, group, alice, "/weather") == []


# -- bad input --------------------------------------------------------------------------------

BAD_TEXTS = [
    "\u200b\u200b",  # only zero-width spaces
    "🤖🎉🔥",
    "\x01\x02 huion \x7f founder",
    "<b>bold</b> & *_[ huion",
    "'; DROP TABLE answers; --",
    "x" * 4096,
    "哈" * 4096,
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("text", BAD_TEXTS, ids=range(len(BAD_TEXTS)))
async def test_bad_text_gets_one_short_well_formed_reply(sandbox, alice, text):
    replies = await say(sandbox, alice, alice, text)
    assert len(replies) == 1
    assert_well_formed(replies[0])
    assert "went wrong" not in replies[0]["text"]


async def test_html_in_a_question_is_never_interpreted(sandbox, alice):
    (reply,) = await say(sandbox, alice, alice, "<b>who</b> founded <i>huion</i> & co")
    assert "Xu Hefeng" in reply["text"]
    assert not any(e["type"] == "bold" and e["offset"] == 0 for e in reply.get("entities", []))


async def test_ask_without_a_question_explains_usage(sandbox, alice):
    (reply,) = await say(sandbox, alice, alice, "/ask")
    assert "/ask" in reply["text"]


async def test_unknown_command_in_private_points_to_help(sandbox, alice):
    (reply,) = await say(sandbox, alice, alice, "/frobnicate")
    assert "/help" in reply["text"]


async def test_sticker_and_photo_in_private_get_a_hint(sandbox, emulator, alice):
    before = len(emulator.bot_messages(alice))
    emulator.send_sticker(alice, alice)
    emulator.send_photo(alice, alice, caption="look")
    await sandbox.settle()
    hints = emulator.bot_messages(alice)[before:]
    assert len(hints) == 2 and all("text" in h["text"] for h in hints)


async def test_sticker_in_a_group_is_ignored(sandbox, emulator, group, alice):
    before = len(emulator.bot_messages(group))
    emulator.send_sticker(group, alice)
    await sandbox.settle()
    assert emulator.bot_messages(group)[before:] == []


async def test_edited_message_is_left_alone(sandbox, emulator, alice):
    await say(sandbox, alice, alice, "who founded huion")
    question = emulator.messages(alice)[-2]
    before = len(emulator.bot_messages(alice))
    emulator.edit_message(alice, question["message_id"], "how many golds did beijing win")
    await sandbox.settle()
    assert emulator.bot_messages(alice)[before:] == []


async def test_channel_post_without_sender_is_ignored(sandbox, emulator):
    channel = emulator.add_channel("Announcements")
    emulator.channel_post(channel, "/ask who founded huion")
    await sandbox.settle()
    assert emulator.bot_messages(channel) == []


async def test_forged_callback_data_gets_a_toast_not_a_crash(sandbox, emulator, alice):
    (listing,) = await say(sandbox, alice, alice, "/topics")
    for data in ["topic:nope", "ex:99", "ex:-1", "zzz", "topic:", "q:1:2:3:4"]:
        query_id = emulator.send_callback(alice, listing["message_id"], alice, data)
        await sandbox.settle()
        toast = emulator.callback_answer(query_id)
        assert toast is not None and toast.get("text"), data


# -- Telegram errors --------------------------------------------------------------------------


async def test_flood_429_is_retried_after_retry_after(sandbox, emulator, alice):
    emulator.fail_next("sendMessage", error_code=429, retry_after=1)
    (reply,) = await say(sandbox, alice, alice, "who founded huion")
    assert "Xu Hefeng" in reply["text"]


async def test_updates_of_one_chat_are_answered_in_order(sandbox, emulator, alice):
    questions = [
        "who founded huion",
        "how many golds did beijing win",
        "where were the awards presented",
    ]
    before = len(emulator.bot_messages(alice))
    for question in questions:
        emulator.send_message(alice, alice, question)
    await sandbox.settle()
    replies = [m["text"] for m in emulator.bot_messages(alice)[before:]]
    assert ["Xu Hefeng" in replies[0], "9" in replies[1], "Dalian" in replies[2]] == [
        True,
        True,
        True,
    ]
