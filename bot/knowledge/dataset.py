"""The awards dataset: typed records loaded from data/*.yaml, validated on load.

Files (all UTF-8 YAML, one top-level key each):
  sources.yaml   sources:  [{id, title, title_is_description?, publisher, date?, url?, author?,
                             cite: {en, zh}}]
  topics.yaml    topics:   [{id, title: {en, zh?}, summary: {en, zh?}}]
  entities.yaml  entities: [{id, kind, name: {en, zh?}, aliases?: {en?: [..], zh?: [..]}, topic?}]
  facts.yaml     facts:    [{id, topic, about: [entity ids], kind, answer: {en, zh?},
                             cues?: {en?: [..], zh?: [..]}, figures?: [{subject, measure, value,
                             qualifier?, unit?}], sources: [source ids],
                             gives?: [attributes], edition?: N, year?: YYYY}]
  quiz.yaml      questions: [{id, fact, question: {en, zh?}, options: {en: [..], zh?: [..]},
                              correct: index, explanation: {en, zh?}}]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import yaml

from bot.knowledge import fairness


class Lang(StrEnum):
    EN = "en"
    ZH = "zh"


@dataclass(frozen=True, slots=True)
class Text:
    """A sentence or name in English, with a Chinese version where one was written."""

    en: str
    zh: str | None = None

    def get(self, lang: Lang | str) -> str:
        return self.zh if lang == Lang.ZH and self.zh else self.en


class EntityKind(StrEnum):
    ORGANISATION = "organisation"
    PERSON = "person"
    PLACE = "place"
    EVENT = "event"
    AWARD = "award"
    THING = "thing"  # a product, technology, index or other named thing


class AnswerKind(StrEnum):
    """What a fact answers: lets question cues (who / how many / where / when) pick facts."""

    NUMBER = "number"
    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    DATE = "date"
    DESCRIPTION = "description"


class Attribute(StrEnum):
    """What a question asks for and what a fact gives: a fact answers a question about its entity
    only if it gives the attribute asked for ("when was HUION launched" needs a date, not a name)."""

    DATE = "date"  # a date or a year
    PLACE = "place"
    PERSON = "person"
    ORGANISATION = "organisation"
    NUMBER = "number"  # a count or an amount, with its unit
    AWARD = "award"  # what was awarded: the winning patent, design or product
    WINNER = "winner"  # who won: names winners of the awards
    RANK = "rank"
    SHARE = "share"  # a share, percentage or growth rate
    QUOTE = "quote"  # what someone said
    REASON = "reason"  # why


# What a fact gives when its `gives` is not written: what its kind says.
GIVES_BY_KIND = {
    AnswerKind.NUMBER: (Attribute.NUMBER,),
    AnswerKind.PERSON: (Attribute.PERSON,),
    AnswerKind.ORGANISATION: (Attribute.ORGANISATION,),
    AnswerKind.PLACE: (Attribute.PLACE,),
    AnswerKind.DATE: (Attribute.DATE,),
    AnswerKind.DESCRIPTION: (),
}


class Qualifier(StrEnum):
    """How exact a figure is: stay as vague as the source."""

    EXACT = "exact"
    MORE_THAN = "more_than"
    ABOUT = "about"
    NEARLY = "nearly"


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    publisher: str
    date: dt.date | None  # None: the facts sheet gives no date
    cite: (
        Text  # short citation under answers: en "Xinhua, 19 Oct 2025", zh "新华社，2025年10月19日"
    )
    url: str | None = None
    author: str | None = None
    title_is_description: bool = False  # the headline is unknown: the title describes the source


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: Text
    summary: Text


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    kind: EntityKind
    name: Text
    aliases_en: tuple[str, ...] = ()
    aliases_zh: tuple[str, ...] = ()
    topic: str | None = None  # the topic that is mainly about this entity, if any


@dataclass(frozen=True, slots=True)
class Figure:
    """A number stated by a fact, as structured data (for lookups and generated quiz questions)."""

    subject: str  # entity id
    measure: str  # e.g. gold_awards, patent_applications, cluster_rank
    value: int | float
    qualifier: Qualifier = Qualifier.EXACT
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    id: str
    topic: str
    about: tuple[str, ...]
    kind: AnswerKind
    answer: Text
    sources: tuple[str, ...]
    cues_en: tuple[str, ...] = ()
    cues_zh: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    gives: tuple[Attribute, ...] = ()  # what the fact answers (see Attribute)
    edition: int | None = None  # an earlier edition of the award the fact is about (e.g. 23)
    year: int | None = None  # the year its figures are for, when not the 2025 awards'


@dataclass(frozen=True, slots=True)
class QuizItem:
    """An authored multiple-choice question as written in data/quiz.yaml."""

    id: str
    fact: str
    question: Text
    options_en: tuple[str, ...]
    correct: int
    explanation: Text
    options_zh: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Dataset:
    sources: dict[str, Source]
    topics: dict[str, Topic]
    entities: dict[str, Entity]
    facts: dict[str, Fact]
    quiz: tuple[QuizItem, ...] = field(default=())

    def facts_of_topic(self, topic_id: str) -> list[Fact]:
        return [f for f in self.facts.values() if f.topic == topic_id]

    def cite(self, fact: Fact, lang: Lang | str = Lang.EN) -> str:
        """The short citation line for a fact in a language, e.g. "Xinhua, 19 Oct 2025; China
        Daily, 15 Oct 2025" or "新华社，2025年10月19日；中国日报，2025年10月15日"."""
        return self.cite_sources(fact.sources, lang)

    def cite_sources(self, source_ids: Iterable[str], lang: Lang | str = Lang.EN) -> str:
        """The citations of these sources (each once, in order) joined in a language."""
        separator = "；" if lang == Lang.ZH else "; "
        return separator.join(self.sources[s].cite.get(lang) for s in dict.fromkeys(source_ids))


