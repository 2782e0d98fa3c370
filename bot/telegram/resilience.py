"""Keeping the bot up when the Bot API misbehaves: timeouts, retries, bad batches, quiet logs.

- `ResilientRequest` wraps the HTTP client: a timeout that fits each call, and retries with
  backoff for the calls that are safe to repeat. A send (sendMessage, sendPoll) is never retried:
  after a timeout or a dropped connection it may have gone through, and a second try could post
  it twice. Such failures come out as `MaybeSent`, so nobody apologises for an answer the user
  may well have received.
- `BotBuilder` builds the Application with `SafeBot`, whose getUpdates skips an update it cannot
  read (logged once) instead of fetching the same batch again forever.
- `FailureLog`: the first failure of a kind is logged with its traceback, the next ones are
  counted and summed up in one line a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import Conflict, NetworkError, TelegramError, TimedOut
from telegram.ext import ApplicationBuilder, ExtBot
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

# Safe to repeat: reads, and writes whose second run changes nothing (answering a query twice is
# refused as "query is too old"; editing to the same content is "not modified"; a stopped poll
# stays stopped). Sends and deletes are not here.
IDEMPOTENT = frozenset(
    {
        "getMe",
        "getChat",
        "getChatMember",
        "getChatAdministrators",
        "getMyCommands",
        "setMyCommands",
        "deleteMyCommands",
        "getMyDescription",
        "setMyDescription",
        "getMyShortDescription",
        "setMyShortDescription",
        "getWebhookInfo",
        "setWebhook",
        "deleteWebhook",
        "answerCallbackQuery",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "stopPoll",
        "sendChatAction",
        "setChatMenuButton",
    }
)
RETRY_STATUS = frozenset({500, 502, 503, 504})
# Read timeouts by kind of call, in seconds. A long poll adds its own `timeout` to READ_TIMEOUT.
# A send gets long enough that a slow Telegram still delivers it as one answer, not as an
# answer plus an apology; a callback answer is useless after Telegram's own ~15 s anyway.
READ_TIMEOUT = 10.0
SEND_READ_TIMEOUT = 20.0
SENDS = frozenset({"sendMessage", "sendPoll", "sendPhoto", "sendDocument", "copyMessage"})
# Once retried, these answers mean the first try had worked.
_ALREADY_DONE = ("message is not modified", "query is too old", "query id is invalid")


class MaybeSent(NetworkError):
    """The call timed out or its connection dropped: Telegram may or may not have carried it out."""


class UnreadableBatch(TelegramError):
    """getUpdates answered with something that is not a list of updates."""


def method_of(url: str) -> str:
    return url.rpartition("/")[2]


class ResilientRequest(BaseRequest):
    """A BaseRequest around another one: per-call timeouts; retries for idempotent calls."""

    def __init__(
        self,
        inner: BaseRequest,
        *,
        delays: tuple[float, ...] = (0.5, 2.0),
        read_timeout: float | None = READ_TIMEOUT,
        send_read_timeout: float | None = SEND_READ_TIMEOUT,
        failures: FailureLog | None = None,
        max_in_flight: int | None = None,
    ):
        self._inner = inner
        # At most this many requests inside the HTTP client at once (its pool size): the rest
        # wait here, where waiting is cheap. httpcore rescans every pooled connection for every
        # queued request on each request, which made a burst of sends cost more than the bot.
        self._in_flight = (
            asyncio.Semaphore(max_in_flight) if max_in_flight else contextlib.nullcontext()
        )
        self._delays = delays
        self._read_timeout = read_timeout
        self._send_read_timeout = send_read_timeout
        self.failures = failures or FailureLog(log)

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

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
        api_method = method_of(url)
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._send_read_timeout if api_method in SENDS else self._read_timeout
        retry = api_method in IDEMPOTENT
        reading = api_method.startswith("get")  # getUpdates: its own loop retries it
        attempts = len(self._delays) + 1 if retry else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                async with self._in_flight:
                    code, body = await self._inner.do_request(
                        url,
                        method,
                        request_data,
                        read_timeout=read_timeout,
                        write_timeout=write_timeout,
                        connect_timeout=connect_timeout,
                        pool_timeout=pool_timeout,
                    )
            except (TimedOut, NetworkError) as error:
                if last:
                    if retry or reading or isinstance(error, MaybeSent):
                        raise
                    # Not repeated: it may have been carried out. Say so to whoever handles it.
                    raise MaybeSent(
                        f"{api_method}: {error.message} (it may have been carried out)"
                    ) from error
                self._note_retry(api_method, f"{type(error).__name__}: {error.message}")
            except Exception as error:  # the HTTP client's own errors (connection reset, ...)
                if last:
                    if reading:
                        raise NetworkError(f"{api_method}: {error!r}") from error
                    raise MaybeSent(f"{api_method}: {error!r}") from error
                self._note_retry(api_method, repr(error))
            else:
                if attempt and code == 400 and _already_done(body):
                    return 200, b'{"ok":true,"result":true}'
                if code not in RETRY_STATUS or last:
                    return code, body
                self._note_retry(api_method, f"HTTP {code}")
            delay = self._delays[attempt]
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict:
        """As the library's, without logging the whole body with a traceback at every call."""
        try:
            return json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            start = payload[:60].decode("utf-8", "replace")
            raise TelegramError(f"Invalid server response: not JSON ({start!r}...)") from None

    def _note_retry(self, api_method: str, what: str) -> None:
        self.failures.record(
            f"retry {api_method} {_shape(what)}",
            f"{api_method} failed ({what}); retrying",
            level=logging.WARNING,
        )


