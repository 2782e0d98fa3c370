"""The emulator behaves like the Bot API where the bot depends on it: limits, errors, polling."""

from __future__ import annotations

import json
import time

import pytest

from bot.sandbox.emulator import BotApiEmulator, EmulatorRefused, parse_html


async def call(emu: BotApiEmulator, method: str, **params):
    status, body = await emu.handle(f"https://api.telegram.org/bot{emu.token}/{method}", params)
    return status, json.loads(body)


def test_html_is_parsed_into_text_and_utf16_entities():
    text, entities = parse_html("🎉 <b>gold</b> &amp; <i>x</i>")
    assert text == "🎉 gold & x"
    assert entities[0] == {"type": "bold", "offset": 3, "length": 4}  # the emoji is 2 UTF-16 units


@pytest.mark.parametrize(
    "bad", ["<b>open", "a < b", "x & y", "<blink>no</blink>", "<b><i>x</b></i>"]
)
def test_bad_html_is_refused_like_telegram(bad):
    emu = BotApiEmulator()
    with pytest.raises(Exception, match="can't parse entities"):
        emu._formatted(bad, "HTML")


async def test_message_length_is_counted_after_parsing():
    emu = BotApiEmulator()
    user = emu.add_user("A")
    ok, _ = await call(
        emu, "sendMessage", chat_id=user, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML"
    )
    too_long, body = await call(emu, "sendMessage", chat_id=user, text="x" * 4097)
    empty, _ = await call(emu, "sendMessage", chat_id=user, text="   ")
    assert (ok, too_long, empty) == (200, 400, 400)
    assert body["description"] == "Bad Request: message is too long"


async def test_callback_data_over_64_bytes_is_refused():
    emu = BotApiEmulator()
    user = emu.add_user("A")
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "é" * 33}]]}  # 66 bytes
    status, body = await call(emu, "sendMessage", chat_id=user, text="hi", reply_markup=markup)
    assert status == 400 and "BUTTON_DATA_INVALID" in body["description"]


async def test_editing_to_the_same_content_is_not_modified():
    emu = BotApiEmulator()
    user = emu.add_user("A")
    _, sent = await call(emu, "sendMessage", chat_id=user, text="same")
    status, body = await call(
        emu, "editMessageText", chat_id=user, message_id=sent["result"]["message_id"], text="same"
    )
    assert status == 400 and "message is not modified" in body["description"]


async def test_callback_queries_are_answered_once_with_a_short_toast():
    emu = BotApiEmulator()
    user = emu.add_user("A")
    _, sent = await call(
        emu,
        "sendMessage",
        chat_id=user,
        text="pick",
        reply_markup={"inline_keyboard": [[{"text": "1", "callback_data": "a"}]]},
    )
    query = emu.tap(user, sent["result"]["message_id"], user, 0)
    too_long, _ = await call(emu, "answerCallbackQuery", callback_query_id=query, text="x" * 201)
    first, _ = await call(emu, "answerCallbackQuery", callback_query_id=query, text="ok")
    second, _ = await call(emu, "answerCallbackQuery", callback_query_id=query)
    assert (too_long, first, second) == (400, 200, 400)


async def test_quiz_polls_close_on_time_and_refuse_second_votes():
    now = [1000.0]
    emu = BotApiEmulator(clock=lambda: now[0])
    user, other = emu.add_user("A"), emu.add_user("B")
    group = emu.add_group("G", members=[user, other])
    _, sent = await call(emu, "sendPoll", chat_id=group, question="Q?", options=[{"text": "a"}, {"text": "b"}], type="quiz",
                         correct_option_ids=[1], is_anonymous=False, open_period=10)  # fmt: skip
    poll_id = sent["result"]["poll"]["id"]
    emu.vote(poll_id, user, [0])
    with pytest.raises(EmulatorRefused):
        emu.vote(poll_id, user, [1])
    now[0] += 10
    with pytest.raises(EmulatorRefused):
        emu.vote(poll_id, other, [1])
    explanation, _ = await call(
        emu, "sendPoll", chat_id=group, question="Q?", options=["a", "b"], explanation="l\nl\nl\nl"
    )
    assert explanation == 400