class DatasetError(ValueError):
    """A data file is broken. The message names the file, the entry and the field."""

    def __init__(self, file: str, entry: str | None, field_name: str | None, problem: str):
        self.file, self.entry, self.field, self.problem = file, entry, field_name, problem
        where = file
        if entry is not None:
            where += f", entry {entry!r}"
        if field_name is not None:
            where += f", field {field_name!r}"
        super().__init__(f"{where}: {problem}")


# -- loading and validation --------------------------------------------------------------------

# The dataset: bot/data inside an installed package (pyproject.toml maps the repo's top-level
# data/ there in a wheel), else the repo's data/ beside the package (a checkout, an editable
# install). Deployments may point elsewhere with AWARDS_BOT_DATA (bot/config.py).
_PACKAGE = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = _PACKAGE / "data" if (_PACKAGE / "data").is_dir() else _PACKAGE.parent / "data"
FILES = ("sources.yaml", "topics.yaml", "entities.yaml", "facts.yaml", "quiz.yaml")
_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")  # entity, topic and measure ids
_FACT_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_]*$")  # "<topic>.<name>"
_QUIZ_ID = re.compile(r"^q\.([a-z][a-z0-9_]*)\.[0-9]+$")  # "q.<topic>.<n>"
# Telegram quiz-poll limits (PollLimit) that authored questions must respect.
MAX_QUESTION, MAX_OPTION, MAX_EXPLANATION, MAX_EXPLANATION_LINES = 255, 100, 200, 2


# libyaml's parser when PyYAML was built with it: ten times faster than the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"


class _YamlProblem(Exception):
    """A problem PyYAML itself lets through (a repeated key, a merge key), found at a node."""

    def __init__(self, problem: str, node: yaml.Node, key: object = None):
        super().__init__(problem)
        self.problem, self.line, self.key = problem, node.start_mark.line + 1, key


