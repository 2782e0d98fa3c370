"""Shared fixtures: the real dataset and lookup, built once per test session."""

import pytest

from bot.knowledge.dataset import DEFAULT_DATA_DIR, load_dataset
from bot.knowledge.lookup import Lookup

_ACCURACY: dict = {}


@pytest.fixture(scope="session")
def dataset():
    return load_dataset(DEFAULT_DATA_DIR)


@pytest.fixture(scope="session")
def lookup(dataset):
    return Lookup(dataset)


@pytest.fixture(scope="session")
def accuracy_report():
    return _ACCURACY


def pytest_terminal_summary(terminalreporter):
    """Print the question-set accuracy per kind, as the issue asks, after every run."""
    by_kind = _ACCURACY.get("by_kind")
    if not by_kind:
        return
    terminalreporter.section("lookup accuracy on tests/knowledge/questions.yaml")
    for kind, (right, total) in sorted(by_kind.items()):
        label = "declined" if kind == "offtopic" else "answered correctly"
        terminalreporter.write_line(f"{kind:>9}: {right}/{total} {label} ({right / total:.1%})")
    for kind, question, expect, got, score in _ACCURACY.get("failures", []):
        terminalreporter.write_line(
            f"  miss [{kind}] {question!r}: expected {expect}, got {list(got)} ({score})"
        )
