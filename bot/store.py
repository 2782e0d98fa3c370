"""SQLite storage (aiosqlite): chats and their settings, rounds, asked questions, answers, scores.

The database is the source of truth for rounds: every question asked, its deadline, its poll or
message id, and every answer are committed before the bot acts on them, so a process killed at
any point resumes from here. Answers are unique per (round, question, user): a duplicate, even
one racing in from a second handler, is ignored by the database itself, and so is an answer to a
question that has closed (closed_at set) by the time it is written.

Answers are group-committed: `record_answer` queues the answer and awaits its own result, while
one writer task commits everything queued so far in a single transaction (WAL,
synchronous=NORMAL: one commit for many answers).

Schema changes go in MIGRATIONS: append a script, never edit one that has shipped. Each runs in
its own transaction and sets PRAGMA user_version to its position (1-based).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.knowledge.dataset import Lang
from bot.quiz.bank import QuizQuestion
from bot.quiz.round import (
    AnswerMode,
    ChatSettings,
    Judgement,
    RoundState,
    RoundStatus,
    Verdict,
)

MIGRATIONS = [
    # 1: the first schema
    """
    CREATE TABLE chats (
        id INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        title TEXT,
        mode TEXT NOT NULL DEFAULT 'poll',
        seconds INTEGER NOT NULL DEFAULT 30,
        questions INTEGER NOT NULL DEFAULT 5,
        lang TEXT NOT NULL DEFAULT 'en'
    );
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL
    );
    CREATE TABLE rounds (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id INTEGER NOT NULL REFERENCES chats(id),
        started_by INTEGER NOT NULL,
        mode TEXT NOT NULL,
        lang TEXT NOT NULL,
        seconds INTEGER NOT NULL,
        total INTEGER NOT NULL,
        current INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'running',
        started_at REAL NOT NULL,
        ended_at REAL
    );
    -- one running round per chat, enforced by the database
    CREATE UNIQUE INDEX one_running_round ON rounds(chat_id) WHERE status = 'running';
    CREATE TABLE questions (
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        idx INTEGER NOT NULL,
        key TEXT NOT NULL,
        fact_id TEXT NOT NULL,
        text TEXT NOT NULL,
        options TEXT NOT NULL,
        correct INTEGER NOT NULL,
        explanation TEXT NOT NULL,
        deadline REAL,
        poll_id TEXT,
        message_id INTEGER,
        closed_at REAL,
        PRIMARY KEY (round_id, idx)
    );
    CREATE INDEX questions_by_poll ON questions(poll_id) WHERE poll_id IS NOT NULL;
    CREATE TABLE answers (
        round_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        user_id INTEGER NOT NULL REFERENCES users(id),
        option INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        points INTEGER NOT NULL,
        answered_at REAL NOT NULL,
        PRIMARY KEY (round_id, idx, user_id),
        FOREIGN KEY (round_id, idx) REFERENCES questions(round_id, idx)
    );
    CREATE TABLE scores (
        chat_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL REFERENCES users(id),
        points INTEGER NOT NULL DEFAULT 0,
        answered INTEGER NOT NULL DEFAULT 0,
        correct INTEGER NOT NULL DEFAULT 0,
        streak INTEGER NOT NULL DEFAULT 0,
        best_streak INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (chat_id, user_id)
    );
    CREATE TABLE seen (
        chat_id INTEGER NOT NULL,
        key TEXT NOT NULL,
        last_seen REAL NOT NULL,
        PRIMARY KEY (chat_id, key)
    );
    """,
    # 2: fair, restartable rounds and boards. A question's options are stored in the order shown
    # (option_order: shown position -> authored position); sending_at marks a send begun, so a
    # restart never sends a question twice; "Play again" repeats a round's topic; a chat's board
    # counts answers from board_since (a reset keeps the history).
    """
    ALTER TABLE rounds ADD COLUMN topic TEXT;
    ALTER TABLE questions ADD COLUMN option_order TEXT;
    ALTER TABLE questions ADD COLUMN sending_at REAL;
    ALTER TABLE chats ADD COLUMN board_since REAL NOT NULL DEFAULT 0;
    CREATE INDEX rounds_by_chat ON rounds(chat_id);
    """,
    # 3: what a restart must not forget. Updates taken from Telegram and not yet finished
    # (written when taken, deleted when handled; Telegram will not send them again, even after
    # a kill -9): handled first at the next start. The
    # bot's sends of the last minute: Telegram's flood limits count them across a restart.
    """
    CREATE TABLE kept_updates (
        update_id INTEGER PRIMARY KEY,
        body TEXT NOT NULL
    );
    CREATE TABLE recent_sends (
        chat_id INTEGER NOT NULL,
        sent_at REAL NOT NULL
    );
    """,
]


MAX_CACHED_CHATS = 100_000  # chats whose running round is remembered (then forgotten at once)
MAX_CACHED_ROUNDS = 10_000  # rounds whose state is remembered (likewise)
MAX_CACHED_POLLS = 10_000  # open questions remembered by poll id (likewise)


class StoreError(RuntimeError):
    """The database cannot be used by this version of the bot."""


def _check_location(path: Path) -> None:
    """What can be said before SQLite opens the file: a folder, a missing folder, permissions."""
    folder = path.parent
    if path.is_dir():
        raise StoreError(
            f"is a folder, not a file: name a file in it, e.g. {path / 'awards_bot.sqlite3'}"
        )
    if not folder.is_dir():
        raise StoreError(
            f"the folder {folder} does not exist: create it (mkdir -p {folder}) or mount the "
            "volume meant for the database there"
        )
    if path.exists():
        if not os.access(path, os.R_OK):
            raise StoreError(
                "cannot be read by this user: give the user running the bot read and write "
                "access to it (chown or chmod)"
            )
        if not os.access(path, os.W_OK):
            raise StoreError(
                "is read-only: the bot writes rounds and scores there; make it writable by "
                "the user running the bot, or point AWARDS_BOT_DB at a writable copy"
            )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(
            f"the folder {folder} is read-only: SQLite creates the database and its -wal and "
            "-shm files there; make it writable by the user running the bot"
        )


def _explain(error: sqlite3.Error, path: Path) -> str:
    text = str(error)
    if "not a database" in text or "malformed" in text:
        return (
            "is not a usable SQLite database (damaged, or another kind of file): restore it "
            f"from a backup, or move it away and a new one is made ({text})"
        )
    if "readonly" in text or "read-only" in text:
        return "is read-only: make it and its folder writable by the user running the bot"
    if "unable to open" in text:
        return f"cannot be opened ({text}): check that {path.parent} is writable"
    if "locked" in text or "busy" in text:
        return f"is locked by another process ({text}): is another instance of the bot running?"
    return f"cannot be used: {text}"


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (sqlite3.complete_statement knows about strings,
    comments and trigger bodies, so a ';' inside them does not end a statement)."""
    out, buf = [], ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \t\r\n;"):
                out.append(buf.strip())
            buf = ""
    if buf.strip(" \t\r\n;"):
        raise StoreError(f"incomplete SQL statement in a migration: {buf.strip()[:60]!r}")
    return out


