"""What each asker last asked about: per chat and user, forgotten after a while, bounded."""

from bot.knowledge.lookup import Context
from bot.telegram.followups import FollowUps

HUION, BYD = Context("huion"), Context("byd")


def test_each_asker_in_each_chat_has_their_own_context():
    memory = FollowUps()
    memory.remember(1, 10, HUION, at=0)
    memory.remember(1, 11, BYD, at=0)
    memory.remember(2, 10, BYD, at=0)
    assert memory.recall(1, 10, at=1) == HUION
    assert memory.recall(1, 11, at=1) == BYD
    assert memory.recall(2, 10, at=1) == BYD
    assert memory.recall(3, 10, at=1) is None


def test_context_expires_after_the_time_to_live():
    memory = FollowUps(ttl=300)
    memory.remember(1, 10, HUION, at=1000)
    assert memory.recall(1, 10, at=1300) == HUION
    assert memory.recall(1, 10, at=1300.5) is None
    assert len(memory) == 0  # an expired entry is dropped, not kept


def test_a_question_about_nothing_forgets_the_context():
    memory = FollowUps()
    memory.remember(1, 10, HUION, at=0)
    memory.remember(1, 10, None, at=5)
    assert memory.recall(1, 10, at=6) is None


def test_memory_is_bounded_and_forgets_the_least_recent_asker_first():
    memory = FollowUps(capacity=3)
    for user in range(3):
        memory.remember(1, user, HUION, at=user)
    memory.remember(1, 0, BYD, at=10)  # user 0 asks again: now the most recent
    memory.remember(1, 3, HUION, at=11)
    assert len(memory) == 3
    assert memory.recall(1, 1, at=12) is None  # the least recent went
    assert memory.recall(1, 0, at=12) == BYD