async def test_forgetting_old_keeps_recent_messages_and_open_polls_only():
    now = [1000.0]
    emu = BotApiEmulator(clock=lambda: now[0])
    user = emu.add_user("A")
    polls = []
    for _ in range(5):
        _, sent = await call(emu, "sendPoll", chat_id=user, question="Q?", options=["a", "b"],
                             type="quiz", correct_option_ids=[0], is_anonymous=False, open_period=10)  # fmt: skip
        polls.append(sent["result"]["poll"]["id"])
        now[0] += 11  # each poll closes before the next one is sent ...
    _, sent = await call(emu, "sendPoll", chat_id=user, question="Q?", options=["a", "b"])
    polls.append(sent["result"]["poll"]["id"])  # ... but the last one stays open
    await call(emu, "getUpdates")  # closes the timed-out polls
    assert emu.forget_old(keep=2) == 7
    assert emu.calls == [] and len(emu.messages(user)) == 2
    assert set(emu.polls) == set(polls[-2:])  # closed polls go with their messages
    with pytest.raises(KeyError):
        emu.vote(polls[0], user, [0])
    emu.vote(polls[-1], user, [0])


async def test_privacy_mode_hides_ordinary_group_chat_from_the_bot():
    emu = BotApiEmulator()
    user = emu.add_user("A")
    group = emu.add_group("G", members=[user])
    emu.send_message(group, user, "just chatting")
    emu.send_message(group, user, "/ask@OtherBot hi")
    emu.send_message(group, user, f"/ask@{emu.bot_username} hi")
    emu.send_message(group, user, f"hey @{emu.bot_username}")
    _, body = await call(emu, "getUpdates", timeout=0)
    assert [u["message"]["text"] for u in body["result"]] == [
        f"/ask@{emu.bot_username} hi",
        f"hey @{emu.bot_username}",
    ]


async def test_idle_get_updates_waits_for_its_timeout():
    emu = BotApiEmulator()
    start = time.monotonic()
    _, body = await call(emu, "getUpdates", timeout=0.3)
    assert body["result"] == [] and time.monotonic() - start >= 0.28


async def test_wrong_token_is_unauthorized_and_faults_can_be_injected():
    emu = BotApiEmulator()
    status, _ = await emu.handle("https://api.telegram.org/bot1:wrong/getMe", {})
    assert status == 401
    emu.fail_next("getMe", error_code=429, retry_after=3)
    status, body = await call(emu, "getMe")
    assert status == 429 and body["parameters"] == {"retry_after": 3}
    status, _ = await call(emu, "getMe")
    assert status == 200


# -- chats that change: membership, blocking, migration; inline queries; descriptions ----------


def updates_of(emu: BotApiEmulator, kind: str) -> list[dict]:
    return [u[kind] for u in emu._updates if kind in u]


async def test_adding_and_removing_the_bot_are_my_chat_member_updates():
    emu = BotApiEmulator()
    ann = emu.add_user("Ann")
    group = emu.add_group("G", members=[ann])
    emu.bot_status[group] = "left"
    service = emu.add_bot_to_group(group, ann)
    assert service["new_chat_members"][0]["id"] == emu.bot_user["id"]
    (added,) = updates_of(emu, "my_chat_member")
    assert (added["old_chat_member"]["status"], added["new_chat_member"]["status"]) == (
        "left",
        "member",
    )
    assert updates_of(emu, "message")[-1]["new_chat_members"]  # delivered despite privacy mode
    emu.remove_bot_from_group(group, ann)
    status, body = await call(emu, "sendMessage", chat_id=group, text="still here?")
    assert (
        status == 403
        and body["description"] == "Forbidden: bot was kicked from the supergroup chat"
    )
    _, member = await call(emu, "getChatMember", chat_id=group, user_id=emu.bot_user["id"])
    assert member["result"]["status"] == "kicked"


