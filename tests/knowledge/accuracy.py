"""Score the lookup on a question file: accuracy per kind of reply (answer, not_in_sources,
off_topic), as a user sees it.

A question file (YAML) holds `questions: [{q, kind, style?, facts?, expect?, context?}]`:
- kind: the reply it must get: answer | not_in_sources | off_topic;
- facts: for an answer, fact ids of which its first fact must be one;
- expect: strings that must appear in the reply's text, each a string or a list of alternatives
  (compared case-insensitively);
- context: the question asked just before, for a follow-up (asked first, in the same chat).

Used by test_questions.py for every question file in this folder; point it at another file with
    python -m tests.knowledge.accuracy PATH [PATH...]
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from bot.knowledge.dataset import DEFAULT_DATA_DIR, Dataset, load_dataset
from bot.knowledge.lookup import Lookup, ReplyKind
from bot.knowledge.wording import compose

KINDS = tuple(kind.value for kind in ReplyKind)


@dataclass
class Miss:
    kind: str
    question: str
    wanted: str  # what the file asks for (facts or strings)
    got: str  # the reply's kind, facts and text


@dataclass
class Report:
    path: Path
    right: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)
    # Off-topic questions that got an answer: the confident wrong replies that cost most trust.
    answered_off_topic: int = 0

    def accuracy(self, kind: str) -> float:
        return self.right[kind] / self.total[kind] if self.total[kind] else 1.0

    def lines(self) -> list[str]:
        out = [
            f"{kind:>15}: {self.right[kind]}/{self.total[kind]} ({self.accuracy(kind):.1%})"
            for kind in KINDS
            if self.total[kind]
        ]
        all_right, all_total = sum(self.right.values()), sum(self.total.values())
        out.append(f"{'all':>15}: {all_right}/{all_total} ({all_right / max(all_total, 1):.1%})")
        if self.total["off_topic"]:
            out.append(
                f"{'wrong answers':>15}: {self.answered_off_topic}/{self.total['off_topic']}"
                " off-topic questions answered"
            )
        return out

    def without_misses(self) -> Report:
        """The same figures with no list of misses (for held-out sets: see test_heldout.py)."""
        return replace(self, misses=[])


def load_questions(path: Path | str) -> list[dict]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))["questions"]


def _contains(text: str, wanted) -> bool:
    alternatives = wanted if isinstance(wanted, list) else [wanted]
    return any(str(a).casefold() in text.casefold() for a in alternatives)


def score(lookup: Lookup, dataset: Dataset, path: Path | str) -> Report:
    report = Report(Path(path))
    for item in load_questions(path):
        earlier = lookup.answer(item["context"]).context if item.get("context") else None
        answer = lookup.answer(item["q"], context=earlier)
        text = compose(answer, dataset).plain()
        kind = item["kind"]
        ok = answer.kind.value == kind
        if ok and item.get("facts"):
            ok = bool(answer.facts) and answer.facts[0] in item["facts"]
        if ok and item.get("expect"):
            ok = all(_contains(text, wanted) for wanted in item["expect"])
        report.total[kind] += 1
        report.answered_off_topic += kind == "off_topic" and answer.kind is ReplyKind.ANSWER
        report.right[kind] += ok
        if not ok:
            wanted = f"{kind} {item.get('facts') or ''} {item.get('expect') or ''}".strip()
            got = f"{answer.kind.value} {list(answer.facts)}: {text!r}"
            report.misses.append(Miss(kind, item["q"], wanted, got))
    return report


def main(paths: list[str]) -> int:
    dataset = load_dataset(DEFAULT_DATA_DIR)
    lookup = Lookup(dataset)
    for path in paths:
        report = score(lookup, dataset, path)
        print(f"== {path}")
        print("\n".join(report.lines()))
        for miss in report.misses:
            print(f"  miss [{miss.kind}] {miss.question!r}: wanted {miss.wanted}; got {miss.got}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