def _already_done(body: bytes) -> bool:
    text = body.decode("utf-8", "replace").lower()
    return any(marker in text for marker in _ALREADY_DONE)


def _shape(text: str) -> str:
    """A failure's kind: its text with numbers and ids masked, so 'retry after 3' and
    'retry after 7' are one kind."""
    return re.sub(r"\d+", "N", text)[:120]


@dataclass(slots=True)
class _Kind:
    total: int
    unreported: int
    last_report: float
    message: str  # the last message of this kind, for the summary line


class FailureLog:
    """Logs the first failure of each kind in full, then one line per kind at most every
    `every` seconds with the count since the last line. `flush()` reports what is left."""

    def __init__(
        self,
        logger: logging.Logger,
        every: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._log = logger
        self._every = every
        self._clock = clock
        self._kinds: dict[str, _Kind] = {}

    def record(
        self,
        kind: str,
        message: str,
        error: BaseException | None = None,
        *,
        level: int = logging.ERROR,
    ) -> None:
        now = self._clock()
        entry = self._kinds.get(kind)
        if entry is None:
            self._kinds[kind] = _Kind(1, 0, now, message)
            self._log.log(level, message, exc_info=error)
            return
        entry.total += 1
        entry.unreported += 1
        entry.message = message
        if now - entry.last_report >= self._every:
            self._report(entry, level)

    def _report(self, entry: _Kind, level: int) -> None:
        minutes = max(1, round((self._clock() - entry.last_report) / 60))
        self._log.log(
            level,
            "%s: %d more in the last %d min (%d since start)",
            entry.message,
            entry.unreported,
            minutes,
            entry.total,
        )
        entry.unreported = 0
        entry.last_report = self._clock()

    def count(self, kind: str) -> int:
        entry = self._kinds.get(kind)
        return entry.total if entry else 0

    @property
    def kinds(self) -> dict[str, int]:
        return {kind: entry.total for kind, entry in self._kinds.items()}

    def flush(self) -> None:
        for entry in self._kinds.values():
            if entry.unreported:
                self._report(entry, logging.WARNING)


def error_kind(error: BaseException) -> str:
    return f"{type(error).__name__}: {_shape(str(error))}"


class PollingErrors:
    """The error callback of long polling: one plain line per kind a minute, no tracebacks.

    409 Conflict means another process polls with the same token (a second instance, or the old
    one during a rolling deploy): say that plainly, keep trying, and take over when it stops."""

    def __init__(self, failures: FailureLog):
        self.failures = failures

    def __call__(self, error: TelegramError) -> None:
        if isinstance(error, Conflict):
            self.failures.record(
                "polling conflict",
                "another instance of the bot is running with this token (409 Conflict from "
                "getUpdates): stop the other one; this one keeps retrying and takes over",
                level=logging.WARNING,
            )
            return
        self.failures.record(
            f"polling {error_kind(error)}",
            f"getUpdates failed ({type(error).__name__}: {error}); retrying with backoff",
            level=logging.WARNING,
        )


class GroupCommit:
    """Items written in batches (group commit): each write takes everything that arrived while
    the previous one ran, so a burst costs one transaction, not one each. For best-effort records
    (the update journal, the group send ledger): a failed write is logged, never raised.

    `add` returns a future that is done once the item's batch has been written (or failed)."""

    def __init__(
        self,
        write: Callable[[list], Awaitable[None]],
        failures: FailureLog,
        kind: str,
        what: str,
    ) -> None:
        self._write = write
        self._failures = failures
        self._kind, self._what = kind, what
        self._pending: list = []
        self._written: asyncio.Future | None = None  # the write the pending items will share
        self._writer: asyncio.Task | None = None

    def add(self, item) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        self._pending.append(item)
        if self._written is None:
            self._written = loop.create_future()
        written = self._written
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._run())
        return written

    async def settle(self) -> None:
        """Every item added so far written (or failed)."""
        if self._writer is not None:
            await asyncio.shield(self._writer)

    async def _run(self) -> None:
        while self._pending:
            items, self._pending = self._pending, []
            written, self._written = self._written, None
            try:
                await self._write(items)
            except Exception as error:
                self._failures.record(
                    f"{self._kind} {type(error).__name__}",
                    f"{self._what} ({error})",
                    level=logging.WARNING,
                )
            finally:
                if written is not None and not written.done():
                    written.set_result(None)