async def test_a_blocked_user_is_a_403_and_a_my_chat_member_update():
    emu = BotApiEmulator()
    ann = emu.add_user("Ann")
    emu.block(ann)
    status, body = await call(emu, "sendMessage", chat_id=ann, text="hi")
    assert status == 403 and "blocked by the user" in body["description"]
    emu.unblock(ann)
    statuses = [u["new_chat_member"]["status"] for u in updates_of(emu, "my_chat_member")]
    assert statuses == ["kicked", "member"]
    assert (await call(emu, "sendMessage", chat_id=ann, text="hi"))[0] == 200


async def test_polls_need_the_right_to_send_them():
    emu = BotApiEmulator()
    ann = emu.add_user("Ann")
    group = emu.add_group("G", members=[ann])
    emu.set_permissions(group, can_send_polls=False)
    status, body = await call(emu, "sendPoll", chat_id=group, question="Q?", options=["a", "b"])
    assert status == 400 and "not enough rights to send polls" in body["description"]
    _, chat = await call(emu, "getChat", chat_id=group)
    assert chat["result"]["permissions"]["can_send_polls"] is False
    emu.bot_status[group] = "administrator"  # admins may send polls whatever members may do
    assert (await call(emu, "sendPoll", chat_id=group, question="Q?", options=["a", "b"]))[0] == 200


async def test_a_group_upgraded_to_a_supergroup_gets_a_new_id():
    emu = BotApiEmulator()
    ann = emu.add_user("Ann")
    group = emu.add_group("G", members=[ann], supergroup=False)
    new_id = emu.migrate_to_supergroup(group, ann)
    assert new_id != group and emu.chats[new_id]["type"] == "supergroup"
    to_new, from_old = [m for m in updates_of(emu, "message")][-2:]
    assert to_new["chat"]["id"] == group and to_new["migrate_to_chat_id"] == new_id
    assert from_old["chat"]["id"] == new_id and from_old["migrate_from_chat_id"] == group
    status, body = await call(emu, "sendMessage", chat_id=group, text="hello?")
    assert status == 400 and body["parameters"] == {"migrate_to_chat_id": new_id}
    assert (await call(emu, "sendMessage", chat_id=new_id, text="hello"))[0] == 200


async def test_inline_answers_are_checked_like_telegram():
    now = [1000.0]
    emu = BotApiEmulator(clock=lambda: now[0])
    ann = emu.add_user("Ann")
    article = {
        "type": "article",
        "id": "a1",
        "title": "HUION",
        "input_message_content": {"message_text": "<b>Xu</b> Hefeng", "parse_mode": "HTML"},
    }
    query = emu.inline_query(ann, "huion founder")
    (update,) = updates_of(emu, "inline_query")
    assert update["query"] == "huion founder" and update["from"]["id"] == ann
    bad = {**article, "input_message_content": {"message_text": "a & b", "parse_mode": "HTML"}}
    assert (await call(emu, "answerInlineQuery", inline_query_id=query, results=[bad]))[0] == 400
    twice = [article, article]
    status, body = await call(emu, "answerInlineQuery", inline_query_id=query, results=twice)
    assert status == 400 and "RESULT_ID_DUPLICATE" in body["description"]
    ok, _ = await call(
        emu, "answerInlineQuery", inline_query_id=query, results=[article], cache_time=30
    )
    assert ok == 200 and emu.inline_answer(query)["cache_time"] == 30
    late = emu.inline_query(ann, "x")
    now[0] += 11
    status, body = await call(emu, "answerInlineQuery", inline_query_id=late, results=[])
    assert status == 400 and "query is too old" in body["description"]


async def test_descriptions_are_kept_per_language():
    emu = BotApiEmulator()
    assert (await call(emu, "setMyDescription", description="About", language_code="zh"))[0] == 200
    _, body = await call(emu, "getMyDescription", language_code="zh")
    assert body["result"] == {"description": "About"}
    status, _ = await call(emu, "setMyShortDescription", short_description="x" * 121)
    assert status == 400
