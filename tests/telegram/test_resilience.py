"""ResilientRequest on its own: how many requests reach the HTTP client at once."""

from __future__ import annotations

import asyncio

from telegram import Message, Update
from telegram.request import BaseRequest

from bot.telegram.resilience import ResilientRequest, UnfinishedUpdates


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


def _update(update_id: int, text: str = "hi") -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": 1, "type": "private"},
                "text": text,
            },
        },
        None,
    )


def test_an_update_the_journal_brought_back_is_not_handled_again_when_telegram_resends_it():
    """Killed after writing a batch down but before Telegram heard the next getUpdates: the
    next start handles the batch from the journal, and Telegram sends it again too."""
    unfinished = UnfinishedUpdates()
    unfinished.requeued(_update(5))
    five, six = unfinished.fresh([_update(5), _update(6, "new")])
    assert five.update_id == 5 and five.message is None  # nothing for a handler to match
    assert isinstance(six.message, Message) and six.message.text == "new"
    assert [u.update_id for u in unfinished.left()] == [5]


class _Journal:
    def __init__(self) -> None:
        self.kept: dict[int, str] = {}

    async def keep_updates(self, updates) -> None:
        self.kept.update(updates)

    async def forget_updates(self, ids) -> None:
        for i in ids:
            self.kept.pop(i, None)


async def test_updates_are_written_down_when_taken_and_forgotten_when_finished():
    unfinished = UnfinishedUpdates()
    unfinished.journal = journal = _Journal()
    await unfinished.taken_durably([_update(1), _update(2)])
    assert sorted(journal.kept) == [1, 2]
    unfinished.finished(1)
    await unfinished.settle()
    assert sorted(journal.kept) == [2]
    assert [u.update_id for u in unfinished.left()] == [2]