class UnfinishedUpdates:
    """Updates taken from Telegram (long polling or webhook) and not yet fully handled.

    Telegram forgets an update once the bot has taken it: long polling acknowledges a batch with
    the very next getUpdates, a webhook with its 200. So each update is written to the database
    (`journal`, the store) before it is handled, and deleted once handled: after a crash or a
    kill -9, as after a stop past the grace period, the next start handles what is left, first
    (at least once: one that was half done may be handled again). Deletions are batched: one
    transaction for whatever finished while the last one ran.

    An update the journal brought back may come from Telegram again too (a kill before Telegram
    heard the next getUpdates, or before a webhook's 200): `fresh` keeps it from being handled
    twice."""

    def __init__(self, failures: FailureLog | None = None) -> None:
        self._updates: dict[int, Update] = {}
        self._requeued: set[int] = set()  # ids brought back from the journal at start
        self.journal = None  # the Store, from start-up until shutdown
        self._failures = failures or FailureLog(log)
        # The next start would handle the unmarked ones again: a failure is said, not raised.
        self._done = GroupCommit(
            self._forget, self._failures, "journal", "could not mark handled updates done"
        )

    def taken(self, updates) -> None:
        for update in updates:
            self._updates[update.update_id] = update

    def requeued(self, update: Update) -> None:
        self.taken([update])
        self._requeued.add(update.update_id)

    def fresh(self, updates) -> list[Update]:
        """The updates not already brought back from the journal; the others become empty
        updates with their ids (no handler matches one; long polling's offset still moves)."""
        if not self._requeued:
            return list(updates)
        return [
            Update(update_id=u.update_id) if u.update_id in self._requeued else u for u in updates
        ]

    async def taken_durably(self, updates) -> None:
        """Taken, and written down before anything handles them."""
        self.taken(updates)
        if self.journal is None or not updates:
            return
        try:
            await self.journal.keep_updates([(u.update_id, u.to_json()) for u in updates])
        except Exception as error:  # best effort: a failing database must not stop the replies
            self._failures.record(
                f"journal {type(error).__name__}",
                f"could not write taken updates down ({error}); a crash now would lose them",
                level=logging.WARNING,
            )

    def finished(self, update_id: int) -> None:
        self._updates.pop(update_id, None)
        if self.journal is not None:
            self._done.add(update_id)

    async def _forget(self, update_ids: list[int]) -> None:
        if self.journal is not None:
            await self.journal.forget_updates(update_ids)

    async def settle(self) -> None:
        """Every finished update marked done in the journal (before the store closes)."""
        await self._done.settle()

    def left(self) -> list[Update]:
        return [self._updates[i] for i in sorted(self._updates)]


