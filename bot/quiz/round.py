"""Quiz rules: scoring. (The round state machine is being built in issue 3.)"""

from __future__ import annotations

from bot.knowledge.dataset import Lang

CORRECT_POINTS = 10
MAX_SPEED_BONUS = 5

SCORING_RULE = {
    Lang.EN: (
        f"a right answer scores {CORRECT_POINTS} points plus a speed bonus of up to "
        f"{MAX_SPEED_BONUS} (the share of the time still left, times {MAX_SPEED_BONUS}, rounded "
        "down); a wrong or late answer scores nothing. Only your first answer to a question counts."
    ),
    Lang.ZH: (
        f"答对得{CORRECT_POINTS}分，另有最多{MAX_SPEED_BONUS}分的速度加分（剩余时间占比乘以"
        f"{MAX_SPEED_BONUS}，向下取整）；答错或超时不得分。每题只算你的第一次作答。"
    ),
}


def points_for(correct: bool, time_left: float, time_limit: float) -> int:
    """Points for one answer: 10 for a right one, plus floor(5 * time_left / time_limit)."""
    if not correct or time_left < 0:
        return 0
    share = min(max(time_left / time_limit, 0.0), 1.0) if time_limit > 0 else 0.0
    return CORRECT_POINTS + int(MAX_SPEED_BONUS * share)
