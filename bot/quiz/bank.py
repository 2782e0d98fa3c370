"""The question bank: authored questions (data/quiz.yaml) plus questions generated from the
facts' structured figures, so the bank grows with the data. Pure: randomness is passed in.

A generated question is left out when an authored one already asks about the same figure, and
when it would break a fairness rule (bot/knowledge/fairness.py: four distinct options, none
made true by the right one, a whole-sentence explanation)."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Mapping, Set
from dataclasses import dataclass

from bot.knowledge import fairness
from bot.knowledge.dataset import (
    MAX_EXPLANATION,
    MAX_OPTION,
    MAX_QUESTION,
    Dataset,
    Entity,
    Fact,
    Figure,
    Lang,
    Qualifier,
)


@dataclass(frozen=True, slots=True)
class QuizQuestion:
    """A question ready to ask, in one language."""

    key: str  # stable across restarts and languages: authored id or "gen.<measure>.<subject>..."
    fact_id: str
    topic: str
    text: str
    options: tuple[str, ...]
    correct: int
    explanation: str


_QUALIFIER = {
    Lang.EN: {
        Qualifier.MORE_THAN: "more than ",
        Qualifier.ABOUT: "about ",
        Qualifier.NEARLY: "nearly ",
    },
    Lang.ZH: {Qualifier.MORE_THAN: "超过", Qualifier.ABOUT: "约", Qualifier.NEARLY: "近"},
}
# measure -> (question about a subject's number, question about which subject has a number)
_TEMPLATES: dict[str, dict[Lang, tuple[str, str | None]]] = {
    "gold_awards": {
        Lang.EN: (
            "How many 2025 gold awards went to {name}?",
            "Which region won {value} gold awards in 2025?",
        ),
        Lang.ZH: ("2025年{name}获得了几项金奖？", "2025年哪个地区获得了{value}项金奖？"),
    },
    "cluster_rank": {
        Lang.EN: (
            "Where did the {name} rank in the Global Innovation Index 2025?",
            "Which cluster ranked {value} in the Global Innovation Index 2025?",
        ),
        Lang.ZH: (
            "{name}在《2025年全球创新指数》中排名第几？",
            "哪个集群在《2025年全球创新指数》中排名{value}？",
        ),
    },
    "industry_growth_percent": {
        Lang.EN: (
            "By how many percent did China's {name} grow, as cited by WIPO's Daren Tang?",
            None,
        ),
        Lang.ZH: ("据世界知识产权组织总干事邓鸿森所述，中国{name}增长了百分之几？", None),
    },
    "patent_applications": {
        Lang.EN: ("How many patent applications has {name} filed, according to the reports?", None),
        Lang.ZH: ("据报道，{name}提交了多少件专利申请？", None),
    },
}
_RANK_WORDS = {Lang.EN: "No. {value}", Lang.ZH: "第{value}名"}
_ORDINALS = {
    Lang.EN: "first second third fourth fifth sixth seventh eighth ninth tenth".split(),
    Lang.ZH: [f"第{n}" for n in "一二三四五六七八九十"],
}
# Measures whose subjects are peers (regions, clusters, industries): their other values make
# fair wrong options. Two companies' application counts are not peers.
_PEER_MEASURES = {"gold_awards", "cluster_rank", "industry_growth_percent"}


def _number(value: float, qualifier: Qualifier, lang: Lang, unit: str = "") -> str:
    """ "more than 88,000" in English; "超过8.8万" in Chinese (万 and 亿, as Chinese sources write)."""
    if lang == Lang.ZH and abs(value) >= 10_000:
        big, word = (100_000_000, "亿") if abs(value) >= 100_000_000 else (10_000, "万")
        text = f"{value / big:.4f}".rstrip("0").rstrip(".") + word
    elif isinstance(value, int) or float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{_QUALIFIER[lang].get(qualifier, '')}{text}{unit}"


def _ordinal(value: float, lang: Lang) -> str:
    """1 -> "first" / "第一"; beyond ten, "No. 11" / "第11"."""
    n = int(value)
    if 1 <= n <= len(_ORDINALS[lang]):
        return _ORDINALS[lang][n - 1]
    return f"No. {n}" if lang == Lang.EN else f"第{n}"


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class QuestionBank:
    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self._asked_by_authors = authored_figures(dataset)
        generated_en = {q.key: q for q in self._generated(Lang.EN)}
        generated_zh = {q.key: q for q in self._generated(Lang.ZH) if q.key in generated_en}
        self._by_lang: dict[Lang, list[QuizQuestion]] = {
            Lang.EN: self._authored(Lang.EN) + list(generated_en.values()),
            # A generated question needs every name in Chinese (the answer's and its peers'):
            # without them it is left out of Chinese rounds rather than asked in English.
            Lang.ZH: self._authored(Lang.ZH) + list(generated_zh.values()),
        }
        self._by_key = {lang: {q.key: q for q in qs} for lang, qs in self._by_lang.items()}

    # -- building ---------------------------------------------------------------------------
    def _authored(self, lang: Lang) -> list[QuizQuestion]:
        out = []
        for item in self.dataset.quiz:
            options = item.options_zh if lang == Lang.ZH and item.options_zh else item.options_en
            out.append(
                QuizQuestion(
                    key=item.id,
                    fact_id=item.fact,
                    topic=self.dataset.facts[item.fact].topic,
                    text=item.question.get(lang),
                    options=tuple(options),
                    correct=item.correct,
                    explanation=item.explanation.get(lang),
                )
            )
        return out

    def _generated(self, lang: Lang) -> list[QuizQuestion]:
        """Questions from figures: "How many golds did X win?" and "Which region won N?"."""
        by_measure: dict[str, list[tuple[Fact, Entity, float, Qualifier]]] = defaultdict(list)
        for fact in self.dataset.facts.values():
            for figure in fact.figures:
                if figure.measure in _TEMPLATES:
                    entity = self.dataset.entities[figure.subject]
                    by_measure[figure.measure].append(
                        (fact, entity, figure.value, figure.qualifier)
                    )
        out: list[QuizQuestion] = []
        for measure, rows in by_measure.items():
            if measure == "gold_awards":  # regions only: the 40 in total is a different question
                rows = [r for r in rows if r[1].topic == "regions"]
            if len(rows) < 2:
                continue
            how_many, which = _TEMPLATES[measure][lang]
            values = sorted({r[2] for r in rows})
            for fact, entity, value, qualifier in rows:
                if lang == Lang.ZH and not (entity.name.zh and all(r[1].name.zh for r in rows)):
                    continue
                if (entity.id, measure) in self._asked_by_authors:
                    continue
                name = entity.name.get(lang)
                explanation = _whole_sentences(fact.answer.get(lang), MAX_EXPLANATION)
                if explanation is None:
                    continue
                right = self._format(measure, value, qualifier, lang)
                peers = values if measure in _PEER_MEASURES else [value]
                wrong = [
                    self._format(measure, v, qualifier, lang)
                    for v in _nearby(value, peers, qualifier)
                ]
                options, correct = _arrange(right, wrong, f"{measure}.{entity.id}")
                out.append(
                    QuizQuestion(
                        key=f"gen.{measure}.{entity.id}.count",
                        fact_id=fact.id,
                        topic=fact.topic,
                        text=_fit(how_many.format(name=name), MAX_QUESTION),
                        options=options,
                        correct=correct,
                        explanation=explanation,
                    )
                )
                same_value = [r for r in rows if r[2] == value]
                if which and len(same_value) == 1:  # "which region won 3" has three answers
                    others = [r[1].name.get(lang) for r in rows if r[2] != value][:3]
                    options, correct = _arrange(name, others, f"{measure}.{entity.id}.which")
                    out.append(
                        QuizQuestion(
                            key=f"gen.{measure}.{entity.id}.which",
                            fact_id=fact.id,
                            topic=fact.topic,
                            text=_fit(
                                which.format(value=self._value_words(measure, value, lang)),
                                MAX_QUESTION,
                            ),
                            options=tuple(_fit(o, MAX_OPTION) for o in options),
                            correct=correct,
                            explanation=explanation,
                        )
                    )
        return [q for q in out if _fair(q)]

    @staticmethod
    def _value_words(measure: str, value: float, lang: Lang) -> str:
        """The value inside a "which" question: "ranked first", "won 9 gold awards"."""
        if measure == "cluster_rank":
            return _ordinal(value, lang)
        return _number(value, Qualifier.EXACT, lang)

    @staticmethod
    def _format(measure: str, value: float, qualifier: Qualifier, lang: Lang) -> str:
        if measure == "cluster_rank":
            return _RANK_WORDS[lang].format(value=int(value))
        unit = "%" if measure == "industry_growth_percent" else ""
        return _number(value, qualifier, lang, unit)

    # -- using ------------------------------------------------------------------------------
    def questions(self, lang: Lang, topic: str | None = None) -> list[QuizQuestion]:
        return [q for q in self._by_lang[lang] if topic is None or q.topic == topic]

    def topics(self) -> list[str]:
        return sorted(
            {q.topic for q in self._by_lang[Lang.EN]}, key=list(self.dataset.topics).index
        )

    def get(self, key: str, lang: Lang) -> QuizQuestion | None:
        return self._by_key[lang].get(key)

    def pick(
        self,
        count: int,
        lang: Lang,
        rng: random.Random,
        topic: str | None = None,
        seen: Mapping[str, float] | Set[str] | None = None,
    ) -> list[QuizQuestion]:
        """Up to `count` different questions: unseen ones first (in random order), then those
        the chat saw longest ago (ties in random order). `seen` maps question key -> when the
        chat last saw it (Store.seen), or is a plain set of keys (all equally old). Fair: never
        two questions about the same fact, nor one whose explanation states another's answer.
        Fewer than `count` when the pool is smaller."""
        if seen is None:
            seen = {}
        elif not isinstance(seen, Mapping):
            seen = dict.fromkeys(seen, 0.0)
        pool = self.questions(lang, topic)
        fresh = [q for q in pool if q.key not in seen]
        old = [q for q in pool if q.key in seen]
        rng.shuffle(fresh)
        rng.shuffle(old)
        old.sort(key=lambda q: seen[q.key])  # stable: equally old ones stay shuffled
        chosen: list[QuizQuestion] = []
        for q in fresh + old:
            if len(chosen) >= count:
                break
            if all(q.fact_id != c.fact_id and not gives_away(q, c) for c in chosen):
                chosen.append(q)
        return chosen

    def find_topic(self, text: str) -> str | None:
        """The topic a user named: its id, its title, or the name or alias of an entity it is
        about ("huion", "Regions", "腾讯", "/quiz china mobile"). Casefolded, exact match."""
        key = _COMMAND.sub("", text.strip()).strip().casefold()
        key = " ".join(key.replace("_", " ").split())
        if not key:
            return None
        for topic in self.dataset.topics.values():
            names = {topic.id.replace("_", " "), topic.title.en, topic.title.zh or ""}
            if key in {n.casefold() for n in names if n}:
                return topic.id
        for entity in self.dataset.entities.values():
            names = {entity.name.en, entity.name.zh or "", *entity.aliases_en, *entity.aliases_zh}
            if entity.topic and key in {n.casefold() for n in names if n}:
                return entity.topic
        return None


_COMMAND = re.compile(r"^/quiz(@\w+)?(\s+|$)", re.IGNORECASE)


def gives_away(a: QuizQuestion, b: QuizQuestion) -> bool:
    """One question's explanation states the other's answer ("Beijing won 9, second only to
    Guangdong's 11" answers "Which region won the most?"): they cannot share a round."""
    return states(a.explanation, b.options[b.correct]) or states(
        b.explanation, a.options[a.correct]
    )


def states(text: str, answer: str) -> bool:
    """`answer` appears in `text` as a whole word or number ("9" is not in "1989" or "9.5")."""
    answer = answer.strip().casefold()
    if not answer:
        return False
    pattern = r"(?<![\w.,])" + re.escape(answer) + r"(?![\w]|[.,]\d)"
    return re.search(pattern, text.casefold()) is not None


def _nearby(value: float, values: list[float], qualifier: Qualifier) -> list[float]:
    """Three wrong numbers near the right one: peers' values first, then neighbours. For "more
    than N" only larger numbers are wrong ("more than N/2" would be true as well)."""
    if qualifier is Qualifier.MORE_THAN or value >= 1000:
        factors = (2, 3, 5) if qualifier is Qualifier.MORE_THAN else (0.5, 2, 3)
        return [int(value * f) for f in factors]
    candidates = [v for v in values if v != value]
    step = max(1, round(abs(value) * 0.25)) if value >= 8 else 1
    for k in (1, 2, 3, 4):
        candidates += [value + k * step, value - k * step]
    out: list[float] = []
    for v in candidates:
        if v > 0 and v != value and v not in out:
            out.append(v)
    return sorted(out, key=lambda v: abs(v - value))[:3]


def _fair(q: QuizQuestion) -> bool:
    """A generated question keeps the rules authored ones are held to by the loader."""
    return (
        len(q.options) == fairness.OPTIONS
        and fairness.same_options(q.options) is None
        and fairness.implied_option(q.options, q.correct) is None
        and fairness.is_whole_sentence(q.explanation)
    )


_CLAUSE_END = re.compile(r"(?<=[.;。；])\s*")
_ORDINAL_WORDS = {w: i + 1 for i, w in enumerate(_ORDINALS[Lang.EN])}


def _whole_sentences(text: str, limit: int) -> str | None:
    """The text if it fits, else its longest leading run of sentences or ";"-clauses that fits,
    closed with a full stop (never cut mid-sentence); None when not even the first fits."""
    if len(text) <= limit:
        return text
    fitted = ""
    for clause in _CLAUSE_END.split(text):
        if len(fitted) + len(clause) > limit:
            break
        fitted += clause if not fitted or fitted[-1] in "。；" else " " + clause
    fitted = fitted.rstrip(" ;；")
    if not fitted:
        return None
    zh = fitted[-1] >= "\u3000"
    return fitted if fitted[-1] in ".。" else fitted + ("。" if zh else ".")


def authored_figures(dataset: Dataset) -> set[tuple[str, str]]:
    """The figures (subject, measure) an authored question asks about: it names the figure's
    subject and states its value in the question or the right option ("Where did the Beijing
    cluster rank?" / "4th"; "Which region came second, with 9 gold awards?" / "Beijing").
    A generated question about one of these would repeat the authored one."""
    figures = [
        f for fact in dataset.facts.values() for f in fact.figures if f.measure in _TEMPLATES
    ]
    out: set[tuple[str, str]] = set()
    for item in dataset.quiz:
        said = f"{item.question.en} {item.options_en[item.correct]}"
        for figure in figures:
            if _says_figure(said, figure, dataset):
                out.add((figure.subject, figure.measure))
    return out


def _says_figure(text: str, figure: Figure, dataset: Dataset) -> bool:
    """`text` names the figure's subject and states its value."""
    entity = dataset.entities[figure.subject]
    names = (entity.name.en, *entity.aliases_en)
    if not any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.IGNORECASE) for n in names):
        return False
    numbers = {float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}
    numbers |= {
        _ORDINAL_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _ORDINAL_WORDS
    }
    return figure.value in numbers


def _arrange(right: str, wrong: list[str], seed: str) -> tuple[tuple[str, ...], int]:
    """Options in a fixed order per question (so a restart shows the same), right one placed by
    a hash of the question so it is not always first."""
    options = [right, *[w for w in wrong if w != right]][:4]
    rng = random.Random(seed)
    rng.shuffle(options)
    return tuple(options), options.index(right)