class SafeBot(ExtBot):
    """ExtBot whose getUpdates skips updates that cannot be parsed.

    python-telegram-bot raises on a batch with one unreadable update and its updater then asks
    for the same batch again at once, forever. Here the batch is read again update by update;
    an unreadable one becomes an empty Update with its id (no handler matches it, the offset
    moves on) and is logged once per kind."""

    failures: FailureLog | None = None
    unfinished: UnfinishedUpdates | None = None

    async def get_updates(self, *args, **kwargs):  # type: ignore[override]
        try:
            updates = await super().get_updates(*args, **kwargs)
        except TelegramError:
            raise
        except Exception as error:  # a batch python-telegram-bot could not parse
            updates = await self._salvage(error, *args, **kwargs)
        if self.unfinished is not None:
            updates = tuple(self.unfinished.fresh(updates))
            await self.unfinished.taken_durably(updates)
        return updates

    async def _salvage(self, error: Exception, offset=None, limit=None, timeout=None,
                       allowed_updates=None, **_kwargs) -> tuple[Update, ...]:  # fmt: skip
        raw = await self._post(
            "getUpdates",
            {"offset": offset, "limit": limit, "timeout": 0, "allowed_updates": allowed_updates},
        )
        if not isinstance(raw, list):
            raise UnreadableBatch(f"getUpdates answered with a {type(raw).__name__}, not a list")
        updates: list[Update] = []
        for item in raw:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            try:
                update = Update.de_json(item, self)
            except Exception as item_error:
                if not isinstance(update_id, int):
                    raise UnreadableBatch("an update without an update_id") from item_error
                failures = self.failures or FailureLog(log)
                failures.record(
                    f"bad update {error_kind(item_error)}",
                    f"skipped update {update_id}: it could not be read "
                    f"({type(item_error).__name__}: {item_error})",
                    level=logging.ERROR,
                )
                update = Update(update_id=update_id)
            else:
                self.insert_callback_data(update)
            updates.append(update)
        del error
        return tuple(updates)


class BotBuilder(ApplicationBuilder):
    """ApplicationBuilder that builds a SafeBot (same arguments as the library's ExtBot)."""

    def _build_ext_bot(self) -> ExtBot:  # the library's own, with SafeBot for ExtBot
        if isinstance(self._token, DefaultValue):
            raise RuntimeError("No bot token was set.")
        return SafeBot(
            token=self._token,
            base_url=DefaultValue.get_value(self._base_url),
            base_file_url=DefaultValue.get_value(self._base_file_url),
            private_key=DefaultValue.get_value(self._private_key),
            private_key_password=DefaultValue.get_value(self._private_key_password),
            defaults=DefaultValue.get_value(self._defaults),
            arbitrary_callback_data=DefaultValue.get_value(self._arbitrary_callback_data),
            request=self._build_request(get_updates=False),
            get_updates_request=self._build_request(get_updates=True),
            rate_limiter=DefaultValue.get_value(self._rate_limiter),
            local_mode=DefaultValue.get_value(self._local_mode),
        )


def parse_update(data: bytes, bot: ExtBot, failures: FailureLog) -> Update | None:
    """A webhook body -> Update, or None (logged once per kind) if it cannot be read."""
    try:
        payload = json.loads(data)
        return Update.de_json(payload, bot)
    except Exception as error:
        failures.record(
            f"bad webhook update {error_kind(error)}",
            f"skipped a webhook update that could not be read ({type(error).__name__}: {error})",
            level=logging.ERROR,
        )
        return None
