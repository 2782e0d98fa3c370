"""Quiz benchmark: answers per second the whole bot records, through python-telegram-bot and the
emulator, at 1, 100 and 1,000 concurrent rounds; raw SQLite answer writes; resident memory.

Every answer is a real `poll_answer` update: fetched by getUpdates, parsed by python-telegram-bot,
routed to the handler, judged, and committed to SQLite. The rate limiter is left out: in a group
an answer sends no message, so Telegram's limits do not bound this path.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.config import Settings
from bot.quiz.bank import QuizQuestion
from bot.quiz.round import ChatSettings, Judgement, Verdict
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.session import Sandbox
from bot.store import Store


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _rounds_run(db_path: Path, rounds: int, players: int, rate: float | None = None) -> dict:
    """Open `rounds` group rounds with `players` each, then every player answers once: all at
    once (rate None: the most the bot can take), or paced at `rate` answers a second.
    Latency is from the moment an answer is queued at "Telegram" to its commit in SQLite."""
    emulator = BotApiEmulator(enforce_flood_limits=False)  # sends are not what is measured
    sandbox = Sandbox(
        Settings(db_path=db_path), emulator=emulator, rate_limiter=False, poll_timeout=0.5
    )
    app = await sandbox.start()
    processor = app.update_processor
    original = processor.do_process_update
    done: dict[int, float] = {}
    queued: dict[int, float] = {}

    async def timed(update, coroutine):
        await original(update, coroutine)
        done[update.update_id] = time.perf_counter()

    processor.do_process_update = timed
    try:
        users = [emulator.add_user(f"P{i}") for i in range(players)]
        groups = [emulator.add_group(f"G{g}", members=users) for g in range(rounds)]
        for group in groups:
            emulator.send_message(group, users[0], "/quiz 1")
        await sandbox.settle(timeout=600)
        memory = rss_mb()
        polls = [
            next(m for m in reversed(emulator.bot_messages(g)) if "poll" in m)["poll"]
            for g in groups
        ]
        votes = [(poll["id"], user) for poll in polls for user in users]
        answer_ids: list[int] = []
        tick = 0.005
        per_tick = len(votes) if rate is None else max(1, round(rate * tick))
        started = time.perf_counter()
        for i in range(0, len(votes), per_tick):
            for poll_id, user in votes[i : i + per_tick]:
                answer_ids.append(emulator._next_update_id)  # the poll_answer update's id
                queued[answer_ids[-1]] = time.perf_counter()
                emulator.vote(poll_id, user, [0])
            if rate is not None:
                await asyncio.sleep(max(0.0, started + (i + per_tick) / rate - time.perf_counter()))
        await sandbox.settle(timeout=600)
        elapsed = max(done[i] for i in answer_ids) - started
        store = app.bot_data["services"].store
        (recorded,) = await (await store._db.execute("SELECT COUNT(*) FROM answers")).fetchone()
        latencies = [(done[i] - queued[i]) * 1000 for i in answer_ids]
        return {
            "answers": len(answer_ids),
            "recorded": recorded,
            "per_second": len(answer_ids) / elapsed,
            "p50": statistics.median(latencies),
            "p99": _percentile(latencies, 99),
            "rss_open": memory,
        }
    finally:
        await sandbox.stop()


async def _raw_writes(db_path: Path, count: int) -> tuple[float, float]:
    store = await Store.open(db_path)
    try:
        await store.ensure_chat(-1, "supergroup", "bench")
        question = QuizQuestion("k", "huion.founder", "huion", "Q?", ("a", "b"), 0, "e")
        round_id = await store.create_round(
            chat_id=-1, started_by=1, settings=ChatSettings(), questions=[question], at=0.0
        )
        await store.mark_sent(round_id, 0, deadline=1e12, poll_id="p", message_id=1)
        for user in range(2 * count):
            await store.ensure_user(user, f"U{user}")
        judgement = Judgement(Verdict.ACCEPTED, True, 12)

        def write(user: int):
            return store.record_answer(
                chat_id=-1,
                round_id=round_id,
                idx=0,
                user_id=user,
                option=0,
                judgement=judgement,
                at=1.0,
            )

        start = time.perf_counter()
        for user in range(count):
            await write(user)
        sequential = count / (time.perf_counter() - start)
        start = time.perf_counter()
        await asyncio.gather(*[write(user) for user in range(count, 2 * count)])
        concurrent = count / (time.perf_counter() - start)
        return sequential, concurrent
    finally:
        await store.close()


BURST_TARGET = 1_500  # answers/s, all at once
PACED_P99_TARGET = 25.0  # ms, queue to commit, at 1,000 answers/s
RSS_TARGET = 150  # MB with the rounds open


def bench_quiz(settings: Settings, quick: bool) -> bool:
    """Prints each run with PASS or FAIL against its targets; True if all pass."""
    del settings  # the benchmark uses its own throw-away databases
    sizes = [(1, 200), (20, 10), (100, 2)] if quick else [(1, 2000), (100, 20), (1000, 2)]
    passed = True
    with tempfile.TemporaryDirectory() as tmp:
        for rounds, players in sizes:
            for rate in (None, 1000.0):
                r = asyncio.run(
                    _rounds_run(Path(tmp) / f"r{rounds}-{rate}.sqlite3", rounds, players, rate)
                )
                how = "all at once" if rate is None else f"paced at {rate:,.0f}/s"
                if rate is None:
                    ok = r["per_second"] >= BURST_TARGET
                else:
                    ok = r["per_second"] >= 0.95 * rate and r["p99"] < PACED_P99_TARGET
                ok = ok and r["recorded"] == r["answers"] and r["rss_open"] < RSS_TARGET
                passed = passed and ok
                print(
                    f"{'PASS' if ok else 'FAIL'} {rounds:>5} rounds x {players:>4} players, {how:>17}: "
                    f"{r['answers']} answers ({r['recorded']} recorded), {r['per_second']:,.0f} answers/s; "
                    f"queue-to-commit p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms; "
                    f"RSS with the rounds open {r['rss_open']:.0f} MB"
                )
        sequential, concurrent = asyncio.run(
            _raw_writes(Path(tmp) / "raw.sqlite3", 500 if quick else 5000)
        )
        print(
            f"raw SQLite answer writes (answer + score, one transaction each): {sequential:,.0f}/s in sequence, {concurrent:,.0f}/s concurrent"
        )
    print(
        f"targets: all at once >= {BURST_TARGET:,} answers/s; paced: the pace kept, p99 < "
        f"{PACED_P99_TARGET:.0f} ms; every answer recorded; < {RSS_TARGET} MB with the rounds open"
    )
    print(f"quiz bench: {'PASS' if passed else 'FAIL'}")
    return passed