@dataclass(frozen=True, slots=True)
class StoredQuestion:
    round_id: int
    idx: int
    question: QuizQuestion
    deadline: float | None
    poll_id: str | None
    message_id: int | None
    closed: bool
    sending: bool = False  # a send was begun (it may or may not have reached the chat)
    shuffled: bool = False  # its options are stored in the order shown


@dataclass(frozen=True, slots=True)
class StoredRound:
    state: RoundState
    mode: AnswerMode
    lang: Lang
    topic: str | None = None
    started_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Stats:
    points: int = 0
    answered: int = 0
    correct: int = 0
    best_streak: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


class Store:
    def __init__(self, db: aiosqlite.Connection):
        self._db = db
        # One connection, one transaction at a time: interleaved BEGINs would fail.
        self._write = asyncio.Lock()
        # Read caches. One process owns the database and every change goes through this object,
        # which drops the cached entries it changes; the database stays the source of truth.
        self._rounds: dict[int, StoredRound] = {}
        self._generation: dict[int, int] = {}
        self._epoch = 0
        # chat -> its running round's id (None: no round runs there), for chats asked about
        # since the last change of any round's status; `_running_changes` counts those changes
        # so that a read overlapping one is not cached.
        self._running: dict[int, int | None] = {}
        self._running_changes = 0
        # poll id -> its question, while the question is open: dropped when it closes, is sent
        # again or its round ends; `_poll_changes` counts those drops (a read overlapping one
        # is not cached).
        self._by_poll: dict[str, StoredQuestion] = {}
        self._poll_changes = 0
        self._names: dict[int, str | None] = {}  # user id -> name known to be stored
        # Answers are written in batches (group commit): one transaction for every answer that
        # arrived while the previous batch was being written.
        self._pending: list[tuple[tuple, asyncio.Future]] = []  # -> Verdict
        self._writer: asyncio.Task | None = None

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open (or create) the database and bring its schema up to date.

        Every reason the file cannot be used raises StoreError with one sentence saying what to
        do. Nothing is written before the schema version is known to be one this bot can use (a
        newer database is refused as it was found: no WAL switch, no migration)."""
        path = Path(path)
        _check_location(path)
        try:
            db = await aiosqlite.connect(str(path), isolation_level=None)  # we BEGIN/COMMIT
        except sqlite3.Error as error:
            raise StoreError(_explain(error, path)) from None
        try:
            db.row_factory = aiosqlite.Row
            store = cls(db)
            version = await store.schema_version()  # reads the header: "not a database" here
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"the database has schema version {version}, newer than this bot knows "
                    f"({len(MIGRATIONS)}): run a newer version of the bot"
                )
            await db.execute("BEGIN IMMEDIATE")  # can we write? (read-only file, folder, mount)
            await db.execute("ROLLBACK")
            for pragma in (
                "journal_mode=WAL",
                "foreign_keys=ON",
                "synchronous=NORMAL",
                "busy_timeout=5000",
            ):
                await db.execute(f"PRAGMA {pragma}")
            await store._migrate()
            store._path = path  # for the health check
        except BaseException as error:
            await db.close()  # its thread would otherwise keep the process alive
            if isinstance(error, sqlite3.Error):
                raise StoreError(_explain(error, path)) from None
            raise
        return store

    async def close(self) -> None:
        try:
            if self._writer is not None:
                await asyncio.gather(self._writer, return_exceptions=True)
        finally:
            await self._db.close()

    async def abandon(self) -> None:
        """Drop the connection without any further writes (a simulated crash, for tests)."""
        if self._writer is not None:
            self._writer.cancel()
        await self._db.close()

    def _forget(self, round_id: int) -> None:
        """Called before and after a change: a read that overlapped the change is not cached."""
        self._rounds.pop(round_id, None)
        if len(self._generation) >= MAX_CACHED_ROUNDS:  # finished rounds pile up: start afresh
            self._rounds.clear()
            self._generation.clear()
            self._epoch += 1  # reads begun before this are not cached either
        self._generation[round_id] = self._generation.get(round_id, 0) + 1

    async def _migrate(self) -> None:
        version = await self.schema_version()
        if version > len(MIGRATIONS):
            raise StoreError(
                f"the database has schema version {version}, newer than this bot knows "
                f"({len(MIGRATIONS)}): run a newer version of the bot"
            )
        if version == len(MIGRATIONS):
            return
        async with self._write:
            for number, script in enumerate(MIGRATIONS, start=1):
                await self._db.execute("BEGIN IMMEDIATE")
                try:
                    # Read again under the write lock: another process may have migrated.
                    if await self.schema_version() >= number:
                        await self._db.execute("ROLLBACK")
                        continue
                    for statement in _statements(script):
                        await self._db.execute(statement)
                    await self._db.execute(f"PRAGMA user_version = {number}")
                    await self._db.execute("COMMIT")
                except BaseException:
                    await self._rollback()
                    raise

    async def _rollback(self) -> None:
        """Roll back if a transaction is open; never mask the error that led here."""
        try:
            if self._db.in_transaction:
                await self._db.execute("ROLLBACK")
        except (sqlite3.Error, ValueError):  # ValueError: the connection is closed
            pass

    async def schema_version(self) -> int:
        (version,) = await (await self._db.execute("PRAGMA user_version")).fetchone()
        return version

    async def _transaction(
        self, statements: list[tuple[str, tuple]], round_id: int | None = None
    ) -> list[int]:
        """Run statements in one transaction; returns each statement's rowcount. With a round id,
        the cached round is dropped before and after, so no read overlapping the change sticks."""
        if round_id is not None:
            self._forget(round_id)
        try:
            return await self._run_transaction(statements)
        finally:
            if round_id is not None:
                self._forget(round_id)

    async def _run_transaction(self, statements: list[tuple[str, tuple]]) -> list[int]:
        async with self._write:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                counts = []
                for sql, args in statements:
                    cursor = await self._db.execute(sql, args)
                    counts.append(cursor.rowcount)
                await self._db.execute("COMMIT")
                return counts
            except BaseException:
                await self._rollback()
                raise

    async def _one_statement(self, sql: str, args: tuple) -> None:
        """One write statement, a transaction of its own (autocommit): one trip to the database
        thread instead of three for BEGIN, the statement and COMMIT. For the writes made for
        every update (the update journal), where those trips were most of their cost."""
        async with self._write:
            await self._db.execute(sql, args)

    @contextlib.asynccontextmanager
    async def _writing(self):
        """One write transaction: committed when the block ends, rolled back if it raises."""
        async with self._write:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                await self._db.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise

    async def _one(self, sql: str, args: tuple = ()) -> aiosqlite.Row | None:
        return await (await self._db.execute(sql, args)).fetchone()

    async def _all(self, sql: str, args: tuple = ()) -> list[aiosqlite.Row]:
        return list(await (await self._db.execute(sql, args)).fetchall())

    # -- chats and users -------------------------------------------------------------------------
    async def ensure_chat(
        self, chat_id: int, chat_type: str, title: str | None, lang: Lang | None = None
    ) -> None:
        """Record a chat; `lang` is its language when it is new (a private chat starts in its
        user's language), kept as it is afterwards."""
        await self._transaction(
            [
                (
                    "INSERT INTO chats (id, type, title, lang) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET title = excluded.title",
                    (chat_id, chat_type, title, (lang or Lang.EN).value),
                )
            ]
        )

    async def settings(self, chat_id: int) -> ChatSettings:
        row = await self._one(
            "SELECT mode, seconds, questions, lang FROM chats WHERE id = ?", (chat_id,)
        )
        if row is None:
            return ChatSettings()
        return ChatSettings(
            AnswerMode(row["mode"]), row["seconds"], row["questions"], Lang(row["lang"])
        )

    async def save_settings(self, chat_id: int, settings: ChatSettings) -> None:
        await self._transaction(
            [
                (
                    "UPDATE chats SET mode = ?, seconds = ?, questions = ?, lang = ? WHERE id = ?",
                    (
                        settings.mode.value,
                        settings.seconds,
                        settings.questions,
                        settings.lang.value,
                        chat_id,
                    ),
                )
            ]
        )

    async def move_chat(self, old_id: int, new_id: int, chat_type: str = "supergroup") -> bool:
        """A group upgraded to a supergroup (Telegram gives it a new id): its settings, board,
        scores, seen questions and rounds (answers with them, a running one too) move to the new
        id in one transaction. True if there was anything to move."""
        self._rounds_changed()
        async with self._writing() as db:
            cursor = await db.execute(
                "INSERT INTO chats (id, type, title, mode, seconds, questions, lang, board_since) "
                "SELECT ?, ?, title, mode, seconds, questions, lang, board_since FROM chats "
                "WHERE id = ? ON CONFLICT(id) DO UPDATE SET type = excluded.type, "
                "mode = excluded.mode, seconds = excluded.seconds, "
                "questions = excluded.questions, lang = excluded.lang, "
                "board_since = excluded.board_since",
                (new_id, chat_type, old_id),
            )
            moved = cursor.rowcount > 0
            if moved:
                await db.execute(
                    "UPDATE rounds SET chat_id = ? WHERE chat_id = ?", (new_id, old_id)
                )
                await db.execute(
                    "INSERT INTO scores (chat_id, user_id, points, answered, correct, streak, "
                    "best_streak) SELECT ?, user_id, points, answered, correct, streak, "
                    "best_streak FROM scores WHERE chat_id = ? AND true "
                    "ON CONFLICT(chat_id, user_id) DO UPDATE SET "
                    "points = points + excluded.points, answered = answered + excluded.answered, "
                    "correct = correct + excluded.correct, streak = excluded.streak, "
                    "best_streak = MAX(best_streak, excluded.best_streak)",
                    (new_id, old_id),
                )
                await db.execute(
                    "INSERT INTO seen (chat_id, key, last_seen) SELECT ?, key, last_seen "
                    "FROM seen WHERE chat_id = ? AND true ON CONFLICT(chat_id, key) "
                    "DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen)",
                    (new_id, old_id),
                )
                for table, column in (("scores", "chat_id"), ("seen", "chat_id"), ("chats", "id")):
                    await db.execute(f"DELETE FROM {table} WHERE {column} = ?", (old_id,))
        # Cached rounds and polls carry the old chat id: drop them all (this is rare).
        for round_id in list(self._rounds):
            self._forget(round_id)
        self._by_poll.clear()
        self._poll_changes += 1
        self._rounds_changed()
        return moved

    async def ensure_user(self, user_id: int, name: str) -> None:
        if self._names.get(user_id) == name:
            return
        await self._transaction(
            [
                (
                    "INSERT INTO users (id, name) VALUES (?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET name = excluded.name WHERE name != excluded.name",
                    (user_id, name),
                )
            ]
        )
        self._names[user_id] = name  # only once committed

    # -- rounds ----------------------------------------------------------------------------------
    async def create_round(
        self,
        *,
        chat_id: int,
        started_by: int,
        settings: ChatSettings,
        questions: list[QuizQuestion],
        at: float,
        topic: str | None = None,
    ) -> int | None:
        """Store a new round with its questions; None if the chat already has one running."""
        self._rounds_changed()
        async with self._write:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = await self._db.execute(
                    "INSERT INTO rounds (chat_id, started_by, mode, lang, seconds, total, started_at, topic) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        chat_id,
                        started_by,
                        settings.mode.value,
                        settings.lang.value,
                        settings.seconds,
                        len(questions),
                        at,
                        topic,
                    ),
                )
                round_id = cursor.lastrowid
                await self._db.executemany(
                    "INSERT INTO questions (round_id, idx, key, fact_id, text, options, correct, explanation) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            round_id,
                            i,
                            q.key,
                            q.fact_id,
                            q.text,
                            json.dumps(q.options, ensure_ascii=False),
                            q.correct,
                            q.explanation,
                        )
                        for i, q in enumerate(questions)
                    ],
                )
                await self._db.executemany(
                    "INSERT INTO seen (chat_id, key, last_seen) VALUES (?, ?, ?) "
                    "ON CONFLICT(chat_id, key) DO UPDATE SET last_seen = excluded.last_seen",
                    [(chat_id, q.key, at) for q in questions],
                )
                await self._db.execute("COMMIT")
                self._rounds_changed()
                return round_id
            except aiosqlite.IntegrityError:
                await self._rollback()
                return None
            except BaseException:
                await self._rollback()
                raise

    async def running_round(self, chat_id: int) -> StoredRound | None:
        """The chat's running round. Asked for every question a chat asks (is a quiz question
        open there?), so which round runs where is cached until a round starts, ends or moves."""
        if chat_id in self._running:
            round_id = self._running[chat_id]
            if round_id is None:
                return None
            stored = await self.load_round(round_id)
            if stored is not None and stored.state.status is RoundStatus.RUNNING:
                return stored
        changes = self._running_changes
        row = await self._one(
            "SELECT * FROM rounds WHERE chat_id = ? AND status = 'running'", (chat_id,)
        )
        if changes == self._running_changes:
            if len(self._running) >= MAX_CACHED_CHATS:
                self._running.clear()
            self._running[chat_id] = row["id"] if row else None
        return await self._round_from(row) if row else None

    def _rounds_changed(self) -> None:
        """A round started, ended or moved: which chat has a running round is read afresh."""
        self._running.clear()
        self._running_changes += 1

    async def load_round(self, round_id: int) -> StoredRound | None:
        if round_id in self._rounds:
            return self._rounds[round_id]
        seen = (self._epoch, self._generation.get(round_id, 0))
        row = await self._one("SELECT * FROM rounds WHERE id = ?", (round_id,))
        if row is None:
            return None
        stored = await self._round_from(row)
        if (self._epoch, self._generation.get(round_id, 0)) == seen:
            self._rounds[round_id] = stored
        return stored

    async def open_rounds(self) -> list[StoredRound]:
        rows = await self._all("SELECT * FROM rounds WHERE status = 'running' ORDER BY id")
        return [await self._round_from(row) for row in rows]

    async def _round_from(self, row: aiosqlite.Row) -> StoredRound:
        question = await self._one(
            "SELECT deadline, closed_at FROM questions WHERE round_id = ? AND idx = ?",
            (row["id"], row["current"]),
        )
        chat = await self._one("SELECT type FROM chats WHERE id = ?", (row["chat_id"],))
        state = RoundState(
            round_id=row["id"],
            chat_id=row["chat_id"],
            started_by=row["started_by"],
            is_private=chat is not None and chat["type"] == "private",
            seconds=row["seconds"],
            total=row["total"],
            index=row["current"],
            deadline=question["deadline"] if question else None,
            closed=bool(question and question["closed_at"] is not None),
            status=RoundStatus(row["status"]),
        )
        return StoredRound(
            state, AnswerMode(row["mode"]), Lang(row["lang"]), row["topic"], row["started_at"]
        )

    async def question(self, round_id: int, idx: int) -> StoredQuestion | None:
        row = await self._one(
            "SELECT q.*, r.chat_id FROM questions q JOIN rounds r ON r.id = q.round_id "
            "WHERE q.round_id = ? AND q.idx = ?",
            (round_id, idx),
        )
        return self._question_from(row) if row else None

    async def question_by_poll(self, poll_id: str) -> StoredQuestion | None:
        if poll_id in self._by_poll:
            return self._by_poll[poll_id]
        changes = self._poll_changes
        row = await self._one("SELECT * FROM questions WHERE poll_id = ?", (poll_id,))
        if row is None:
            return None
        question = self._question_from(row)
        if changes == self._poll_changes:
            self._remember_poll(poll_id, question)
        return question

    def _remember_poll(self, poll_id: str, question: StoredQuestion) -> None:
        """Cache an open question only: nothing would drop a closed one (a late vote's), and
        its votes are refused anyway."""
        if question.closed:
            return
        if len(self._by_poll) >= MAX_CACHED_POLLS:  # questions never closed: start afresh
            self._by_poll.clear()
        self._by_poll[poll_id] = question

    def _drop_polls(self, round_id: int, idx: int | None = None) -> None:
        """Forget the cached questions of a round (only question `idx`, if given)."""
        self._by_poll = {
            p: q
            for p, q in self._by_poll.items()
            if q.round_id != round_id or (idx is not None and q.idx != idx)
        }
        self._poll_changes += 1

    @staticmethod
    def _question_from(row: aiosqlite.Row) -> StoredQuestion:
        question = QuizQuestion(
            key=row["key"],
            fact_id=row["fact_id"],
            topic="",
            text=row["text"],
            options=tuple(json.loads(row["options"])),
            correct=row["correct"],
            explanation=row["explanation"],
        )
        return StoredQuestion(
            row["round_id"],
            row["idx"],
            question,
            row["deadline"],
            row["poll_id"],
            row["message_id"],
            row["closed_at"] is not None,
            row["sending_at"] is not None,
            row["option_order"] is not None,
        )

    async def begin_send(
        self, round_id: int, idx: int, shown: QuizQuestion, order: list[int] | None, at: float
    ) -> bool:
        """Before a question is sent: store its options in the order shown (`order`: shown
        position -> authored position; None: already stored) and mark the send begun. False if
        a send was begun already (it is never made twice: the first may have reached the chat
        even if its answer did not reach us)."""
        where = "WHERE round_id = ? AND idx = ? AND sending_at IS NULL AND closed_at IS NULL"
        if order is None:
            sql, args = f"UPDATE questions SET sending_at = ? {where}", (at, round_id, idx)
        else:
            sql = f"UPDATE questions SET options = ?, correct = ?, option_order = ?, sending_at = ? {where}"
            options = json.dumps(shown.options, ensure_ascii=False)
            args = (options, shown.correct, json.dumps(order), at, round_id, idx)
        count, _ = await self._transaction(
            [
                (sql, args),
                (
                    "UPDATE rounds SET current = ? WHERE id = ? AND current <= ?",
                    (idx, round_id, idx),
                ),
            ],
            round_id,
        )
        return count == 1

    async def reopen_send(self, round_id: int, idx: int) -> None:
        """Forget a sent question's message so it can be sent again (the console only: its
        emulated chat starts empty after a restart)."""
        await self._transaction(
            [
                (
                    "UPDATE questions SET sending_at = NULL, message_id = NULL, poll_id = NULL, "
                    "deadline = NULL WHERE round_id = ? AND idx = ? AND closed_at IS NULL",
                    (round_id, idx),
                )
            ],
            round_id,
        )
        self._drop_polls(round_id, idx)

    async def mark_sent(
        self, round_id: int, idx: int, *, deadline: float, poll_id: str | None, message_id: int
    ) -> None:
        await self._transaction(
            [
                (
                    "UPDATE questions SET deadline = ?, poll_id = ?, message_id = ? WHERE round_id = ? AND idx = ?",
                    (deadline, poll_id, message_id, round_id, idx),
                ),
                ("UPDATE rounds SET current = ? WHERE id = ?", (idx, round_id)),
            ],
            round_id,
        )
        # Warm the caches the answers to this question will read: the first votes of a busy
        # question would otherwise all miss at once.
        if poll_id is not None:
            changes = self._poll_changes
            question = await self.question(round_id, idx)
            if question is not None and changes == self._poll_changes:
                self._remember_poll(poll_id, question)
        await self.load_round(round_id)

    async def close_question(self, round_id: int, idx: int, at: float) -> bool:
        """Mark a question closed; False if it was closed already (so it is revealed once)."""
        self._drop_polls(round_id, idx)
        try:
            (count,) = await self._transaction(
                [
                    (
                        "UPDATE questions SET closed_at = ? WHERE round_id = ? AND idx = ? AND closed_at IS NULL",
                        (at, round_id, idx),
                    )
                ],
                round_id,
            )
        finally:
            self._drop_polls(round_id, idx)  # before and after: no overlapping read sticks
        return count == 1

    async def recent(self, round_id: int, upto: int) -> list[tuple[bool, bool]]:
        """(sent, answered) for questions `upto`, `upto - 1`, ... 0 of a round: how many in a row
        went unanswered, or could not be sent."""
        rows = await self._all(
            "SELECT q.message_id IS NOT NULL AS sent, EXISTS (SELECT 1 FROM answers a "
            "WHERE a.round_id = q.round_id AND a.idx = q.idx) AS answered "
            "FROM questions q WHERE q.round_id = ? AND q.idx <= ? ORDER BY q.idx DESC",
            (round_id, upto),
        )
        return [(bool(r["sent"]), bool(r["answered"])) for r in rows]

    async def last_activity(self, round_id: int) -> float:
        """The latest moment something happened in a round: its start, a send, a deadline, a
        close (a deadline in the future counts as activity until then)."""
        row = await self._one(
            "SELECT MAX(r.started_at, COALESCE(MAX(MAX(COALESCE(q.sending_at, 0), "
            "COALESCE(q.deadline, 0), COALESCE(q.closed_at, 0))), 0)) "
            "FROM rounds r LEFT JOIN questions q ON q.round_id = r.id WHERE r.id = ?",
            (round_id,),
        )
        return row[0] if row and row[0] is not None else 0.0

    async def advance(self, round_id: int, next_idx: int) -> None:
        await self._transaction(
            [
                (
                    "UPDATE rounds SET current = ? WHERE id = ? AND current < ?",
                    (next_idx, round_id, next_idx),
                )
            ],
            round_id,
        )

    async def end_round(self, round_id: int, status: RoundStatus, at: float) -> bool:
        """Finish or stop a round; False if it had ended already."""
        self._rounds_changed()
        self._drop_polls(round_id)  # its open question, if stopped while one was open
        try:
            (count,) = await self._transaction(
                [
                    (
                        "UPDATE rounds SET status = ?, ended_at = ? WHERE id = ? AND status = 'running'",
                        (status.value, at, round_id),
                    )
                ],
                round_id,
            )
        finally:
            self._rounds_changed()
            self._drop_polls(round_id)
        return count == 1

    # -- answers and scores ----------------------------------------------------------------------
    async def has_answered(self, round_id: int, idx: int, user_id: int) -> bool:
        row = await self._one(
            "SELECT 1 FROM answers WHERE round_id = ? AND idx = ? AND user_id = ?",
            (round_id, idx, user_id),
        )
        return row is not None

    async def record_answer(
        self,
        *,
        chat_id: int,
        round_id: int,
        idx: int,
        user_id: int,
        option: int,
        judgement: Judgement,
        at: float,
        name: str | None = None,
    ) -> Verdict:
        """Store an accepted answer and update the player's score, in one transaction.

        ACCEPTED if it counted; DUPLICATE if the player had answered this question already; LATE
        if the question was closed (or does not exist) by the time the answer was written.
        `name` (raw display name) is written with the answer when it changed. Returns once the
        answer is committed; concurrent calls share one transaction (group commit)."""
        future = asyncio.get_running_loop().create_future()
        if name is not None and self._names.get(user_id) == name:
            name = None  # known already: no need to write it again
        self._pending.append(
            ((chat_id, round_id, idx, user_id, option, judgement, at, name), future)
        )
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_answers())
        return await future

    async def _write_answers(self) -> None:
        """The writer task: commits queued answers, a batch per transaction, until none wait."""
        batch: list[tuple[tuple, asyncio.Future]] = []
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    results = await self._commit_answers([args for args, _ in batch])
                except Exception as error:
                    if len(batch) == 1:
                        _settle(batch[0][1], error=error)
                        continue
                    # One bad answer must not sink the batch: write each on its own.
                    for args, future in batch:
                        try:
                            (result,) = await self._commit_answers([args])
                        except Exception as single_error:
                            _settle(future, error=single_error)
                        else:
                            _settle(future, result=result)
                    continue
                for (_, future), inserted in zip(batch, results, strict=True):
                    _settle(future, result=inserted)
        except asyncio.CancelledError:  # abandon(): nobody will write these any more
            for _, future in [*batch, *self._pending]:
                future.cancel()
            self._pending = []
            raise

    async def _commit_answers(self, rows: list[tuple]) -> list[Verdict]:
        async with self._write:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                results = [await self._insert_answer(*args) for args in rows]
                await self._db.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise
        for _, _, _, user_id, _, _, _, name in rows:  # names are known once committed
            if name is not None:
                self._names[user_id] = name
            else:
                self._names.setdefault(user_id, None)
        return results

    async def _insert_answer(
        self, chat_id, round_id, idx, user_id, option, judgement: Judgement, at, name
    ) -> Verdict:
        correct = int(judgement.correct)
        if name is not None:  # the player's name, in the same transaction as the answer
            await self._db.execute(
                "INSERT INTO users (id, name) VALUES (?, ?) "
                "ON CONFLICT(id) DO UPDATE SET name = excluded.name",
                (user_id, name),
            )
        elif user_id not in self._names:  # never named: a placeholder keeps the answer
            await self._db.execute(
                "INSERT OR IGNORE INTO users (id, name) VALUES (?, 'Player')", (user_id,)
            )
        # Only into an open question: an answer racing a close loses, as the reveal is built
        # from the answers committed before closed_at was set.
        cursor = await self._db.execute(
            "INSERT OR IGNORE INTO answers (round_id, idx, user_id, option, correct, points, answered_at) "
            "SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM questions "
            "WHERE round_id = ? AND idx = ? AND closed_at IS NULL)",
            (round_id, idx, user_id, option, correct, judgement.points, at, round_id, idx),
        )
        if cursor.rowcount != 1:
            duplicate = await self._one(
                "SELECT 1 FROM answers WHERE round_id = ? AND idx = ? AND user_id = ?",
                (round_id, idx, user_id),
            )
            return Verdict.DUPLICATE if duplicate else Verdict.LATE
        await self._db.execute(
            "INSERT INTO scores (chat_id, user_id, points, answered, correct, streak, best_streak) "
            "VALUES (?, ?, ?, 1, ?, ?, ?) "
            "ON CONFLICT(chat_id, user_id) DO UPDATE SET "
            "points = points + excluded.points, answered = answered + 1, "
            "correct = correct + excluded.correct, "
            "streak = CASE WHEN excluded.correct = 1 THEN streak + 1 ELSE 0 END, "
            "best_streak = MAX(best_streak, CASE WHEN excluded.correct = 1 THEN streak + 1 ELSE 0 END)",
            (chat_id, user_id, judgement.points, correct, correct, correct),
        )
        return Verdict.ACCEPTED

    async def answers(self, round_id: int, idx: int) -> list[tuple[int, str, bool, int]]:
        """(user id, name, correct, points) in the order they were given."""
        rows = await self._all(
            "SELECT a.user_id, u.name, a.correct, a.points FROM answers a JOIN users u ON u.id = a.user_id "
            "WHERE a.round_id = ? AND a.idx = ? ORDER BY a.answered_at, a.rowid",
            (round_id, idx),
        )
        return [(r["user_id"], r["name"], bool(r["correct"]), r["points"]) for r in rows]

    async def round_results(self, round_id: int) -> list[tuple[str, int]]:
        rows = await self._all(
            "SELECT u.name, SUM(a.points) AS points FROM answers a JOIN users u ON u.id = a.user_id "
            "WHERE a.round_id = ? GROUP BY a.user_id ORDER BY points DESC, MIN(a.answered_at)",
            (round_id,),
        )
        return [(r["name"], r["points"]) for r in rows]

    async def player_round_points(self, round_id: int, user_id: int) -> int | None:
        """A player's points in one round; None if they did not answer in it."""
        row = await self._one(
            "SELECT SUM(points) FROM answers WHERE round_id = ? AND user_id = ?",
            (round_id, user_id),
        )
        return None if row is None or row[0] is None else int(row[0])

    async def stats(self, user_id: int, chat_id: int | None) -> Stats:
        where, args = (
            ("WHERE user_id = ? AND chat_id = ?", (user_id, chat_id))
            if chat_id is not None
            else ("WHERE user_id = ?", (user_id,))
        )
        row = await self._one(
            f"SELECT COALESCE(SUM(points), 0), COALESCE(SUM(answered), 0), COALESCE(SUM(correct), 0), "
            f"COALESCE(MAX(best_streak), 0) FROM scores {where}",
            args,
        )
        return Stats(*row)

    async def top(self, chat_id: int | None, limit: int = 10) -> list[tuple[str, int]]:
        """Best players by points: in a chat, or over all chats when chat_id is None."""
        where, args = ("WHERE s.chat_id = ?", (chat_id,)) if chat_id is not None else ("", ())
        rows = await self._all(
            f"SELECT u.name, SUM(s.points) AS points FROM scores s JOIN users u ON u.id = s.user_id {where} "
            f"GROUP BY s.user_id HAVING SUM(s.answered) > 0 ORDER BY points DESC, u.name LIMIT ?",
            (*args, limit),
        )
        return [(r["name"], r["points"]) for r in rows]

    async def board_since(self, chat_id: int) -> float:
        row = await self._one("SELECT board_since FROM chats WHERE id = ?", (chat_id,))
        return row[0] if row else 0.0

    async def reset_board(self, chat_id: int, at: float) -> None:
        """Start the chat's boards afresh at `at`; the answers themselves are kept."""
        await self._transaction([("UPDATE chats SET board_since = ? WHERE id = ?", (at, chat_id))])

    async def board(
        self, chat_id: int | None, since: float, limit: int = 10
    ) -> list[tuple[str, int]]:
        """Best players by points from answers given at `since` or later: in a chat (from its
        board's reset at the earliest), or over all chats when chat_id is None."""
        if chat_id is not None:
            since = max(since, await self.board_since(chat_id))
            where, args = "r.chat_id = ? AND a.answered_at >= ?", (chat_id, since)
        else:
            where, args = "a.answered_at >= ?", (since,)
        rows = await self._all(
            "SELECT u.name, SUM(a.points) AS points FROM answers a "
            "JOIN rounds r ON r.id = a.round_id JOIN users u ON u.id = a.user_id "
            f"WHERE {where} GROUP BY a.user_id ORDER BY points DESC, u.name LIMIT ?",
            (*args, limit),
        )
        return [(r["name"], r["points"]) for r in rows]

    async def player_stats(self, user_id: int, chat_id: int | None, since: float) -> Stats:
        """A player's points, answers and right answers from `since` (in a chat: from its
        board's reset at the earliest); the best streak is the player's best ever."""
        if chat_id is not None:
            since = max(since, await self.board_since(chat_id))
            where, args = "AND r.chat_id = ?", (chat_id,)
        else:
            where, args = "", ()
        row = await self._one(
            "SELECT COALESCE(SUM(a.points), 0), COUNT(*), COALESCE(SUM(a.correct), 0) "
            "FROM answers a JOIN rounds r ON r.id = a.round_id "
            f"WHERE a.user_id = ? AND a.answered_at >= ? {where}",
            (user_id, since, *args),
        )
        best = await self.stats(user_id, chat_id)
        return Stats(row[0], row[1], row[2], best.best_streak)

    async def seen(self, chat_id: int) -> dict[str, float]:
        rows = await self._all("SELECT key, last_seen FROM seen WHERE chat_id = ?", (chat_id,))
        return {r["key"]: r["last_seen"] for r in rows}

    # -- updates kept across a restart -------------------------------------------------------------
    async def keep_updates(self, updates: list[tuple[int, str]]) -> None:
        """(update id, JSON) of updates taken but not handled, for the next start."""
        for chunk in _chunks(updates):
            await self._one_statement(
                "INSERT OR REPLACE INTO kept_updates (update_id, body) VALUES "
                + ", ".join(["(?, ?)"] * len(chunk)),
                tuple(value for update in chunk for value in update),
            )

    async def kept_updates(self) -> list[str]:
        """The kept updates' JSON in order (each stays until `forget_updates` says it is done)."""
        rows = await self._all("SELECT body FROM kept_updates ORDER BY update_id")
        return [row["body"] for row in rows]

    async def forget_updates(self, update_ids: Iterable[int]) -> None:
        """Handled: no longer to be handled at the next start."""
        for chunk in _chunks(list(update_ids)):
            await self._one_statement(
                f"DELETE FROM kept_updates WHERE update_id IN ({', '.join('?' * len(chunk))})",
                tuple(chunk),
            )

    async def keep_recent_sends(self, sends: list[tuple[int, float]]) -> None:
        """(chat id, time) of the bot's sends in the last minute, replacing those kept before."""
        async with self._writing() as db:
            await db.execute("DELETE FROM recent_sends")
            await db.executemany("INSERT INTO recent_sends (chat_id, sent_at) VALUES (?, ?)", sends)

    async def add_recent_sends(self, sends: list[tuple[int, float]], *, before: float) -> None:
        """Add (chat id, time) sends; forget those from `before` back (older than any limit)."""
        await self._one_statement("DELETE FROM recent_sends WHERE sent_at < ?", (before,))
        for chunk in _chunks(sends):
            await self._one_statement(
                "INSERT INTO recent_sends (chat_id, sent_at) VALUES "
                + ", ".join(["(?, ?)"] * len(chunk)),
                tuple(value for send in chunk for value in send),
            )

    async def recent_sends(self, since: float) -> list[tuple[int, float]]:
        rows = await self._all(
            "SELECT chat_id, sent_at FROM recent_sends WHERE sent_at > ? ORDER BY sent_at",
            (since,),
        )
        return [(row["chat_id"], row["sent_at"]) for row in rows]

    # -- operations (health, backup, figures) ------------------------------------------------------
    async def healthy(self, timeout: float = 2.0) -> bool:
        """The database answers a query in time and its file is still where it was opened."""
        try:
            async with asyncio.timeout(timeout):
                (one,) = await self._one("SELECT 1")
        except Exception:
            return False
        path = getattr(self, "_path", None)
        return one == 1 and (path is None or path.exists())

    @classmethod
    async def open_read_only(cls, path: Path | str) -> Store:
        """For looking only (stats): never creates, migrates or writes the file."""
        path = Path(path)
        if not path.is_file():
            raise StoreError("does not exist (or is not a file): check AWARDS_BOT_DB")
        try:
            db = await aiosqlite.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as error:
            raise StoreError(_explain(error, path)) from None
        store = cls(db)
        try:
            db.row_factory = aiosqlite.Row
            version = await store.schema_version()
            if version != len(MIGRATIONS):
                raise StoreError(
                    f"has schema version {version}, this bot knows {len(MIGRATIONS)}: "
                    "use the bot version that runs on it"
                )
        except BaseException as error:
            await db.close()
            if isinstance(error, sqlite3.Error):
                raise StoreError(_explain(error, path)) from None
            raise
        return store

    @staticmethod
    async def backup(source: Path | str, target: Path | str) -> None:
        """Copy the database with SQLite's online backup API: a consistent snapshot, safe while
        the bot runs (in WAL mode its writes go on meanwhile). The copy appears under its name
        only once complete."""
        source, target = Path(source), Path(target)
        if not source.is_file():
            raise StoreError(f"{source} does not exist: check AWARDS_BOT_DB")
        if target.exists():
            raise StoreError(f"{target} exists already: choose a new file name")
        if not target.parent.is_dir():
            raise StoreError(f"the folder {target.parent} does not exist")
        partial = target.with_name(target.name + ".partial")

        def copy() -> None:
            src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)  # all pages in one step: one read snapshot
                dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            finally:
                dst.close()
                src.close()

        try:
            await asyncio.to_thread(copy)
            partial.replace(target)
        except sqlite3.Error as error:
            partial.unlink(missing_ok=True)
            raise StoreError(_explain(error, source)) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    async def totals(self, since: float) -> dict[str, tuple[int, int]]:
        """(since `since`, in total) for chats, players, rounds and answers."""
        queries = {
            "chats": (
                "SELECT COUNT(*) FROM chats",
                "SELECT COUNT(DISTINCT chat_id) FROM rounds WHERE started_at >= ?",
            ),
            "players": (
                "SELECT COUNT(DISTINCT user_id) FROM answers",
                "SELECT COUNT(DISTINCT user_id) FROM answers WHERE answered_at >= ?",
            ),
            "rounds": (
                "SELECT COUNT(*) FROM rounds",
                "SELECT COUNT(*) FROM rounds WHERE started_at >= ?",
            ),
            "answers": (
                "SELECT COUNT(*) FROM answers",
                "SELECT COUNT(*) FROM answers WHERE answered_at >= ?",
            ),
        }
        out = {}
        for name, (total_sql, since_sql) in queries.items():
            (total,) = await self._one(total_sql)
            (recent,) = await self._one(since_sql, (since,))
            out[name] = (recent, total)
        return out


def _settle(future: asyncio.Future, *, result=None, error: Exception | None = None):
    if future.done():  # the caller gave up waiting (cancelled)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _chunks(rows: list, size: int = 400) -> list[list]:
    """Rows in slices small enough for one statement's parameters (SQLite allows 32,766)."""
    return [rows[i : i + size] for i in range(0, len(rows), size)]
