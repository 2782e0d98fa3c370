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

import heapq
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.knowledge.dataset import AnswerKind, Dataset, EntityKind, Fact, Lang
from bot.knowledge.text import (
    STOPWORDS,
    SYNONYMS,
    canonical,
    cjk_bigrams,
    has_cjk,
    latin_terms,
    stem,
    tokenize,
)

# Field weights: a name says more about a fact than its cue words, and cue words more than the
# words that merely occur in its answer sentence.
ENTITY_WEIGHT = 3.0
CUE_WEIGHT = 2.0
ANSWER_WEIGHT = 1.0
TOPIC_WEIGHT = 0.7
KIND_BONUS = 1.5

MIN_SCORE = 2.0  # below this the best fact is a coincidence, not an answer
# Share of the question's content words the index must know. A question that names nothing the
# dataset knows (no entity) must be understood more fully, with at least two known words, and
# point to one topic: "what time is it" or "how do I file a patent" are not about these awards.
MIN_UNDERSTOOD = 0.7
MIN_UNDERSTOOD_WITHOUT_ENTITY = 0.75
MIN_TERMS_WITHOUT_ENTITY = 2
NEAR_RATIO = 0.9  # facts this close to the best compete with it
RANKED = 30  # how many of the best facts a question's ranking keeps
MIN_GUESS_LENGTH_WITHOUT_ENTITY = 6
MAX_FACTS = 3  # one to three sentences
TIE_RATIO = 0.97  # facts this close to the best are equally good answers (e.g. three regions)

DEFAULT_SUGGESTIONS = ("awards", "regions", "huion")

# Characters that carry no topic in a Chinese question (particles, question words).
_ZH_FUNCTION_CHARS = frozenset(
    "的是了吗呢吧啊呀么什谁哪几多少个在有和与及或请问我你他她它们这那怎样为把被给对从到"
)
# Particles glue words together; a bigram that spans one ("讯的") is not a word.
_ZH_PARTICLES = frozenset("的了吗呢吧啊呀是和与及或在")

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
        out.extend(
            g
            for g in cjk_bigrams(run)
            if not set(g) <= _ZH_FUNCTION_CHARS and not set(g) & _ZH_PARTICLES
        )
    return out