def _build(node: yaml.Node, loader) -> object:
    """Python data from a composed node, as safe_load builds it, but refusing repeated keys
    (safe_load keeps the last silently) and about twice as fast: plain strings, most of the
    data, skip the constructor."""
    kind = node.__class__
    if kind is yaml.ScalarNode:
        if node.tag == _TAG + "str":
            return node.value
        try:
            return loader.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError) as error:  # 2025-02-30 looks like a date
            raise _YamlProblem(f"cannot read {node.value!r}: {error}", node) from None
    if kind is yaml.SequenceNode:
        if node.tag != _TAG + "seq":
            raise _YamlProblem(f"unsupported tag {node.tag!r}", node)
        return [_build(item, loader) for item in node.value]
    if node.tag != _TAG + "map":
        raise _YamlProblem(f"unsupported tag {node.tag!r}", node)
    out: dict = {}
    for key_node, value_node in node.value:
        if key_node.tag == _TAG + "merge":
            raise _YamlProblem("merge keys (<<) are not supported", key_node)
        key = _build(key_node, loader)
        if isinstance(key, list | dict):
            raise _YamlProblem("a key must be a plain value, not a list or mapping", key_node)
        if key in out:
            raise _YamlProblem(f"duplicate key {key!r}", key_node, key)
        try:
            out[key] = _build(value_node, loader)
        except _YamlProblem as problem:
            if problem.key is None:  # name the field whose value could not be read
                problem.key = key
            raise
    return out


