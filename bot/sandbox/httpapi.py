"""The project's Bot API emulator served over HTTP, for a bot running as another process.

`python -m bot bench --only cpu` runs the bot (and a bare echo bot) as child processes against
this, so their CPU includes the real HTTP client, as in production. Loopback only.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.sandbox.emulator import BotApiEmulator


def decode_params(body: bytes, content_type: str) -> dict:
    """python-telegram-bot posts form fields whose non-string values are JSON-encoded."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(body)
    params: dict = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        try:
            decoded = json.loads(value)
        except ValueError:
            decoded = value
        params[key] = value if isinstance(decoded, (str, int, float)) and key == "text" else decoded
    return params


class _Api(tornado.web.RequestHandler):
    def initialize(self, emulator: BotApiEmulator) -> None:
        self.emulator = emulator

    async def post(self, path: str) -> None:
        params = decode_params(self.request.body, self.request.headers.get("Content-Type", ""))
        status, body = await self.emulator.handle("/" + path, params)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(body)

    get = post


class HttpBotApi:
    """`async with HttpBotApi(emulator) as api:` -> api.base_url (http://127.0.0.1:PORT/bot)."""

    def __init__(self, emulator: BotApiEmulator):
        # A long poll cut by the client's exit is a 500 in tornado's access log: not news here.
        logging.getLogger("tornado.access").setLevel(logging.CRITICAL)
        self.emulator = emulator
        web = tornado.web.Application([(r"/(.*)", _Api, {"emulator": emulator})])
        self._server = tornado.httpserver.HTTPServer(web)
        self.port = 0

    async def __aenter__(self) -> HttpBotApi:
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server.add_sockets(sockets)
        return self

    async def __aexit__(self, *exc) -> None:
        self._server.stop()
        await self._server.close_all_connections()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"
