"""The production HTTP client (aiohttp) over real HTTP: what reaches the Bot API, and what a
failure on the wire turns into (the library's TimedOut / NetworkError, never the token)."""

from __future__ import annotations

import asyncio
import json

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.telegram.httpclient import AiohttpRequest
from tests.fake_api import FakeBotApi

TOKEN = "123456:SECRET-token-never-shown"


async def test_a_send_reaches_the_bot_api_with_its_fields_as_the_library_encodes_them():
    with FakeBotApi() as api:
        request = AiohttpRequest(pool_size=2)
        bot = Bot(TOKEN, base_url=api.base_url, request=request, get_updates_request=request)
        async with bot:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go & see", callback_data="x")]])
            sent = await bot.send_message(42, "R&D <b>绘王</b>", reply_markup=markup)
        (params,) = [p for m, p in api.calls if m == "sendMessage"]
    assert sent.text == "R&D <b>绘王</b>" and sent.chat.id == 42
    assert params["text"] == "R&D <b>绘王</b>"
    assert json.loads(params["reply_markup"])["inline_keyboard"][0][0]["text"] == "Go & see"


async def _serve(behaviour: str):
    """A server that reads one request, then drops the connection or never answers."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if behaviour == "hang":
            await asyncio.sleep(30)
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/bot{TOKEN}"


@pytest.mark.parametrize(
    ("behaviour", "error"), [("drop", NetworkError), ("hang", TimedOut)], ids=["drop", "hang"]
)
async def test_a_failure_on_the_wire_is_the_librarys_error_without_the_token(behaviour, error):
    server, url = await _serve(behaviour)
    request = AiohttpRequest(pool_size=1, read_timeout=0.3)
    await request.initialize()
    try:
        async with server:
            with pytest.raises(error) as caught:
                await request.do_request(url + "/sendMessage", "POST")
    finally:
        await request.shutdown()
    assert TOKEN not in str(caught.value) and "SECRET" not in repr(caught.value.message)


async def test_an_error_that_quotes_the_url_quotes_it_without_the_token():
    request = AiohttpRequest(pool_size=1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.do_request(f"http://127.0.0.1:99999/bot{TOKEN}/getMe", "POST")
    finally:
        await request.shutdown()
    assert "/bot<token>/getMe" in caught.value.message and "SECRET" not in caught.value.message


async def test_nothing_is_sent_before_initialize_or_after_shutdown():
    request = AiohttpRequest(pool_size=1)
    with pytest.raises(RuntimeError):
        await request.do_request("http://127.0.0.1:9/bot1:x/getMe", "POST")
    await request.initialize()
    await request.shutdown()
    with pytest.raises(RuntimeError):
        await request.do_request("http://127.0.0.1:9/bot1:x/getMe", "POST")
