"""Answer a question from the dataset: understand it, find the fact, say which kind of reply it is.

Pipeline (the index is built once at start; each question is then pure and fast):
1. Normalise and split: Latin words, CJK runs (text.py).
2. Correct typos: a Latin word the index does not know is replaced by the closest known term
   (rapidfuzz); a Chinese name or cue word with one character that sounds alike (or, for a name,
   looks alike) is read as that word.
3. Understand (cues.py): the entities named (longest alias runs; Chinese names by substring), the
   attribute asked for (date, place, person, number...), the years named, whether the question is
   about the awards at all and whether it belongs to another subject that shares their words.
4. Score facts by keyword: entity, cue, answer and topic terms, weighted by field and by rarity
   (idf), with a bonus for facts that give the attribute asked for.
5. Decide the kind of reply:
   - answer: a fact about the entity asked about that gives the attribute asked for, in the
     edition and year asked for;
   - not in the sources: the question is about the awards or about something the data knows, but
     no fact gives what is asked; the reply says what the sources do say;
   - off topic: decline and suggest up to three topics.

The result is a plain `Answer`: what was understood, the kind, the facts and their sources. The
sentences are written elsewhere (wording.py), once for every way the bot speaks.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from operator import itemgetter

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge import cues
from bot.knowledge.dataset import (
    GIVES_BY_KIND,
    Attribute,
    Dataset,
    EntityKind,
    Fact,
    Lang,
)
from bot.knowledge.text import (
    STOPWORDS,
    SYNONYMS,
    canonical,
    cjk_bigrams,
    has_cjk,
    latin_terms,
    looks_alike,
    normalise,
    sounds_alike,
    stem,
    tokenize,
)

# Field weights: a name says more about a fact than its cue words, and cue words more than the
# words that merely occur in its answer sentence.
ENTITY_WEIGHT = 3.0
CUE_WEIGHT = 2.0
ANSWER_WEIGHT = 1.0
TOPIC_WEIGHT = 0.7
ATTRIBUTE_BONUS = 1.5  # a fact that gives what is asked for beats one that only shares words
SECOND_BONUS = 1.25  # one that gives what is asked second ("what did the founder say": a name)
KIND_EDGE = 1.05  # one whose kind is what is asked beats one that also gives it in passing

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
SHORT_QUESTION = 6  # content words
YEAR_STRENGTH = 0.5  # a year named narrows the answer; its scope is checked apart
SWAP_CONFIDENCE = 0.95  # two letters swapped ("fiar") is a slip, not another word
MEASURE_BONUS = 0.15  # per word of a fact's figure that the question names
SCOPE_RATIO = 0.6  # a fact of the year asked this close to the best one answers instead
NEAR_STRENGTH = 0.9  # a Chinese word read through one wrong character
MAX_SAID = 2  # facts quoted in a "not in the sources" reply as what the sources do say
# An entity named in this many facts or more, if it is an event, place or thing, is a setting
# ("China", "the 2025 awards"), not the subject a question is about.
SETTING_FACTS = 4

STRANGE_WEIGHT = 1.0  # a word the data does not know, against a known word's rarity (1.1-4.0)
RUNNER_UP = (
    0.6  # a fact this close to the best may answer when the best does not carry the question
)
RUNNER_UP_COVERED = 0.6  # a second guess must carry more of the question than the first
MIN_COVERED = 0.4  # share of what a question is about that an answer's facts must carry

DEFAULT_SUGGESTIONS = ("awards", "regions", "huion")
# Entities that facts about others mention in passing (companies, cities): a question about one
# is answered by a fact about it.
_MENTIONED = frozenset({EntityKind.ORGANISATION, EntityKind.PLACE})
_ABOUT_ITSELF = frozenset(
    {
        Attribute.PERSON,
        Attribute.ORGANISATION,
        Attribute.PLACE,
        Attribute.DATE,
        Attribute.NUMBER,
        Attribute.RANK,
    }
)

# Attributes that count or name the winners: a word the index does not know narrows them to a
# group the sources do not single out.
_COUNTS_OR_NAMES = frozenset({Attribute.NUMBER, Attribute.WINNER, Attribute.ORGANISATION})

# Which named entity a question is about, when it names several: people, then organisations.
_SUBJECT_ORDER = {EntityKind.PERSON: 0, EntityKind.ORGANISATION: 1}

# Characters that carry no topic in a Chinese question (particles, question words).
_ZH_FUNCTION_CHARS = frozenset(
    "的是了吗呢吧啊呀么什谁哪几多少个在有和与及或请问我你他她它们这那怎样为把被给对从到"
    "没也都还就很会能要说过得着该其"
)
# Particles glue words together; a bigram that spans one ("讯的") is not a word.
_ZH_PARTICLES = frozenset("的了吗呢吧啊呀是和与及或在")
_NAME_WORD = re.compile(r"^[a-z][a-z\-]{2,}$")
_ORDINAL = re.compile(r"^\d{1,2}(st|nd|rd|th)$")  # "22nd": an edition, read apart


class ReplyKind(StrEnum):
    ANSWER = "answer"
    NOT_IN_SOURCES = "not_in_sources"
    OFF_TOPIC = "off_topic"


class Gap(StrEnum):
    """Why a question about the awards has no answer in the sources."""

    ATTRIBUTE = "attribute"  # the entity is known, but no fact gives what is asked about it
    WINNERS = "winners"  # a winner the sources do not name, or all the winners
    OTHER_EDITION = "other_edition"  # the sources give it only for another edition or year
    NOT_STATED = "not_stated"  # about the awards, but nothing in the sources answers it


@dataclass(frozen=True, slots=True)
class Context:
    """What a previous question was about, for a follow-up ("When was it founded?")."""

    entity: str
    attributes: tuple[Attribute, ...] = ()
    terms: tuple[str, ...] = ()  # the previous question's words, for "And BYD?"


@dataclass(frozen=True, slots=True)
class Understanding:
    """What the lookup read in a question, before looking for facts."""

    lang: Lang
    entities: tuple[str, ...]  # entity ids named, strongest first
    entity: str | None  # the subject: the most specific entity named (or from the context)
    attributes: tuple[Attribute, ...]  # what is asked for, most specific first
    years: tuple[int, ...]  # years named ("this year" is 2025)
    editions: tuple[int, ...]  # editions named by number ("the 22nd edition", 第23届)
    asking: frozenset[str]  # Chinese terms that say what is asked (几次, 观点)
    words: frozenset[str]  # every Latin word understood, names included, as terms
    asks_if_there: bool  # "was the ceremony in Beijing?": a place to check, not the subject
    about_awards: bool  # names something the data knows, or asks about awards and patents
    off_domain: bool  # about another subject that shares words with the awards
    asks_how_to: bool  # asks for advice ("how do I file a patent")
    unsourced: bool  # asks what the sources never give (prize money, judges, patent numbers)
    unknown_name: str | None  # a name the data does not know, as the user wrote it
    unread: tuple[str, ...]  # longer words the index does not know ("universities")
    understood: float  # share of the question's content the index knows
    from_context: bool = False
    terms: dict[str, float] = field(default_factory=dict, repr=False)
    win_words: bool = False  # asks about winning (win, gold, award, 获奖)
    strange: tuple[str, ...] = ()  # content words the data does not know ("conditioner")
    zh_strange: float = 0.0  # Chinese words the data does not know (uncovered characters / 2)
    award_context: bool = False  # asks about awards, winning, an edition (not just patents)
    asks_duration: bool = False  # "how long does it last": no fact gives a duration
    asks_advice: bool = False  # "is it worth buying", "推荐": the sources recommend nothing
    asks_money: bool = False  # "how much money", 多少钱: an amount of money is asked
    asks_how_to_use: bool = False  # 怎么连接: how to do something, in Chinese
    other_award: bool = False  # names an award the data does not know ("the Lasker Award")


@dataclass(frozen=True, slots=True)
class Answer:
    """A reply as data: what was understood, which kind of reply, which facts and sources.

    For an answer, `facts` are the facts that answer. For a reply that the sources do not give
    what was asked, `gap` says why and `facts` are what the sources do say instead; `named` lists
    the entities such a reply names (the winners the sources name), `asked_name` and `asked_year`
    echo what the question asked for. `suggestions` are topic ids to offer.
    """

    kind: ReplyKind
    lang: Lang
    facts: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()  # source ids, in order of first use
    entity: str | None = None
    attributes: tuple[Attribute, ...] = ()
    suggestions: tuple[str, ...] = ()
    score: float = 0.0
    gap: Gap | None = None
    named: tuple[str, ...] = ()
    asked_name: str | None = None
    asked_year: int | None = None
    asked_edition: int | None = None
    terms: tuple[str, ...] = ()  # the words understood (no names), for a follow-up

    @property
    def found(self) -> bool:
        return self.kind is ReplyKind.ANSWER

    @property
    def context(self) -> Context | None:
        """What a follow-up to this reply may refer back to."""
        if self.entity is None or self.kind is ReplyKind.OFF_TOPIC:
            return None
        return Context(self.entity, self.attributes, self.terms)


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
        self._max_idf = max(self._idf.values(), default=1.0)
        # Field weight times rarity, per term, ready for scoring.
        self._weighted = {
            t: [(fact_id, w * self._idf[t]) for fact_id, w in p.items()]
            for t, p in self._postings.items()
        }
        self._max_phrase = max((len(p) for p in self._phrases), default=1)
        self._pairs = {pair for phrase in self._phrases for pair in itertools.pairwise(phrase)}
        self._zh_exact: dict[int, list[str]] = defaultdict(list)  # Chinese names by length
        for name in self._zh_names:
            self._zh_exact[len(name)].append(name)
        # Chinese names and cue words with one character left out, for a word typed with one
        # wrong character (比亚滴, 成力): longest first, as exact names are matched.
        self._zh_masked: dict[str, list[tuple[str, int]]] = defaultdict(list)
        cue_words = {c for f in dataset.facts.values() for c in f.cues_zh if len(c) >= 2}
        for word in set(self._zh_names) | cue_words:
            if has_cjk(word) and word == "".join(tokenize(word).cjk_runs):
                for i in range(len(word)):
                    self._zh_masked[word[:i] + "?" + word[i + 1 :]].append((word, i))
        self._zh_lengths = sorted(
            {len(w) for w, _ in itertools.chain(*self._zh_masked.values())} | set(self._zh_exact),
            reverse=True,
        )
        self._order = {fact_id: i for i, fact_id in enumerate(dataset.facts)}  # ties: file order
        # Editions by number, from the names of the facts' editions ("23rd China Patent Award").
        self._editions = {
            fact.edition: entity_id
            for fact in dataset.facts.values()
            if fact.edition is not None
            for entity_id in fact.about
            if dataset.entities[entity_id].kind is EntityKind.EVENT
            and str(fact.edition) in dataset.entities[entity_id].name.en
        }
        self._gives = {
            f.id: frozenset(f.gives or GIVES_BY_KIND[f.kind]) for f in dataset.facts.values()
        }
        self._kind_gives = {f.id: GIVES_BY_KIND[f.kind] for f in dataset.facts.values()}
        # Inventions and products that won in 2025 (not patent categories, not earlier editions):
        # who holds one is asked in the role the data knows it.
        self._winning_things = {
            entity_id
            for fact in dataset.facts.values()
            if fact.edition is None and self._gives[fact.id] & {Attribute.AWARD, Attribute.WINNER}
            for entity_id in fact.about
            if dataset.entities[entity_id].kind is EntityKind.THING
        }
        # The awards and their events named as such ("the 2025 China Patent Awards"), not a grade
        # that any competition has and that one common word names ("gold", "silver").
        self._awards_by_name = {
            e.id
            for e in dataset.entities.values()
            if e.kind is EntityKind.EVENT
            or (
                e.kind is EntityKind.AWARD
                and all(len(tokenize(a).words) > 1 for a in (e.name.en, *e.aliases_en))
            )
        }
        # What the data gives about companies and people as a kind (a founder, a founding year,
        # figures, what they said): asked about another company, it is in the role the data knows.
        self._kind_attributes: dict[EntityKind, set[Attribute]] = defaultdict(set)
        for fact in dataset.facts.values():
            for entity_id in fact.about[:1]:
                kind = dataset.entities[entity_id].kind
                self._kind_attributes[kind] |= self._gives[fact.id]
        self._by_entity: dict[str, list[str]] = defaultdict(list)
        for fact in dataset.facts.values():
            for entity_id in fact.about:
                self._by_entity[entity_id].append(fact.id)
        # Entities that set the scene rather than name a subject: awards, and events, places or
        # things that many facts are about ("gold award", "China", "the 2025 awards").
        self._settings = {
            e.id
            for e in dataset.entities.values()
            if e.kind is EntityKind.AWARD
            or (
                len(self._by_entity[e.id]) >= SETTING_FACTS
                and e.kind in (EntityKind.EVENT, EntityKind.PLACE, EntityKind.THING)
            )
        }
        # Awards the sources give only for earlier editions (silver, excellence): a question
        # about one is answered only by a fact about it.
        self._earlier_awards = {
            e.id
            for e in dataset.entities.values()
            if e.kind is EntityKind.AWARD
            and self._by_entity[e.id]
            and all(dataset.facts[f].edition is not None for f in self._by_entity[e.id])
        }
        self._subjects = {
            e.id
            for e in dataset.entities.values()
            if e.kind in (EntityKind.ORGANISATION, EntityKind.PERSON)
            or (
                e.kind in (EntityKind.EVENT, EntityKind.PLACE)
                and len(self._by_entity[e.id]) < SETTING_FACTS
            )
        }
        # The winners the sources name: organisations in facts that name winners of 2025, those
        # with a topic of their own first.
        self.winners = sorted(
            dict.fromkeys(
                entity_id
                for fact in dataset.facts.values()
                if Attribute.WINNER in self._gives[fact.id] and fact.edition is None
                for entity_id in fact.about
                if dataset.entities[entity_id].kind is EntityKind.ORGANISATION
            ),
            key=lambda e: dataset.entities[e].topic is None,
        )
        self._winner_facts = tuple(
            fact.id
            for fact in dataset.facts.values()
            if Attribute.WINNER in self._gives[fact.id]
            and fact.edition is None
            and any(e in self.winners for e in fact.about)
        )
        self._vocab = {t for t in self._postings if not t.startswith("@") and not has_cjk(t)}
        # Terms that say what is asked, not what about: an answer need not contain them.
        self._asking_terms = {
            canonical(w) for w in cues.ATTRIBUTE_WORDS | cues.QUESTION_WORDS | cues.RANK_WORDS
        }
        # The words of each fact's measured figures ("design_excellence_awards"), for telling
        # apart facts that give numbers: the one whose figure the question names answers it.
        self._measures = {
            fact.id: [frozenset(map(canonical, f.measure.split("_"))) for f in fact.figures]
            for fact in dataset.facts.values()
            if fact.figures
        }
        self._kind_nouns = {canonical(w) for w in cues.KIND_NOUNS}
        self._weights_of: tuple[Understanding | None, dict[str, float]] = (None, {})
        self._money_facts = {  # facts that give an amount of money
            f.id for f in dataset.facts.values() if any(fig.unit for fig in f.figures)
        }
        # One-word names of the places nearly every fact is set in ("China"): where, not what.
        self._setting_place_words = {
            phrase[0]
            for phrase, ids in self._phrases.items()
            if len(phrase) == 1 and any(i in self._settings and self._is_place(i) for i in ids)
        }
        self._spelling: dict[str, str] = {}  # term -> a word that spells it, to read typos
        for word, term in self._surface.items():
            self._spelling.setdefault(term, word)
        self._vocab.update(w for phrase in self._phrases for w in phrase)
        # The sources' own names ("the Xinhua report", "China Daily says") are known words, not
        # the name of a company the data has never heard of.
        for source in dataset.sources.values():
            self._vocab.update(latin_terms(f"{source.publisher} {source.cite.en}"))
        # Typos are matched against the words as written ("founded", not only "founder"). A typo
        # rarely changes a word's length by more than two or both its first and last letter, so
        # candidates are bucketed and a lookup scans a few hundred words, not all.
        self._short_names = {  # three-letter names by first letter and letters: "liu", "jia"
            (w[0], "".join(sorted(w))): w for w in self._names if len(w) == 3 and w.isalpha()
        }
        self._fuzzy_buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word, term in self._surface.items():
            if len(word) >= 4 and term in self._vocab:
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
                if len(terms) == 1 and len(tokenize(name).words) > 1:
                    continue  # "the awards" would make every "award" a name
                if terms:
                    self._phrases[terms].add(entity.id)
            for name in (entity.name.zh, *entity.aliases_zh):
                if name and has_cjk(name):  # "上海-苏州" is typed 上海苏州
                    self._zh_names["".join(tokenize(name).cjk_runs)].add(entity.id)
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

    # -- understanding ----------------------------------------------------------------------
    def _correct(self, word: str, previous: str | None = None) -> tuple[str, float] | None:
        """The known term a (possibly misspelt) word stands for, with a confidence 0..1."""
        term = canonical(word)
        if term in self._vocab:
            return term, 1.0
        for suffix in ("ed", "d", "ing"):  # awarded -> award, presented -> present
            base = word[: -len(suffix)]
            if word.endswith(suffix) and len(base) >= 5 and canonical(base) in self._vocab:
                return canonical(base), 1.0
        if not word.isalpha() or len(word) < 3:
            return None
        if len(word) == 3:  # "jai": only a name with two letters swapped ("jia")
            name = self._short_names.get((word[0], "".join(sorted(word))))
            return (self._surface[name], SWAP_CONFIDENCE) if name else None
        # One slip (a wrong, missing, extra or swapped letter) in words up to 7 letters, two in
        # longer ones.
        max_edits = 1 if len(word) <= 7 else 2
        candidates: list[str] = []
        for length in range(len(word) - max_edits, len(word) + max_edits + 1):
            candidates += self._fuzzy_buckets.get((word[0], length), ())
            if len(word) > 4:
                candidates += self._fuzzy_buckets.get((word[-1], length), ())
        # A four-letter word one slip from another is too often another word ("good", "gold"):
        # only names ("chna", "tnag") and two letters swapped ("fiar") are corrected to one.
        candidates = [
            c
            for c in candidates
            if len(c) > 4 or c in self._names or (sorted(c) == sorted(word) and c[0] == word[0])
        ]
        matches = process.extract(
            word, candidates, scorer=OSA.distance, score_cutoff=max_edits, limit=8
        )
        if not matches and stem(word) != word:  # "medls" is one slip from "medal" once stemmed
            matches = process.extract(
                stem(word), candidates, scorer=OSA.distance, score_cutoff=max_edits, limit=8
            )
        if not matches:
            return None
        distance = matches[0][1]
        closest = {c for c, d, _ in matches if d == distance}
        # Several words may be as close ("gang": "geng", "tang"; "globaly": "global",
        # "globally"): prefer the one that continues a name with the word before it ("xiao
        # gang" -> "xiao geng"), then the one spelt most alike.
        best = max(
            sorted(closest),
            key=lambda c: (
                previous is not None and (previous, self._surface[c]) in self._pairs,
                fuzz.ratio(word, c),
            ),
        )
        term = self._surface[best]
        if distance == 1 and sorted(best) == sorted(word):
            return term, SWAP_CONFIDENCE  # two letters swapped: a slip, not another word
        return term, 1 - distance / (len(word) + 1)

    def understand(self, question: str, lang: Lang | None = None) -> Understanding:
        """Read a question: entities, attribute, years, and whether it is about the awards."""
        tokens = tokenize(question)
        detected = Lang.ZH if tokens.cjk_runs else Lang.EN
        terms: dict[str, float] = {}
        known = unknown = 0.0
        named: list[str] = []  # entity ids, in the order the question names them

        # Latin words: correct typos, then find the longest alias runs.
        corrected: list[tuple[str, float]] = []
        short_guesses: list[str] = []  # short words only a typo away from a known one
        guessed_words: list[str] = []  # those words as written ("horse", read as "house")
        unknown_words: list[str] = []  # those that read as names
        unread: list[str] = []  # words of five letters or more the index does not know
        strange: list[str] = []  # every content word the index does not know
        as_read: list[str] = []  # the words as corrected, for reading what is asked
        for word in tokens.words:
            if word in STOPWORDS:
                as_read.append(word)
                continue
            hit = self._correct(word, corrected[-1][0] if corrected else None)
            if hit is None and (word in cues.QUESTION_WORDS or _ORDINAL.match(word)):
                known += 1
                as_read.append(word)
                continue
            if hit is None and (meant := cues.question_word(word)):  # "whre", "mnay"
                as_read.append(meant)
                continue
            if hit is None and word.endswith("ly") and len(word) > 4:
                as_read.append(word)  # "roughly", "actually": how it is asked, not what about
                continue
            if hit is None:
                unknown += len(word) > 2  # "co", "ok": too short to say the question is off topic
                if len(word) > 2:
                    strange.append(word)
                if len(word) >= 5 and word.isalpha():
                    unread.append(word)
                if _NAME_WORD.match(word) and (
                    _written_as_name(question, word)
                    # a word that reads as pinyin is a name only in a short question: in a long
                    # one it is more likely an English word ("piece", "change")
                    or (cues.reads_as_pinyin(word) and len(tokens.content_words) <= SHORT_QUESTION)
                ):
                    unknown_words.append(word)
                as_read.append(word)
            else:
                known += 1
                corrected.append(hit)
                as_read.append(word if hit[1] == 1 else self._spelling.get(hit[0], word))
                if hit[1] < SWAP_CONFIDENCE and len(word) < MIN_GUESS_LENGTH_WITHOUT_ENTITY:
                    short_guesses.append(hit[0])
                    guessed_words.append(word)
        i = 0
        while i < len(corrected):
            for n in range(min(self._max_phrase, len(corrected) - i), 0, -1):
                phrase = tuple(t for t, _ in corrected[i : i + n])
                if phrase in self._phrases:
                    strength = min(c for _, c in corrected[i : i + n])
                    meant = sorted(self._phrases[phrase])
                    for entity_id in meant:  # a name shared by several: each may be meant
                        key = _entity_term(entity_id)
                        terms[key] = max(terms.get(key, 0.0), strength / len(meant))
                        named.append(entity_id)
                    if n == 1:  # a one-word name may also be a plain word ("gold")
                        terms[phrase[0]] = max(terms.get(phrase[0], 0.0), strength)
                    i += n
                    break
            else:
                term, strength = corrected[i]
                terms[term] = max(terms.get(term, 0.0), strength)
                i += 1

        # Chinese: names by substring (or with one character that sounds or looks alike), then
        # bigrams of what is left.
        cjk_text = " ".join(tokens.cjk_runs)
        zh_unknown: str | None = None
        zh_unknown_chars = 0.0
        other_award = False
        asking: set[str] = set()
        if cjk_text:
            cjk_text, zh_known, zh_unknown_chars, zh_unknown, asking, other_award = (
                self._read_chinese(cjk_text, terms, named)
            )
            known += zh_known
            unknown += zh_unknown_chars

        has_entity = any(t.startswith("@") for t in terms)
        if short_guesses and not has_entity:
            # Without a name to anchor it, "apple" one slip from "apply" is a guess too far.
            for term in short_guesses:
                terms.pop(term, None)
            known, unknown = known - len(short_guesses), unknown + len(short_guesses)
            strange += guessed_words
        text = " ".join(as_read) + " " + cjk_text  # typos put right: for what is asked
        original = normalise(question)  # as typed: for what the question is about
        original_cjk = " ".join(tokens.cjk_runs)
        years = cues.named_years(original, cjk_text)
        editions = cues.named_editions(original)
        for edition in editions:  # "第23届", "the 23rd edition"
            entity_id = self._editions.get(edition)
            if entity_id is not None:
                terms[_entity_term(entity_id)] = 1.0
                named.append(entity_id)
        for year in years:
            # A year narrows the answer (its scope is checked apart); alone it is no answer.
            if str(year) in terms:
                terms[str(year)] *= YEAR_STRENGTH
        total = known + unknown
        entities = tuple(dict.fromkeys(named))
        subjects = [e for e in entities if e in self._subjects]
        # The subject is the most specific entity named: a person before an organisation before
        # a place or event ("what did Daren Tang say at the fair"), then the one fewest facts are
        # about.
        subject = (
            min(
                subjects,
                key=lambda e: (
                    _SUBJECT_ORDER.get(self.dataset.entities[e].kind, 2),
                    len(self._by_entity[e]),
                ),
            )
            if subjects
            else None
        )
        plain_terms = {t for t in terms if not t.startswith("@")}
        about_awards = (
            bool(plain_terms & cues.DOMAIN_TERMS)
            or any(m in cjk_text for m in cues.ZH_DOMAIN)
            or any(self.dataset.entities[e].kind is not EntityKind.PLACE for e in entities)
        )
        win_words = bool(plain_terms & cues.WIN_TERMS) or any(m in cjk_text for m in cues.ZH_WIN)
        award_context = (
            bool(plain_terms & cues.AWARD_TERMS)
            or any(m in cjk_text for m in cues.ZH_AWARD)
            or bool(editions)
            or any(
                self.dataset.entities[e].kind in (EntityKind.AWARD, EntityKind.EVENT)
                for e in entities
            )
        )
        unknown_words += [
            w
            for w in _subject_of_win(original)
            if w not in unknown_words and self._correct(w) is None and w not in STOPWORDS
        ]
        unknown_name = None
        if unknown_words:
            unknown_name = _as_written(question, unknown_words)
        elif zh_unknown:
            unknown_name = zh_unknown
        attributes = cues.asked_attributes(text, cjk_text)
        return Understanding(
            lang=lang or detected,
            entities=entities,
            entity=subject,
            attributes=attributes,
            years=years,
            about_awards=about_awards,
            off_domain=cues.off_domain(original, original_cjk),
            asks_how_to=cues.asks_how_to(original, original_cjk),
            unsourced=cues.unsourced(original, original_cjk),
            editions=editions,
            asking=frozenset(asking),
            words=frozenset(t for t, _ in corrected),
            asks_if_there=cues.asks_if_there(original, original_cjk),
            unknown_name=unknown_name,
            unread=tuple(unread),
            understood=known / total if total else 0.0,
            terms=terms,
            win_words=win_words,
            strange=tuple(strange),
            zh_strange=zh_unknown_chars,
            award_context=award_context,
            asks_duration=cues.asks_duration(original, original_cjk),
            asks_advice=cues.asks_advice(original, original_cjk),
            asks_money=Attribute.NUMBER in attributes and cues.asks_money(original, original_cjk),
            asks_how_to_use=cues.asks_how_to_use(original_cjk),
            other_award=other_award or _names_other_award(original, strange),
        )

    def _read_chinese(self, cjk_text: str, terms: dict[str, float], named: list[str]):
        """Find names, cue words and bigrams in Chinese text. Returns the text with words typed
        with one wrong character put right, the known and unknown shares of its meaningful
        characters, and the longest run of characters nothing covers (a name the data lacks)."""
        covered = [False] * len(cjk_text)  # understood: by a name, a cue word or a bigram
        in_name = [False] * len(cjk_text)  # part of a name (a pair across its edge is no word)
        chars = list(cjk_text)
        asking = set()  # the character pairs that say what is asked (几次, 观点)

        def cover(word: str, start: int, strength: float) -> None:
            meant = sorted(self._zh_names.get(word, ()))
            for entity_id in meant:  # a name shared by several: each may be meant
                key = _entity_term(entity_id)
                terms[key] = max(terms.get(key, 0.0), strength / len(meant))
                named.append(entity_id)
            if word not in self._zh_names:  # a cue word typed with a slip (成力): its terms
                for gram in cjk_bigrams(word):
                    if gram in self._postings:
                        terms[gram] = max(terms.get(gram, 0.0), strength)
            covered[start : start + len(word)] = [True] * len(word)
            in_name[start : start + len(word)] = [True] * len(word)
            chars[start : start + len(word)] = word

        # Longer words first, exact before near: "中国石华" is 中国石化 with a slip, not 中国.
        for length in self._zh_lengths:
            for name in self._zh_exact.get(length, ()):
                start = cjk_text.find(name)
                while start != -1:
                    if not any(covered[start : start + length]):
                        cover(name, start, 1.0)
                    start = cjk_text.find(name, start + 1)
            for word, start in self._zh_near_words(cjk_text, covered, length):
                cover(word, start, NEAR_STRENGTH)
        fixed = "".join(chars)
        for start, end in cues.zh_cue_spans(fixed):  # 哪一年, 为什么: what is asked
            covered[start:end] = [True] * (end - start)
            asking.update(fixed[i : i + 2] for i in range(start, end - 1))
        for run_start, run in _runs_with_offsets(fixed):
            for j, gram in enumerate(cjk_bigrams(run)):
                # A pair across a name's edge ("江各" in 浙江各) is no word.
                if gram in self._postings and not any(in_name[run_start + j : run_start + j + 2]):
                    terms[gram] = max(terms.get(gram, 0.0), 1.0)
                    covered[run_start + j] = covered[run_start + j + len(gram) - 1] = True
        meaningful = [i for i, ch in enumerate(fixed) if ch != " " and ch not in _ZH_FUNCTION_CHARS]
        known = sum(covered[i] for i in meaningful) / 2
        unknown = sum(not covered[i] for i in meaningful) / 2
        other_award = any(  # 金鸡奖: an award the data does not know, by its name
            ch == "奖" and i > 0 and not covered[i - 1] and fixed[i - 1] not in _ZH_FUNCTION_CHARS
            for i, ch in enumerate(fixed)
        )
        return fixed, known, unknown, _longest_uncovered(fixed, covered), asking, other_award

    def _zh_near_words(self, cjk_text: str, covered: list[bool], length: int):
        """(word, start) for Chinese names and cue words of this length typed with one character
        that sounds or looks like the right one, where nothing is matched yet: 比亚滴 -> 比亚迪,
        绘玉 -> 绘王, 成力 -> 成立."""
        for start in range(len(cjk_text) - length + 1):
            window = cjk_text[start : start + length]
            if " " in window or any(covered[start : start + length]):
                continue
            for i, wrong in enumerate(window):
                if wrong in _ZH_FUNCTION_CHARS or (length == 2 and wrong in _ZH_PARTICLES):
                    continue
                key = window[:i] + "?" + window[i + 1 :]
                match = next(
                    (
                        word
                        for word, j in self._zh_masked.get(key, ())
                        if j == i
                        and wrong != word[i]  # the word itself is matched as bigrams
                        and (
                            sounds_alike(wrong, word[i])
                            # a name's shape is distinctive; a common word's is not (奖金, 资金)
                            or (word in self._zh_names and looks_alike(wrong, word[i]))
                        )
                    ),
                    None,
                )
                if match is not None:
                    yield match, start
                    break

    # -- ranking ----------------------------------------------------------------------------
    def _rank(self, u: Understanding) -> tuple[dict[str, float], list[tuple[float, str]]]:
        """Every matching fact's score, and the best facts, (score, fact id), best first.

        Keyword scores first; then, among the best few by keywords, a bonus for a fact that
        gives what is asked and for one whose figure the question names ("design excellence
        awards"). Bonuses only reorder good candidates, so only those are looked at: no full
        sort, no pass over every fact that shares a common word.
        """
        scores: dict[str, float] = defaultdict(float)
        for term, strength in u.terms.items():
            for fact_id, weight in self._weighted.get(term, ()):
                scores[fact_id] += strength * weight
        pool = heapq.nlargest(RANKED * 3, scores.items(), key=itemgetter(1))
        wanted = frozenset(u.attributes)
        asked = u.words | u.terms.keys() if Attribute.NUMBER in wanted else None
        main = u.attributes[0] if u.attributes else None
        for fact_id, score in pool:
            if main in self._gives[fact_id]:
                score *= ATTRIBUTE_BONUS
                if main in self._kind_gives[fact_id]:  # mainly a count, not one in passing
                    score *= KIND_EDGE
            elif not wanted.isdisjoint(self._gives[fact_id]):
                # It gives what is asked second ("what did the founder say": a name, not words).
                score *= SECOND_BONUS
            if asked and fact_id in self._measures:
                named = max(len(words & asked) for words in self._measures[fact_id])
                if named >= 2:  # "design excellence awards" names the figure
                    score *= 1 + MEASURE_BONUS * named
            scores[fact_id] = score
        order = self._order
        pool.sort(key=lambda item: (-scores[item[0]], order[item[0]]))
        return scores, [(scores[f], f) for f, _ in pool[:RANKED]]

    def _top(self, scores: dict[str, float], only: set[str] | None = None):
        """The best facts, (score, fact id), best first; ties in file order. No full sort."""
        items = scores.items() if only is None else ((f, scores[f]) for f in only if f in scores)
        order = self._order
        best = heapq.nsmallest(RANKED, items, key=lambda item: (-item[1], order[item[0]]))
        return [(score, fact_id) for fact_id, score in best]

    # -- deciding ---------------------------------------------------------------------------
    def answer(
        self, question: str, lang: Lang | None = None, context: Context | None = None
    ) -> Answer:
        """The reply to a question, as data. `context` is what the asker's previous question was
        about: a question that names no subject of its own may refer back to it."""
        u = self.understand(question, lang)
        if context is None or context.entity not in self.dataset.entities or u.off_domain:
            return self._decide(u)
        text, cjk_text = normalise(question), " ".join(tokenize(question).cjk_runs)
        short = cues.elliptical(text, cjk_text)
        back = cues.refers_back(text, cjk_text)
        if u.entity is not None or (u.entities and not short and not back):
            if short and not u.attributes:  # "And BYD?": the previous question, about BYD
                terms = dict.fromkeys(context.terms, 1.0) | u.terms
                return self._decide(
                    dataclasses.replace(u, attributes=context.attributes, terms=terms)
                )
            return self._decide(u)
        followed = self._follow(u, context, short)
        if short or back:
            return self._decide(followed)
        # No pronoun: the question may stand on its own ("Who spoke for the winners?").
        alone = self._decide(u)
        if alone.found:
            return alone
        with_context = self._decide(followed)
        return with_context if with_context.found else alone

    def _follow(self, u: Understanding, context: Context, short: bool) -> Understanding:
        terms = dict(u.terms)
        terms[_entity_term(context.entity)] = 1.0
        return dataclasses.replace(
            u,
            entity=context.entity if context.entity in self._subjects else None,
            entities=(context.entity, *u.entities),
            attributes=u.attributes or (context.attributes if short else ()),
            about_awards=True,
            understood=max(u.understood, MIN_UNDERSTOOD) if short else u.understood,
            terms=terms,
            from_context=True,
        )

    def _decide(self, u: Understanding) -> Answer:
        if u.off_domain:
            answer = self._off_topic(u, [])
        else:
            scores, ranked = self._rank(u)  # once: the reply and its check share it
            answer = self._gated(u, self._reply(u, (scores, ranked)), scores, ranked)
        words = tuple(t for t in u.terms if not t.startswith("@"))
        return dataclasses.replace(answer, terms=words) if words else answer

    def _reply(self, u: Understanding, ranking=None) -> Answer:
        if u.off_domain:
            return self._off_topic(u, [])
        scores, ranked = ranking or self._rank(u)
        if u.asks_how_to:
            # Advice on filing or applying: the sources describe the awards, not procedures.
            if any(self.dataset.entities[e].kind is EntityKind.EVENT for e in u.entities):
                return self._not_stated(u, ranked)
            return self._off_topic(u, ranked)
        if u.entity is not None:
            return self._about_subject(u, scores, ranked)
        if u.unsourced:  # "prize money for gold"
            return self._not_stated(u, ranked) if u.about_awards else self._off_topic(u, ranked)
        fitting = ranked
        if u.attributes:
            wanted = frozenset(u.attributes)
            fitting = [(s, f) for s, f in ranked if not wanted.isdisjoint(self._gives[f])]
        asks_if_won = {Attribute.WINNER, Attribute.AWARD} & set(u.attributes)
        if u.unknown_name and asks_if_won:
            return self._winners(u, u.unknown_name)  # "Did Xiaomi win a gold?"
        if u.unknown_name and u.about_awards and u.lang == Lang.EN:
            return self._not_stated(u, ranked)  # "How many golds did Shandong win?"
        if u.unread and u.about_awards and _COUNTS_OR_NAMES & set(u.attributes):
            # "How many golds went to universities?", "which foreign companies won": a group
            # the sources do not break the winners down by.
            return self._not_stated(u, ranked)
        award = next((e for e in u.entities if e in self._earlier_awards), None)
        if award is not None:
            # "Which firms got silver?": a fact about winners in general does not say.
            fitting = [(s, f) for s, f in fitting if award in self.dataset.facts[f].about]
            if u.attributes and not fitting:
                return self._missing(u, award, scores)
        asks_who_won = Attribute.WINNER in u.attributes and (
            Attribute.ORGANISATION in u.attributes or Attribute.PERSON in u.attributes
        )
        if asks_who_won and not self._one_topic(fitting):
            return self._winners(u, None)  # "Who won gold?": many winners, some named
        if self._confident(u, fitting):
            return self._answer(u, fitting)
        if not u.about_awards:
            return self._off_topic(u, ranked)
        if Attribute.WINNER in u.attributes or (
            Attribute.ORGANISATION in u.attributes and u.win_words
        ):
            return self._winners(u, u.unknown_name)  # "Which companies won gold?"
        return self._not_stated(u, ranked)

    def _about_subject(
        self, u: Understanding, scores: dict[str, float], ranked: list[tuple[float, str]]
    ) -> Answer:
        """A question about one named subject: answer with a fact about it that gives what is
        asked, or say that the sources do not give it."""
        subject = u.entity
        about = set(self._by_entity[subject])
        if (
            self.dataset.entities[subject].kind in _MENTIONED
            and set(u.attributes) & _ABOUT_ITSELF
            and Attribute.WINNER not in u.attributes
        ):
            # A company's founder or a city's gold count is given by a fact about that company
            # or city (or about another thing the question names), not by one that mentions it
            # ("Huawei and BYD invest in R&D"). Whether it won may be said in passing.
            about = {f for f in about if self.dataset.facts[f].about[0] in (subject, *u.entities)}
        giving = about
        if u.attributes:
            wanted = frozenset(u.attributes)
            giving = {f for f in about if not wanted.isdisjoint(self._gives[f])}
        fitting = self._top(scores, giving)
        earlier = next((e for e in u.entities if e in self._earlier_awards), None)
        if earlier is not None:  # "How many silver awards did HUION win?"
            fitting = [(s, f) for s, f in fitting if earlier in self.dataset.facts[f].about]
        if u.unsourced or not fitting:
            if not u.about_awards:  # "how many people live in Shanghai"
                return self._off_topic(u, ranked)
            return self._missing(u, subject, scores)
        # What the question asks beyond its subject ("R&D" in "BYD's R&D spending") must be in a
        # fact about the subject: a fact that only shares the subject's name is not an answer.
        asked = [
            t
            for t in u.terms
            if t in self._postings
            and t not in self._asking_terms
            and t not in u.asking
            and (
                self._is_thing(t[1:])
                if t.startswith("@")
                else subject not in self._phrases.get((t,), ())
            )
        ]
        matched = [t for t in asked if fitting[0][1] in self._postings[t]]
        elsewhere = [  # words of the question that point to facts about something else
            t
            for t in asked
            if not t.startswith("@") and not any(f in self._postings[t] for f in about)
        ]
        if asked and not matched and elsewhere and not u.from_context:
            if self.dataset.entities[subject].kind is EntityKind.PLACE and u.asks_if_there:
                # "Was the ceremony in Beijing?": the place is what is asked, not the subject.
                without = {t: v for t, v in u.terms.items() if t != _entity_term(subject)}
                entities = tuple(e for e in u.entities if e != subject)
                instead = self._reply(
                    dataclasses.replace(
                        u,
                        entity=None,
                        entities=entities,
                        terms=without,
                        attributes=(Attribute.PLACE, *u.attributes),
                    )
                )
                if instead.found:
                    return instead
            return self._missing(u, subject, scores)
        if u.understood < MIN_UNDERSTOOD and not u.from_context and not matched:
            if not u.about_awards:  # "Beijing nightlife"
                return self._off_topic(u, ranked)
            return self._missing(u, subject, scores)
        return self._answer(u, fitting)

    def _confident(self, u: Understanding, ranked: list[tuple[float, str]]) -> bool:
        if not ranked or ranked[0][0] < MIN_SCORE:
            return False
        if u.entities:
            return u.understood >= MIN_UNDERSTOOD
        return (
            u.understood >= MIN_UNDERSTOOD_WITHOUT_ENTITY
            and len(u.terms) + bool(u.attributes) >= MIN_TERMS_WITHOUT_ENTITY
            and self._one_topic(ranked)
        )

    def _one_topic(self, ranked: list[tuple[float, str]]) -> bool:
        """Whether the best facts agree on one topic (else the question is too vague)."""
        if not ranked:
            return False
        return (
            len({self.dataset.facts[f].topic for s, f in ranked if s >= ranked[0][0] * NEAR_RATIO})
            == 1
        )

    def _confidence(self, u: Understanding, best: float) -> float:
        return round(min(best / (2 * MIN_SCORE), 1.0) * u.understood, 3)

    def _answer(self, u: Understanding, ranked: list[tuple[float, str]]) -> Answer:
        best = ranked[0][0]
        chosen = self._tied(ranked)
        lead = self.dataset.facts[chosen[0]]
        if not self._in_scope(u, lead):
            # "Where were the 2025 awards presented?": a close fact of the year asked is the
            # answer, not the earlier edition that shares more words.
            scoped = [
                (s, f)
                for s, f in ranked
                if self._in_scope(u, self.dataset.facts[f]) and self._shares_more_than_year(u, f)
            ]
            if not scoped or scoped[0][0] < best * SCOPE_RATIO:
                return self._other_edition(u, lead)
            best, lead = scoped[0][0], self.dataset.facts[scoped[0][1]]
            chosen = self._tied(scoped)
        chosen = [f for f in chosen if self._in_scope(u, self.dataset.facts[f])]
        return Answer(
            kind=ReplyKind.ANSWER,
            lang=u.lang,
            facts=tuple(chosen),
            citations=self._citations(chosen),
            entity=u.entity or self._main_entity(u, lead),
            attributes=u.attributes,
            score=self._confidence(u, best),
        )

    def _shares_more_than_year(self, u: Understanding, fact_id: str) -> bool:
        """Whether a fact matches the question on more than the year it names."""
        years = {str(y) for y in u.years}
        return any(fact_id in self._postings.get(t, ()) for t in u.terms if t not in years)

    def _tied(self, ranked: list[tuple[float, str]]) -> list[str]:
        """The best fact and those as good of the same topic (three regions with 3 golds each);
        up to three sentences."""
        best, lead = ranked[0]
        topic = self.dataset.facts[lead].topic
        return [
            f
            for s, f in ranked[:MAX_FACTS]
            if s >= best * TIE_RATIO and self.dataset.facts[f].topic == topic
        ]

    def _in_scope(self, u: Understanding, fact: Fact) -> bool:
        """Whether a fact is about the edition and year asked for. A question that names no
        year asks about the 2025 awards: a figure from an earlier edition is not its answer."""
        if u.editions:  # "how many golds in the 22nd edition": that edition or none
            return fact.edition in u.editions
        if u.years:
            own = fact.year or cues.CURRENT_YEAR
            return any(y == own or str(y) in fact.answer.en for y in u.years)
        if fact.edition is None or Attribute.NUMBER not in u.attributes:
            return True
        return any(  # "how many silvers in the 23rd edition" names it
            e in fact.about and self.dataset.entities[e].kind is EntityKind.EVENT
            for e in u.entities
            if e in self._subjects
        )

    # -- replies that do not answer ---------------------------------------------------------
    def _other_edition(self, u: Understanding, fact: Fact) -> Answer:
        """ "How many silvers this year?": the sources give the figure for another edition."""
        return Answer(
            kind=ReplyKind.NOT_IN_SOURCES,
            lang=u.lang,
            facts=(fact.id,),
            citations=self._citations([fact.id]),
            entity=u.entity or self._award_named(u) or self._main_entity(u, fact),
            attributes=u.attributes,
            suggestions=(fact.topic,),
            gap=Gap.OTHER_EDITION,
            asked_year=u.years[0] if u.years else None,
            asked_edition=u.editions[0] if u.editions else None,
        )

    def _missing(self, u: Understanding, entity_id: str, scores: dict[str, float]) -> Answer:
        """ "What was Huawei's winning patent?": the entity is known, what is asked is not."""
        ranked = self._top(scores, set(self._by_entity[entity_id]))
        # What the sources say about it: facts about it, else the best one that mentions it.
        own = [f for _, f in ranked if self.dataset.facts[f].about[0] == entity_id]
        said = own[:MAX_SAID] or [f for _, f in ranked[:1]]
        if not said:
            said = self._by_entity[entity_id][:MAX_SAID]
        return Answer(
            kind=ReplyKind.NOT_IN_SOURCES,
            lang=u.lang,
            facts=tuple(said),
            citations=self._citations(said),
            entity=entity_id,
            attributes=u.attributes,
            suggestions=self._topics_of(said),
            gap=Gap.ATTRIBUTE,
            named=(entity_id,) if entity_id in self.winners else (),
        )

    def _winners(self, u: Understanding, asked_name: str | None) -> Answer:
        """ "Did Xiaomi win a gold?": the sources name some winners, and not that one."""
        return Answer(
            kind=ReplyKind.NOT_IN_SOURCES,
            lang=u.lang,
            facts=(),
            citations=self._citations(self._winner_facts),
            attributes=u.attributes,
            suggestions=self._topics_of(self._winner_facts),
            gap=Gap.WINNERS,
            named=tuple(self.winners),
            asked_name=asked_name,
        )

    def _not_stated(self, u: Understanding, ranked: list[tuple[float, str]]) -> Answer:
        return Answer(
            kind=ReplyKind.NOT_IN_SOURCES,
            lang=u.lang,
            entity=u.entity,
            attributes=u.attributes,
            suggestions=self._suggest(ranked),
            score=self._confidence(u, ranked[0][0] if ranked else 0.0),
            gap=Gap.NOT_STATED,
        )

    def _off_topic(self, u: Understanding, ranked: list[tuple[float, str]]) -> Answer:
        return Answer(
            kind=ReplyKind.OFF_TOPIC,
            lang=u.lang,
            suggestions=self._suggest(ranked),
            score=self._confidence(u, ranked[0][0] if ranked else 0.0),
        )

    # -- the gate: is it an answer, and is it about the awards? -----------------------------
    def _topic_weights(self, u: Understanding) -> dict[str, float]:
        """What the question is about, word by word, weighted by rarity: its names and topic
        words (not the words that say what is asked, nor a year), and the words the data does not
        know, each as much as a common word (it may be a topic, or only how the asker talks)."""
        cached = self._weights_of  # one question's gate asks for them many times
        if cached[0] is u:
            return cached[1]
        out = self._weigh_topic(u)
        self._weights_of = (u, out)
        return out

    def _weigh_topic(self, u: Understanding) -> dict[str, float]:
        years = {str(y) for y in u.years}
        asking = self._asking_terms
        if Attribute.NUMBER in u.attributes:  # "how many universities": what is counted
            asking = asking - self._kind_nouns
        out = {
            t: self._idf.get(t, self._max_idf)
            for t in u.terms
            if t not in asking
            and t not in u.asking
            and t not in years
            and not (t.startswith("@") and t[1:] in self._settings)
            and t not in self._setting_place_words  # "China" is where, not what, nearly always
            # Out of the awards' context a place is where, not what: "how many universities are
            # in Beijing" is not answered by a fact about Beijing.
            and (u.award_context or not self._names_place(t))
        }
        if u.asks_if_there:  # "was the ceremony in Beijing": the place is checked, not the topic
            out = {
                t: w
                for t, w in out.items()
                if t[1:] not in self._subjects or not self._is_place(t[1:])
            }
        for word in u.strange:
            out["?" + word] = STRANGE_WEIGHT
        if u.zh_strange:
            out["?zh"] = STRANGE_WEIGHT * u.zh_strange
        return out

    def _names_place(self, term: str) -> bool:
        """Whether a term is a place's entity term or its one-word name ("@beijing", "beijing")."""
        if term.startswith("@"):
            return self._is_place(term[1:])
        return any(self._is_place(e) for e in self._phrases.get((term,), ()))

    def _is_place(self, entity_id: str) -> bool:
        entity = self.dataset.entities.get(entity_id)
        return entity is not None and entity.kind is EntityKind.PLACE

    def covers(self, u: Understanding, fact_ids) -> float:
        """The share of what the question is about that the facts carry (rarity-weighted)."""
        weights = self._topic_weights(u)
        total = sum(weights.values())
        if not any(not t.startswith("?") for t in weights):
            # Nothing known to check against. Outside the awards' context, words the data has
            # never seen are all it is about ("China's GDP"); in it, or with no such words, the
            # ranking decided ("which region came second for golds", "how many in total").
            return 0.0 if u.strange and not u.award_context else 1.0
        carried = sum(
            w for t, w in weights.items() if any(f in self._postings.get(t, ()) for f in fact_ids)
        )
        return carried / total

    def _carries(self, u: Understanding, answer: Answer) -> bool:
        return self._carried(u, answer.facts)

    def _carried(self, u: Understanding, fact_ids, least: float = 0.0) -> bool:
        """Whether an answer's facts carry what the question names and most of what it is about:
        a fact that shares only a name or a common word ("battery", "growth") is not an answer."""
        if u.asks_duration:
            return False  # no fact gives how long something lasts
        if u.asks_money and not any(f in self._money_facts for f in fact_ids):
            return False  # an amount of money, answered by a count of something else
        named = [
            e
            for e in u.entities
            if (e in self._subjects or e in self._winning_things)
            and not (u.asks_if_there and self._is_place(e))
        ]
        if named and not any(
            e in self.dataset.facts[f].about or f in self._postings.get(_entity_term(e), ())
            for e in named
            for f in fact_ids
        ):
            return False
        return self.covers(u, fact_ids) >= max(least, MIN_COVERED)

    def _known_topic(self, u: Understanding) -> list[str]:
        """The question's topic words the data knows: names (once each) and other words."""
        named = set(u.entities)
        return [
            t
            for t in self._topic_weights(u)
            if not t.startswith("?") and not (self._phrases.get((t,), set()) & named)
        ]

    def in_role(self, u: Understanding) -> bool:
        """Whether a question asks about something the data knows in the role the data knows
        it: a company's founding, figures or award, what an expert said. A question that asks
        about a known name in another role (a product's quality, how to use an app, a city's
        trains) is not about the awards."""
        if u.asks_duration:
            return False
        topic = self._known_topic(u)
        strange = len(u.strange) + u.zh_strange
        if strange > len(topic):
            return False  # mostly words the data has never seen: another subject
        if not u.attributes:  # "huion tablet": a name and words the data has about it
            return bool(u.entities) and strange * 2 <= len(topic)
        wanted = set(u.attributes)
        for entity_id in u.entities:
            kind = self.dataset.entities[entity_id].kind
            if kind is EntityKind.PLACE and not any(
                f in self._postings.get(t, ())
                for t in topic
                if not t.startswith("@")
                for f in self._by_entity[entity_id]
            ):
                continue  # a place's hospitals or trains: none of its facts speaks of them
            if kind in (EntityKind.ORGANISATION, EntityKind.PERSON):
                gives = self._kind_attributes[kind]
            else:
                gives = {a for f in self._by_entity[entity_id] for a in self._gives[f]}
                if entity_id in self._winning_things:  # who holds it, who made it
                    gives |= {Attribute.ORGANISATION, Attribute.PERSON}
            if wanted & gives:
                return True
        return False

    def _gated(self, u: Understanding, answer: Answer, scores, ranked) -> Answer:
        """The reply, checked: an answer must carry what is asked, and a "not in the sources"
        reply is for questions about the awards or about a known thing in its known role."""
        if u.from_context or answer.kind is ReplyKind.OFF_TOPIC:
            return answer
        if (u.asks_advice or u.asks_how_to_use) and not u.award_context:
            return self._off_topic(u, ranked)  # "which Gree air conditioner is best", 怎么连接
        if answer.kind is ReplyKind.ANSWER:
            # Out of the awards' context, a question that asks for nothing in particular must ask
            # about more than a known name among words the data has never seen ("tencent qq
            # password forgot" does not; "huion monthly sales at its lowest" does).
            in_role = (
                u.award_context
                or not (u.strange or u.zh_strange)
                or u.attributes
                or any(not t.startswith("@") for t in self._known_topic(u))
            )
            if in_role and self._carries(u, answer):
                return answer
            # A close runner-up that carries the question answers it instead.
            best = ranked[0][0] if ranked else 0.0
            wanted = frozenset(u.attributes)
            carrying = [
                (s, f)
                for s, f in ranked
                if s >= best * RUNNER_UP
                and (
                    not wanted
                    or not wanted.isdisjoint(self._gives[f])
                    or u.entity in self.dataset.facts[f].about  # "what did Tang say about AI"
                )
                and self._carried(u, (f,), RUNNER_UP_COVERED)
            ]
            if carrying and in_role:
                return self._answer(u, carrying)
            if not (u.about_awards and (u.award_context or self.in_role(u))):
                return self._off_topic(u, ranked)
            if u.entity is not None:
                return self._missing(u, u.entity, scores)
            return self._not_stated(u, ranked)
        if u.other_award and not u.entity:  # "who won best actor at the Golden Rooster awards"
            return self._off_topic(u, ranked)
        if u.award_context or self.in_role(u):
            return answer
        return self._off_topic(u, ranked)

    # -- helpers ----------------------------------------------------------------------------
    def _is_thing(self, entity_id: str) -> bool:
        """A named thing (a patent, a product) that a fact must be about to answer a question
        that names it; companies, people and places may be named side by side."""
        entity = self.dataset.entities[entity_id]
        return entity.kind is EntityKind.THING and entity_id not in self._settings

    def _award_named(self, u: Understanding) -> str | None:
        awards = [e for e in u.entities if self.dataset.entities[e].kind is EntityKind.AWARD]
        return awards[0] if awards else None

    def _main_entity(self, u: Understanding, fact: Fact) -> str | None:
        """What a follow-up may refer back to: a subject the question named and the fact is
        about, else what the fact is about first (the awards, for "where were they held")."""
        for entity_id in u.entities:
            if entity_id in fact.about and entity_id in self._subjects:
                return entity_id
        return fact.about[0]

    def _citations(self, fact_ids) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for f in fact_ids for s in self.dataset.facts[f].sources))

    def _topics_of(self, fact_ids) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.dataset.facts[f].topic for f in fact_ids))[:3]

    def _suggest(self, ranked: list[tuple[float, str]]) -> tuple[str, ...]:
        topics = list(dict.fromkeys(self.dataset.facts[f].topic for _, f in ranked))
        topics += [t for t in DEFAULT_SUGGESTIONS if t in self.dataset.topics and t not in topics]
        return tuple(topics[:3])


