"""An in-process Telegram Bot API: the bot's HTTP requests are answered here, with no network.

`BotApiEmulator.request()` is a `telegram.request.BaseRequest`, so the real python-telegram-bot
Application, its serialisation and parsing all run. The emulator keeps users, chats, messages,
inline keyboards, callback queries and polls; it enforces the Bot API limits (message length after
HTML parsing, callback data bytes, poll sizes, explanation, toasts, commands) and answers errors
the way Telegram does (`{"ok": false, "error_code": ..., "description": ...}`).

Users act through plain methods (`send_message`, `tap`, `vote`, ...) that create the Update
Telegram would send and queue it for `getUpdates`. Inspection: `messages`, `bot_messages`,
`callback_answer`, `polls`, `calls`, `errors`, `my_commands`; `subscribe()` streams what the bot does.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import json
import math
import random
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from typing import Any

from telegram.constants import (
    BotCommandLimit,
    BotDescriptionLimit,
    CallbackQueryLimit,
    InlineKeyboardButtonLimit,
    InlineQueryLimit,
    InlineQueryResultLimit,
    MessageLimit,
    PollLimit,
)
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

ANONYMOUS_ADMIN_ID = 1087968824  # @GroupAnonymousBot: the sender of messages posted "as the group"
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(@[A-Za-z0-9_]{3,32})?(?=\s|$)")
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z][A-Za-z0-9_]{3,31})")
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_HTML_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "code": "code", "pre": "pre", "a": "text_link", "tg-spoiler": "spoiler",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji", "span": "spoiler",
}  # fmt: skip
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
# Flood limits (PLATFORM.md; the same model as ../shared/tgsim): per chat a burst of 3, then one a
# second; per group 20 a minute; 30 a second over all chats.
CHAT_BURST, CHAT_RATE = 3.0, 1.0
GROUP_WINDOW, GROUP_MAX = 60.0, 20
OVERALL_MAX = 30
_ADMIN_RIGHTS = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                 "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                 "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                 "can_delete_stories")  # fmt: skip
INLINE_QUERY_TTL = 10.0  # seconds Telegram waits for answerInlineQuery
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


FAULT_KINDS = ("error", "timeout", "late", "drop", "drop_after", "garbage", "slow")


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str
    code: int | None = None
    description: str | None = None
    retry_after: int | None = None
    delay: float = 0.0  # "slow": real seconds before the call is carried out


class EmulatorRefused(Exception):
    """Telegram's client would not let the user do this (vote in a closed poll, vote twice)."""


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None,
                 migrate_to_chat_id: int | None = None):  # fmt: skip
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after
        self.migrate_to_chat_id = migrate_to_chat_id


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Telegram's HTML subset -> (plain text, entities with UTF-16 offsets); ApiError if invalid."""
    out: list[str] = []
    entities: list[dict] = []
    stack: list[tuple[str, int, dict]] = []
    position = 0  # UTF-16 offset in the plain text
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "<":
            match = _TAG.match(source, i)
            if not match:
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: unexpected '<' at byte offset {len(source[:i].encode())}",
                )
            closing, tag, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
            if tag not in _HTML_TYPES:
                raise ApiError(
                    400,
                    f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}" at byte offset {len(source[:i].encode())}',
                )
            if closing:
                if not stack or stack[-1][0] != tag:
                    raise ApiError(
                        400,
                        f'Bad Request: can\'t parse entities: Unmatched end tag at byte offset {len(source[:i].encode())}, expected "</{stack[-1][0] if stack else ""}>", found "</{tag}>"',
                    )
                _, start, extra = stack.pop()
                if position > start:
                    entities.append(
                        {
                            "type": extra.pop("type"),
                            "offset": start,
                            "length": position - start,
                            **extra,
                        }
                    )
            else:
                extra: dict[str, Any] = {"type": _HTML_TYPES[tag]}
                found = {
                    m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
                    for m in _ATTR.finditer(attrs)
                }
                if tag == "a":
                    extra["url"] = unescape(found.get("href", ""))
                if tag == "span" and found.get("class") != "tg-spoiler":
                    raise ApiError(
                        400,
                        'Bad Request: can\'t parse entities: Tag "span" must have class "tg-spoiler"',
                    )
                if tag == "blockquote" and "expandable" in attrs:
                    extra["type"] = "expandable_blockquote"
                stack.append((tag, position, extra))
            i = match.end()
        elif ch == "&":
            match = _ENTITY.match(source, i)
            if not match:
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: Character '&' is reserved and must be escaped, at byte offset {len(source[:i].encode())}",
                )
            text = unescape(match.group(0))
            out.append(text)
            position += utf16_len(text)
            i = match.end()
        elif ch == ">":
            raise ApiError(
                400,
                f"Bad Request: can't parse entities: Character '>' is reserved and must be escaped, at byte offset {len(source[:i].encode())}",
            )
        else:
            out.append(ch)
            position += utf16_len(ch)
            i += 1
    if stack:
        raise ApiError(
            400,
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1][0]}\"",
        )
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


class EmulatorRequest(BaseRequest):
    """The python-telegram-bot side of the emulator: requests become method calls."""

    def __init__(self, emulator: BotApiEmulator):
        self._emulator = emulator

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=None, write_timeout=None, connect_timeout=None,
                         pool_timeout=None) -> tuple[int, bytes]:  # fmt: skip
        params = dict(request_data.parameters) if request_data else {}
        return await self._emulator.handle(url, params)


