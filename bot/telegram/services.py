"""The application-wide services handlers use, kept in `application.bot_data` (not module globals)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram.ext import ContextTypes

from bot.config import Settings
from bot.knowledge.dataset import Dataset
from bot.knowledge.lookup import Lookup
from bot.telegram.followups import FollowUps

if TYPE_CHECKING:
    from bot.quiz.bank import QuestionBank
    from bot.store import Store

SERVICES_KEY = "services"


@dataclass(slots=True)
class Services:
    settings: Settings
    dataset: Dataset
    lookup: Lookup
    bank: QuestionBank
    clock: Callable[[], float]
    rng: random.Random = field(default_factory=random.Random)
    followups: FollowUps = field(default_factory=FollowUps)  # what each asker last asked about
    store: Store | None = None  # opened in post_init, closed in post_shutdown


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]