def _runs_with_offsets(text: str) -> list[tuple[int, str]]:
    out, offset = [], 0
    for run in text.split(" "):
        out.append((offset, run))
        offset += len(run) + 1
    return out


def _longest_uncovered(cjk_text: str, covered: list[bool]) -> str | None:
    """The longest run of two or more Chinese characters the index knows nothing of (a name the
    data does not have, as in 小米获得金奖了吗), function characters aside."""
    best, run = "", ""
    for ch, is_covered in zip(cjk_text, covered, strict=True):
        if not is_covered and ch != " " and ch not in _ZH_FUNCTION_CHARS:
            run += ch
            best = max(best, run, key=len)
        else:
            run = ""
    return best if len(best) >= 2 else None


def _as_written(question: str, words: list[str]) -> str:
    """Unknown words as the user wrote them (their case), a lower-case name capitalised."""
    found = []
    for word in words[:3]:
        match = re.search(re.escape(word), question, re.IGNORECASE)
        written = match.group(0) if match else word
        found.append(written[:1].upper() + written[1:] if written.islower() else written)
    return " ".join(found)


_AWARD_NOUN = re.compile(
    r"\b([a-z][a-z\-]*) (awards?|prizes?|medals?|trophy|trophies|cups?|championships?|games)\b"
)


