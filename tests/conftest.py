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
    """Print the lookup's accuracy per kind of reply on every question file scored in the run."""
    for name, report in _ACCURACY.items():
        terminalreporter.section(f"lookup accuracy on tests/knowledge/{name}")
        for line in report.lines():
            terminalreporter.write_line(line)
        for miss in report.misses:
            terminalreporter.write_line(
                f"  miss [{miss.kind}] {miss.question!r}: wanted {miss.wanted}; got {miss.got[:160]}"
            )
