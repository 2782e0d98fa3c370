"""The lookup on question sets as users ask them: the project's own (questions.yaml) and one
written from the facts sheet by outsiders who never read the lookup (outsider.yaml, outsider2.yaml).

Accuracy per kind of reply is printed at the end of every test run (see tests/conftest.py); the
scoring lives in tests/knowledge/accuracy.py, which takes any question file.
"""

from collections import Counter
from pathlib import Path

import pytest

from tests.knowledge.accuracy import KINDS, load_questions, score

HERE = Path(__file__).parent
# file -> accuracy per kind. outsider2.yaml is the tuning half of a second outsider's set (its
# other half is held out and scored apart).
QUESTION_FILES = {"questions.yaml": 0.95, "outsider.yaml": 0.85, "outsider2.yaml": 0.9}
OWN = load_questions(HERE / "questions.yaml")


@pytest.fixture(scope="module")
def reports(lookup, dataset, accuracy_report):
    out = {name: score(lookup, dataset, HERE / name) for name in QUESTION_FILES}
    accuracy_report.update(out)
    return out


def test_own_question_set_is_large_and_varied():
    kinds = Counter(q["kind"] for q in OWN)
    styles = Counter(q.get("style") for q in OWN)
    assert len(OWN) >= 200
    assert kinds["not_in_sources"] >= 30 and kinds["off_topic"] >= 45
    assert styles["zh"] >= 30 and styles["typo"] >= 10 and styles["followup"] >= 6
    # Off-topic questions that share words with the data are the ones a keyword index gets wrong.
    shared = ("won", "win", "award", "gold", "2025", "patent", "china", "shenzhen", "金", "奖")
    sharing = [
        q for q in OWN if q["kind"] == "off_topic" and any(w in q["q"].lower() for w in shared)
    ]
    assert len(sharing) >= 30


def test_question_sets_name_only_real_facts_and_kinds(dataset):
    for name in QUESTION_FILES:
        for item in load_questions(HERE / name):
            assert item["kind"] in KINDS, (name, item["q"])
            for fact_id in item.get("facts") or []:
                assert fact_id in dataset.facts, (name, item["q"], fact_id)


@pytest.mark.parametrize("name", list(QUESTION_FILES))
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_reply_is_given_when_due(reports, name, kind):
    report = reports[name]
    missed = [(m.question, m.got) for m in report.misses if m.kind == kind]
    assert report.accuracy(kind) >= QUESTION_FILES[name], f"{name} {kind}: missed {missed}"


def test_the_scorer_takes_any_file_and_checks_kind_facts_strings_and_context(
    lookup, dataset, tmp_path
):
    path = tmp_path / "set.yaml"
    path.write_text(
        """questions:
  - {q: "Who founded HUION?", kind: answer, facts: [huion.founder], expect: [["Xu Hefeng", "徐"]]}
  - {q: "Who founded HUION?", kind: answer, expect: ["Somebody Else"]}
  - {q: "When was it founded?", context: "Who founded HUION?", kind: answer, expect: ["2011"]}
  - {q: "Did Xiaomi win a gold?", kind: not_in_sources, expect: ["Xiaomi"]}
  - {q: "Did Xiaomi win a gold?", kind: answer}
  - {q: "tell me a joke", kind: off_topic}
  - {q: "Who founded HUION?", kind: off_topic}
""",
        encoding="utf-8",
    )
    report = score(lookup, dataset, path)
    assert (report.right["answer"], report.total["answer"]) == (2, 4)
    assert report.accuracy("not_in_sources") == 1.0 and report.accuracy("off_topic") == 0.5
    assert [m.question for m in report.misses] == [
        "Who founded HUION?",
        "Did Xiaomi win a gold?",
        "Who founded HUION?",
    ]
    lines = [line.strip() for line in report.lines()]
    assert lines[-2:] == ["all: 4/7 (57.1%)", "wrong answers: 1/2 off-topic questions answered"]
    assert report.answered_off_topic == 1
