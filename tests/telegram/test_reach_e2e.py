"""Reach: answers in any chat (inline mode), rounds started from links, Challenge a friend.

Every test runs the real bot against the project's emulator and checks that the bot provoked no
Bot API error (the emulator checks inline results as Telegram does)."""

from __future__ import annotations

import pytest

from tests.telegram.conftest import buttons, say, tap
from tests.telegram.test_quiz_e2e import correct_of, db_rows, polls_in, vote

pytestmark = pytest.mark.usefixtures("no_errors")


@pytest.fixture
def ann(emulator):
    return emulator.add_user("Ann", username="ann")


async def ask_inline(sandbox, emulator, user, text) -> list[dict]:
    query_id = emulator.inline_query(user, text)
    await sandbox.settle()
    answer = emulator.inline_answer(query_id)
    assert answer is not None, f"inline query {text!r} not answered"
    return answer["results"]


def message_of(result: dict) -> str:
    return result["input_message_content"]["message_text"]


# -- inline mode ----------------------------------------------------------------------------------


async def test_an_inline_question_is_answered_with_its_source(sandbox, strict, ann):
    results = await ask_inline(sandbox, strict, ann, "who founded huion")
    assert 1 <= len(results) <= 3
    first = results[0]
    assert "Xu Hefeng" in first["title"] + first["description"] + message_of(first)
    assert "who founded huion" in message_of(first)  # the question heads the shared message
    assert "Xinhua" in message_of(first)


async def test_an_inline_question_in_chinese_is_answered_in_chinese(sandbox, strict, ann):
    (first, *_) = await ask_inline(sandbox, strict, ann, "绘王的创始人是谁")
    assert "Xu Hefeng" in message_of(first) and "新华社" in message_of(first)


async def test_a_joined_answer_offers_each_fact_on_its_own(sandbox, strict, ann):
    results = await ask_inline(sandbox, strict, ann, "tell me about byd")
    joined, *singles = results
    assert joined["id"] == "answer" and 2 <= len(results) <= 3
    for single in singles:  # one fact, with its own source in brackets
        assert single["title"].rstrip("…") in message_of(joined)
        assert "(Xinhua" in message_of(single)


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("which companies won silver this year", "Not in my sources"),
        ("who won the oscar for best picture in 2025", "Not about the 2025 China Patent Awards"),
    ],
)
async def test_what_the_sources_cannot_answer_gets_one_honest_result(
    sandbox, strict, ann, question, title
):
    (result,) = await ask_inline(sandbox, strict, ann, question)
    assert result["title"] == title
    url = result["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert url == f"https://t.me/{strict.bot_username}"


async def test_an_empty_inline_query_lists_the_topics(sandbox, strict, ann, dataset):
    results = await ask_inline(sandbox, strict, ann, "")
    assert [r["title"] for r in results] == [t.title.en for t in dataset.topics.values()]
    assert all(len(message_of(r)) <= 4096 for r in results)


@pytest.mark.parametrize("query", ["<b>gold</b> & <i>", "x" * 256, "🎉🎉", "\u200b", "/quiz"])
async def test_odd_inline_queries_still_get_an_answer(sandbox, strict, ann, query):
    results = await ask_inline(sandbox, strict, ann, query)
    assert len(results) <= 50


# -- deep links -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "topic", "questions"),
    [
        ("quiz", None, 5),
        ("quiz-huion", "huion", None),
        ("quiz-huion-3", "huion", 3),
        ("quiz-china_mobile", "china_mobile", None),
        ("quiz-2", None, 2),
    ],
)
async def test_a_start_link_starts_a_private_round(
    sandbox, strict, settings, ann, payload, topic, questions
):
    replies = await say(sandbox, ann, ann, f"/start {payload}")
    assert any("poll" in m for m in replies)
    ((got_topic, total, status),) = db_rows(settings, "SELECT topic, total, status FROM rounds")
    assert (got_topic, status) == (topic, "running")
    if questions:
        assert total == questions


@pytest.mark.parametrize(
    "payload", ["quiz-nonsense", "hello", "quiz-99", "quiz-huion-0", "x" * 70, "quiz--", "QUIZ-"]
)
async def test_a_bad_start_link_gets_the_usual_welcome(sandbox, strict, settings, ann, payload):
    (reply,) = await say(sandbox, ann, ann, f"/start {payload}")
    assert "Hello" in reply["text"]
    assert db_rows(settings, "SELECT COUNT(*) FROM rounds") == [(0,)]


async def test_a_group_link_offers_a_round_with_a_start_button(sandbox, strict, settings, ann):
    ben = strict.add_user("Ben")
    group = strict.add_group("Fans", members=[ann, ben])
    strict.bot_status[group] = "left"
    strict.add_bot_to_group(group, ann)  # t.me/bot?startgroup=quiz-huion: added, then /start
    offer = (await say(sandbox, group, ann, f"/start@{strict.bot_username} quiz-huion"))[-1]
    assert "HUION" in offer["text"]
    ((label, _),) = buttons(offer)
    started, _ = await tap(sandbox, group, offer, ben, label)
    assert any("poll" in m for m in started)
    assert db_rows(settings, "SELECT topic, started_by FROM rounds") == [("huion", ben)]
    _, again = await tap(sandbox, group, offer, ann, label)
    assert "already running" in again["text"]


async def test_an_anonymous_admin_gets_the_offer_too(sandbox, strict, settings, ann):
    group = strict.add_group("Anon", members=[ann])
    (offer,) = await say(
        sandbox, group, None, f"/start@{strict.bot_username} quiz", sender_chat_id=group
    )
    assert len(buttons(offer)) == 1  # offered, to be started by whoever taps
    assert db_rows(settings, "SELECT COUNT(*) FROM rounds") == [(0,)]


# -- Challenge a friend ---------------------------------------------------------------------------


async def test_the_results_offer_a_challenge_with_the_players_own_score(
    sandbox, strict, settings, ann
):
    await say(sandbox, ann, ann, "/quiz huion 2")
    for _ in range(2):
        poll = polls_in(strict, ann)[-1]["poll"]
        await vote(sandbox, poll, ann, correct_of(poll))
    results = strict.last_bot_message(ann)
    rows = results["reply_markup"]["inline_keyboard"]
    challenge = rows[-1][0]
    assert challenge["switch_inline_query"].startswith("challenge ")
    ((points,),) = db_rows(settings, "SELECT SUM(points) FROM answers")

    (shared,) = await ask_inline(sandbox, strict, ann, challenge["switch_inline_query"])
    assert f"{points} points" in message_of(shared)
    link = shared["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert link == f"https://t.me/{strict.bot_username}?start=quiz-huion-2"
    assert strict.inline_queries  # and the link starts the same round for a friend:
    friend = strict.add_user("Fay")
    await say(sandbox, friend, friend, "/start quiz-huion-2")
    assert db_rows(settings, "SELECT topic, total FROM rounds WHERE chat_id = ?", friend) == [
        ("huion", 2)
    ]


async def test_a_challenge_for_a_round_one_did_not_play_shares_nothing(sandbox, strict, ann):
    assert await ask_inline(sandbox, strict, ann, "challenge 424242") == []
