"""Command line: run (default), ask, validate, bench.

python -m bot                      without TELEGRAM_BOT_TOKEN: a local chat in the terminal
                                   with it: the real bot (long polling)
python -m bot ask "QUESTION"       print the answer
python -m bot ask --json           one question per stdin line -> one JSON object per line
                                   (--follow: each may follow up the one before)
python -m bot validate [DATA_DIR]  check the dataset; one line; exit 1 on an error
python -m bot bench                lookup and quiz benchmarks
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.knowledge.dataset import DatasetError, load_dataset, summary
from bot.store import StoreError

log = logging.getLogger("bot")


class RedactingFilter(logging.Filter):
    """Replaces the bot token in every log record: URLs of Bot API calls contain it."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<token>"), None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self.secret in text:
                record.exc_info = None
                record.exc_text = text.replace(self.secret, "<token>")
        return True


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if settings.token:
        handler.addFilter(RedactingFilter(settings.token))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    # httpx logs every request URL at INFO, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def redact(text: str, settings: Settings) -> str:
    return text.replace(settings.token, "<token>") if settings.token else text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    parser.add_argument("--token", help="bot token (default: $TELEGRAM_BOT_TOKEN)")
    parser.add_argument("--base-url", help="Bot API base URL (default: $TELEGRAM_BASE_URL)")
    parser.add_argument("--db", type=Path, help="SQLite file (default: $AWARDS_BOT_DB)")
    parser.add_argument("--data-dir", type=Path, help="dataset folder (default: data/)")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING... (default: $LOG_LEVEL)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (console without a token)")
    ask = sub.add_parser("ask", help="answer a question from the command line")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true", help="read questions from stdin, write JSON")
    ask.add_argument(
        "--follow",
        action="store_true",
        help="with --json: each question may follow up the one before, as in a private chat",
    )
    validate = sub.add_parser("validate", help="check the dataset")
    validate.add_argument("validate_dir", nargs="?", type=Path, metavar="DATA_DIR")
    bench = sub.add_parser("bench", help="benchmarks: lookup latency, start-up, quiz throughput")
    bench.add_argument("--quick", action="store_true", help="smaller runs (for a smoke test)")
    bench.add_argument("--only", choices=["lookup", "quiz"], help="run one section")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings.from_env(
            token=args.token,
            base_url=args.base_url,
            db_path=args.db,
            data_dir=getattr(args, "validate_dir", None) or args.data_dir,
            log_level=args.log_level.upper() if args.log_level else None,
        )
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    setup_logging(settings)
    command = args.command or "run"
    try:
        if command == "validate":
            dataset = load_dataset(settings.data_dir)
            print(summary(dataset))
            return 0
        if command == "ask":
            return run_ask(settings, args)
        if command == "bench":
            from bot.bench import run_bench

            return run_bench(settings, quick=args.quick, only=args.only)
        return run_bot(settings)
    except DatasetError as error:
        print(f"error: invalid dataset: {error}", file=sys.stderr)
        return 1
    except StoreError as error:
        print(f"error: database {settings.db_path}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def run_ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.knowledge.lookup import Lookup
    from bot.knowledge.wording import compose

    dataset = load_dataset(settings.data_dir)
    lookup = Lookup(dataset)
    if not args.json:
        question = " ".join(args.question)
        if not question.strip():
            print('usage: python -m bot ask "QUESTION"  (or --json with questions on stdin)')
            return 2
        print(compose(lookup.answer(question), dataset).plain())
        return 0
    earlier = None
    for line in sys.stdin:
        question = line.rstrip("\n")
        if not question.strip():
            continue
        answer = lookup.answer(question, context=earlier if args.follow else None)
        earlier = answer.context
        record = {
            "question": question,
            "answer": compose(answer, dataset).plain(),
            "kind": answer.kind.value,
            "found": answer.found,
            "facts": list(answer.facts),
            "score": answer.score,
        }
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


def run_bot(settings: Settings) -> int:
    if not settings.token:
        from bot.sandbox.console import run_console

        return asyncio.run(run_console(settings))
    return asyncio.run(serve(settings))


async def serve(settings: Settings) -> int:
    """Long polling until SIGTERM or SIGINT; then finish in-flight work and close the database."""
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.telegram.app import ALLOWED_UPDATES, build_application, on_start, on_stop

    app = build_application(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await app.initialize()  # getMe: checks the token and that the API is reachable
    except InvalidToken:
        print("error: Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN)", file=sys.stderr)
        return 1
    except (NetworkError, TelegramError) as error:
        where = settings.base_url or "https://api.telegram.org"
        reason = redact(str(error), settings)
        print(f"error: cannot reach the Telegram Bot API at {where}: {reason}", file=sys.stderr)
        return 1
    try:
        await on_start(app)  # opens the database: a StoreError leaves through the finally
        await app.start()
        await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
        log.info("bot @%s is running; Ctrl+C or SIGTERM stops it", app.bot.username)
        await stop.wait()
        log.info("stopping: finishing in-flight updates")
        await app.updater.stop()
        await app.stop()
        await on_stop(app)
    finally:
        await app.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