class Lookup:
    """An index over one dataset. Build once at start; `answer` is then pure and fast."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self._phrases: dict[tuple[str, ...], set[str]] = defaultdict(set)  # Latin alias -> entities
        self._zh_names: dict[str, set[str]] = defaultdict(set)  # Chinese alias -> entities
        self._postings: dict[str, dict[str, float]] = defaultdict(dict)  # term -> fact -> weight
        self._surface: dict[str, str] = {}  # every Latin word in the data -> its canonical term
        self._build()
        n = max(len(dataset.facts), 1)
        self._idf = {t: math.log(1 + n / len(p)) for t, p in self._postings.items()}
        # Field weight times rarity, per term, ready for scoring.
        self._weighted = {
            t: [(fact_id, w * self._idf[t]) for fact_id, w in p.items()]
            for t, p in self._postings.items()
        }
        self._max_phrase = max((len(p) for p in self._phrases), default=1)
        self._pairs = {pair for phrase in self._phrases for pair in itertools.pairwise(phrase)}
        self._zh_by_length = sorted(self._zh_names, key=len, reverse=True)
        self._order = {fact_id: i for i, fact_id in enumerate(dataset.facts)}  # ties: file order
        self._by_kind: dict[AnswerKind, set[str]] = defaultdict(set)
        for fact in dataset.facts.values():
            self._by_kind[fact.kind].add(fact.id)
        self._vocab = {t for t in self._postings if not t.startswith("@") and not has_cjk(t)}
        self._vocab.update(w for phrase in self._phrases for w in phrase)
        # Typos are matched against the words as written ("founded", not only "founder"). A typo
        # rarely changes a word's length by more than two or both its first and last letter, so
        # candidates are bucketed and a lookup scans a few hundred words, not all.
        self._fuzzy_buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word, term in self._surface.items():
            if (len(word) >= 5 or word in self._names) and len(word) >= 4 and term in self._vocab:
                self._fuzzy_buckets[(word[0], len(word))].append(word)
                if word[-1] != word[0]:
                    self._fuzzy_buckets[(word[-1], len(word))].append(word)

    # -- index ------------------------------------------------------------------------------
    def _build(self) -> None:
        ds = self.dataset
        texts = [t.title.en for t in ds.topics.values()]
        for entity in ds.entities.values():
            texts += [entity.name.en, *entity.aliases_en]
        for fact in ds.facts.values():
            texts += [fact.answer.en, *fact.cues_en]
        for text in texts:
            for word in tokenize(text).words:
                if word not in STOPWORDS and word.isalpha():
                    self._surface.setdefault(word, canonical(word))
        for word in SYNONYMS:  # "founded", "medal": words people use for terms the data has
            self._surface.setdefault(word, canonical(word))
        proper = (EntityKind.PERSON, EntityKind.PLACE, EntityKind.ORGANISATION)
        self._names = {
            word
            for entity in ds.entities.values()
            if entity.kind in proper
            for name in (entity.name.en, *entity.aliases_en)
            for word in tokenize(name).words
        }
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
    def _correct(self, word: str, previous: str | None = None) -> tuple[str, float] | None:
        """The known term a (possibly misspelt) word stands for, with a confidence 0..1."""
        term = canonical(word)
        if term in self._vocab:
            return term, 1.0
        for suffix in ("ed", "d", "ing"):  # awarded -> award, presented -> present
            base = word[: -len(suffix)]
            if word.endswith(suffix) and len(base) >= 5 and canonical(base) in self._vocab:
                return canonical(base), 1.0
        if len(word) < 4 or not word.isalpha():
            return None
        # One slip (a wrong, missing, extra or swapped letter) in words up to 7 letters, two in
        # longer ones. Four-letter words are corrected only to names ("chna", "tnag"): among
        # short common words one slip too often makes another word ("good" -> "gold").
        max_edits = 1 if len(word) <= 7 else 2
        candidates: list[str] = []
        for length in range(len(word) - max_edits, len(word) + max_edits + 1):
            candidates += self._fuzzy_buckets.get((word[0], length), ())
            if len(word) > 4:
                candidates += self._fuzzy_buckets.get((word[-1], length), ())
        best = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=max_edits)
        if best is None and stem(word) != word:  # "medls" is one slip from "medal" once stemmed
            best = process.extractOne(
                stem(word), candidates, scorer=OSA.distance, score_cutoff=max_edits
            )
        if best is None:
            return None
        term, distance = self._surface[best[0]], best[1]
        if previous is not None and (previous, term) not in self._pairs:
            # Several words may be one slip away ("gang": "geng", "tang"); prefer the one that
            # continues a name with the word before it ("xiao gang" -> "xiao geng").
            for other, other_distance, _ in process.extract(
                word, candidates, scorer=OSA.distance, score_cutoff=distance, limit=8
            ):
                if other_distance == distance and (previous, self._surface[other]) in self._pairs:
                    term = self._surface[other]
                    break
        return term, 1 - distance / (len(word) + 1)

    def _parse(self, question: str, lang: Lang | None) -> _Query:
        tokens = tokenize(question)
        detected = Lang.ZH if tokens.cjk_runs else Lang.EN
        terms: dict[str, float] = {}
        known = unknown = 0.0

        # Latin words: correct typos, then find the longest alias runs.
        corrected: list[tuple[str, float]] = []
        short_guesses: list[str] = []  # short words only a typo away from a known one
        for word in tokens.words:
            if word in STOPWORDS:
                continue
            hit = self._correct(word, corrected[-1][0] if corrected else None)
            if hit is None:
                unknown += len(word) > 2  # "co", "ok": too short to say the question is off topic
            else:
                known += 1
                corrected.append(hit)
                if hit[1] < 1 and len(word) < MIN_GUESS_LENGTH_WITHOUT_ENTITY:
                    short_guesses.append(hit[0])
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

        if short_guesses and not any(t.startswith("@") for t in terms):
            # Without a name to anchor it, "apple" one slip from "apply" is a guess too far.
            for term in short_guesses:
                terms.pop(term, None)
            known, unknown = known - len(short_guesses), unknown + len(short_guesses)
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
            for fact_id, weight in self._weighted.get(term, ()):
                scores[fact_id] += strength * weight
        if query.kinds:
            for fact_id in self._kind_facts(query.kinds) & scores.keys():
                scores[fact_id] *= KIND_BONUS
        # Only the best few matter (the answer, near rivals, suggested topics): no full sort.
        order = self._order
        best = heapq.nsmallest(RANKED, scores.items(), key=lambda item: (-item[1], order[item[0]]))
        return [(score, fact_id) for fact_id, score in best]

    def _kind_facts(self, kinds: tuple[AnswerKind, ...]) -> set[str]:
        return set().union(*(self._by_kind.get(kind, set()) for kind in kinds))

    def answer(self, question: str, lang: Lang | None = None) -> Answer:
        query = self._parse(question, lang)
        ranked = self._rank(query)
        best = ranked[0][0] if ranked else 0.0
        confidence = round(min(best / (2 * MIN_SCORE), 1.0) * query.understood, 3)
        if not self._confident(query, ranked):
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

    def _confident(self, query: _Query, ranked: list[tuple[float, str]]) -> bool:
        if not ranked or ranked[0][0] < MIN_SCORE:
            return False
        if any(term.startswith("@") for term in query.terms):
            return query.understood >= MIN_UNDERSTOOD
        near_topics = {
            self.dataset.facts[f].topic for s, f in ranked if s >= ranked[0][0] * NEAR_RATIO
        }
        return (
            query.understood >= MIN_UNDERSTOOD_WITHOUT_ENTITY
            and len(query.terms) + bool(query.kinds) >= MIN_TERMS_WITHOUT_ENTITY
            and len(near_topics) == 1
        )

    # -- replies ----------------------------------------------------------------------------
    def _compose(self, facts: list[Fact], lang: Lang) -> str:
        body = " ".join(f.answer.get(lang) for f in facts)
        cites = self.dataset.cite_sources((s for f in facts for s in f.sources), lang)
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
