"""The HTTP client for the real Bot API: aiohttp behind python-telegram-bot's `BaseRequest`.

Why not the library's default (httpx): measured side by side on the project's emulator over
HTTP (`bench --only cpu`, 25 chats in bursts), a bare echo bot costs 0.85-0.92 ms of CPU a message
with httpx and 0.43 with aiohttp; with 32 updates at once, as this bot handles them, 1.44-1.51
against 0.36-0.41. httpx's pure-Python stack (httpcore's pool bookkeeping, anyio, h11) was most
of the bot's CPU; aiohttp parses HTTP in C and pools connections without rescanning them.

Errors come out as the library's own: a timeout as `TimedOut`, anything else on the wire as
`NetworkError`, so `ResilientRequest` (resilience.py) decides about retries as before.
"""

from __future__ import annotations

import re
import ssl

import aiohttp
import certifi
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_TOKEN_IN_URL = re.compile(r"/bot[^/\s'\"]+")


class AiohttpRequest(BaseRequest):
    """Keep-alive connections to the Bot API, at most `pool_size` of them."""

    def __init__(
        self,
        *,
        pool_size: int,
        connect_timeout: float | None = 5.0,
        read_timeout: float | None = 10.0,
        write_timeout: float | None = 10.0,
        pool_timeout: float | None = 5.0,
    ):
        self._pool_size = pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # certifi's roots, as httpx used: a slim container may lack the system's.
            context = ssl.create_default_context(cafile=certifi.where())
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ssl=context),
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = self._write_timeout if isinstance(write_timeout, DefaultValue) else write_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        timeout = aiohttp.ClientTimeout(
            # aiohttp's `connect` includes the wait for a pooled connection; it has no write
            # timeout, so the whole call is bounded by the sum of the parts instead.
            total=_sum(pool, connect, write, read),
            connect=_sum(pool, connect),
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's ServerTimeoutError is one too
            raise TimedOut(_redacted(f"Timed out: {error}") if str(error) else None) from error
        except aiohttp.ClientError as error:
            raise NetworkError(_redacted(f"aiohttp.{type(error).__name__}: {error}")) from error


def _body(request_data: RequestData | None) -> dict | aiohttp.FormData | None:
    """Form fields as python-telegram-bot sends them (JSON-encoded values); multipart with files."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData(request_data.json_parameters)
    for name, part in request_data.multipart_data.items():
        if isinstance(part, tuple):
            filename, content, *mime = part
            form.add_field(name, content, filename=filename, content_type=mime[0] if mime else None)
        else:
            form.add_field(name, part)
    return form


def _sum(*parts: float | None) -> float | None:
    return None if any(p is None for p in parts) else sum(parts)


def _redacted(text: str) -> str:
    """An error's text without the token a URL in it would carry."""
    return _TOKEN_IN_URL.sub("/bot<token>", text)
