"""`python -m bot serve`: the bot as a service, by long polling or by webhook.

Start-up checks what can be checked before any update is taken (the dataset, the database, the
Bot API's answer to getMe) and turns each problem into one line saying what to do
(`StartupError`). SIGTERM or SIGINT then stops taking updates, lets the ones in hand finish (at
most `GRACE` seconds), closes the database and exits 0; a step that fails on the way down is
logged in one line and the next step still runs.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

import httpx
from telegram.error import TelegramError
from telegram.ext import Application

from bot.config import Settings
from bot.store import Store
from bot.telegram.app import (
    build_application,
    failures_of,
    keep_unfinished_updates,
    on_start,
    on_stop,
    start_polling,
)
from bot.telegram.services import SERVICES_KEY

log = logging.getLogger("bot")

DEFAULT_API = "https://api.telegram.org/bot"
GRACE = 7.0  # seconds from SIGTERM for the updates in hand; platforms kill after 10 s or more
LONG_POLL = 25.0  # seconds a getUpdates waits for updates


class StartupError(RuntimeError):
    """A setting or a service the bot needs is unusable; the message is one line for the operator
    (never with the token)."""


def _api_url(settings: Settings) -> str:
    base = settings.base_url or DEFAULT_API
    token = settings.token or ""
    return base.replace("{token}", token) if "{token}" in base else base + token


async def probe_bot_api(settings: Settings, *, attempts: int = 3) -> dict:
    """getMe, classified: the bot's user, or a StartupError naming the setting to fix."""
    where = settings.base_url or DEFAULT_API
    url = _api_url(settings) + "/getMe"
    problem = ""
    timeout = httpx.Timeout(10.0, connect=5.0)
    async with httpx.AsyncClient(timeout=timeout) as client:
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(attempt)
            try:
                response = await client.post(url)
            except httpx.HTTPError as error:
                problem = f"cannot reach the Telegram Bot API at {where} ({type(error).__name__}"
                problem += f": {_redact(str(error), settings)})" if str(error) else ")"
                problem += ": check TELEGRAM_BASE_URL and the network"
                continue
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict) or "ok" not in body:
                kind = response.headers.get("content-type", "no content type").split(";")[0]
                raise StartupError(
                    f"TELEGRAM_BASE_URL={where} does not answer like a Telegram Bot API "
                    f"(getMe gave HTTP {response.status_code}, {kind}): it should be the API's "
                    f"address ending in /bot, e.g. {DEFAULT_API} (or unset it)"
                )
            if body.get("ok") and isinstance(body.get("result"), dict):
                me = body["result"]
                if me.get("is_bot") and me.get("username"):
                    return me
                raise StartupError(
                    f"TELEGRAM_BASE_URL={where} answered getMe without a bot's username: "
                    "it does not behave like a Telegram Bot API"
                )
            code = body.get("error_code") or response.status_code
            description = _redact(str(body.get("description") or ""), settings)
            if code == 401:
                raise StartupError(
                    "Telegram rejected the bot token (401 Unauthorized): copy TELEGRAM_BOT_TOKEN "
                    "again from @BotFather (/mybots, API Token); it changes when revoked"
                )
            if code == 404:
                raise StartupError(
                    f"the Bot API at {where} answered getMe with 404 Not Found: the token is not "
                    "one it knows (copy TELEGRAM_BOT_TOKEN again from @BotFather), or "
                    "TELEGRAM_BASE_URL has a wrong path (it should end in /bot)"
                )
            if code >= 500 or code == 429:
                problem = (
                    f"the Bot API at {where} answered getMe with {code} {description}: "
                    "Telegram is failing; try again later"
                )
                continue
            raise StartupError(f"the Bot API at {where} refused getMe: {code} {description}")
    raise StartupError(f"{problem} (tried {attempts} times)")


def _redact(text: str, settings: Settings) -> str:
    return text.replace(settings.token, "<token>") if settings.token else text


async def check_database(settings: Settings) -> None:
    """Open the database once before going online (migrating it), so a bad file is reported
    before the bot takes any update. StoreError (one line) otherwise."""
    store = await Store.open(settings.db_path)
    await store.close()


async def serve(settings: Settings, *, ready: Callable[[], None] | None = None) -> int:
    """Run until SIGTERM/SIGINT. Returns the exit code; StartupError, StoreError and
    DatasetError leave before anything is started."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    app = build_application(settings)  # loads and validates the dataset
    await check_database(settings)
    me = await probe_bot_api(settings)
    server = None
    try:
        try:
            await app.initialize()
            await on_start(app)
            await app.start()
            if settings.webhook_url:
                from bot.telegram.webhook import WebhookServer

                server = WebhookServer(app, settings)
                await server.start()
                where = f"{settings.webhook_listen}:{settings.port}"
                how = f"webhook {settings.webhook_url} (listening on {where})"
            else:
                await start_polling(app, timeout=LONG_POLL)
                how = "long polling"
        except StartupError:
            raise
        except (TelegramError, OSError) as error:  # a Bot API call at start-up, or the port
            raise StartupError(
                f"could not start: {type(error).__name__}: {_redact(str(error), settings)}"
            ) from None
        log.info("bot @%s is running by %s; SIGTERM stops it", me["username"], how)
        if ready:
            ready()
        await stop.wait()
        log.info("stopping: finishing the updates in hand (at most %.0f s)", GRACE)
    finally:
        await shutdown(app, server)
    return 0


async def shutdown(app: Application, server) -> None:
    """Every step runs even if one before it failed or hung; the database is always closed; all
    of it within about 9.5 s of the signal (platforms kill after 10 s or more), even when
    Telegram stops answering."""
    start = asyncio.get_running_loop().time()

    async def step(name: str, action: Callable[[], Awaitable], until: float, floor: float) -> None:
        remaining = max(floor, start + until - asyncio.get_running_loop().time())
        try:
            async with asyncio.timeout(remaining):
                await action()
        except TimeoutError:
            log.warning("shutdown: %s did not finish in time; going on", name)
        except Exception as error:
            log.warning("shutdown: %s failed (%s: %s); going on", name, type(error).__name__, error)

    if server is not None:
        await step("the webhook server", server.stop, until=2.0, floor=0.2)
    if app.updater is not None and app.updater.running:
        # Its last getUpdates only confirms what was fetched (the ledger keeps the rest).
        await step("polling", app.updater.stop, until=2.0, floor=0.2)
    if app.running:
        await step("the updates in hand", app.stop, until=GRACE, floor=0.5)
    await step(
        "keeping the unfinished updates", lambda: keep_unfinished_updates(app), 8.0, floor=0.5
    )
    await step("closing the database", lambda: on_stop(app), until=8.8, floor=0.5)
    store = app.bot_data[SERVICES_KEY].store
    if store is not None:  # on_stop failed before closing it
        await step("closing the database", store.close, until=9.0, floor=0.5)
    await step("the HTTP client", app.shutdown, until=9.5, floor=0.2)
    failures_of(app).flush()
