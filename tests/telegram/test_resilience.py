"""ResilientRequest on its own: how many requests reach the HTTP client at once."""

from __future__ import annotations

import asyncio

from telegram.request import BaseRequest

from bot.telegram.resilience import ResilientRequest


class SlowRequest(BaseRequest):
    """Answers every call after a short wait, counting how many are inside at once."""

    def __init__(self):
        self.inside = self.most = 0

    @property
    def read_timeout(self):
        return None

    async def initialize(self):
        pass

    async def shutdown(self):
        pass

    async def do_request(self, url, method, request_data=None, **timeouts):
        self.inside += 1
        self.most = max(self.most, self.inside)
        await asyncio.sleep(0.01)
        self.inside -= 1
        return 200, b'{"ok": true, "result": true}'


async def test_at_most_max_in_flight_requests_reach_the_client_and_all_are_answered():
    inner = SlowRequest()
    request = ResilientRequest(inner, max_in_flight=3)
    calls = [request.do_request(f"http://api/bot1:x/sendMessage{i}", "POST") for i in range(20)]
    answers = await asyncio.gather(*calls)
    assert inner.most == 3
    assert answers == [(200, b'{"ok": true, "result": true}')] * 20