class BotApiEmulator:
    def __init__(self, *, bot_id: int = 7000000001, bot_username: str = "PatentAwardsBot",
                 bot_first_name: str = "Patent Awards Bot", clock: Callable[[], float] = time.time,
                 enforce_flood_limits: bool = True):  # fmt: skip
        self.clock = clock
        self.bot_username = bot_username
        self.token = f"{bot_id}:AAH" + "x" * 32
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": bot_first_name, "username": bot_username,
                         "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}  # fmt: skip
        self.privacy_mode = True
        self.enforce_flood_limits = enforce_flood_limits
        self.users: dict[int, dict] = {}
        self.chats: dict[int, dict] = {}
        self.members: dict[int, set[int]] = defaultdict(set)
        self.admins: dict[int, set[int]] = defaultdict(set)
        self.blocked: set[int] = set()
        self._history: dict[int, list[dict]] = defaultdict(list)
        self._next_message_id: dict[int, int] = defaultdict(lambda: 1)
        self._updates: list[dict] = []
        self._next_update_id = 1
        self._confirmed = 0  # every update id below this has been confirmed by an offset
        self._update_ready = asyncio.Event()
        self._callbacks: dict[str, dict | None] = {}  # query id -> answer (None until answered)
        self.polls: dict[str, dict] = {}
        self._poll_meta: dict[str, dict] = {}
        self._closing: list[tuple[float, str]] = []  # (close time, poll id), a heap
        self.calls: list[tuple[str, dict]] = []
        self.errors: list[tuple[str, int, str]] = []  # (method, error code, description) answered
        self._allowed: set[str] | None = None  # allowed_updates of the last getUpdates
        self.my_commands: dict[tuple[str, str | None], list[dict]] = {}
        self._failures: dict[str, deque] = defaultdict(deque)
        self._fault_rate = 0.0
        self._fault_kinds: tuple[str, ...] = ()
        self._fault_methods: set[str] | None = None
        self._fault_rng = random.Random(1)
        self.fault_counts: Counter[str] = Counter()
        self._subscribers: list[asyncio.Queue] = []
        self._sent_times: dict[int, deque] = defaultdict(deque)
        self._sent_all: deque = deque()
        self._flood_buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, when)
        self.too_many_requests = 0  # 429s answered for flood limits (the bot's pacing failed)
        self.bot_status: dict[int, str] = {}  # group -> the bot's status there (member by default)
        self.migrated: dict[int, int] = {}  # a basic group's old id -> its supergroup's id
        self.inline_queries: dict[str, dict] = {}  # query id -> {"query", "from", "at", "answer"}
        self.descriptions: dict[tuple[str, str | None], str] = {}  # (kind, language) -> text
        self._ids = itertools.count(1)
        self._user_ids = itertools.count(100001)
        self._group_ids = itertools.count(1001)

    # -- the world -----------------------------------------------------------------------------
    def request(self) -> EmulatorRequest:
        return EmulatorRequest(self)

    def add_user(self, first_name: str, *, username: str | None = None, last_name: str | None = None,
                 language_code: str | None = "en") -> int:  # fmt: skip
        user_id = next(self._user_ids)
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (
            ("username", username),
            ("last_name", last_name),
            ("language_code", language_code),
        ):
            if value:
                user[key] = value
        self.users[user_id] = user
        self.private_chat(user_id)  # the user's private chat with the bot; its id is the user's
        return user_id

    def private_chat(self, user_id: int) -> int:
        user = self.users[user_id]
        chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        self.chats[user_id] = chat
        return user_id

    def add_group(self, title: str, *, members: list[int], admins: list[int] = (),
                  creator: int | None = None, supergroup: bool = True) -> int:  # fmt: skip
        chat_id = -(1000000000000 + next(self._group_ids)) if supergroup else -next(self._group_ids)
        self.chats[chat_id] = {
            "id": chat_id,
            "type": "supergroup" if supergroup else "group",
            "title": title,
        }
        self.members[chat_id] = set(members) | set(admins) | ({creator} if creator else set())
        self.admins[chat_id] = set(admins) | ({creator} if creator else set())
        self.chats[chat_id]["_creator"] = creator
        return chat_id

    def add_channel(self, title: str) -> int:
        chat_id = -(2000000000000 + next(self._group_ids))
        self.chats[chat_id] = {"id": chat_id, "type": "channel", "title": title}
        return chat_id

    def set_admin(self, chat_id: int, user_id: int, admin: bool = True) -> None:
        self.members[chat_id].add(user_id)
        (self.admins[chat_id].add if admin else self.admins[chat_id].discard)(user_id)

    def add_member(self, chat_id: int, user_id: int) -> None:
        self.members[chat_id].add(user_id)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to them get 403; the bot gets a my_chat_member update."""
        self.blocked.add(user_id)
        self._my_chat_member(user_id, user_id, "member", "kicked")

    def unblock(self, user_id: int) -> None:
        self.blocked.discard(user_id)
        self._my_chat_member(user_id, user_id, "kicked", "member")

    def add_bot_to_group(self, chat_id: int, by: int, *, as_admin: bool = False) -> dict:
        """`by` adds the bot: a my_chat_member update, then the new_chat_members service message."""
        old = self.bot_status.get(chat_id, "left")
        new = "administrator" if as_admin else "member"
        self.bot_status[chat_id] = new
        self.members[chat_id].add(by)
        self._my_chat_member(chat_id, by, old, new)
        return self._service_message(chat_id, by, {"new_chat_members": [self.bot_user]})

    def remove_bot_from_group(self, chat_id: int, by: int, *, ban: bool = True) -> None:
        old = self.bot_status.get(chat_id, "member")
        self.bot_status[chat_id] = "kicked" if ban else "left"
        self._my_chat_member(chat_id, by, old, self.bot_status[chat_id])

    def set_permissions(self, chat_id: int, **permissions: bool) -> None:
        """Chat-wide member permissions, e.g. can_send_polls=False."""
        self.chats[chat_id].setdefault("_permissions", {}).update(permissions)

    def migrate_to_supergroup(self, chat_id: int, by: int) -> int:
        """A basic group becomes a supergroup with a new id, as Telegram does when a group grows
        or an admin changes a setting: the old chat's last message carries migrate_to_chat_id,
        the new chat's first migrate_from_chat_id; sends to the old id are refused after that."""
        old = self.chats[chat_id]
        if old["type"] != "group":
            raise EmulatorRefused("only a basic group can be upgraded")
        new_id = -(1000000000000 + next(self._group_ids))
        self.chats[new_id] = {**old, "id": new_id, "type": "supergroup"}
        for table in (self.members, self.admins):
            table[new_id] = set(table[chat_id])
        if chat_id in self.bot_status:
            self.bot_status[new_id] = self.bot_status[chat_id]
        self._service_message(chat_id, by, {"migrate_to_chat_id": new_id})
        self.migrated[chat_id] = new_id
        self._service_message(new_id, None, {"migrate_from_chat_id": chat_id}, sender_chat=new_id)
        return new_id

    def inline_query(self, user_id: int, query: str, *, offset: str = "",
                     chat_type: str | None = "sender") -> str:  # fmt: skip
        """The user types "@bot query" in some chat: an inline_query update."""
        query_id = str(next(self._ids) * 7907)
        update = {"id": query_id, "from": self.users[user_id], "query": query, "offset": offset}
        if chat_type:
            update["chat_type"] = chat_type
        self.inline_queries[query_id] = {"query": query, "at": self.clock(), "answer": None}
        self._enqueue({"inline_query": update})
        return query_id

    def inline_answer(self, query_id: str) -> dict | None:
        """What the bot answered to an inline query: {"results", "cache_time", ...} or None."""
        return self.inline_queries[query_id]["answer"]

    # -- what users do -------------------------------------------------------------------------
    def send_message(self, chat_id: int, user_id: int | None, text: str, *, reply_to: int | None = None,
                     sender_chat_id: int | None = None, language_code: str | None = None) -> dict:  # fmt: skip
        message = self._user_message(chat_id, user_id, sender_chat_id, reply_to)
        message["text"] = text
        entities = self._entities_of(text)
        if entities:
            message["entities"] = entities
        self._store(chat_id, message)
        if self._delivered_in_chat(chat_id, message):
            self._enqueue({"message": message})
        return message

    def edit_message(self, chat_id: int, message_id: int, new_text: str) -> dict:
        message = self._find(chat_id, message_id)
        message["text"] = new_text
        message["edit_date"] = int(self.clock())
        message.pop("entities", None)
        if entities := self._entities_of(new_text):
            message["entities"] = entities
        if self._delivered_in_chat(chat_id, message):
            self._enqueue({"edited_message": dict(message)})
        return message

    def send_sticker(self, chat_id: int, user_id: int) -> dict:
        message = self._user_message(chat_id, user_id, None, None)
        message["sticker"] = {"file_id": f"sticker{next(self._ids)}", "file_unique_id": "s1", "type": "regular",
                              "width": 512, "height": 512, "is_animated": False, "is_video": False}  # fmt: skip
        self._store(chat_id, message)
        if self._delivered_in_chat(chat_id, message):
            self._enqueue({"message": message})
        return message

    def send_photo(self, chat_id: int, user_id: int, caption: str | None = None) -> dict:
        message = self._user_message(chat_id, user_id, None, None)
        message["photo"] = [
            {
                "file_id": f"photo{next(self._ids)}",
                "file_unique_id": "p1",
                "width": 90,
                "height": 90,
            }
        ]
        if caption:
            message["caption"] = caption
        self._store(chat_id, message)
        if self._delivered_in_chat(chat_id, message):
            self._enqueue({"message": message})
        return message

    def channel_post(self, chat_id: int, text: str) -> dict:
        chat = self.chats[chat_id]
        message = {"message_id": self._new_message_id(chat_id), "date": int(self.clock()),
                   "chat": self._public_chat(chat), "sender_chat": self._public_chat(chat), "text": text}  # fmt: skip
        if entities := self._entities_of(text):
            message["entities"] = entities
        self._store(chat_id, message)
        self._enqueue({"channel_post": message})
        return message

    def tap(self, chat_id: int, message_id: int, user_id: int, button: str | int) -> str:
        """Tap a button: a callback query (its id is returned); a switch-inline button types its
        query inline (the inline query's id is returned); a link cannot be followed here."""
        message = self._find(chat_id, message_id)
        flat = [
            b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
        ]
        if isinstance(button, int):
            chosen = flat[button]
        else:
            chosen = next(b for b in flat if b["text"] == button)
        if "callback_data" in chosen:
            return self.send_callback(chat_id, message_id, user_id, chosen["callback_data"])
        inline = chosen.get("switch_inline_query", chosen.get("switch_inline_query_current_chat"))
        if inline is not None:
            return self.inline_query(user_id, inline)
        raise EmulatorRefused(f"a link, to open outside: {chosen.get('url', '?')}")

    def send_callback(self, chat_id: int, message_id: int, user_id: int, data: str) -> str:
        query_id = str(next(self._ids) * 7919)
        query = {"id": query_id, "from": self.users[user_id], "chat_instance": str(chat_id),
                 "data": data, "message": self._find(chat_id, message_id)}  # fmt: skip
        self._callbacks[query_id] = None
        self._enqueue({"callback_query": query})
        return query_id

    def vote(self, poll_id: str, user_id: int, option_ids: list[int]) -> None:
        self._expire_polls()
        poll, meta = self.polls[poll_id], self._poll_meta[poll_id]
        if poll["is_closed"]:
            raise EmulatorRefused("the poll is closed")
        if user_id in meta["voters"] and not poll["allows_revoting"]:
            raise EmulatorRefused("you have already voted in this poll")
        if not option_ids or any(not 0 <= o < len(poll["options"]) for o in option_ids):
            raise EmulatorRefused("no such option")
        meta["voters"][user_id] = list(option_ids)
        for option in option_ids:
            poll["options"][option]["voter_count"] += 1
        poll["total_voter_count"] += 1
        if not poll["is_anonymous"]:
            self._enqueue({"poll_answer": {"poll_id": poll_id, "user": self.users[user_id], "option_ids": list(option_ids),
                                           "option_persistent_ids": [poll["options"][o]["persistent_id"] for o in option_ids]}})  # fmt: skip
        self._enqueue({"poll": json.loads(json.dumps(poll))})

    def forget_old(self, keep: int = 20) -> int:
        """Drop what a long run piles up in this fake Telegram: the call log, the errors, all but
        the last `keep` messages of each chat, and the closed polls whose message went with them
        (a vote in one then raises KeyError, as for a poll never sent). For soaks: the emulator
        shares the bot's process, so its memory would count as the bot's. Returns the number of
        calls dropped."""
        calls = len(self.calls)
        self.calls.clear()
        del self.errors[:-keep]
        kept_polls = set()
        for history in self._history.values():
            del history[:-keep]
            kept_polls.update(m["poll"]["id"] for m in history if "poll" in m)
        for poll_id in [p for p, poll in self.polls.items() if poll["is_closed"]]:
            if poll_id not in kept_polls:
                del self.polls[poll_id], self._poll_meta[poll_id]
        return calls

    # -- inspection ----------------------------------------------------------------------------
    def messages(self, chat_id: int) -> list[dict]:
        return list(self._history[chat_id])

    def bot_messages(self, chat_id: int) -> list[dict]:
        return [
            m for m in self._history[chat_id] if m.get("from", {}).get("id") == self.bot_user["id"]
        ]

    def last_bot_message(self, chat_id: int) -> dict | None:
        sent = self.bot_messages(chat_id)
        return sent[-1] if sent else None

    def callback_answer(self, callback_query_id: str) -> dict | None:
        return self._callbacks.get(callback_query_id)

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue()
        self._subscribers.append(queue)
        return queue

    def fail_next(self, method: str, *, error_code: int | None = 429, description: str | None = None,
                  retry_after: int | None = None, times: int = 1, kind: str | None = None,
                  delay: float = 1.0) -> None:  # fmt: skip
        """The next `times` calls of `method` ("*": any method) fail.

        kind: "error" (error_code, the default; 429 with retry_after), "timeout" (no answer, the
        call was not carried out; also error_code=None), "late" (carried out, but the answer came
        after the client gave up), "drop" / "drop_after" (the connection closed before / after
        the call was carried out), "garbage" (HTTP 200 with a body that is not JSON), "slow"
        (carried out after `delay` real seconds)."""
        kind = kind or ("timeout" if error_code is None else "error")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(FAULT_KINDS)}")
        for _ in range(times):
            self._failures[method].append(Fault(kind, error_code, description, retry_after, delay))

    def clear_faults(self) -> None:
        """Forget the faults fail_next queued and not used yet."""
        self._failures.clear()

    def set_fault_rate(self, rate: float, *, kinds: tuple[str, ...] = FAULT_KINDS,
                       methods: set[str] | None = None, seed: int = 1) -> None:  # fmt: skip
        """Every call (of `methods`, or any but getUpdates) fails with probability `rate`, with a
        kind drawn from `kinds` (errors are 502 or 429 retry after 1). `fault_counts` counts them."""
        self._fault_rate = rate
        self._fault_kinds = kinds
        self._fault_methods = methods
        self._fault_rng = random.Random(seed)

    def inject_update(self, body: dict) -> int:
        """Queue an update exactly as given (for malformed ones); returns its update_id."""
        update_id = self._next_update_id
        self._updates.append({"update_id": update_id, **body})
        self._next_update_id += 1
        self._update_ready.set()
        return update_id

    def _next_fault(self, method: str) -> Fault | None:
        for key in (method, "*"):
            if self._failures.get(key):
                return self._failures[key].popleft()
        if not self._fault_rate or (method == "getUpdates" and self._fault_methods is None):
            return None
        if self._fault_methods is not None and method not in self._fault_methods:
            return None
        if self._fault_rng.random() >= self._fault_rate:
            return None
        kind = self._fault_rng.choice(self._fault_kinds)
        if kind == "slow":
            return Fault(kind, delay=self._fault_rng.uniform(0.5, 3.0))
        if kind == "error":
            return self._fault_rng.choice([Fault("error", 502), Fault("error", 429, None, 1)])
        return Fault(kind)

    @property
    def pending_updates(self) -> int:
        self._expire_polls()
        return sum(1 for u in self._updates if u["update_id"] >= self._confirmed)

    async def updates_drained(self, timeout: float = 5.0) -> None:
        """Until every queued update was fetched and confirmed by a later getUpdates offset."""
        async with asyncio.timeout(timeout):
            while self.pending_updates:
                await asyncio.sleep(0.001)

    # -- the Bot API ---------------------------------------------------------------------------
    async def handle(self, url: str, params: dict) -> tuple[int, bytes]:
        prefix, _, method = url.rpartition("/")
        token = prefix.rpartition("/bot")[2]
        self.calls.append((method, params))
        fault = self._next_fault(method) if token == self.token else None
        if fault is not None:
            self.fault_counts[fault.kind] += 1
            if fault.kind == "timeout":
                raise TimedOut("emulated timeout")
            if fault.kind == "drop":
                raise NetworkError("emulated dropped connection: Server disconnected")
            if fault.kind == "garbage":
                return 200, b"<html><body>502 Bad Gateway</body></html>"
            if fault.kind == "slow":
                await asyncio.sleep(fault.delay)
            if fault.kind == "error":
                error = ApiError(
                    fault.code or 502,
                    fault.description or _default_description(fault.code or 502, fault.retry_after),
                    fault.retry_after,
                )
                self.errors.append((method, error.code, error.description))
                return error.code, _error_body(error)
        status, body = await self._answer(method, params, token)
        if fault is not None and fault.kind == "late":
            raise TimedOut("emulated late answer (the call was carried out)")
        if fault is not None and fault.kind == "drop_after":
            raise NetworkError("emulated dropped connection after the call was carried out")
        return status, body

    async def _answer(self, method: str, params: dict, token: str) -> tuple[int, bytes]:
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
            return 200, json.dumps({"ok": True, "result": result}).encode()
        except ApiError as error:
            self.errors.append((method, error.code, error.description))
            return error.code, _error_body(error)

    def _api_getMe(self, params: dict) -> dict:
        return self.bot_user

    def _api_deleteWebhook(self, params: dict) -> bool:
        return True

    def _api_getWebhookInfo(self, params: dict) -> dict:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": self.pending_updates,
        }

    def _api_close(self, params: dict) -> bool:
        return True

    _api_logOut = _api_close
    _api_sendChatAction = _api_close
    _api_setChatMenuButton = _api_close

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        if offset:
            self._confirmed = max(self._confirmed, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        allowed = params.get("allowed_updates") or None
        if allowed is not None:
            self._allowed = set(allowed)
        deadline = time.monotonic() + timeout
        while True:
            self._expire_polls()
            ready = [
                u
                for u in self._updates
                if u["update_id"] >= offset and (allowed is None or _kind(u) in allowed)
            ]
            if ready or time.monotonic() >= deadline:
                return ready[: int(params.get("limit") or 100)]
            self._update_ready.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(deadline - time.monotonic(), 0.05)):
                    await self._update_ready.wait()  # short slices: polls may expire meanwhile

    def _api_setMyCommands(self, params: dict) -> bool:
        commands = params.get("commands") or []
        if not 0 < len(commands) <= BotCommandLimit.MAX_COMMAND_NUMBER:
            raise ApiError(
                400,
                "Bad Request: too many commands"
                if commands
                else "Bad Request: commands must be non-empty",
            )
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if (
                not BotCommandLimit.MIN_DESCRIPTION
                <= len(command.get("description", ""))
                <= BotCommandLimit.MAX_DESCRIPTION
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.my_commands[self._commands_key(params)] = commands
        return True

    def _api_getMyCommands(self, params: dict) -> list[dict]:
        return self.my_commands.get(self._commands_key(params), [])

    def _api_deleteMyCommands(self, params: dict) -> bool:
        self.my_commands.pop(self._commands_key(params), None)
        return True

    def _api_sendMessage(self, params: dict) -> dict:
        chat_id = self._chat_for_sending(params)
        text, entities = self._formatted(params.get("text"), params.get("parse_mode"))
        message = self._bot_message(chat_id, params)
        message["text"] = text
        if entities:
            message["entities"] = entities
        self._store(chat_id, message)
        self._emit("message", {"chat_id": chat_id, "message": message})
        return message

    def _api_editMessageText(self, params: dict) -> dict:
        message = self._editable(params)
        text, entities = self._formatted(params.get("text"), params.get("parse_mode"))
        markup = self._markup(params.get("reply_markup"))
        if (
            text == message.get("text")
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise ApiError(400, NOT_MODIFIED)
        message.update(text=text, edit_date=int(self.clock()))
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        return self._set_markup(message, markup)

    def _api_editMessageReplyMarkup(self, params: dict) -> dict:
        message = self._editable(params)
        markup = self._markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        return self._set_markup(message, markup)

    def _set_markup(self, message: dict, markup: dict | None) -> dict:
        """Finish an edit: the new keyboard (or none), and tell subscribers."""
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self._emit("edit", {"chat_id": message["chat"]["id"], "message": message})
        return message

    def _api_deleteMessage(self, params: dict) -> bool:
        message = self._editable(params)
        self._history[message["chat"]["id"]].remove(message)
        self._emit(
            "delete", {"chat_id": message["chat"]["id"], "message_id": message["message_id"]}
        )
        return True

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._callbacks or self._callbacks[query_id] is not None:
            raise ApiError(400, QUERY_TOO_OLD)
        text = params.get("text") or ""
        if len(text) > CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        answer = {"text": text, "show_alert": bool(params.get("show_alert"))}
        self._callbacks[query_id] = answer
        self._emit("callback_answer", {"callback_query_id": query_id, **answer})
        return True

    def _api_sendPoll(self, params: dict) -> dict:
        chat_id = self._chat_for_sending(params)
        # Like Telegram: the question and each option are parsed with their own parse mode
        # (python-telegram-bot fills both in from Defaults), and limits apply to the parsed text.
        question, _ = self._formatted(
            params.get("question"), params.get("question_parse_mode"), allow_empty=True
        )
        options = [
            self._formatted(o.get("text"), o.get("text_parse_mode"), allow_empty=True)[0]
            if isinstance(o, dict)
            else str(o)
            for o in params.get("options") or []
        ]
        if not PollLimit.MIN_QUESTION_LENGTH <= len(question) <= PollLimit.MAX_QUESTION_LENGTH:
            raise ApiError(400, "Bad Request: poll question length must be 1-300")
        if not PollLimit.MIN_OPTION_NUMBER <= len(options) <= PollLimit.MAX_OPTION_NUMBER:
            raise ApiError(400, "Bad Request: poll must have 2-12 options")
        if any(
            not PollLimit.MIN_OPTION_LENGTH <= len(o) <= PollLimit.MAX_OPTION_LENGTH
            for o in options
        ):
            raise ApiError(400, "Bad Request: poll options length must not exceed 100")
        is_quiz = params.get("type") == "quiz"
        anonymous = params.get("is_anonymous", True) not in (False, "false")
        chat = self.chats[chat_id]
        if (
            chat["type"] in ("group", "supergroup")
            and self.bot_status.get(chat_id) != "administrator"
            and not self._permissions(chat)["can_send_polls"]
        ):
            raise ApiError(400, "Bad Request: not enough rights to send polls to the chat")
        if not anonymous and self.chats[chat_id]["type"] == "channel":
            raise ApiError(400, "Bad Request: non-anonymous polls can't be sent to channel chats")
        correct = params.get("correct_option_ids")
        if correct is None and params.get("correct_option_id") is not None:
            correct = [int(params["correct_option_id"])]
        if is_quiz and (not correct or len(correct) != 1 or not 0 <= correct[0] < len(options)):
            raise ApiError(400, "Bad Request: wrong correct option ids specified")
        explanation = params.get("explanation")
        if explanation is not None:
            plain, _ = self._formatted(
                explanation, params.get("explanation_parse_mode"), allow_empty=True
            )
            if (
                len(plain) > PollLimit.MAX_EXPLANATION_LENGTH
                or plain.count("\n") > PollLimit.MAX_EXPLANATION_LINE_FEEDS
            ):
                raise ApiError(400, "Bad Request: explanation is too long")
            explanation = plain
        open_period = params.get("open_period")
        if open_period is not None and not PollLimit.MIN_OPEN_PERIOD <= int(open_period) <= 2628000:
            raise ApiError(400, "Bad Request: open_period is invalid")
        poll_id = str(5000000000000000000 + next(self._ids))
        poll = {"id": poll_id, "question": question, "total_voter_count": 0, "is_closed": False,
                "options": [{"text": o, "voter_count": 0, "persistent_id": f"{poll_id}-{i}"} for i, o in enumerate(options)],
                "is_anonymous": anonymous, "type": "quiz" if is_quiz else "regular",
                "allows_multiple_answers": bool(params.get("allows_multiple_answers")),
                "allows_revoting": False, "members_only": False}  # fmt: skip
        if is_quiz:
            poll["correct_option_ids"] = list(correct)
        if explanation:
            poll["explanation"] = explanation
        close_at = None
        if open_period is not None:
            poll["open_period"] = int(open_period)
            close_at = self.clock() + int(open_period)
        message = self._bot_message(chat_id, params)
        message["poll"] = poll
        self.polls[poll_id] = poll
        self._poll_meta[poll_id] = {
            "chat_id": chat_id,
            "message_id": message["message_id"],
            "close_at": close_at,
            "voters": {},
        }
        if close_at is not None:
            heapq.heappush(self._closing, (close_at, poll_id))
        self._store(chat_id, message)
        self._emit("message", {"chat_id": chat_id, "message": message})
        return message

    def _api_stopPoll(self, params: dict) -> dict:
        message = self._editable(params)
        poll = message.get("poll")
        if poll is None:
            raise ApiError(400, "Bad Request: message with poll to stop not found")
        self._expire_polls()
        if poll["is_closed"]:
            raise ApiError(400, "Bad Request: poll has already been closed")
        self._close_poll(poll["id"])
        return poll

    def _api_getChat(self, params: dict) -> dict:
        full = self._chat(params.get("chat_id"))
        chat = self._public_chat(full)
        if full["type"] != "private":
            chat["permissions"] = self._permissions(full)
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types":
                {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False, "premium_subscription": False, "gifts_from_channels": False}}  # fmt: skip

    def _api_getChatMember(self, params: dict) -> dict:
        chat_id = self._chat(params.get("chat_id"))["id"]
        return self._member(chat_id, int(params["user_id"]))

    def _api_getChatAdministrators(self, params: dict) -> list[dict]:
        chat_id = self._chat(params.get("chat_id"))["id"]
        return [self._member(chat_id, user_id) for user_id in sorted(self.admins[chat_id])]

    def _api_answerInlineQuery(self, params: dict) -> bool:
        record = self.inline_queries.get(str(params.get("inline_query_id")))
        if (
            record is None
            or record["answer"] is not None
            or self.clock() - record["at"] > INLINE_QUERY_TTL
        ):
            raise ApiError(400, QUERY_TOO_OLD)
        results = params.get("results") or []
        if isinstance(results, str):
            results = json.loads(results)
        if len(results) > InlineQueryLimit.RESULTS:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if any(not 1 <= len(i.encode()) <= InlineQueryResultLimit.MAX_ID_LENGTH for i in ids):
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            if result.get("type") != "article" or not result.get("title"):
                raise ApiError(400, "Bad Request: can't parse inline query result")
            content = result.get("input_message_content") or {}
            self._formatted(content.get("message_text"), content.get("parse_mode"))
            self._markup(result.get("reply_markup"))
        record["answer"] = {
            "results": results,
            "cache_time": int(params.get("cache_time", 300)),
            "is_personal": bool(params.get("is_personal")),
            "button": params.get("button"),
        }
        self._emit("inline_answer", {"query_id": params.get("inline_query_id")})
        return True

    def _api_setMyDescription(self, params: dict) -> bool:
        return self._set_description(
            "description", params, BotDescriptionLimit.MAX_DESCRIPTION_LENGTH
        )

    def _api_setMyShortDescription(self, params: dict) -> bool:
        return self._set_description(
            "short_description", params, BotDescriptionLimit.MAX_SHORT_DESCRIPTION_LENGTH
        )

    def _api_getMyDescription(self, params: dict) -> dict:
        key = ("description", params.get("language_code") or None)
        return {"description": self.descriptions.get(key, "")}

    def _api_getMyShortDescription(self, params: dict) -> dict:
        key = ("short_description", params.get("language_code") or None)
        return {"short_description": self.descriptions.get(key, "")}

    def _set_description(self, kind: str, params: dict, limit: int) -> bool:
        text = str(params.get(kind) or "")
        if len(text) > limit:
            raise ApiError(400, f"Bad Request: {kind} is too long")
        self.descriptions[(kind, params.get("language_code") or None)] = text
        return True

    # -- helpers -------------------------------------------------------------------------------
    def _my_chat_member(self, chat_id: int, by: int, old: str, new: str) -> None:
        chat = self.chats[chat_id]
        self._enqueue(
            {
                "my_chat_member": {
                    "chat": self._public_chat(chat),
                    "from": self.users[by],
                    "date": int(self.clock()),
                    "old_chat_member": self._bot_member(old),
                    "new_chat_member": self._bot_member(new),
                }
            }
        )

    def _bot_member(self, status: str) -> dict:
        if status == "administrator":
            rights = dict.fromkeys(_ADMIN_RIGHTS, False)
            return {"status": status, "user": self.bot_user, **rights, "can_manage_chat": True}
        if status == "kicked":
            return {"status": status, "user": self.bot_user, "until_date": 0}
        return {"status": status, "user": self.bot_user}

    def _service_message(self, chat_id: int, by: int | None, service: dict,
                         sender_chat: int | None = None) -> dict:  # fmt: skip
        message = self._user_message(chat_id, by, sender_chat, None)
        message.update(service)
        self._store(chat_id, message)
        self._enqueue({"message": message})  # service messages reach the bot in privacy mode too
        return message

    def _permissions(self, chat: dict) -> dict:
        return {"can_send_messages": True, "can_send_polls": True, **chat.get("_permissions", {})}

    def _emit(self, kind: str, payload: dict) -> None:
        for queue in self._subscribers:
            queue.put_nowait((kind, payload))

    def _enqueue(self, body: dict) -> None:
        if self._allowed is not None and _kind({"update_id": 0, **body}) not in self._allowed:
            return  # like Telegram: kinds the bot did not ask for are not kept for it
        self._updates.append({"update_id": self._next_update_id, **body})
        self._next_update_id += 1
        self._update_ready.set()

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] += 1
        return message_id

    def _store(self, chat_id: int, message: dict) -> None:
        self._history[chat_id].append(message)

    def _find(self, chat_id: int, message_id: int) -> dict:
        for message in self._history[chat_id]:
            if message["message_id"] == message_id:
                return message
        raise KeyError(f"no message {message_id} in chat {chat_id}")

    @staticmethod
    def _public_chat(chat: dict) -> dict:
        return {k: v for k, v in chat.items() if not k.startswith("_")}

    def _chat(self, chat_id: object) -> dict:
        try:
            return self.chats[int(chat_id)]
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None

    def _user_message(
        self, chat_id: int, user_id: int | None, sender_chat_id: int | None, reply_to: int | None
    ) -> dict:
        chat = self.chats[chat_id]
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "date": int(self.clock()),
            "chat": self._public_chat(chat),
        }
        if sender_chat_id is not None:
            message["from"] = {
                "id": ANONYMOUS_ADMIN_ID,
                "is_bot": True,
                "first_name": "Group",
                "username": "GroupAnonymousBot",
            }
            message["sender_chat"] = self._public_chat(self.chats[sender_chat_id])
        elif user_id is not None:
            message["from"] = self.users[user_id]
        if reply_to is not None:
            message["reply_to_message"] = {
                k: v for k, v in self._find(chat_id, reply_to).items() if k != "reply_to_message"
            }
        return message

    def _bot_message(self, chat_id: int, params: dict) -> dict:
        message: dict[str, Any] = {"message_id": self._new_message_id(chat_id), "date": int(self.clock()),
                                   "chat": self._public_chat(self.chats[chat_id]), "from": self.bot_user}  # fmt: skip
        reply = params.get("reply_parameters") or {}
        reply_id = reply.get("message_id") or params.get("reply_to_message_id")
        if reply_id:
            with contextlib.suppress(KeyError):
                message["reply_to_message"] = {
                    k: v
                    for k, v in self._find(chat_id, int(reply_id)).items()
                    if k != "reply_to_message"
                }
        markup = self._markup(params.get("reply_markup"))
        if markup:
            message["reply_markup"] = markup
        return message

    def _entities_of(self, text: str) -> list[dict]:
        entities = []
        if match := _COMMAND.match(text):
            entities.append(
                {"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}
            )
        for match in _MENTION.finditer(text):
            entities.append(
                {
                    "type": "mention",
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group(0)),
                }
            )
        return entities

    def _delivered_in_chat(self, chat_id: int, message: dict) -> bool:
        """Privacy mode: in groups the bot sees commands, replies to it and mentions of it only."""
        chat = self.chats[chat_id]
        if chat["type"] == "private" or not self.privacy_mode:
            return True
        text = message.get("text") or ""
        if match := _COMMAND.match(text):
            target = match.group(2)
            return target is None or target[1:].lower() == self.bot_username.lower()
        reply = message.get("reply_to_message")
        if reply and reply.get("from", {}).get("id") == self.bot_user["id"]:
            return True
        return f"@{self.bot_username.lower()}" in text.lower()

    def _chat_for_sending(self, params: dict) -> int:
        chat = self._chat(params.get("chat_id"))
        chat_id = chat["id"]
        if chat["type"] == "private" and chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.migrated[chat_id],
            )
        if self.bot_status.get(chat_id) in ("kicked", "left"):
            kind = "supergroup chat" if chat["type"] == "supergroup" else "group chat"
            if self.bot_status[chat_id] == "left":
                raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
        if self.enforce_flood_limits:
            self._check_flood(chat)
        return chat_id

    def _check_flood(self, chat: dict) -> None:
        """Telegram's flood limits, as tgsim models them: per chat a bucket of 3 messages that
        refills at one a second; per group 20 in any 60 s; 30 a second in all. Over -> 429."""
        now = self.clock()
        chat_id = chat["id"]
        tokens, last = self._flood_buckets.get(chat_id, (CHAT_BURST, now))
        tokens = min(CHAT_BURST, tokens + (now - last) * CHAT_RATE)
        if tokens < 1:
            self._too_many((1 - tokens) / CHAT_RATE)
        recent = self._sent_times[chat_id]
        if chat["type"] != "private":
            while recent and recent[0] <= now - GROUP_WINDOW:
                recent.popleft()
            if len(recent) >= GROUP_MAX:
                self._too_many(recent[0] + GROUP_WINDOW - now)
        everything = self._sent_all
        while everything and everything[0] <= now - 1.0:
            everything.popleft()
        if len(everything) >= OVERALL_MAX:
            self._too_many(everything[0] + 1.0 - now)
        self._flood_buckets[chat_id] = (tokens - 1, now)
        if chat["type"] != "private":
            recent.append(now)
        everything.append(now)

    def _too_many(self, wait: float) -> None:
        retry_after = max(1, math.ceil(wait))
        self.too_many_requests += 1
        raise ApiError(429, _default_description(429, retry_after), retry_after)

    def _formatted(
        self, text: object, parse_mode: object, allow_empty: bool = False
    ) -> tuple[str, list[dict]]:
        source = "" if text is None else str(text)
        if parse_mode in (None, ""):
            plain, entities = source, []
        elif str(parse_mode).upper() == "HTML":
            plain, entities = parse_html(source)
        else:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
        if not plain.strip() and not allow_empty:
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > MessageLimit.MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return plain, entities

    @staticmethod
    def _markup(markup: object) -> dict | None:
        if not markup:
            return None
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = markup.get("inline_keyboard")
        if rows is None:
            return None  # reply keyboards are not shown in this emulator
        for row in rows:
            for button in row:
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if (
                    data is not None
                    and not 1 <= len(data.encode()) <= InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
                ):
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return {"inline_keyboard": [[dict(b) for b in row] for row in rows]}

    def _editable(self, params: dict) -> dict:
        chat_id = self._chat(params.get("chat_id"))["id"]
        try:
            message = self._find(chat_id, int(params.get("message_id")))
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: message to edit not found") from None
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _member(self, chat_id: int, user_id: int) -> dict:
        if user_id == self.bot_user["id"]:
            return self._bot_member(self.bot_status.get(chat_id, "member"))
        user = self.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "?"}
        if user_id == self.chats[chat_id].get("_creator"):
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in self.admins[chat_id]:
            rights = dict.fromkeys(_ADMIN_RIGHTS, False)
            return {"status": "administrator", "user": user, **rights, "can_manage_chat": True}
        if user_id in self.members[chat_id]:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    def _commands_key(self, params: dict) -> tuple[str, str | None]:
        scope = params.get("scope") or {"type": "default"}
        if isinstance(scope, str):
            scope = json.loads(scope)
        return scope.get("type", "default"), params.get("language_code") or None

    def _expire_polls(self) -> None:
        """Close the polls whose open_period has passed (a heap: cheap with thousands open)."""
        now = self.clock()
        while self._closing and self._closing[0][0] <= now:
            _, poll_id = heapq.heappop(self._closing)
            if poll_id in self.polls and not self.polls[poll_id]["is_closed"]:  # or forgotten
                self._close_poll(poll_id)

    def _close_poll(self, poll_id: str) -> None:
        poll = self.polls[poll_id]
        poll["is_closed"] = True
        self._enqueue({"poll": json.loads(json.dumps(poll))})
        self._emit("poll_closed", {"chat_id": self._poll_meta[poll_id]["chat_id"], "poll": poll})


def _error_body(error: ApiError) -> bytes:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": error.code,
        "description": error.description,
    }
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    if error.migrate_to_chat_id is not None:
        body["parameters"] = {"migrate_to_chat_id": error.migrate_to_chat_id}
    return json.dumps(body).encode()


def _kind(update: dict) -> str:
    return next(k for k in update if k != "update_id")


def _default_description(code: int, retry_after: int | None) -> str:
    return {
        429: f"Too Many Requests: retry after {retry_after or 1}",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }.get(code, f"Error {code}")
