"""build_application(settings) -> Application: the one place where handlers, jobs and limits meet."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError, TimedOut
from telegram.ext import (
    Application,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.knowledge.dataset import Lang, load_dataset
from bot.knowledge.lookup import Lookup
from bot.quiz.bank import QuestionBank
from bot.store import Store
from bot.telegram import ask, inline, pacing, play, presence, render, share
from bot.telegram.httpclient import AiohttpRequest
from bot.telegram.pacing import PacedRateLimiter, SendLedger, wait_in_real_time
from bot.telegram.resilience import (
    READ_TIMEOUT,
    BotBuilder,
    FailureLog,
    MaybeSent,
    PollingErrors,
    ResilientRequest,
    UnfinishedUpdates,
    error_kind,
)
from bot.telegram.services import SERVICES_KEY, Services

log = logging.getLogger(__name__)
FAILURES_KEY = "failures"

# Commands as shown in the client's menu, per language (setMyCommands with language_code).
COMMANDS = {
    Lang.EN: [
        ("start", "What this bot does"),
        ("ask", "Ask about the 2025 China Patent Awards"),
        ("topics", "What I know, by topic"),
        ("quiz", "Play a quiz round (/quiz 10, /quiz huion)"),
        ("stop", "Stop the running quiz round"),
        ("score", "Your points and accuracy"),
        ("top", "The leaderboard"),
        ("settings", "Quiz settings for this chat"),
        ("help", "Commands and scoring"),
    ],
    Lang.ZH: [
        ("start", "机器人简介"),
        ("ask", "询问2025年中国专利奖"),
        ("topics", "按主题查看"),
        ("quiz", "开始问答游戏（/quiz 10，/quiz 绘王）"),
        ("stop", "结束当前问答"),
        ("score", "我的得分和正确率"),
        ("top", "排行榜"),
        ("settings", "本群问答设置"),
        ("help", "命令与计分规则"),
    ],
}


# The updates the bot handles. Poll updates (new vote counts after every vote) are left out: the
# bot closes questions by its own timers, and at a busy question they would double the traffic.
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CHANNEL_POST,
    Update.CALLBACK_QUERY,
    Update.POLL_ANSWER,
    Update.MY_CHAT_MEMBER,
    Update.INLINE_QUERY,
]


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; updates of one chat run in order.

    python-telegram-bot's own concurrent mode gives no ordering (issue #3509); sequential mode
    makes one slow chat hold up every other. The chat's lock is taken before a concurrency slot
    (the library's `process_update` takes the slot first): a chat with 40 queued updates then
    holds one slot, not all of them.
    """

    def __init__(
        self, max_concurrent_updates: int = 32, unfinished: UnfinishedUpdates | None = None
    ):
        super().__init__(max_concurrent_updates)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}  # key -> (lock, users of it)
        self.unfinished = unfinished
        self._in_hand: set[asyncio.Task] = set()

    async def process_update(self, update: object, coroutine: Awaitable) -> None:  # type: ignore[misc]
        task = asyncio.current_task()
        if task is not None:
            self._in_hand.add(task)
            task.add_done_callback(self._in_hand.discard)
        key = _order_key(update)
        lock, users = self._locks.get(key, (None, 0))
        lock = lock or asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock, self._slots:
                await self.do_process_update(update, coroutine)
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]  # nobody else holds or waits for this chat's lock
            else:
                self._locks[key] = (lock, users - 1)
            if self.unfinished is not None and isinstance(update, Update):
                self.unfinished.finished(update.update_id)

    async def do_process_update(self, update: object, coroutine: Awaitable) -> None:
        await coroutine

    def abandon(self) -> int:
        """Cancel the updates still in hand or waiting (shutdown, after the grace period and
        after they were kept for the next start): none of them then meets a closed database."""
        tasks = [task for task in self._in_hand if not task.done()]
        for task in tasks:
            task.cancel()
        return len(tasks)

    @property
    def current_concurrent_updates(self) -> int:
        return self.max_concurrent_updates - self._slots._value

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _order_key(update: object) -> object:
    if isinstance(update, Update):
        if update.effective_chat:
            return ("chat", update.effective_chat.id)
        if update.effective_user:
            return ("user", update.effective_user.id)
    return ("other", id(update))


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    clock: Callable[[], float] = time.time,
    wait_until: Callable[[float], Awaitable[None]] = wait_in_real_time,
    rng: random.Random | None = None,
    rate_limiter: bool = True,
    retry_delays: tuple[float, ...] = (0.5, 2.0),
) -> Application:
    """The bot: real Telegram by default, or any Bot API behind `request` (the emulator)."""
    dataset = load_dataset(settings.data_dir)
    svc = Services(
        settings=settings,
        dataset=dataset,
        lookup=Lookup(dataset),
        bank=QuestionBank(dataset),
        clock=clock,
        rng=rng or random.Random(),
    )
    failures = FailureLog(log)
    unfinished = UnfinishedUpdates(failures)
    production = request is None
    if production:
        request = production_request()
    builder = (
        BotBuilder()
        .token(token or settings.token or "")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .concurrent_updates(ChatOrderedUpdateProcessor(unfinished=unfinished))
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    # Per-call timeouts and retries of what is safe to repeat (bot/telegram/resilience.py).
    builder = builder.request(
        ResilientRequest(
            request,
            delays=retry_delays,
            failures=failures,
            max_in_flight=POOL_SIZE if production else None,
        )
    )
    if get_updates_request is None:
        get_updates_request = production_request(pool_size=1)
    builder = builder.get_updates_request(
        ResilientRequest(get_updates_request, delays=(), failures=failures)
    )
    if rate_limiter:
        # Paces every send under Telegram's flood limits, per chat (see pacing.py).
        builder = builder.rate_limiter(PacedRateLimiter(clock=clock, wait_until=wait_until))
    app = builder.build()
    with app.bot._unfrozen():  # python-telegram-bot freezes its objects after __init__
        app.bot.failures = failures
        app.bot.unfinished = unfinished
    app.bot_data[SERVICES_KEY] = svc
    app.bot_data[FAILURES_KEY] = failures
    add_handlers(app)
    return app


def add_handlers(app: Application) -> None:
    new = filters.UpdateType.MESSAGE  # edits and channel posts are left alone
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    command = {"filters": new}
    app.add_handlers(
        [
            CommandHandler(
                "start", share.start_from_link, filters=new & filters.Regex(r"^/start\S*\s+\S")
            ),
            CommandHandler("start", ask.start, **command),
            CommandHandler("help", ask.help_command, **command),
            CommandHandler("ask", ask.ask_command, **command),
            CommandHandler("topics", ask.topics, **command),
            *play.command_handlers(new),
            MessageHandler(new & filters.COMMAND, ask.unknown_command),
            MessageHandler(new & private & filters.TEXT, ask.private_text),
            MessageHandler(
                new & groups & filters.TEXT & (filters.Entity("mention") | filters.REPLY),
                ask.group_mention_or_reply,
            ),
            MessageHandler(new & private & ~filters.TEXT, ask.not_text),
            CallbackQueryHandler(ask.topic_button, pattern=render.TopicButton.matches),
            CallbackQueryHandler(ask.example_button, pattern=render.ExampleButton.matches),
            *play.callback_handlers(),
            CallbackQueryHandler(share.offer_button, pattern=share.OfferButton.matches),
            CallbackQueryHandler(ask.stale_callback),
            ChatMemberHandler(presence.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
            InlineQueryHandler(inline.inline_query),
            MessageHandler(filters.StatusUpdate.MIGRATE, presence.chat_migrated),
        ]
    )
    app.add_error_handler(on_error)


async def register_commands(bot) -> None:
    """The command menu in every language, set only where it changed (setMyCommands has flood
    limits of its own). Only the menu: a failure is logged and the bot starts anyway."""
    try:
        for lang, commands in COMMANDS.items():
            wanted = [BotCommand(name, description) for name, description in commands]
            code = None if lang == Lang.EN else lang.value
            scope = BotCommandScopeDefault()
            if list(await bot.get_my_commands(scope=scope, language_code=code)) != wanted:
                await bot.set_my_commands(wanted, scope=scope, language_code=code)
    except TelegramError as error:
        log.warning("could not set the command menu: %s", error)


async def on_start(app: Application) -> None:
    """After initialize(), before polling: register commands, open the store, resume rounds.

    (Application.post_init only runs under run_polling; the bot starts its own loop so that
    SIGTERM and start-up errors are handled in one place, and calls this explicitly.)
    """
    await register_commands(app.bot)
    await presence.describe_bot(app.bot)

    async def count_last_runs_sends(store: Store) -> None:
        """Before anything is sent: the last run's sends still count for a minute, and from now
        on a group's sends are written down as they go (a crash keeps no shutdown step)."""
        limiter = app.bot.rate_limiter
        if isinstance(limiter, PacedRateLimiter):
            since = app.bot_data[SERVICES_KEY].clock() - pacing.GROUP_WINDOW
            limiter.restore(await store.recent_sends(since))
            limiter.before_group_send = SendLedger(store, failures_of(app))

    await play.on_startup(app, before_resume=count_last_runs_sends)
    await requeue_kept_updates(app)


async def requeue_kept_updates(app: Application) -> None:
    """The updates the last run took but did not finish (a stop past the grace period, a crash,
    a kill -9): handled first. Each leaves the journal when it is handled."""
    store = app.bot_data[SERVICES_KEY].store
    unfinished = app.bot.unfinished
    kept = await store.kept_updates()
    for body in kept:
        update = Update.de_json(json.loads(body), app.bot)
        unfinished.requeued(update)
        await app.update_queue.put(update)
    unfinished.journal = store  # from now on every update taken is written down first
    if kept:
        log.info("%d update(s) left unfinished by the last run are handled first", len(kept))


async def keep_unfinished_updates(app: Application) -> None:
    """At shutdown, after the grace period: the journal brought up to date (what finished
    leaves it, what was taken and not finished stays), then the handlers still running are
    cancelled (the database closes next; the next start handles these updates)."""
    unfinished = app.bot.unfinished
    left = unfinished.left() if unfinished else []
    store = app.bot_data[SERVICES_KEY].store
    if unfinished is not None and store is not None:
        await unfinished.settle()
        unfinished.journal = None
        if left:  # written when taken; again in case the journal could not write them then
            await store.keep_updates([(u.update_id, u.to_json()) for u in left])
            log.warning(
                "%d update(s) not finished before stopping are kept for the next start",
                len(left),
            )
    if isinstance(app.update_processor, ChatOrderedUpdateProcessor):
        app.update_processor.abandon()


async def start_polling(app: Application, *, timeout: float = 25.0, poll_interval: float = 0.0):
    """Long polling as production runs it: the handled update kinds, nothing dropped, and
    polling errors logged as one plain line per kind a minute (409 Conflict said plainly)."""
    await app.updater.start_polling(
        poll_interval=poll_interval,
        timeout=timeout,
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=False,
        error_callback=PollingErrors(failures_of(app)),
    )


async def on_stop(app: Application) -> None:
    """After polling stopped: keep the last minute's sends (flood limits outlive a restart),
    close the store."""
    limiter = app.bot.rate_limiter
    store = app.bot_data[SERVICES_KEY].store
    if isinstance(limiter, PacedRateLimiter) and store is not None:
        limiter.before_group_send = None  # the store closes next
        await store.keep_recent_sends(limiter.recent_sends())
    await play.on_shutdown(app)


def failures_of(app: Application) -> FailureLog:
    return app.bot_data[FAILURES_KEY]


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (its traceback the first time, then a count a minute per kind); tell the
    user briefly, never with details, and only when the bot knows its reply did not go out."""
    error = context.error
    failures = failures_of(context.application)
    if isinstance(error, Forbidden):
        failures.record(
            error_kind(error),
            f"not allowed to write to a chat (blocked or removed): {error}",
            level=logging.INFO,
        )
        return
    if isinstance(error, ChatMigrated):  # an update for a group that became a supergroup
        failures.record(
            error_kind(error),
            f"a chat moved to {error.new_chat_id}; the update for its old id was dropped",
            level=logging.INFO,
        )
        return
    failures.record(
        error_kind(error),
        f"error while handling an update: {type(error).__name__}: {str(error)[:200]}",
        error,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, BadRequest) and "query is too old" in str(error):
        return  # the user's spinner is gone already; nothing to say
    if isinstance(error, (TimedOut, MaybeSent)):
        return  # the reply may have reached the user: an apology now could follow an answer
    lang = render.lang_of(update.effective_user.language_code if update.effective_user else None)
    try:
        await context.bot.send_message(update.effective_chat.id, render.t("error", lang))
    except TelegramError as apology_error:
        failures.record(
            "apology " + error_kind(apology_error),
            "could not send the apology either",
            level=logging.WARNING,
        )


POOL_SIZE = 4


def production_request(pool_size: int = POOL_SIZE) -> BaseRequest:
    """The HTTP client for the real Bot API (the read timeout is set per call by
    ResilientRequest; a long poll adds its own timeout to it): aiohttp, for the CPU it saves
    (bot/telegram/httpclient.py).

    4 connections, and never more requests inside the client than that (ResilientRequest's
    max_in_flight): at Telegram's usual 20-100 ms a call, 4 keep-alive connections carry 40-200
    calls a second, more than the 30 messages a second it allows."""
    return AiohttpRequest(
        pool_size=pool_size,
        connect_timeout=5.0,
        read_timeout=READ_TIMEOUT,
        write_timeout=10.0,
        pool_timeout=5.0,
    )
