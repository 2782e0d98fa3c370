"""`python -m bot bench`: figures for the speed and memory targets, each printed with PASS or FAIL.

Lookup: latency (median, p99) over the question set on the real data and on the data grown 100x
with synthetic entities; start-up (load + validate + index). Quiz: see bot/sandbox/loadtest.py.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
import time

from bot.config import Settings
from bot.knowledge.dataset import Dataset, Figure, Text, load_dataset
from bot.knowledge.lookup import Lookup

# The benchmark ships its own questions (nothing in bot/ reads tests/): chat-style questions of
# every kind of reply, plus every authored quiz question in both languages (questions_for).
BENCH_QUESTIONS = (
    "Which province won the most golds?",
    "腾讯的专利是什么?",
    "huoin founder",
    "how many golds did guangdong win",
    "where were the awards presented",
    "when was the ceremony",
    "who is daren tang",
    "what did xu hefeng say about niche markets",
    "how many patent applications has byd filed",
    "比亚滴有多少专利申请",
    "第21届中国专利奖是哪年颁发的",
    "which cluster ranked first in the global innovation index",
    "where does xiao geng work",
    "and byd?",
    "What was Huawei's winning patent?",
    "Did Xiaomi win a gold?",
    "How many silvers were there this year?",
    "which companies won silver",
    "how much prize money do winners get",
    "华为的获奖专利是什么",
    "who won the oscar for best picture in 2025",
    "how do I file a patent in china",
    "tencent stock price",
    "what is the capital of France",
    "olympic gold medals china 2024",
    "你好",
    "今天天气怎么样",
    "is the huawei mate 70 worth buying",
    "how long is the train from beijing to dalian",
    "tell me a joke",
)
_SYLLABLES = "ka lo mi ra zen tor vix qua pel sun dar mek lio fen gor tas wun bel cro nyx".split()


def questions_for(dataset: Dataset) -> list[str]:
    """The bench's questions and the dataset's authored quiz questions, in both languages."""
    quiz = [text for item in dataset.quiz for text in (item.question.en, item.question.zh) if text]
    return [*BENCH_QUESTIONS, *quiz]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def grow(dataset: Dataset, factor: int, seed: int = 7) -> Dataset:
    """The dataset with `factor - 1` synthetic copies of every entity and fact, each copy under
    made-up names, so the index has `factor` times the names, terms and facts to search."""
    rng = random.Random(seed)
    entities = dict(dataset.entities)
    facts = dict(dataset.facts)
    for copy in range(1, factor):
        renamed: dict[str, str] = {}
        for entity in dataset.entities.values():
            word = "".join(rng.choice(_SYLLABLES) for _ in range(3))
            new_id = f"{entity.id}_x{copy}"
            renamed[entity.id] = new_id
            entities[new_id] = dataclasses.replace(
                entity,
                id=new_id,
                name=Text(f"{word.title()} {entity.name.en}", None),
                aliases_en=(word,),
                aliases_zh=(),
            )
        for fact in dataset.facts.values():
            new_id = f"{fact.id}.x{copy}"
            word = entities[renamed[fact.about[0]]].aliases_en[0] if fact.about else "synthetic"
            facts[new_id] = dataclasses.replace(
                fact,
                id=new_id,
                about=tuple(renamed[e] for e in fact.about),
                answer=Text(f"{word.title()}: {fact.answer.en}", None),
                figures=tuple(
                    Figure(
                        renamed.get(f.subject, f.subject), f.measure, f.value, f.qualifier, f.unit
                    )
                    for f in fact.figures
                ),
            )
    return dataclasses.replace(dataset, entities=entities, facts=facts)


def time_lookups(lookup: Lookup, questions: list[str], rounds: int) -> list[float]:
    """Per-call latencies in milliseconds."""
    for q in questions:  # warm caches once
        lookup.answer(q)
    samples: list[float] = []
    for _ in range(rounds):
        for q in questions:
            start = time.perf_counter_ns()
            lookup.answer(q)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def bench_lookup(settings: Settings, quick: bool) -> bool:
    """Print start-up and lookup latency against the targets; True if every target is met."""
    startups = []
    for _ in range(3 if quick else 7):
        start = time.perf_counter()
        dataset = load_dataset(settings.data_dir)
        lookup = Lookup(dataset)
        startups.append((time.perf_counter() - start) * 1000)
    questions = questions_for(dataset)
    startup_ok = statistics.median(startups) < 100
    print(
        f"start-up (load + validate + index): median {statistics.median(startups):.1f} ms"
        f" over {len(startups)} runs (target < 100 ms): {_verdict(startup_ok)}"
    )

    rounds = 3 if quick else 20
    real = time_lookups(lookup, questions, rounds)
    print(
        f"lookup, real data ({len(dataset.facts)} facts, {len(questions)} questions x {rounds}):"
        f" median {statistics.median(real):.3f} ms, p99 {percentile(real, 99):.3f} ms"
        f" (target p99 < 1 ms): {_verdict(percentile(real, 99) < 1)}"
    )

    start = time.perf_counter()
    big = grow(dataset, 100)
    big_lookup = Lookup(big)
    build_ms = (time.perf_counter() - start) * 1000
    grown = time_lookups(big_lookup, questions, max(1, rounds // 4))
    print(
        f"lookup, data x100 ({len(big.facts)} facts, {len(big.entities)} entities, index built in"
        f" {build_ms:.0f} ms): median {statistics.median(grown):.3f} ms, p99 {percentile(grown, 99):.3f} ms"
        f" (target p99 < 2 ms): {_verdict(percentile(grown, 99) < 2)};"
        f" p99 ratio x100/real {percentile(grown, 99) / percentile(real, 99):.1f}"
    )
    return startup_ok and percentile(real, 99) < 1 and percentile(grown, 99) < 2


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def run_bench(
    settings: Settings,
    *,
    quick: bool = False,
    only: str | None = None,
    minutes: float | None = None,
) -> int:
    """Every section, or `only` one; exit code 1 when a section misses a target it checks."""
    passed = True
    if only in (None, "lookup"):
        print("== lookup ==")
        passed &= bench_lookup(settings, quick)
    if only in (None, "quiz"):
        print("== quiz ==")
        from bot.sandbox.loadtest import bench_quiz

        passed &= bench_quiz(settings, quick)
    if only in (None, "inline"):
        print("== inline: '@bot question' answered through the whole bot ==")
        from bot.sandbox.inlinebench import bench_inline

        passed &= bench_inline(quick)
    from bot.sandbox import prodbench

    if only in (None, "fairness"):
        print("== fairness: a busy group beside 50 private chats ==")
        passed &= prodbench.bench_fairness(quick)
    if only in (None, "cpu"):
        print("== cpu per message: this bot against a bare echo bot ==")
        passed &= prodbench.bench_cpu(quick)
    if only in (None, "soak"):
        print("== soak: mixed traffic with 1% injected faults ==")
        passed &= prodbench.bench_soak(quick, minutes)
    return 0 if passed else 1
