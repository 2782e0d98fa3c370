"""The round rules with time passed in: no sleeping, no Telegram."""

import random
from dataclasses import replace

import pytest

from bot.knowledge.dataset import Lang
from bot.quiz.bank import QuizQuestion
from bot.quiz.round import (
    CORRECT_POINTS,
    MAX_SPEED_BONUS,
    SCORING_RULE,
    ChatSettings,
    Period,
    RoundState,
    RoundStatus,
    Verdict,
    can_stop,
    is_stuck,
    parse_quiz_args,
    parse_round_size,
    period_start,
    points_for,
    rank,
    reveal,
    should_auto_stop,
    shuffle_options,
)

T0 = 1_000_000.0


def state(**changes) -> RoundState:
    base = dict(
        round_id=1,
        chat_id=-5,
        started_by=7,
        is_private=False,
        seconds=30,
        total=3,
        index=0,
        deadline=T0 + 30,
        closed=False,
    )
    base.update(changes)
    return RoundState(**base)


def judge(s: RoundState, at: float, option=1, already=False, index=0, poll=False):
    return s.judge(
        index=index,
        option=option,
        correct_option=1,
        n_options=4,
        at=at,
        already_answered=already,
        enforce_deadline=not poll,
    )


@pytest.mark.parametrize(
    ("left", "points"),
    [(30, 15), (29.9, 15), (24.1, 15), (24, 14), (15, 13), (6.1, 12), (6, 11), (0.1, 11), (0, 10)],
)
def test_speed_bonus_is_five_in_the_first_fifth_of_the_time_down_to_one_in_the_last(left, points):
    assert points_for(True, left, 30) == points


def test_an_instant_answer_reaches_the_stated_maximum():
    assert points_for(True, 29.5, 30) == CORRECT_POINTS + MAX_SPEED_BONUS
    assert f"up to {MAX_SPEED_BONUS}" in SCORING_RULE[Lang.EN]


def test_right_answer_scores_and_wrong_answer_scores_nothing():
    assert judge(state(), T0 + 3).points == 15
    wrong = judge(state(), T0 + 3, option=2)
    assert wrong.counts and not wrong.correct and wrong.points == 0


def test_late_answer_scores_nothing():
    late = judge(state(), T0 + 31)
    assert late.verdict is Verdict.LATE and late.points == 0


def test_poll_answer_after_the_deadline_counts_while_the_question_is_open():
    # Telegram closed the poll on time; a vote it delivers late (bot restarting) was cast in time.
    assert judge(state(), T0 + 90, poll=True).verdict is Verdict.ACCEPTED
    assert judge(state(closed=True), T0 + 90, poll=True).verdict is Verdict.LATE


def test_second_answer_of_a_player_is_a_duplicate():
    assert judge(state(), T0 + 1, already=True).verdict is Verdict.DUPLICATE


def test_answer_to_another_question_or_a_finished_round_is_stale():
    assert judge(state(), T0 + 1, index=2).verdict is Verdict.STALE
    assert judge(state(status=RoundStatus.STOPPED), T0 + 1).verdict is Verdict.STALE
    assert judge(state(deadline=None), T0 + 1).verdict is Verdict.STALE


def test_forged_option_is_refused():
    assert judge(state(), T0 + 1, option=9).verdict is Verdict.BAD_OPTION
    assert judge(state(), T0 + 1, option=-1).verdict is Verdict.BAD_OPTION


def test_question_is_due_at_its_deadline_and_closes_once():
    assert not state().due(T0 + 29.9)
    assert state().due(T0 + 30)
    assert not state(closed=True).due(T0 + 30)


def test_after_close_moves_on_then_finishes():
    s = state()
    s = s.after_close()
    assert (s.index, s.deadline, s.closed, s.status) == (1, None, False, RoundStatus.RUNNING)
    s = s.after_close().after_close()
    assert s.status is RoundStatus.FINISHED


def test_private_rounds_move_on_after_the_answer_groups_wait_for_the_timer():
    assert state(is_private=True).closes_after_answer()
    assert not state().closes_after_answer()


def test_only_starter_or_admin_may_stop_a_group_round():
    assert can_stop(is_private=False, user_id=7, started_by=7, is_admin=False)
    assert can_stop(is_private=False, user_id=8, started_by=7, is_admin=True)
    assert not can_stop(is_private=False, user_id=8, started_by=7, is_admin=False)
    assert can_stop(is_private=True, user_id=8, started_by=7, is_admin=False)


