"""Settings: one frozen object, read from the environment and overridden by command-line flags."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from bot.knowledge.dataset import DEFAULT_DATA_DIR

# Telegram tokens look like "123456789:AA...35 chars". Checked before any network call so a typo
# gives one clear line instead of a 401 traceback.
TOKEN_PATTERN = re.compile(r"^\d{5,12}:[A-Za-z0-9_-]{30,50}$")
DEFAULT_DB = Path("awards_bot.sqlite3")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A setting is malformed; the message is safe to print (it never contains the token)."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = None
    base_url: str | None = None  # python-telegram-bot's base_url, e.g. http://127.0.0.1:8081/bot
    db_path: Path = DEFAULT_DB
    data_dir: Path = DEFAULT_DATA_DIR
    log_level: str = "INFO"

    def __repr__(self) -> str:  # never show the token, even in a debugger or a log line
        token = "<set>" if self.token else None
        return (
            f"Settings(token={token}, base_url={self.base_url!r}, db_path={str(self.db_path)!r}, "
            f"data_dir={str(self.data_dir)!r}, log_level={self.log_level!r})"
        )

    __str__ = __repr__

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ if env is None else env)
        settings = cls(
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            base_url=env.get("TELEGRAM_BASE_URL") or None,
            db_path=Path(env.get("AWARDS_BOT_DB") or DEFAULT_DB),
            data_dir=Path(env.get("AWARDS_BOT_DATA") or DEFAULT_DATA_DIR),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(settings, **given).validated()

    def validated(self) -> Settings:
        if self.token is not None and not TOKEN_PATTERN.match(self.token.strip()):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is malformed: expected the form 123456789:ABC... from @BotFather"
            )
        if self.base_url is not None and not re.match(r"^https?://[^\s]+$", self.base_url):
            raise ConfigError(
                "TELEGRAM_BASE_URL must be an http(s) URL, e.g. http://127.0.0.1:8081/bot"
            )
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        return replace(self, token=self.token.strip() if self.token else None)
