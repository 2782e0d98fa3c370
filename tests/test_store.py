"""SQLite store: migrations, exactly-once answers under concurrency, scores, reopening."""

import asyncio
import sqlite3
from dataclasses import replace

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
    assert results.count(Verdict.ACCEPTED) == 1
    assert results.count(Verdict.DUPLICATE) == 49
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
    assert set(results) == {Verdict.ACCEPTED}
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


async def test_an_answer_refused_says_whether_it_was_a_duplicate_or_too_late(store):
    round_id = await new_round(store)
    await store.ensure_user(5, "Eve")
    await store.ensure_user(6, "Fay")

    def answer(user):
        return store.record_answer(
            chat_id=-1, round_id=round_id, idx=0, user_id=user, option=1, judgement=RIGHT, at=1.0
        )

    assert await answer(5) is Verdict.ACCEPTED
    assert await answer(5) is Verdict.DUPLICATE
    await store.close_question(round_id, 0, 2.0)
    assert await answer(6) is Verdict.LATE  # closed before it was written
    assert await answer(5) is Verdict.DUPLICATE


async def test_boards_count_answers_of_a_period_and_start_again_at_a_reset(store, tmp_path):
    round_id = await new_round(store)
    for user, name in ((1, "Ann"), (2, "Ben")):
        await store.ensure_user(user, name)
    for user, at in ((1, 100.0), (2, 500.0)):
        await store.record_answer(
            chat_id=-1, round_id=round_id, idx=0, user_id=user, option=1, judgement=RIGHT, at=at
        )
    assert await store.board(-1, since=0.0) == [("Ann", 12), ("Ben", 12)]
    assert await store.board(-1, since=200.0) == [("Ben", 12)]
    assert await store.board(None, since=0.0) == [("Ann", 12), ("Ben", 12)]
    await store.reset_board(-1, 600.0)
    assert await store.board(-1, since=0.0) == []
    assert await store.board(None, since=0.0) == [("Ann", 12), ("Ben", 12)]  # history is kept
    assert db_count(tmp_path / "t.sqlite3", "answers") == 2
    stats = await store.player_stats(2, -1, since=0.0)
    assert (stats.points, stats.answered) == (0, 0)
    overall = await store.player_stats(2, None, since=0.0)
    assert (overall.points, overall.answered, overall.correct) == (12, 1, 1)


def db_count(path, table):
    return sqlite3.connect(path).execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


async def test_a_send_is_begun_once_and_keeps_the_shown_order(store):
    await store.ensure_chat(-1, "supergroup", "G")
    round_id = await store.create_round(
        chat_id=-1, started_by=1, settings=ChatSettings(), questions=QUESTIONS, at=0.0
    )
    reordered = replace(QUESTIONS[1], options=("c", "a", "b"), correct=2)
    assert await store.begin_send(round_id, 1, reordered, [2, 0, 1], at=5.0)
    assert not await store.begin_send(round_id, 1, QUESTIONS[1], [0, 1, 2], at=6.0)
    asked = await store.question(round_id, 1)
    assert asked.sending and asked.message_id is None
    assert asked.question.options == ("c", "a", "b") and asked.question.correct == 2
    assert await store.last_activity(round_id) == 5.0


async def test_a_chat_moved_to_a_new_id_takes_everything_with_it(store, tmp_path):
    old, new = -5, -1000000000005
    round_id = await new_round(store, chat_id=old, chat_type="group")
    await store.save_settings(old, ChatSettings(seconds=60, lang=Lang.ZH))
    for user in (7, 8):
        await store.record_answer(
            chat_id=old, round_id=round_id, idx=0, user_id=user, option=1, judgement=RIGHT, at=1.0
        )
    # The new supergroup's first message may have been seen first: its row and a score exist.
    await store.ensure_chat(new, "supergroup", "G")
    other = await new_round(store, chat_id=-9)
    await store.record_answer(
        chat_id=new, round_id=other, idx=0, user_id=7, option=1, judgement=RIGHT, at=1.0
    )
    assert await store.move_chat(old, new)

    assert (await store.settings(new)).seconds == 60 and (await store.settings(new)).lang == Lang.ZH
    moved = await store.running_round(new)
    assert moved is not None and moved.state.round_id == round_id and moved.state.chat_id == new
    assert await store.running_round(old) is None
    assert (await store.stats(7, new)).points == 24 and (await store.stats(8, new)).points == 12
    assert (await store.stats(7, old)).answered == 0
    assert set(await store.seen(new)) == {q.key for q in QUESTIONS}
    assert await store.seen(old) == {}
    with sqlite3.connect(tmp_path / "t.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM chats WHERE id = ?", (old,)).fetchone() == (0,)
    assert not await store.move_chat(old, new)  # nothing left to move


async def test_which_round_runs_in_a_chat_follows_every_start_end_and_move(store):
    assert await store.running_round(-1) is None  # remembered: no round there
    round_id = await new_round(store)
    assert (await store.running_round(-1)).state.round_id == round_id
    assert (await store.running_round(-1)).state.round_id == round_id  # from memory
    await store.end_round(round_id, RoundStatus.STOPPED, 5.0)
    assert await store.running_round(-1) is None
    again = await new_round(store)
    await store.move_chat(-1, -1000000000001)
    assert await store.running_round(-1) is None
    assert (await store.running_round(-1000000000001)).state.round_id == again


async def test_the_round_cache_starts_afresh_instead_of_growing_without_end(store, monkeypatch):
    import bot.store as store_module

    monkeypatch.setattr(store_module, "MAX_CACHED_ROUNDS", 3)
    ids = []
    for chat in range(-1, -6, -1):
        round_id = await new_round(store, chat_id=chat)
        await store.end_round(round_id, RoundStatus.FINISHED, 1.0)
        ids.append(round_id)
    assert len(store._generation) <= 3
    for round_id in ids:  # every round still reads right, from the database when forgotten
        assert (await store.load_round(round_id)).state.status is RoundStatus.FINISHED


async def test_polls_are_remembered_only_while_their_question_is_open(store, monkeypatch):
    """A late vote in a closed poll, and a round ended with its question open, left the poll
    cached for good: one entry per such poll, for as long as the bot ran."""
    import bot.store as store_module

    closed = await new_round(store, chat_id=-1)
    await store.close_question(closed, 0, 31.0)
    late = await store.question_by_poll("p0")  # a vote that came after the close
    assert late.closed and late.round_id == closed
    stopped = await new_round(store, chat_id=-2)  # its question p0 too: the latest send wins
    await store.mark_sent(stopped, 1, deadline=60.0, poll_id="p1", message_id=11)
    assert (await store.question_by_poll("p1")).idx == 1
    await store.end_round(stopped, RoundStatus.STOPPED, 40.0)  # /stop while p1 was open
    assert store._by_poll == {}
    assert (await store.question_by_poll("p1")).idx == 1  # still read, from the database

    monkeypatch.setattr(store_module, "MAX_CACHED_POLLS", 3)
    for chat in range(-3, -9, -1):
        round_id = await new_round(store, chat_id=chat)
        await store.mark_sent(round_id, 1, deadline=60.0, poll_id=f"q{chat}", message_id=12)
    assert 0 < len(store._by_poll) <= 3