def test_ties_share_a_rank():
    assert rank([("a", 5), ("b", 9), ("c", 9), ("d", 1)]) == [
        (1, "b", 9),
        (1, "c", 9),
        (3, "a", 5),
        (4, "d", 1),
    ]


def test_a_group_round_walks_through_its_questions_on_the_timer():
    s = state(total=2)
    assert judge(s, T0 + 10).points == 14  # 20 of 30 s left: the second fifth, bonus 4
    assert not s.due(T0 + 10) and s.due(T0 + 30)
    s = s.after_close()
    assert judge(s, T0 + 31, index=0).verdict is Verdict.STALE  # the old question
    assert judge(s, T0 + 31, index=1).verdict is Verdict.STALE  # not sent yet (no deadline)
    s = replace(s, deadline=T0 + 70)
    assert judge(s, T0 + 40, index=1).verdict is Verdict.ACCEPTED
    assert s.after_close().status is RoundStatus.FINISHED


def test_reveal_names_who_was_right_and_wrong_in_answer_order():
    q = QuizQuestion("k", "f", "t", "Q?", ("a", "b"), 1, "because")
    shown = reveal(q, [(1, "Ann", True, 14), (2, "Ben", False, 0), (3, "Cai", True, 11)])
    assert shown.answer == "b"
    assert shown.right == ((1, "Ann", 14), (3, "Cai", 11))
    assert shown.wrong == ((2, "Ben"),)


def test_round_size_and_settings_are_validated():
    assert parse_round_size("10") == 10
    assert parse_round_size("²") is None and parse_round_size("1000") is None
    assert (
        parse_round_size("0") is None
        and parse_round_size("21") is None
        and parse_round_size("ten") is None
    )
    settings = ChatSettings()
    assert settings.changed("seconds", "60").seconds == 60
    assert settings.changed("seconds", "5") is None
    assert settings.changed("mode", "rocket") is None
    assert settings.changed("lang", "zh").lang == "zh"


def test_a_round_stops_itself_after_two_unanswered_questions_in_a_group_one_in_private():
    assert not should_auto_stop(1, is_private=False) and should_auto_stop(2, is_private=False)
    assert not should_auto_stop(0, is_private=True) and should_auto_stop(1, is_private=True)


def test_a_round_silent_for_longer_than_a_question_can_take_is_stuck():
    assert not is_stuck(T0, 30, T0 + 300)
    assert is_stuck(T0, 30, T0 + 331)


@pytest.mark.parametrize(
    ("text", "count", "topic", "bad"),
    [
        ("", None, None, False),
        ("10", 10, None, False),
        ("10 huion", 10, "huion", False),
        ("huion 10", 10, "huion", False),
        ("china mobile", None, "china mobile", False),
        ("3 china mobile", 3, "china mobile", False),
        ("50", None, None, True),
        ("huion 0", None, None, True),
    ],
)
def test_quiz_arguments_take_a_size_first_or_last(text, count, topic, bad):
    args = parse_quiz_args(text)
    assert (args.count, args.topic, args.bad_count) == (count, topic, bad)


def test_weeks_start_on_monday_and_months_on_the_first_utc():
    wednesday_noon = 1_760_529_600.0  # Wed 15 Oct 2025, 12:00 UTC
    assert period_start(Period.WEEK, wednesday_noon) == 1_760_313_600.0  # Mon 13 Oct 00:00
    assert period_start(Period.MONTH, wednesday_noon) == 1_759_276_800.0  # Wed 1 Oct 00:00
    assert period_start(Period.ALL, wednesday_noon) == 0.0


def test_shuffled_options_keep_the_right_answer_and_the_order_maps_back():
    q = QuizQuestion("k", "f", "t", "Q?", ("a", "b", "c", "d"), 1, "because")
    shown, order = shuffle_options(q, random.Random(3))
    assert shown.options[shown.correct] == "b"
    assert [q.options[i] for i in order] == list(shown.options)


def test_each_position_is_right_about_equally_often_over_many_rounds():
    # Authored data puts the right option second in about half the questions; shuffled at send
    # time, each of four positions is right close to a quarter of the time.
    q = QuizQuestion("k", "f", "t", "Q?", ("a", "b", "c", "d"), 1, "because")
    rng, n = random.Random(11), 8000
    counts = [0, 0, 0, 0]
    for _ in range(n):
        counts[shuffle_options(q, rng)[0].correct] += 1
    expected = n / 4
    chi2 = sum((c - expected) ** 2 / expected for c in counts)
    assert chi2 < 16.3, counts  # 3 degrees of freedom, p = 0.001
