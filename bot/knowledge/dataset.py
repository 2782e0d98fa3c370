"""The awards dataset: typed records loaded from data/*.yaml, validated on load.

Files (all UTF-8 YAML, one top-level key each):
  sources.yaml   sources:  [{id, title, publisher, date, url?, author?, cite}]
  topics.yaml    topics:   [{id, title: {en, zh?}, summary: {en, zh?}}]
  entities.yaml  entities: [{id, kind, name: {en, zh?}, aliases?: {en?: [..], zh?: [..]}, topic?}]
  facts.yaml     facts:    [{id, topic, about: [entity ids], kind, answer: {en, zh?},
                             cues?: {en?: [..], zh?: [..]}, figures?: [{subject, measure, value,
                             qualifier?, unit?}], sources: [source ids]}]
  quiz.yaml      questions: [{id, fact, question: {en, zh?}, options: {en: [..], zh?: [..]},
                              correct: index, explanation: {en, zh?}}]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


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
    date: dt.date
    cite: str  # short citation shown under answers, e.g. "Xinhua, 19 Oct 2025"
    url: str | None = None
    author: str | None = None


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

    def cite(self, fact: Fact) -> str:
        """The short citation line for a fact, e.g. "Xinhua, 19 Oct 2025; China Daily, 15 Oct 2025"."""
        return "; ".join(self.sources[s].cite for s in fact.sources)


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


# load_dataset(data_dir: Path) -> Dataset and its validation live below.
