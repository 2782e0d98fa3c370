"""A bare python-telegram-bot echo bot: the CPU baseline of `python -m bot bench --only cpu`.

Library defaults throughout (sequential updates, the default HTTP client), as in
python-telegram-bot's own echo example; TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL from the
environment. ECHO_CONCURRENT_UPDATES=N handles N updates at once, as this bot does (one chat
must not wait for another): the same echo, with the library's concurrency costs.
ECHO_HTTP=aiohttp sends through this bot's HTTP client instead of the library's httpx, so the
bench can also set the bot beside an echo with the same client and concurrency.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


def main() -> None:
    builder = Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
    builder = builder.base_url(os.environ["TELEGRAM_BASE_URL"])
    concurrent = int(os.environ.get("ECHO_CONCURRENT_UPDATES", "1"))
    if concurrent > 1:
        builder = builder.concurrent_updates(concurrent)
    if os.environ.get("ECHO_HTTP") == "aiohttp":
        from bot.telegram.httpclient import AiohttpRequest

        builder = builder.request(AiohttpRequest(pool_size=max(concurrent, 1)))
        builder = builder.get_updates_request(AiohttpRequest(pool_size=1))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    print("echo bot polling", flush=True)
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
