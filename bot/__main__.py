"""Command line: run (default), serve, ask, validate, bench, backup, stats.

python -m bot                      without TELEGRAM_BOT_TOKEN: a local chat in the terminal
                                   with it: the real bot (as serve)
python -m bot serve                the bot as a service: requires TELEGRAM_BOT_TOKEN; long polling,
                                   or a webhook when TELEGRAM_WEBHOOK_URL is set
python -m bot ask "QUESTION"       print the answer
python -m bot ask --json           one question per stdin line -> one JSON object per line
                                   (--follow: each may follow up the one before)
python -m bot validate [DATA_DIR]  check the dataset; one line; exit 1 on an error
python -m bot bench                benchmarks (lookup, quiz, fairness, cpu, soak)
python -m bot backup FILE          a consistent copy of the database, safe while the bot runs
python -m bot stats                chats, players, rounds and answers: today and in total
python -m bot health               for a container HEALTHCHECK: GET /healthz (webhook mode)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
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


class LibraryTracebackFilter(logging.Filter):
    """python-telegram-bot logs some Bot API failures with a full traceback (e.g. a last
    getUpdates at shutdown answered 409): one line with the error is enough for a TelegramError."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("telegram") and record.exc_info:
            from telegram.error import TelegramError

            error = record.exc_info[1]
            if isinstance(error, TelegramError):
                record.msg = f"{record.getMessage()} ({type(error).__name__}: {error})"
                record.args = None
                record.exc_info = None
                record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line (LOG_FORMAT=json), for hosts that parse logs."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(LibraryTracebackFilter())
    for secret in (settings.token, settings.secret):
        if secret:
            handler.addFilter(RedactingFilter(secret))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    # httpx logs every request URL at INFO, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.ERROR)


def redact(text: str, settings: Settings) -> str:
    return text.replace(settings.token, "<token>") if settings.token else text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    parser.add_argument("--token", help="bot token (default: $TELEGRAM_BOT_TOKEN)")
    parser.add_argument("--base-url", help="Bot API base URL (default: $TELEGRAM_BASE_URL)")
    parser.add_argument("--db", type=Path, help="SQLite file (default: $AWARDS_BOT_DB)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="dataset folder (default: $AWARDS_BOT_DATA, else the dataset shipped with the bot)",
    )
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING... (default: $LOG_LEVEL)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (console without a token)")
    sub.add_parser("serve", help="run the bot as a service (requires a token)")
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
    bench = sub.add_parser("bench", help="benchmarks: lookup, quiz, fairness, cpu, soak")
    bench.add_argument("--quick", action="store_true", help="smaller runs (for a smoke test)")
    bench.add_argument("--only", choices=BENCH_SECTIONS, help="run one section")
    bench.add_argument("--minutes", type=float, help="soak duration (default 10, quick 1)")
    backup = sub.add_parser("backup", help="copy the database (safe while the bot runs)")
    backup.add_argument("backup_file", type=Path, metavar="FILE")
    sub.add_parser("stats", help="chats, players, rounds, answers: today and in total")
    sub.add_parser("health", help="exit 0 if the running bot's /healthz answers 200 (webhook)")
    return parser.parse_args(argv)


BENCH_SECTIONS = ["lookup", "quiz", "inline", "fairness", "cpu", "soak"]
NO_TOKEN_FOR_SERVE = (
    "error: TELEGRAM_BOT_TOKEN is not set: `python -m bot serve` runs the bot on Telegram and "
    "needs the token from @BotFather (`python -m bot` without a token opens the local console)"
)


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
    if command == "serve" and not settings.token:
        print(NO_TOKEN_FOR_SERVE, file=sys.stderr)
        return 2
    try:
        if command == "validate":
            dataset = load_dataset(settings.data_dir)
            print(summary(dataset))
            return 0
        if command == "ask":
            return run_ask(settings, args)
        if command == "bench":
            from bot.bench import run_bench

            return run_bench(settings, quick=args.quick, only=args.only, minutes=args.minutes)
        if command == "backup":
            return asyncio.run(run_backup(settings, args.backup_file))
        if command == "stats":
            return asyncio.run(run_stats(settings))
        if command == "health":
            return check_health(settings)
        return run_bot(settings)
    except DatasetError as error:
        print(f"error: invalid dataset: {error}", file=sys.stderr)
        return 1
    except StoreError as error:
        print(f"error: {database_problem(settings, error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def database_problem(settings: Settings, error: StoreError) -> str:
    """'AWARDS_BOT_DB=/data/x.sqlite3 is a folder, ...' or '...: the database has ...'."""
    text = str(error)
    joiner = " " if text.startswith(("is ", "cannot ", "does ", "has ")) else ": "
    return f"AWARDS_BOT_DB={settings.db_path}{joiner}{text}"


async def run_backup(settings: Settings, target: Path) -> int:
    from bot.store import Store

    await Store.backup(settings.db_path, target)
    print(f"backed up {settings.db_path} to {target} ({target.stat().st_size:,} bytes)")
    return 0


def check_health(settings: Settings) -> int:
    """For a container's HEALTHCHECK: in webhook mode GET /healthz on $PORT; with long polling
    there is no endpoint, and the process being alive is all a container can see."""
    import urllib.request

    if not settings.webhook_url:
        print("long polling: no health endpoint (healthy while the process runs)")
        return 0
    url = f"http://127.0.0.1:{settings.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            print(f"{url}: {response.status} {response.read().decode().strip()}")
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1


async def run_stats(settings: Settings) -> int:
    import time

    from bot.store import Store

    store = await Store.open_read_only(settings.db_path)
    try:
        midnight = time.mktime((*time.localtime()[:3], 0, 0, 0, 0, 0, -1))
        totals = await store.totals(since=midnight)
    finally:
        await store.close()
    print(f"{settings.db_path}: today (since local midnight) / in total")
    for name, (today, total) in totals.items():
        print(f"  {name:<8} {today:>8,} / {total:,}")
    return 0


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

        if not sys.stdin or not sys.stdin.isatty():
            print(
                "note: TELEGRAM_BOT_TOKEN is not set, so this is the local console reading "
                "stdin; `python -m bot serve` runs the bot on Telegram",
                file=sys.stderr,
            )
        if sys.stdin is None:
            return 0
        return asyncio.run(run_console(settings))
    return run_service(settings)


def run_service(settings: Settings) -> int:
    from bot.telegram.service import StartupError, serve

    try:
        return asyncio.run(serve(settings))
    except StartupError as error:
        print(f"error: {redact(str(error), settings)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