def _names_other_award(text: str, strange: list[str]) -> bool:
    """Whether a word the data does not know names an award or a contest ("Lasker Award",
    "Swimming Championships"): another competition, not these awards."""
    return any(m.group(1) in strange for m in _AWARD_NOUN.finditer(text))


def _written_as_name(question: str, word: str) -> bool:
    """Whether a word is written as a name: capitalised after the first word ("did Xiaomi win"),
    or in capitals ("CATL")."""
    for match in re.finditer(re.escape(word), question, re.IGNORECASE):
        written = match.group(0)
        if written.isupper() and len(written) >= 3:
            return True
        if written[0].isupper() and question[: match.start()].strip():
            return True
    return False


_WIN_SUBJECT = re.compile(
    r"\b(?:did|does|do|was|were|is|are|has|have)\s+((?:[a-z][a-z\-]*\s+){0,1}[a-z][a-z\-]*)\s+"
    r"(?:win|won|get|got|receive|received|take|took|among|awarded|a winner|one of)\b"
)


def _subject_of_win(text: str) -> list[str]:
    """The words naming who is asked about in "did Samsung win...", "was CATL among...". A
    participle or adverb in that place is part of the verb, not a name: "which maker is named
    among the awardees", "was it really among"."""
    return [
        w
        for match in _WIN_SUBJECT.finditer(text)
        for w in match.group(1).split()
        if not w.endswith(("ed", "ly")) and w not in _NOT_A_NAME
    ]


_NOT_A_NAME = frozenset({"also", "not", "still", "ever", "never", "it", "they", "one", "any"})
