"""Outgoing pacing: the bot stays inside Telegram's flood limits instead of provoking 429s.

Telegram allows about one message a second per chat, 20 messages a minute per group and about
30 a second in all (`telegram.constants.FloodLimit`); above that it answers 429 with
`retry_after`. python-telegram-bot's AIORateLimiter paces groups and the total but not private
chats, and after any 429 it pauses every request of the bot: one busy chat then slows all.

This limiter gives every message a slot before it is sent: the earliest time at which its chat's
pace (one a second), its group's minute window (20) and the overall rate (30 a second) all allow
it. A chat's slots are reserved in call order, so its messages keep their order, and no other
chat ever waits behind them. Only sends are paced; edits, callback answers, stopPoll, inline
answers and reads go at once.

A group's sends are also written down before they go (`before_group_send`, a `SendLedger`):
Telegram's minute window outlives a crash, and a restart that forgot the sends just made would
send 20 more at once.

A 429 should not happen (another process on the same token, or a limit tighter than Telegram
documents): it pushes back only the chat it names, and the send is tried again at its new slot
(a 429 means the message was not sent, so this cannot post it twice).

Time is injected: `clock()` gives the time and `wait_until(t)` returns at time t, so the sandbox
runs pacing in virtual time (its FakeClock) and tests need no sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.telegram.resilience import FailureLog, GroupCommit

log = logging.getLogger(__name__)

CHAT_INTERVAL = 1.0  # seconds between two messages to one chat
GROUP_WINDOW = 60.0  # seconds; a group gets at most GROUP_MAX_PER_WINDOW messages in any window
GROUP_MAX_PER_WINDOW = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP
OVERALL_PER_SECOND = FloodLimit.MESSAGES_PER_SECOND
# A slot is a plan: a send can leave later than its slot (the overall rate, a slow request before
# it). Telegram counts a group's minute from when messages arrive, so each group send is checked
# once more against the real times of the sends before it, with this much to spare.
WINDOW_MARGIN = 0.25  # seconds
MAX_RETRIES = 2  # after a 429: tries again at the chat's new slot, this many times at most
PRUNE_EVERY = 1024  # reservations between sweeps of idle chats' state

# Endpoints that post a message into a chat (what Telegram's flood limits count).
_NOT_MESSAGES = frozenset({"sendChatAction", "sendInvoice"})


def counts_as_message(endpoint: str) -> bool:
    return (
        endpoint.startswith(("send", "copyMessage", "forwardMessage"))
        and endpoint not in _NOT_MESSAGES
    )


async def wait_in_real_time(until: float) -> None:
    delay = until - time.time()
    if delay > 0:
        await asyncio.sleep(delay)


class _Window:
    """Real sends in a sliding window, checked just before each send: a slot is a plan, and a
    send can leave late (a slow request before it, a full connection pool) or take long to
    arrive. Telegram counts a send when it arrives, somewhere between its dispatch and its
    answer: a send in flight counts as recent, an answered one as of its answer."""

    __slots__ = ("limit", "sends", "span")

    def __init__(self, span: float, limit: int):
        self.span, self.limit = span, limit
        self.sends: list[list] = []  # [time, in flight]

    async def enter(self, clock, wait_until) -> list:
        while True:
            now = clock()
            self.sends = [s for s in self.sends if s[1] or s[0] > now - self.span]
            if len(self.sends) < self.limit:
                send = [now, True]
                self.sends.append(send)
                return send
            answered = [s[0] for s in self.sends if not s[1]]
            await wait_until(min(answered) + self.span + WINDOW_MARGIN if answered else now + 0.05)

    @staticmethod
    def answered(send: list, at: float) -> None:
        send[0], send[1] = max(send[0], at), False


@dataclass(slots=True)
class _ChatPace:
    next_free: float = 0.0  # the earliest time the chat's next message may go
    window: deque[float] = field(default_factory=deque)  # a group's slots in the last minute
    sent: _Window | None = None  # a group's real sends in the last minute


class PacedRateLimiter(BaseRateLimiter[None]):
    """Per-chat pacing for python-telegram-bot (see the module docstring)."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        wait_until: Callable[[float], Awaitable[None]] = wait_in_real_time,
        chat_interval: float = CHAT_INTERVAL,
        group_window: float = GROUP_WINDOW,
        group_max: int = GROUP_MAX_PER_WINDOW,
        overall_per_second: int = OVERALL_PER_SECOND,
    ):
        self._clock = clock
        self._wait_until = wait_until
        self._chat_interval = chat_interval
        self._group_window = group_window
        self._group_max = group_max
        self._overall = overall_per_second
        self._chats: dict[int | str, _ChatPace] = {}
        self._overall_slots: list[float] = []  # every chat's slots from a second ago on, sorted
        self._overall_sent = _Window(1.0, overall_per_second)  # real sends, all chats
        self._paused_until = 0.0  # a 429 that named no chat pauses every send until then
        self._reservations = 0
        self.retries = 0  # 429s answered by waiting (should stay 0: pacing is meant to avoid them)
        # Awaited with (chat id, time) just before a group's message goes (see SendLedger).
        self.before_group_send: Callable[[int | str, float], Awaitable[None]] | None = None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict | list[dict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict | list[dict]:
        chat_id = _chat_key(data.get("chat_id"))
        paced = chat_id is not None and counts_as_message(endpoint)
        for attempt in range(MAX_RETRIES + 1):
            sends = []
            if paced:
                await self._wait_until(self._reserve(chat_id))
                if _is_group(chat_id):
                    pace = self._chats.setdefault(chat_id, _ChatPace())
                    pace.sent = pace.sent or _Window(self._group_window, self._group_max)
                    sends.append(await pace.sent.enter(self._clock, self._wait_until))
                    if self.before_group_send is not None:
                        await self.before_group_send(chat_id, sends[-1][0])
                sends.append(await self._overall_sent.enter(self._clock, self._wait_until))
            elif self._paused_until > self._clock():
                await self._wait_until(self._paused_until)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == MAX_RETRIES:
                    raise
                self.retries += 1
                delay = _seconds(error)
                log.warning(
                    "Telegram asked to slow down (%s in chat %s): waiting %.0f s for that chat",
                    endpoint,
                    chat_id if chat_id is not None else "-",
                    delay,
                )
                resume = self._clock() + delay
                if chat_id is None:
                    self._paused_until = max(self._paused_until, resume)
                else:
                    pace = self._chats.setdefault(chat_id, _ChatPace())
                    pace.next_free = max(pace.next_free, resume)
                    if not paced:
                        await self._wait_until(resume)
            finally:
                for send in sends:
                    _Window.answered(send, self._clock())
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _reserve(self, chat_id: int | str) -> float:
        """The time the next message to this chat may be sent; the slot is taken at once."""
        now = self._clock()
        self._reservations += 1
        if self._reservations % PRUNE_EVERY == 0:
            self._prune(now)
        pace = self._chats.setdefault(chat_id, _ChatPace())
        slot = max(now, pace.next_free, self._paused_until)
        group = _is_group(chat_id)
        if group:
            window = pace.window  # this group's slots, in order
            while window and window[0] <= slot - self._group_window:
                window.popleft()
            if len(window) >= self._group_max:
                slot = max(slot, window[-self._group_max] + self._group_window)
        slot = self._overall_slot(slot, now)
        if group:
            pace.window.append(slot)
        pace.next_free = slot + self._chat_interval
        return slot

    def _overall_slot(self, slot: float, now: float) -> float:
        """The first time from `slot` on that keeps every one-second window at `overall` sends.

        Slots of all chats, sorted: a group's slot can lie a minute ahead of a private chat's."""
        slots = self._overall_slots
        del slots[: bisect_left(slots, now - 1.0)]  # nothing older than a second matters
        while True:
            busiest, first_near = self._busiest_second_around(slot)
            if busiest < self._overall:
                insort(slots, slot)
                return slot
            slot = first_near + 1.0  # past the earliest send that shares a second with it

    def _busiest_second_around(self, slot: float) -> tuple[int, float]:
        """The most sends already in any one-second window that would contain `slot`, and the
        earliest send within a second before it."""
        slots = self._overall_slots
        lo = bisect_right(slots, slot - 1.0)
        starts = [slot - 1.0 + 1e-9, *slots[lo : bisect_right(slots, slot)]]
        busiest = max(bisect_left(slots, w + 1.0) - bisect_left(slots, w) for w in starts)
        first_near = slots[lo] if lo < len(slots) else slot
        return busiest, first_near

    def recent_sends(self) -> list[tuple[int, float]]:
        """(chat id, time) of each send that still counts against a limit: a group's last
        minute, a private chat's last second (to keep across a restart)."""
        now = self._clock()
        out: list[tuple[int, float]] = []
        for chat_id, pace in self._chats.items():
            if not isinstance(chat_id, int):
                continue
            if pace.sent is not None:
                out += [(chat_id, min(s[0], now)) for s in pace.sent.sends]
            elif pace.next_free > now:  # a private chat's last send
                out.append((chat_id, pace.next_free - self._chat_interval))
        return out

    def restore(self, sends: list[tuple[int, float]]) -> None:
        """Count sends made before a restart (recent_sends of the last run)."""
        for chat_id, at in sends:
            pace = self._chats.setdefault(chat_id, _ChatPace())
            pace.next_free = max(pace.next_free, at + self._chat_interval)
            if _is_group(chat_id):
                pace.sent = pace.sent or _Window(self._group_window, self._group_max)
                pace.sent.sends.append([at, False])
                pace.window.append(at)

    def _prune(self, now: float) -> None:
        """Forget chats that have been quiet for longer than any limit looks back."""
        horizon = now - max(self._group_window, self._chat_interval)
        idle = [
            chat_id
            for chat_id, pace in self._chats.items()
            if pace.next_free < horizon
            and (not pace.window or pace.window[-1] < horizon)
            and (pace.sent is None or all(not s[1] and s[0] < horizon for s in pace.sent.sends))
        ]
        for chat_id in idle:
            del self._chats[chat_id]

    @property
    def chats_tracked(self) -> int:
        return len(self._chats)


def _chat_key(chat_id: object) -> int | str | None:
    if chat_id is None:
        return None
    try:
        return int(chat_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(chat_id)  # "@channelname"


def _is_group(chat_id: int | str) -> bool:
    """Groups, supergroups and channels have negative ids (or an @username)."""
    return isinstance(chat_id, str) or chat_id < 0


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after becomes a timedelta in 23
        warnings.simplefilter("ignore")
        retry_after = error.retry_after
    total = getattr(retry_after, "total_seconds", None)
    return float(total() if total else retry_after)


class SendLedger:
    """Groups' sends written to the store as they go, so that a start after a crash or kill -9
    still counts them against the group's 20 a minute (a clean stop writes them all anyway).

    Each send waits for its line to be committed (a kill between the send and the write would
    forget it); lines arriving while a write runs share the next one (group commit). A failing
    store is logged and the send goes ahead: a lost line risks a 429, a blocked send a silent bot.
    """

    def __init__(self, store, failures: FailureLog | None = None, window: float = GROUP_WINDOW):
        self._store = store
        self._window = window
        self._lines = GroupCommit(
            self._write,
            failures or FailureLog(log),
            "send ledger",
            "could not write a group's sends down; a restart now could exceed its 20 a minute",
        )

    async def __call__(self, chat_id: int | str, at: float) -> None:
        if isinstance(chat_id, int):  # an @username: Telegram counts it under an id not given
            await asyncio.shield(self._lines.add((chat_id, at)))

    async def _write(self, lines: list[tuple[int, float]]) -> None:
        await self._store.add_recent_sends(lines, before=lines[-1][1] - self._window)
