"""The lookup's regression set: real-looking questions with the fact each must be answered with.

Accuracy per kind is printed at the end of the test run (see tests/conftest.py).
"""

from collections import Counter
from pathlib import Path

import pytest
import yaml

QUESTIONS_FILE = Path(__file__).with_name("questions.yaml")
QUESTIONS = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))["questions"]
TARGET = 0.95


def evaluate(lookup):
    """(kind -> (right, total), failures) over the whole question set."""
    right, total, failures = Counter(), Counter(), []
    for item in QUESTIONS:
        answer = lookup.answer(item["q"])
        expect = item.get("expect") or []
        if item["kind"] == "offtopic":
            ok = not answer.found
        else:
            ok = answer.found and answer.facts[0] in expect
        total[item["kind"]] += 1
        right[item["kind"]] += ok
        if not ok:
            failures.append((item["kind"], item["q"], expect, answer.facts, answer.score))
    return {k: (right[k], total[k]) for k in total}, failures


@pytest.fixture(scope="module")
def report(lookup, accuracy_report):
    by_kind, failures = evaluate(lookup)
    accuracy_report.update(by_kind=by_kind, failures=failures)
    return by_kind, failures


def test_question_set_is_large_and_varied():
    kinds = Counter(q["kind"] for q in QUESTIONS)
    assert len(QUESTIONS) >= 80
    assert kinds["offtopic"] >= 15
    assert kinds["zh"] >= 10 and kinds["typo"] >= 10


def test_question_set_names_only_real_facts(dataset):
    for item in QUESTIONS:
        for fact_id in item.get("expect") or []:
            assert fact_id in dataset.facts, (item["q"], fact_id)


@pytest.mark.parametrize("kind", ["en", "typo", "zh"])
def test_on_topic_questions_are_answered_with_the_right_fact(report, kind):
    by_kind, failures = report
    right, total = by_kind[kind]
    missed = [f for f in failures if f[0] == kind]
    assert right / total >= TARGET, f"{kind}: {right}/{total}; missed: {missed}"


def test_off_topic_questions_are_declined(report):
    by_kind, failures = report
    right, total = by_kind["offtopic"]
    answered = [f for f in failures if f[0] == "offtopic"]
    assert right / total >= TARGET, f"offtopic: {right}/{total}; answered: {answered}"
