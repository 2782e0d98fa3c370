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
