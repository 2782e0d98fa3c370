"""SQLite store: migrations, exactly-once answers under concurrency, scores, reopening."""

import asyncio
import sqlite3

import pytest

from bot.knowledge.dataset import Lang
from bot.quiz.bank import QuizQuestion
from bot.quiz.round import ChatSettings, Judgement, RoundStatus, Verdict
from bot.store import MIGRATIONS, Store

QUESTIONS = [
    QuizQuestion(f"k{i}", "huion.founder", "huion", f"Q{i}?", ("a", "b", "c"), 1, "because")
    for i in range(3)
]
RIGHT = Judgement(Verdict.ACCEPTED, True, 12)
WRONG = Judgement(Verdict.ACCEPTED, False, 0)


@pytest.fixture
async def store(tmp_path):
    s = await Store.open(tmp_path / "t.sqlite3")
    yield s
    await s.close()


async def new_round(store, chat_id=-1, chat_type="supergroup"):
    await store.ensure_chat(chat_id, chat_type, "G")
    round_id = await store.create_round(
        chat_id=chat_id, started_by=1, settings=ChatSettings(), questions=QUESTIONS, at=0.0
    )
    await store.mark_sent(round_id, 0, deadline=30.0, poll_id="p0", message_id=10)
    return round_id


async def test_migrations_set_the_schema_version_and_reopen_idempotently(tmp_path):
    path = tmp_path / "m.sqlite3"
    store = await Store.open(path)
    assert await store.schema_version() == len(MIGRATIONS)
    await store.close()
    again = await Store.open(path)
    assert await again.schema_version() == len(MIGRATIONS)
    await again.close()
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


async def test_one_running_round_per_chat(store):
    await new_round(store)
    assert (
        await store.create_round(
            chat_id=-1, started_by=2, settings=ChatSettings(), questions=QUESTIONS, at=1.0
        )
        is None
    )


async def test_same_user_answering_fifty_times_at_once_counts_once(store):
    round_id = await new_round(store)
    await store.ensure_user(5, "Eve")
    results = await asyncio.gather(
        *[
            store.record_answer(
                chat_id=-1, round_id=round_id, idx=0, user_id=5, option=1, judgement=RIGHT, at=1.0
            )
            for _ in range(50)
        ]
    )
    assert results.count(True) == 1
    stats = await store.stats(5, -1)
    assert (stats.points, stats.answered, stats.correct) == (12, 1, 1)


async def test_fifty_users_answering_at_once_are_all_counted(store):
    round_id = await new_round(store)
    for user in range(100, 150):
        await store.ensure_user(user, f"U{user}")
    results = await asyncio.gather(
        *[
            store.record_answer(
                chat_id=-1, round_id=round_id, idx=0, user_id=u, option=1, judgement=RIGHT, at=1.0
            )
            for u in range(100, 150)
        ]
    )
    assert all(results)
    assert len(await store.answers(round_id, 0)) == 50


async def test_streaks_and_overall_stats(store):
    await store.ensure_user(5, "Eve")
    for chat_id, judgements in ((-1, [RIGHT, RIGHT, WRONG]), (-2, [RIGHT])):
        round_id = await new_round(store, chat_id)
        for idx, judgement in enumerate(judgements):
            if idx:
                await store.mark_sent(
                    round_id, idx, deadline=60.0, poll_id=None, message_id=11 + idx
                )
            await store.record_answer(
                chat_id=chat_id,
                round_id=round_id,
                idx=idx,
                user_id=5,
                option=1,
                judgement=judgement,
                at=2.0,
            )
    here = await store.stats(5, -1)
    assert (here.points, here.answered, here.correct, here.best_streak) == (24, 3, 2, 2)
    overall = await store.stats(5, None)
    assert (overall.points, overall.answered, overall.correct) == (36, 4, 3)


async def test_close_question_is_idempotent_and_rounds_end_once(store):
    round_id = await new_round(store)
    assert await store.close_question(round_id, 0, 31.0)
    assert not await store.close_question(round_id, 0, 32.0)
    assert await store.end_round(round_id, RoundStatus.FINISHED, 40.0)
    assert not await store.end_round(round_id, RoundStatus.STOPPED, 41.0)


async def test_a_reopened_file_has_the_round_and_its_answers(tmp_path):
    path = tmp_path / "r.sqlite3"
    store = await Store.open(path)
    round_id = await new_round(store)
    await store.ensure_user(5, "Eve")
    await store.record_answer(
        chat_id=-1, round_id=round_id, idx=0, user_id=5, option=1, judgement=RIGHT, at=1.0
    )
    await store.abandon()  # no clean close
    again = await Store.open(path)
    (running,) = await again.open_rounds()
    assert running.state.round_id == round_id and running.state.deadline == 30.0
    assert (await again.question_by_poll("p0")).idx == 0
    assert await again.has_answered(round_id, 0, 5)
    assert running.lang == Lang.EN
    await again.close()


async def test_top_lists_points_and_names_are_stored_raw(store):
    round_id = await new_round(store)
    for user, name, judgement in ((1, "<b>Ann</b>", RIGHT), (2, "Ben", RIGHT), (3, "Cai", WRONG)):
        await store.ensure_user(user, name)
        await store.record_answer(
            chat_id=-1,
            round_id=round_id,
            idx=0,
            user_id=user,
            option=1,
            judgement=judgement,
            at=1.0,
        )
    assert await store.top(-1) == [("<b>Ann</b>", 12), ("Ben", 12), ("Cai", 0)]
    assert await store.top(-99) == []
