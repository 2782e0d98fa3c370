"""What each asker's last question was about, so that a follow-up ("When was it founded?",
"And BYD?") is understood: per (chat, user), in memory, forgotten after a few minutes.

In memory on purpose: a follow-up comes within minutes, and after a restart a question that
refers back to one asked before it is rare enough to answer as it stands. Time is passed in.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.knowledge.lookup import Context

FOLLOW_UP_SECONDS = 300.0  # a question this long after the last one starts afresh
MAX_ASKERS = 10_000  # the least recently active askers are forgotten beyond this


class FollowUps:
    def __init__(self, ttl: float = FOLLOW_UP_SECONDS, capacity: int = MAX_ASKERS):
        self.ttl, self.capacity = ttl, capacity
        self._last: OrderedDict[tuple[int, int], tuple[float, Context]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._last)

    def remember(self, chat_id: int, user_id: int, context: Context | None, at: float) -> None:
        """Keep what the asker's latest question was about (None: it was about nothing)."""
        key = (chat_id, user_id)
        self._last.pop(key, None)
        if context is None:
            return
        self._last[key] = (at, context)
        while len(self._last) > self.capacity:
            self._last.popitem(last=False)

    def recall(self, chat_id: int, user_id: int, at: float) -> Context | None:
        """What the asker's last question was about, if it was recent enough."""
        entry = self._last.get((chat_id, user_id))
        if entry is None:
            return None
        asked_at, context = entry
        if at - asked_at > self.ttl:
            del self._last[(chat_id, user_id)]
            return None
        return context
