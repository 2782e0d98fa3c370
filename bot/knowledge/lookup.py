"""Answer a question by looking its keywords up in the dataset.

Pipeline (built once at start, then pure per question):
1. Normalise and split: Latin words, CJK runs (text.py).
2. Correct typos: a Latin word the index does not know is replaced by the closest known term
   (rapidfuzz), if it is close enough.
3. Find entities: the longest runs of words that spell a name or alias; Chinese names by substring.
4. Score facts: entity, cue, answer and topic terms, weighted by field and by rarity (idf), with a
   bonus when the fact is the kind of answer asked for (how many -> number, who -> person ...).
5. Decide: answer when the best fact is strong and most of the question was understood; else
   decline and suggest up to three topics the bot does know.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.knowledge.dataset import AnswerKind, Dataset, Fact, Lang
from bot.knowledge.text import (
    STOPWORDS,
    canonical,
    cjk_bigrams,
    has_cjk,
    latin_terms,
    tokenize,
)

# Field weights: a name says more about a fact than its cue words, and cue words more than the
# words that merely occur in its answer sentence.
ENTITY_WEIGHT = 3.0
CUE_WEIGHT = 2.0
ANSWER_WEIGHT = 1.0
TOPIC_WEIGHT = 0.7
KIND_BONUS = 1.3

MIN_SCORE = 2.0  # below this the best fact is a coincidence, not an answer
MIN_UNDERSTOOD = 0.6  # share of the question's content words the index knows
FUZZY_CUTOFF = 80  # rapidfuzz ratio for a typo to count as a known word
MAX_FACTS = 3  # one to three sentences
TIE_RATIO = 0.97  # facts this close to the best are equally good answers (e.g. three regions)

DEFAULT_SUGGESTIONS = ("awards", "regions", "huion")

# Characters that carry no topic in a Chinese question (particles, question words).
_ZH_FUNCTION_CHARS = frozenset(
    "的是了吗呢吧啊呀么什谁哪几多少个在有和与及或请问我你他她它们这那怎样为把被给对从到"
)

# Question words -> the kinds of answer wanted.
_KIND_CUES_EN: dict[tuple[str, ...], tuple[AnswerKind, ...]] = {
    ("how", "many"): (AnswerKind.NUMBER,),
    ("how", "much"): (AnswerKind.NUMBER,),
    ("number",): (AnswerKind.NUMBER,),
    ("who",): (AnswerKind.PERSON, AnswerKind.ORGANISATION),
    ("whose",): (AnswerKind.PERSON, AnswerKind.ORGANISATION),
    ("where",): (AnswerKind.PLACE,),
    ("which", "city"): (AnswerKind.PLACE,),
    ("which", "region"): (AnswerKind.PLACE,),
    ("which", "province"): (AnswerKind.PLACE,),
    ("when",): (AnswerKind.DATE,),
    ("what", "date"): (AnswerKind.DATE,),
    ("what", "day"): (AnswerKind.DATE,),
    ("which", "year"): (AnswerKind.DATE,),
    ("what", "year"): (AnswerKind.DATE,),
}
_KIND_CUES_ZH: dict[str, tuple[AnswerKind, ...]] = {
    "多少": (AnswerKind.NUMBER,),
    "几": (AnswerKind.NUMBER,),
    "谁": (AnswerKind.PERSON, AnswerKind.ORGANISATION),
    "哪里": (AnswerKind.PLACE,),
    "哪儿": (AnswerKind.PLACE,),
    "在哪": (AnswerKind.PLACE,),
    "哪个城市": (AnswerKind.PLACE,),
    "哪个省": (AnswerKind.PLACE,),
    "什么时候": (AnswerKind.DATE,),
    "何时": (AnswerKind.DATE,),
    "哪天": (AnswerKind.DATE,),
    "哪一天": (AnswerKind.DATE,),
    "日期": (AnswerKind.DATE,),
}


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    facts: tuple[str, ...]
    score: float
    found: bool
    lang: Lang
    suggestions: tuple[str, ...] = ()  # topic ids offered when the answer is not found


@dataclass(frozen=True, slots=True)
class _Query:
    terms: dict[str, float]  # term -> how strongly the question says it (1.0, or less for a typo)
    kinds: tuple[AnswerKind, ...]
    understood: float  # share of content words (or Chinese characters) the index knows
    lang: Lang


def _entity_term(entity_id: str) -> str:
    return "@" + entity_id


def _zh_terms(text: str) -> list[str]:
    """Bigrams of a Chinese text that are not made of function characters only."""
    out: list[str] = []
    for run in tokenize(text).cjk_runs:
        out.extend(g for g in cjk_bigrams(run) if not set(g) <= _ZH_FUNCTION_CHARS)
    return out


class Lookup:
    """An index over one dataset. Build once at start; `answer` is then pure and fast."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self._phrases: dict[tuple[str, ...], set[str]] = defaultdict(set)  # Latin alias -> entities
        self._zh_names: dict[str, set[str]] = defaultdict(set)  # Chinese alias -> entities
        self._postings: dict[str, dict[str, float]] = defaultdict(dict)  # term -> fact -> weight
        self._build()
        n = max(len(dataset.facts), 1)
        self._idf = {t: math.log(1 + n / len(p)) for t, p in self._postings.items()}
        self._max_phrase = max((len(p) for p in self._phrases), default=1)
        self._zh_by_length = sorted(self._zh_names, key=len, reverse=True)
        self._vocab = {t for t in self._postings if not t.startswith("@") and not has_cjk(t)}
        self._vocab.update(w for phrase in self._phrases for w in phrase)
        # Typos rarely change a word's length by more than two or both its first and last
        # letter: fuzzy candidates are bucketed so a lookup scans a few hundred words, not all.
        self._fuzzy_buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in self._vocab:
            if len(word) >= 4:
                self._fuzzy_buckets[(word[0], len(word))].append(word)
                if word[-1] != word[0]:
                    self._fuzzy_buckets[(word[-1], len(word))].append(word)

    # -- index ------------------------------------------------------------------------------
    def _build(self) -> None:
        ds = self.dataset
        for entity in ds.entities.values():
            for name in (entity.name.en, *entity.aliases_en):
                terms = tuple(latin_terms(name))
                if terms:
                    self._phrases[terms].add(entity.id)
            for name in (entity.name.zh, *entity.aliases_zh):
                if name:
                    self._zh_names[name].add(entity.id)
        for fact in ds.facts.values():
            weights: dict[str, float] = defaultdict(float)
            for entity_id in fact.about:
                weights[_entity_term(entity_id)] += ENTITY_WEIGHT
            for cue in fact.cues_en:
                for term in latin_terms(cue):
                    weights[term] = max(weights[term], CUE_WEIGHT)
            for cue in fact.cues_zh:
                for term in _zh_terms(cue):
                    weights[term] = max(weights[term], CUE_WEIGHT)
            for term in latin_terms(fact.answer.en) + _zh_terms(fact.answer.zh or ""):
                weights[term] = max(weights[term], ANSWER_WEIGHT)
            topic = ds.topics[fact.topic]
            for term in latin_terms(topic.title.en) + _zh_terms(topic.title.zh or ""):
                weights[term] = max(weights[term], TOPIC_WEIGHT)
            for term, weight in weights.items():
                self._postings[term][fact.id] = weight

    # -- query ------------------------------------------------------------------------------
    def _correct(self, word: str) -> tuple[str, float] | None:
        """The known term a (possibly misspelt) word stands for, with a confidence 0..1."""
        term = canonical(word)
        if term in self._vocab:
            return term, 1.0
        if len(word) < 4 or not word.isalpha():
            return None
        candidates: list[str] = []
        for length in range(len(word) - 2, len(word) + 3):
            candidates += self._fuzzy_buckets.get((word[0], length), ())
            candidates += self._fuzzy_buckets.get((word[-1], length), ())
        best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if best is None:
            return None
        return best[0], best[1] / 100

    def _parse(self, question: str, lang: Lang | None) -> _Query:
        tokens = tokenize(question)
        detected = Lang.ZH if tokens.cjk_runs else Lang.EN
        terms: dict[str, float] = {}
        known = unknown = 0.0

        # Latin words: correct typos, then find the longest alias runs.
        corrected: list[tuple[str, float]] = []
        for word in tokens.words:
            if word in STOPWORDS:
                continue
            hit = self._correct(word)
            if hit is None:
                unknown += 1
            else:
                known += 1
                corrected.append(hit)
        i = 0
        while i < len(corrected):
            for n in range(min(self._max_phrase, len(corrected) - i), 0, -1):
                phrase = tuple(t for t, _ in corrected[i : i + n])
                if phrase in self._phrases:
                    strength = min(c for _, c in corrected[i : i + n])
                    for entity_id in self._phrases[phrase]:
                        key = _entity_term(entity_id)
                        terms[key] = max(terms.get(key, 0.0), strength)
                    if n == 1:  # a one-word name may also be a plain word ("gold")
                        terms[phrase[0]] = max(terms.get(phrase[0], 0.0), strength)
                    i += n
                    break
            else:
                term, strength = corrected[i]
                terms[term] = max(terms.get(term, 0.0), strength)
                i += 1

        # Chinese: names by substring, then bigrams of what is left.
        cjk_text = " ".join(tokens.cjk_runs)
        if cjk_text:
            covered = [False] * len(cjk_text)
            for name in self._zh_by_length:
                start = cjk_text.find(name)
                while start != -1:
                    if not any(covered[start : start + len(name)]):
                        for entity_id in self._zh_names[name]:
                            terms[_entity_term(entity_id)] = 1.0
                        covered[start : start + len(name)] = [True] * len(name)
                    start = cjk_text.find(name, start + 1)
            for run_start, run in _runs_with_offsets(cjk_text):
                for j, gram in enumerate(cjk_bigrams(run)):
                    if gram in self._postings:
                        terms[gram] = 1.0
                        covered[run_start + j] = covered[run_start + j + len(gram) - 1] = True
            meaningful = [
                i for i, ch in enumerate(cjk_text) if ch != " " and ch not in _ZH_FUNCTION_CHARS
            ]
            known += sum(covered[i] for i in meaningful) / 2
            unknown += sum(not covered[i] for i in meaningful) / 2

        total = known + unknown
        return _Query(
            terms=terms,
            kinds=_wanted_kinds(tokens.words, cjk_text),
            understood=known / total if total else 0.0,
            lang=lang or detected,
        )

    def _rank(self, query: _Query) -> list[tuple[float, str]]:
        scores: dict[str, float] = defaultdict(float)
        for term, strength in query.terms.items():
            idf = self._idf.get(term)
            if idf is None:
                continue
            for fact_id, weight in self._postings[term].items():
                scores[fact_id] += strength * idf * weight
        if query.kinds:
            for fact_id in scores:
                if self.dataset.facts[fact_id].kind in query.kinds:
                    scores[fact_id] *= KIND_BONUS
        return sorted(((s, f) for f, s in scores.items()), key=lambda x: (-x[0], x[1]))

    def answer(self, question: str, lang: Lang | None = None) -> Answer:
        query = self._parse(question, lang)
        ranked = self._rank(query)
        best = ranked[0][0] if ranked else 0.0
        confidence = round(min(best / (2 * MIN_SCORE), 1.0) * query.understood, 3)
        if best < MIN_SCORE or query.understood < MIN_UNDERSTOOD:
            return self._decline(query, ranked, confidence)
        chosen = [f for s, f in ranked[:MAX_FACTS] if s >= best * TIE_RATIO]
        facts = [self.dataset.facts[f] for f in chosen]
        return Answer(
            text=self._compose(facts, query.lang),
            facts=tuple(chosen),
            score=confidence,
            found=True,
            lang=query.lang,
        )

    # -- replies ----------------------------------------------------------------------------
    def _compose(self, facts: list[Fact], lang: Lang) -> str:
        body = " ".join(f.answer.get(lang) for f in facts)
        source_ids = list(dict.fromkeys(s for f in facts for s in f.sources))
        cites = "; ".join(self.dataset.sources[s].cite for s in source_ids)
        label = "来源：" if lang == Lang.ZH else "Source: "
        return f"{body}\n{label}{cites}"

    def _decline(self, query: _Query, ranked: list[tuple[float, str]], score: float) -> Answer:
        topics: list[str] = []
        for _, fact_id in ranked:
            topic = self.dataset.facts[fact_id].topic
            if topic not in topics:
                topics.append(topic)
        for topic in DEFAULT_SUGGESTIONS:
            if topic in self.dataset.topics and topic not in topics:
                topics.append(topic)
        suggestions = tuple(topics[:3])
        names = ", ".join(self.dataset.topics[t].title.get(query.lang) for t in suggestions)
        if query.lang == Lang.ZH:
            text = f"抱歉，我的资料里没有这个问题的答案。我可以介绍：{names}。"
        else:
            text = f"Sorry, I don't know that. I can tell you about: {names}."
        return Answer(text, (), score, False, query.lang, suggestions)


def _runs_with_offsets(text: str) -> list[tuple[int, str]]:
    out, offset = [], 0
    for run in text.split(" "):
        out.append((offset, run))
        offset += len(run) + 1
    return out


def _wanted_kinds(words: tuple[str, ...], cjk_text: str) -> tuple[AnswerKind, ...]:
    kinds: list[AnswerKind] = []
    for cue, wanted in _KIND_CUES_EN.items():
        n = len(cue)
        if any(words[i : i + n] == cue for i in range(len(words) - n + 1)):
            kinds.extend(k for k in wanted if k not in kinds)
    for cue, wanted in _KIND_CUES_ZH.items():
        if cue in cjk_text:
            kinds.extend(k for k in wanted if k not in kinds)
    return tuple(kinds)
