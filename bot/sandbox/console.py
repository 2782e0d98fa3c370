"""A chat with the bot in the terminal, through the real Application and the emulator.

Type a message and press Enter. Inline buttons and poll options are numbered: type the number
to tap or vote (while a poll is open, a number votes in it). /quit (or end of input) leaves.
A quiz round left open by an earlier run carries on: its open question is shown again. With input from a pipe it reads every line,
waits for the bot to answer each, and exits 0 at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import locale
import logging
import os
import sys
import threading
from collections.abc import Callable

from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, EmulatorRefused, parse_html
from bot.sandbox.session import Sandbox
from bot.telegram import rounds

QUIT = {"/quit", "/exit", "/q"}
log = logging.getLogger(__name__)


class Console:
    def __init__(self, sandbox: Sandbox, user_id: int, chat_id: int, out=sys.stdout):
        self.sb = sandbox
        self.user_id = user_id
        self.chat_id = chat_id
        self.out = out
        self.choices: list[Callable[[], None]] = []  # what typing 1, 2, 3 ... does now
        self.poll: list[Callable[[], None]] = []  # the open poll's options: numbers vote first

    def show(self, kind: str, payload: dict) -> None:
        if payload.get("chat_id", self.chat_id) != self.chat_id and kind != "callback_answer":
            return
        if kind == "message":
            self._show_message(payload["message"])
        elif kind == "edit":
            self._show_message(payload["message"], edited=True)
        elif kind == "callback_answer" and payload.get("text"):
            self._print(f"  ({payload['text']})")
        elif kind == "poll_closed":
            self._print("  (poll closed)")
            self.poll = []
        elif kind == "inline_answer":
            self._show_inline(self.sb.emu.inline_answer(payload["query_id"]) or {})

    def _show_inline(self, answer: dict) -> None:
        """Inline results as the chat picker would list them (sending one is up to Telegram)."""
        results = answer.get("results") or []
        if not results:
            self._print("bot (inline)> no results")
        for result in results:
            content = result.get("input_message_content", {})
            text = content.get("message_text", "")
            if str(content.get("parse_mode", "")).upper() == "HTML":
                text = parse_html(text)[0]
            self._print(f"bot (inline)> {result.get('title', '')}")
            self._print("     " + text.replace("\n", "\n     "))

    def _show_message(self, message: dict, edited: bool = False) -> None:
        text = message.get("text") or ""
        poll = message.get("poll")
        prefix = "bot (edited)> " if edited else "bot> "
        if poll:
            self._print(prefix + poll["question"])
            self.choices = []
            for i, option in enumerate(poll["options"], 1):
                self._print(f"   {i}) {option['text']}")
                self.choices.append(self._voter(poll["id"], i - 1))
            self.poll = list(self.choices)
            seconds = poll.get("open_period")
            hint = f"{seconds} s, " if seconds else ""
            self._print(f"   ({hint}type a number to answer)")
        elif text:
            self._print(prefix + text.replace("\n", "\n     "))
        buttons = [
            b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
        ]
        if buttons:
            self.choices = []
            labels = []
            for i, button in enumerate(buttons, 1):
                labels.append(f"[{i}] {button['text']}")
                self.choices.append(self._tapper(message["message_id"], i - 1))
            self._print("   " + "  ".join(labels))

    def _voter(self, poll_id: str, option: int) -> Callable[[], None]:
        return lambda: self.sb.emu.vote(poll_id, self.user_id, [option])

    def _tapper(self, message_id: int, index: int) -> Callable[[], None]:
        return lambda: self.sb.emu.tap(self.chat_id, message_id, self.user_id, index)

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def handle_line(self, line: str) -> None:
        text = line.strip()
        choices = self.poll or self.choices
        if text.isdigit() and 1 <= int(text) <= len(choices):
            try:
                choices[int(text) - 1]()
            except EmulatorRefused as refused:
                self._print(f"  ({refused})")
            return
        self.sb.emu.send_message(self.chat_id, self.user_id, line.rstrip("\n"))


def _start_reader(queue: asyncio.Queue[str | None]) -> None:
    """Read stdin on a daemon thread: a blocked readline must not keep the process alive."""
    loop = asyncio.get_running_loop()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="console-stdin", daemon=True).start()


async def run_console(settings: Settings) -> int:
    # Keep the chat readable: library chatter goes to stderr only when asked for.
    if settings.log_level == "INFO":
        logging.getLogger().setLevel(logging.WARNING)
    emulator = BotApiEmulator()
    lang = "zh" if (locale.getlocale()[0] or os.environ.get("LANG", "")).startswith("zh") else "en"
    user_id = emulator.add_user(os.environ.get("USER", "You").title() or "You", language_code=lang)
    chat_id = emulator.private_chat(user_id)
    interactive = sys.stdin.isatty()
    events = emulator.subscribe()
    async with Sandbox(settings, emulator=emulator) as sandbox:
        console = Console(sandbox, user_id, chat_id)

        async def printer() -> None:
            while True:
                kind, payload = await events.get()
                console.show(kind, payload)

        printer_task = asyncio.create_task(printer())
        # This chat starts empty: a round left open by the last run shows its question again.
        await rounds.driver(sandbox.app).repost_open_question(chat_id)
        await sandbox.settle()
        if interactive:
            print(
                "Chatting with the bot offline (no Telegram). Try /start, a question, or /quiz.\n"
                "Type a number to tap a button or answer a poll; /quit leaves.",
                flush=True,
            )
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        _start_reader(lines)
        try:
            while (line := await lines.get()) is not None:
                if line.strip() in QUIT:
                    break
                if not interactive:
                    print(f"you> {line.rstrip()}", flush=True)
                console.handle_line(line)
                await sandbox.settle()
                while not events.empty():
                    await asyncio.sleep(0)
        finally:
            printer_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await printer_task
    return 0
