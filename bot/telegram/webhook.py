"""Webhook mode: a small HTTP server for Telegram's POSTs and the host's health check.

Why a server of our own: python-telegram-bot's `run_webhook` serves the webhook path only, and a
platform wants `GET /healthz` on the same port. Tornado is what python-telegram-bot[webhooks]
already installs, runs on the same asyncio loop, and needs no other dependency.

- `POST <path of TELEGRAM_WEBHOOK_URL>`: the `X-Telegram-Bot-Api-Secret-Token` header must match
  the secret (else 403, nothing processed); the update goes to the Application's queue and the
  answer is 200 at once. The update processor then runs different chats concurrently and one
  chat's updates in order, as in polling. An update that cannot be read is logged once and
  answered 200 (Telegram would otherwise retry it forever). While stopping: 503, so Telegram
  keeps the update and delivers it to the next start.
- `GET /healthz`: 200 while the Application runs and the database answers; 503 otherwise.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

import tornado.httpserver
import tornado.web
from telegram.error import TelegramError
from telegram.ext import Application

from bot.config import Settings
from bot.telegram.app import ALLOWED_UPDATES, failures_of
from bot.telegram.resilience import parse_update
from bot.telegram.service import StartupError
from bot.telegram.services import SERVICES_KEY

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CONNECTIONS = 40  # Telegram's default: its parallel deliveries to this bot


class _UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, server: WebhookServer) -> None:
        self.server = server

    async def post(self) -> None:
        await self.server.receive(self)

    def log_exception(self, typ, value, tb) -> None:  # one line, never the request's body
        log.warning("webhook request failed: %s: %s", typ.__name__ if typ else "?", value)


class _HealthHandler(tornado.web.RequestHandler):
    def initialize(self, server: WebhookServer) -> None:
        self.server = server

    async def get(self) -> None:
        healthy, detail = await self.server.health()
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(detail + "\n")


class WebhookServer:
    def __init__(self, app: Application, settings: Settings):
        self.app = app
        self.settings = settings
        self._secret = (settings.secret or "").encode()
        self._http: tornado.httpserver.HTTPServer | None = None
        self._stopping = False
        self.failures = failures_of(app)

    async def start(self) -> None:
        """Listen first, then tell Telegram where to post (its first delivery may be at once)."""
        routes = [
            (r"/healthz", _HealthHandler, {"server": self}),
            (self.settings.webhook_path, _UpdateHandler, {"server": self}),
        ]
        web = tornado.web.Application(routes, log_function=lambda handler: None)
        self._http = tornado.httpserver.HTTPServer(web, xheaders=True)
        where = f"{self.settings.webhook_listen}:{self.settings.port}"
        try:
            self._http.listen(self.settings.port, address=self.settings.webhook_listen)
        except OSError as error:
            raise StartupError(
                f"cannot listen on {where} ({error.strerror}): is another process using "
                "PORT? Set PORT or TELEGRAM_WEBHOOK_LISTEN"
            ) from None
        try:
            await self.app.bot.set_webhook(
                url=self.settings.webhook_url,
                secret_token=self.settings.secret,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=MAX_CONNECTIONS,
                drop_pending_updates=False,
            )
        except TelegramError as error:
            raise StartupError(
                f"Telegram refused TELEGRAM_WEBHOOK_URL={self.settings.webhook_url}: {error} "
                "(it must be a public https URL on port 443, 80, 88 or 8443)"
            ) from None

    async def stop(self) -> None:
        """Stop taking updates. The webhook stays registered: Telegram keeps what comes
        meanwhile and delivers it to the next start."""
        self._stopping = True
        if self._http is not None:
            self._http.stop()
            await asyncio.wait_for(self._http.close_all_connections(), timeout=2.0)

    async def receive(self, request: tornado.web.RequestHandler) -> None:
        given = (request.request.headers.get(SECRET_HEADER) or "").encode()
        if not self._secret or not hmac.compare_digest(given, self._secret):
            self.failures.record(
                "webhook wrong secret",
                "refused a webhook request without the right secret token (403): not from "
                "Telegram, or TELEGRAM_WEBHOOK_SECRET changed without a restart",
                level=logging.WARNING,
            )
            request.set_status(403)
            request.finish()
            return
        if self._stopping or not self.app.running:
            request.set_status(503)  # Telegram retries: the next start gets it
            request.finish()
            return
        update = parse_update(request.request.body, self.app.bot, self.failures)
        unfinished = self.app.bot.unfinished
        if update is not None and unfinished is not None:
            (update,) = unfinished.fresh([update])  # not one the last run already took
            await unfinished.taken_durably([update])
        if update is not None:
            await self.app.update_queue.put(update)
        request.set_status(200)
        request.finish()

    async def health(self) -> tuple[bool, str]:
        if self._stopping or not self.app.running:
            return False, "stopping"
        store = self.app.bot_data[SERVICES_KEY].store
        if store is None:
            return False, "database closed"
        if not await store.healthy():
            return False, "database not usable"
        return True, "ok"
