"""The round rules with time passed in: no sleeping, no Telegram."""

from dataclasses import replace

import pytest

from bot.quiz.bank import QuizQuestion
from bot.quiz.round import (
    ChatSettings,
    RoundState,
    RoundStatus,
    Verdict,
    can_stop,
    parse_round_size,
    points_for,
    rank,
    reveal,
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
    ("left", "points"), [(30, 15), (29, 14), (15, 12), (6, 11), (5.9, 10), (0, 10)]
)
def test_speed_bonus_is_the_share_of_time_left_times_five(left, points):
    assert points_for(True, left, 30) == points


def test_right_answer_scores_and_wrong_answer_scores_nothing():
    assert judge(state(), T0 + 3).points == 14
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
    assert judge(s, T0 + 10).points == 13  # 20 of 30 s left: bonus floor(5 * 2/3) = 3
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
