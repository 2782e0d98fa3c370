"""Quiz handlers (issue 3): /quiz, /stop, /score, /top, /settings, answers, timers."""

from __future__ import annotations

from telegram.ext import Application, BaseHandler


def command_handlers(message_filter) -> list[BaseHandler]:
    return []


def callback_handlers() -> list[BaseHandler]:
    return []


async def on_startup(app: Application) -> None:
    pass


async def on_shutdown(app: Application) -> None:
    pass
