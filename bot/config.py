"""Settings: one frozen object, read from the environment and overridden by command-line flags."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from bot.knowledge.dataset import DEFAULT_DATA_DIR

# Telegram tokens look like "123456789:AA...35 chars". Checked before any network call so a typo
# gives one clear line instead of a 401 traceback.
TOKEN_PATTERN = re.compile(r"^\d{5,12}:[A-Za-z0-9_-]{30,50}$")
# setWebhook's secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DEFAULT_DB = Path("awards_bot.sqlite3")
DEFAULT_PORT = 8080
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")


class ConfigError(ValueError):
    """A setting is malformed; the message is safe to print (it never contains the token)."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = None
    base_url: str | None = None  # python-telegram-bot's base_url, e.g. http://127.0.0.1:8081/bot
    db_path: Path = DEFAULT_DB
    data_dir: Path = DEFAULT_DATA_DIR
    log_level: str = "INFO"
    log_format: str = "text"
    # Webhook mode: on when webhook_url is set (the public https URL Telegram posts to).
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    webhook_secret: str | None = None  # derived from the token when unset: see `secret`

    def __repr__(self) -> str:  # never show the token or the secret, even in a debugger or a log
        token = "<set>" if self.token else None
        secret = "<set>" if self.webhook_secret else None
        return (
            f"Settings(token={token}, base_url={self.base_url!r}, db_path={str(self.db_path)!r}, "
            f"data_dir={str(self.data_dir)!r}, log_level={self.log_level!r}, "
            f"log_format={self.log_format!r}, webhook_url={self.webhook_url!r}, "
            f"webhook_listen={self.webhook_listen!r}, port={self.port}, webhook_secret={secret})"
        )

    __str__ = __repr__

    @property
    def webhook_path(self) -> str:
        """The path of the webhook URL: where the local server accepts Telegram's POSTs."""
        return urlsplit(self.webhook_url or "").path or "/"

    @property
    def secret(self) -> str | None:
        """The webhook's secret token: TELEGRAM_WEBHOOK_SECRET, or one derived from the bot token
        (an HMAC, so it is stable across restarts and reveals nothing about the token)."""
        if self.webhook_secret:
            return self.webhook_secret
        if not self.token:
            return None
        return hmac.new(self.token.encode(), b"telegram-webhook-secret", hashlib.sha256).hexdigest()

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ if env is None else env)
        port = env.get("PORT") or str(DEFAULT_PORT)
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"PORT must be a port number (1-65535), not {port[:20]!r}")
        settings = cls(
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            base_url=env.get("TELEGRAM_BASE_URL") or None,
            db_path=Path(env.get("AWARDS_BOT_DB") or DEFAULT_DB),
            data_dir=Path(env.get("AWARDS_BOT_DATA") or DEFAULT_DATA_DIR),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            log_format=(env.get("LOG_FORMAT") or "text").lower(),
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN") or "0.0.0.0",
            port=int(port),
            webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(settings, **given).validated()

    def validated(self) -> Settings:
        if self.token is not None and not TOKEN_PATTERN.match(self.token.strip()):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is malformed: expected the form 123456789:ABC... from @BotFather"
            )
        if self.base_url is not None:
            if not re.match(r"^https?://[^\s/]+(/[^\s]*)?$", self.base_url):
                raise ConfigError(
                    "TELEGRAM_BASE_URL must be an http(s) URL, e.g. http://127.0.0.1:8081/bot"
                )
            # python-telegram-bot appends the token: without /bot it would be glued to the
            # host or port ("...:8081123456:AA...").
            if not (self.base_url.rstrip("/").endswith("/bot") or "{token}" in self.base_url):
                raise ConfigError(
                    "TELEGRAM_BASE_URL must end in /bot (the token is appended to it), "
                    "e.g. http://127.0.0.1:8081/bot"
                )
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        if self.log_format not in LOG_FORMATS:
            raise ConfigError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        if self.webhook_url is not None:
            parts = urlsplit(self.webhook_url)
            if parts.scheme != "https" or not parts.hostname:
                raise ConfigError(
                    "TELEGRAM_WEBHOOK_URL must be the bot's public https URL, "
                    "e.g. https://awards-bot.fly.dev/telegram (Telegram posts only to https)"
                )
            if parts.path.rstrip("/") == "/healthz":
                raise ConfigError(
                    "TELEGRAM_WEBHOOK_URL's path cannot be /healthz (the health check)"
                )
        if self.webhook_secret is not None and not SECRET_PATTERN.match(self.webhook_secret):
            raise ConfigError(
                "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )
        return replace(
            self,
            token=self.token.strip() if self.token else None,
            base_url=self.base_url.rstrip("/") if self.base_url else None,
        )