def _node_label(node: yaml.Node, index: int) -> str:
    """An entry's name for messages: its id if it has a plain one, else its position (#1...)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if (
                key_node.value == "id"
                and isinstance(value_node, yaml.ScalarNode)
                and value_node.value.strip()
            ):
                return value_node.value.strip()
    return f"#{index + 1}"


def _yaml_error(name: str, error: yaml.YAMLError, entry: str | None = None) -> DatasetError:
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(error, "problem", None) or str(error)
    return DatasetError(name, entry, None, f"YAML syntax error{where}: {problem}")


def _read(data_dir: Path, name: str, top: str, required: bool = True) -> list[tuple[str, object]]:
    """The entries of one file's top-level list, each with its label for messages."""
    path = data_dir / name
    if not path.is_file():
        if required:
            raise DatasetError(name, None, None, f"file not found in {data_dir}")
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise DatasetError(name, None, None, f"not UTF-8 text: {error}") from None
    except OSError as error:
        raise DatasetError(name, None, None, f"cannot be read: {error}") from None
    loader = _LOADER(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as error:
            raise _yaml_error(name, error) from None
        if (
            not isinstance(root, yaml.MappingNode)
            or len(root.value) != 1
            or root.value[0][0].value != top
        ):
            raise DatasetError(name, None, None, f"expected one top-level key {top!r}")
        items = root.value[0][1]
        if not isinstance(items, yaml.SequenceNode):
            raise DatasetError(name, None, top, "expected a list of entries")
        entries = []
        for index, item in enumerate(items.value):
            label = _node_label(item, index)
            try:
                entries.append((label, _build(item, loader)))
            except _YamlProblem as problem:
                field_name = problem.key if isinstance(problem.key, str) else None
                raise DatasetError(
                    name, label, field_name, f"{problem.problem} at line {problem.line}"
                ) from None
            except yaml.YAMLError as error:
                raise _yaml_error(name, error, label) from None
            except RecursionError:
                raise DatasetError(name, label, None, "nested too deeply") from None
        return entries
    finally:
        loader.dispose()


class _Entry:
    """Reads one YAML mapping, raising DatasetError that names file, entry and field."""

    def __init__(self, file: str, raw: object, label: str):
        self.file, self.label = file, label
        if not isinstance(raw, dict):
            raise DatasetError(file, label, None, f"expected a mapping, got {type(raw).__name__}")
        self.raw = raw
        if isinstance(raw.get("id"), str) and raw["id"].strip():
            self.label = raw["id"].strip()

    def fail(self, field_name: str | None, problem: str) -> DatasetError:
        return DatasetError(self.file, self.label, field_name, problem)

    def check_keys(self, required: set[str], optional: set[str] = frozenset()) -> None:
        missing = sorted(required - self.raw.keys())
        if missing:
            raise self.fail(missing[0], "missing required field")
        unknown = sorted(map(str, set(self.raw) - required - optional))
        if unknown:
            allowed = ", ".join(sorted(required | optional))
            raise self.fail(unknown[0], f"unknown field (allowed: {allowed})")

    def str(self, key: str, required: bool = True) -> str | None:
        value = self.raw.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a non-empty string, got {value!r}")
        return value.strip()

    def ident(self, key: str = "id", pattern: re.Pattern = _ID, rule: str = "") -> str:
        value = self.str(key)
        if not pattern.match(value):
            rule = rule or "letters, digits, _ . -"
            raise self.fail(key, f"{value!r} is not a valid id ({rule})")
        return value

    def snake(self, key: str = "id") -> str:
        return self.ident(key, _SNAKE, "snake_case: lower-case letters, digits and _")

    def text(self, key: str, required: bool = True) -> Text | None:
        value = self.raw.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping with 'en' (and optional 'zh'), got {value!r}")
        inner = _Entry(self.file, value, self.label)
        try:
            inner.check_keys({"en"}, {"zh"})
            return Text(inner.str("en"), inner.str("zh", required=False))
        except DatasetError as error:
            raise self.fail(f"{key}.{error.field}", error.problem) from None

    def str_list(self, key: str, value: object = None, required: bool = False) -> tuple[str, ...]:
        value = self.raw.get(key) if value is None else value
        if value is None:
            if required:
                raise self.fail(key, "missing required field")
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, f"expected a list of non-empty strings, got {value!r}")
        return tuple(v.strip() for v in value)

    def lang_lists(self, key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        value = self.raw.get(key)
        if value is None:
            return (), ()
        if not isinstance(value, dict) or set(value) - {"en", "zh"}:
            raise self.fail(key, f"expected a mapping with 'en' and/or 'zh' lists, got {value!r}")
        return (
            self.str_list(f"{key}.en", value.get("en")),
            self.str_list(f"{key}.zh", value.get("zh")),
        )

    def enum(self, key: str, enum: type[StrEnum], default: StrEnum | None = None, value=None):
        value = self.raw.get(key) if value is None else value
        if value is None and default is not None:
            return default
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise self.fail(key, f"{value!r} is not one of: {allowed}") from None


def _unique(file: str, items: list, kind: str) -> dict:
    out: dict = {}
    for item in items:
        if item.id in out:
            raise DatasetError(file, item.id, "id", f"duplicate {kind} id")
        out[item.id] = item
    return out


def _source(entry: _Entry) -> Source:
    entry.check_keys(
        {"id", "title", "publisher", "cite"}, {"date", "url", "author", "title_is_description"}
    )
    source_id = entry.ident()
    date = entry.raw.get("date")
    described = entry.raw.get("title_is_description", False)
    if not isinstance(described, bool):
        raise entry.fail("title_is_description", f"expected true or false, got {described!r}")
    if isinstance(date, dt.datetime):
        date = date.date()
    elif "date" in entry.raw and not isinstance(date, dt.date):
        try:
            date = dt.date.fromisoformat(date) if isinstance(date, str) else None
        except ValueError:
            date = None
        if date is None:
            raise entry.fail("date", f"expected a date YYYY-MM-DD, got {entry.raw['date']!r}")
    cite = entry.text("cite")
    if not cite.zh:
        raise entry.fail("cite.zh", "missing: a citation is shown in both languages")
    url = entry.str("url", required=False)
    if url and not re.match(r"^https?://\S+$", url):
        raise entry.fail("url", f"expected an http(s) URL, got {url!r}")
    return Source(
        id=source_id,
        title=entry.str("title"),
        publisher=entry.str("publisher"),
        date=date,
        cite=cite,
        url=url,
        author=entry.str("author", required=False),
        title_is_description=described,
    )


def _topic(entry: _Entry) -> Topic:
    entry.check_keys({"id", "title", "summary"})
    return Topic(entry.snake(), entry.text("title"), entry.text("summary"))


def _entity(entry: _Entry) -> Entity:
    entry.check_keys({"id", "kind", "name"}, {"aliases", "topic"})
    entity_id = entry.snake()
    aliases_en, aliases_zh = entry.lang_lists("aliases")
    return Entity(
        id=entity_id,
        kind=entry.enum("kind", EntityKind),
        name=entry.text("name"),
        aliases_en=aliases_en,
        aliases_zh=aliases_zh,
        topic=entry.str("topic", required=False),
    )


def _figure(entry: _Entry, index: int, raw: object) -> Figure:
    field_name = f"figures[{index}]"
    try:
        inner = _Entry(entry.file, raw, entry.label)
        inner.check_keys({"subject", "measure", "value"}, {"qualifier", "unit"})
        value = raw["value"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise inner.fail("value", f"expected a number, got {value!r}")
        return Figure(
            subject=inner.str("subject"),
            measure=inner.snake("measure"),
            value=value,
            qualifier=inner.enum("qualifier", Qualifier, Qualifier.EXACT),
            unit=inner.str("unit", required=False),
        )
    except DatasetError as error:
        where = f"{field_name}.{error.field}" if error.field else field_name
        raise entry.fail(where, error.problem) from None


def _fact(entry: _Entry) -> Fact:
    entry.check_keys(
        {"id", "topic", "about", "kind", "answer", "sources"},
        {"cues", "figures", "gives", "edition", "year"},
    )
    fact_id = entry.ident(pattern=_FACT_ID, rule="'<topic>.<name>', lower-case snake_case")
    topic = entry.str("topic")
    if not fact_id.startswith(f"{topic}."):
        raise entry.fail("id", f"a fact id starts with its topic: expected '{topic}.<name>'")
    about = entry.str_list("about", required=True)
    if not about:
        raise entry.fail("about", "every fact is about at least one entity")
    kind = entry.enum("kind", AnswerKind)
    answer = entry.text("answer")
    cues_en, cues_zh = entry.lang_lists("cues")
    figures = entry.raw.get("figures", [])
    if not isinstance(figures, list):
        raise entry.fail("figures", f"expected a list of figures, got {figures!r}")
    sources = entry.str_list("sources", required=True)
    if not sources:
        raise entry.fail("sources", "every fact needs at least one source")
    gives = (
        tuple(
            entry.enum(f"gives[{i}]", Attribute, value=raw)
            for i, raw in enumerate(entry.str_list("gives"))
        )
        or GIVES_BY_KIND[kind]
    )
    return Fact(
        id=fact_id,
        topic=topic,
        about=about,
        kind=kind,
        answer=answer,
        sources=sources,
        cues_en=cues_en,
        cues_zh=cues_zh,
        figures=tuple(_figure(entry, i, raw) for i, raw in enumerate(figures)),
        gives=gives,
        edition=_whole_number(entry, "edition", 1, 99),
        year=_whole_number(entry, "year", 1985, 2100),
    )


def _whole_number(entry: _Entry, key: str, low: int, high: int) -> int | None:
    value = entry.raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise entry.fail(key, f"expected a whole number {low}..{high}, got {value!r}")
    return value


def _quiz_item(entry: _Entry) -> QuizItem:
    entry.check_keys({"id", "fact", "question", "options", "correct", "explanation"})
    item_id = entry.ident(pattern=_QUIZ_ID, rule="'q.<topic>.<number>'")
    fact_id = entry.str("fact")
    question, explanation = entry.text("question"), entry.text("explanation")
    options = entry.raw["options"]
    if not isinstance(options, dict) or "en" not in options or set(options) - {"en", "zh"}:
        raise entry.fail(
            "options", "expected a mapping with an 'en' list and an optional 'zh' list"
        )
    options_en = entry.str_list("options.en", options["en"], required=True)
    options_zh = entry.str_list("options.zh", options["zh"], True) if "zh" in options else None
    if len(options_en) != fairness.OPTIONS:
        raise entry.fail(
            "options.en", f"expected exactly {fairness.OPTIONS} options, got {len(options_en)}"
        )
    if options_zh is not None and len(options_zh) != len(options_en):
        raise entry.fail(
            "options.zh",
            f"has {len(options_zh)} options, 'en' has {len(options_en)}: give the same, in order",
        )
    correct = entry.raw["correct"]
    if (
        isinstance(correct, bool)
        or not isinstance(correct, int)
        or not 0 <= correct < len(options_en)
    ):
        raise entry.fail(
            "correct", f"expected an option index 0..{len(options_en) - 1}, got {correct!r}"
        )
    for lang in ("en", "zh"):
        q, e = question.get(lang), explanation.get(lang)
        if len(q) > MAX_QUESTION:
            raise entry.fail(f"question.{lang}", f"{len(q)} characters, longer than {MAX_QUESTION}")
        if len(e) > MAX_EXPLANATION:
            raise entry.fail(
                f"explanation.{lang}", f"{len(e)} characters, longer than {MAX_EXPLANATION}"
            )
        if e.count("\n") > MAX_EXPLANATION_LINES:
            raise entry.fail(f"explanation.{lang}", f"more than {MAX_EXPLANATION_LINES} line feeds")
        if dangling := fairness.dangling_reference(q):
            raise entry.fail(
                f"question.{lang}",
                f"{dangling!r} refers to nothing: a poll shows the question alone; name it",
            )
        if not fairness.is_whole_sentence(e):
            raise entry.fail(
                f"explanation.{lang}",
                f"not a whole sentence (end it with . ! ? or 。！？, not cut off): {e!r}",
            )
        listed = options_zh if lang == "zh" and options_zh else options_en
        for option in listed:
            if len(option) > MAX_OPTION:
                raise entry.fail(f"options.{lang}", f"option longer than {MAX_OPTION}: {option!r}")
        if same := fairness.same_options(listed):
            a, b = (listed[i] for i in same)
            raise entry.fail(
                f"options.{lang}",
                f"two options are the same (ignoring case, spaces and punctuation): {a!r}, {b!r}",
            )
        if (implied := fairness.implied_option(listed, correct)) is not None:
            raise entry.fail(
                f"options.{lang}",
                f"wrong option {listed[implied]!r} is true as well: the correct "
                f"{listed[correct]!r} implies it",
            )
    return QuizItem(
        id=item_id,
        fact=fact_id,
        question=question,
        options_en=options_en,
        correct=correct,
        explanation=explanation,
        options_zh=options_zh,
    )


def _parse(data_dir: Path, name: str, top: str, build, required: bool = True) -> list:
    return [build(_Entry(name, raw, label)) for label, raw in _read(data_dir, name, top, required)]


def load_dataset(data_dir: Path | str = DEFAULT_DATA_DIR) -> Dataset:
    """Read and validate data/*.yaml (quiz.yaml is optional). Raises DatasetError naming the
    file, the entry and the field of the first problem found."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DatasetError(str(data_dir), None, None, "data directory not found")
    sources = _unique(
        "sources.yaml", _parse(data_dir, "sources.yaml", "sources", _source), "source"
    )
    topics = _unique("topics.yaml", _parse(data_dir, "topics.yaml", "topics", _topic), "topic")
    entities = _unique(
        "entities.yaml", _parse(data_dir, "entities.yaml", "entities", _entity), "entity"
    )
    facts = _unique("facts.yaml", _parse(data_dir, "facts.yaml", "facts", _fact), "fact")
    quiz = _parse(data_dir, "quiz.yaml", "questions", _quiz_item, required=False)
    _unique("quiz.yaml", quiz, "question")

    def ref(file: str, entry: str, field_name: str, value: str, known: dict, kind: str) -> None:
        if value not in known:
            raise DatasetError(file, entry, field_name, f"unknown {kind} {value!r}")

    for entity in entities.values():
        if entity.topic is not None:
            ref("entities.yaml", entity.id, "topic", entity.topic, topics, "topic")
    for fact in facts.values():
        ref("facts.yaml", fact.id, "topic", fact.topic, topics, "topic")
        for entity_id in fact.about:
            ref("facts.yaml", fact.id, "about", entity_id, entities, "entity")
        for source_id in fact.sources:
            ref("facts.yaml", fact.id, "sources", source_id, sources, "source")
        for i, figure in enumerate(fact.figures):
            ref("facts.yaml", fact.id, f"figures[{i}].subject", figure.subject, entities, "entity")
    for item in quiz:
        ref("quiz.yaml", item.id, "fact", item.fact, facts, "fact")
        topic = _QUIZ_ID.match(item.id).group(1)
        if topic != facts[item.fact].topic:
            raise DatasetError(
                "quiz.yaml",
                item.id,
                "id",
                f"its fact {item.fact!r} is in topic {facts[item.fact].topic!r}: "
                f"expected 'q.{facts[item.fact].topic}.<number>'",
            )
    return Dataset(sources, topics, entities, facts, tuple(quiz))


def summary(dataset: Dataset) -> str:
    """One line for `python -m bot validate` and the start-up log."""
    return (
        f"ok: {len(dataset.topics)} topics, {len(dataset.entities)} entities, "
        f"{len(dataset.facts)} facts, {len(dataset.sources)} sources, "
        f"{len(dataset.quiz)} quiz questions"
    )
