"""The dataset loads, covers the facts, and every kind of broken file is named precisely."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.knowledge.dataset import DEFAULT_DATA_DIR, DatasetError, Qualifier, load_dataset

# The facts sheet lives in the steering repo's shared/ folder, beside this checkout.
FACTS_SHEET = Path(__file__).resolve().parents[3] / "shared" / "sources" / "FACTS.md"


def test_real_data_loads_with_sources_for_every_fact(dataset):
    assert len(dataset.topics) == 11
    for fact in dataset.facts.values():
        assert fact.sources and fact.answer.en
        assert all(s in dataset.sources for s in fact.sources)
        assert dataset.cite(fact)


def test_structured_figures_match_the_sources(dataset):
    def figure(fact_id, subject):
        return next(f for f in dataset.facts[fact_id].figures if f.subject == subject)

    golds = {
        r: figure(f"regions.{r}", r).value
        for r in ("guangdong", "beijing", "shanghai", "jiangsu", "zhejiang")
    }
    assert golds == {"guangdong": 11, "beijing": 9, "shanghai": 3, "jiangsu": 3, "zhejiang": 3}
    ranks = [
        figure(
            "clusters.shenzhen_hong_kong_guangzhou", "cluster_shenzhen_hong_kong_guangzhou"
        ).value,
        figure("clusters.beijing", "cluster_beijing").value,
        figure("clusters.shanghai_suzhou", "cluster_shanghai_suzhou").value,
    ]
    assert ranks == [1, 4, 6]
    tencent = figure("tencent.applications", "tencent")
    assert (tencent.value, tencent.qualifier) == (88000, Qualifier.MORE_THAN)


def test_numbers_in_answers_appear_in_the_facts_sheet(dataset):
    """No invented numbers: every figure written in an English answer is in FACTS.md."""
    if not FACTS_SHEET.exists():
        pytest.skip("the shared facts sheet is not beside this checkout")
    sheet = FACTS_SHEET.read_text(encoding="utf-8").replace(",", "")
    for fact in dataset.facts.values():
        for number in re.findall(r"\d[\d,.]*\d|\d", fact.answer.en):
            assert number.replace(",", "").rstrip(".") in sheet, (fact.id, number)


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def edit(data_dir: Path, name: str, change) -> None:
    path = data_dir / name
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def first_fact(doc):
    return doc["facts"][0]


BROKEN = [
    (
        "unknown key",
        "facts.yaml",
        lambda d: first_fact(d).update(colour="red"),
        "colour",
        "unknown field",
    ),
    ("missing key", "facts.yaml", lambda d: first_fact(d).pop("sources"), "sources", "missing"),
    ("wrong type", "facts.yaml", lambda d: first_fact(d).update(about="cnipa"), "about", "list"),
    (
        "empty sources",
        "facts.yaml",
        lambda d: first_fact(d).update(sources=[]),
        "sources",
        "at least one",
    ),
    (
        "dangling entity",
        "facts.yaml",
        lambda d: first_fact(d).update(about=["nobody"]),
        "about",
        "unknown entity",
    ),
    (
        "dangling source",
        "facts.yaml",
        lambda d: first_fact(d).update(sources=["S9"]),
        "sources",
        "unknown source",
    ),
    (
        "dangling topic",
        "facts.yaml",
        lambda d: first_fact(d).update(topic="weather"),
        "topic",
        "unknown topic",
    ),
    ("bad enum", "facts.yaml", lambda d: first_fact(d).update(kind="colour"), "kind", "not one of"),
    (
        "bool as number",
        "facts.yaml",
        lambda d: d["facts"][3].update(
            figures=[{"subject": "awards_2025", "measure": "gold_awards", "value": True}]
        ),
        "figures[0].value",
        "number",
    ),
    (
        "duplicate id",
        "facts.yaml",
        lambda d: d["facts"].append(dict(first_fact(d))),
        "id",
        "duplicate",
    ),
    (
        "bad date",
        "sources.yaml",
        lambda d: d["sources"][0].update(date="yesterday"),
        "date",
        "date",
    ),
    (
        "non-string alias",
        "entities.yaml",
        lambda d: d["entities"][0].update(aliases={"en": [5]}),
        "aliases.en",
        "strings",
    ),
    (
        "missing answer text",
        "facts.yaml",
        lambda d: first_fact(d).update(answer={"zh": "只有中文"}),
        "answer",
        "missing",
    ),
]


@pytest.mark.parametrize(
    ("case", "file", "change", "field", "problem"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_broken_file_names_file_entry_and_field(data_copy, case, file, change, field, problem):
    edit(data_copy, file, change)
    with pytest.raises(DatasetError) as caught:
        load_dataset(data_copy)
    error = caught.value
    assert error.file == file
    assert error.entry is not None
    assert field in (error.field or "")
    assert problem in str(error)


def test_yaml_syntax_error_names_the_line(data_copy):
    (data_copy / "topics.yaml").write_text(
        "topics:\n  - id: a\n    title: [unclosed\n", encoding="utf-8"
    )
    with pytest.raises(DatasetError, match=r"topics.yaml: YAML syntax error at line \d+"):
        load_dataset(data_copy)


def test_missing_file_and_wrong_top_level_are_named(data_copy):
    (data_copy / "sources.yaml").write_text("things: []\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"sources\.yaml: expected one top-level key 'sources'"):
        load_dataset(data_copy)
    (data_copy / "sources.yaml").unlink()
    with pytest.raises(DatasetError, match=r"sources\.yaml: file not found"):
        load_dataset(data_copy)


def test_quiz_question_limits_are_checked(data_copy):
    question = {
        "id": "q.test.1",
        "fact": "huion.founder",
        "question": {"en": "Who founded HUION?"},
        "options": {"en": ["Xu Hefeng", "x" * 101]},
        "correct": 0,
        "explanation": {"en": "HUION's founder is Xu Hefeng."},
    }
    (data_copy / "quiz.yaml").write_text(
        yaml.safe_dump({"questions": [question]}), encoding="utf-8"
    )
    with pytest.raises(DatasetError, match=r"q\.test\.1.*options\.en.*longer than 100"):
        load_dataset(data_copy)
    question["options"]["en"][1] = "Liu Jia"
    question["correct"] = 2
    (data_copy / "quiz.yaml").write_text(
        yaml.safe_dump({"questions": [question]}), encoding="utf-8"
    )
    with pytest.raises(DatasetError, match="correct"):
        load_dataset(data_copy)
