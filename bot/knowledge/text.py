"""Text handling for lookups: normalise, split into Latin words and CJK runs, stem, map synonyms.

Everything here is a pure function over strings, shared by the index (built from the dataset) and
the query side, so both sides see the same terms.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

# Zero-width and bidi marks survive NFKC and would split or glue words invisibly.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # control characters separate words
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e")
)
_POSSESSIVE = re.compile(r"(\w)['’]s\b")
_MARKUP = re.compile(r"</?[a-zA-Z][^<>]{0,30}>")  # <b>, </i>, <script>: typed markup is not words
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[a-z0-9]+|[{_CJK}]+")
_CJK_RUN = re.compile(rf"^[{_CJK}]+$")
_HAS_CJK = re.compile(rf"[{_CJK}]")

# Function words that carry no topic. Question words are kept apart: they tell what kind of
# answer is wanted (see question_kinds), not what it is about.
STOPWORDS = frozenset(
    """
    a an the of in on at to for from by with about as into over than and or but not no nor so
    is are was were be been being am do does did done doing has have had having will would shall
    should can could may might must i me my we us our you your he him his she her it its they them
    their this that these those there here what which who whom whose when where why how many much
    tell please know any some all also just only more most very really pls plz hey hi hello ok
    get got give given gave go went say said one thing things something anything
    """.split()
) | frozenset("abcdefghijklmnopqrstuvwxyz")  # stray letters: "<b>", "u", initials

# Canonical forms: a question's word and the dataset's word meet on the same term.
SYNONYMS = {
    "medal": "award",
    "prize": "award",
    "honour": "award",
    "honor": "award",
    "winner": "win",
    "won": "win",
    "winning": "win",
    "province": "region",
    "area": "region",
    "firm": "company",
    "corporation": "company",
    "founded": "founder",
    "founding": "founder",
    "found": "founder",
    "started": "founder",
    "launched": "launch",
    "held": "hold",
    "took": "take",
    "presenting": "present",
    "handed": "present",
    "hand": "present",
    "presented": "present",
    "presenter": "present",
    "gave": "present",
    "organization": "organisation",
    "organised": "organise",
    "organized": "organise",
    "organize": "organise",
    "organizer": "organise",
    "organiser": "organise",
    "invented": "invention",
    "invent": "invention",
    "inventor": "invention",
    "r&d": "rnd",
    "research": "rnd",
    "filed": "file",
    "filing": "file",
    "applied": "application",
    "apply": "application",
    "ranked": "rank",
    "ranking": "rank",
    "bev": "ev",
    "automaker": "car",
    "automotive": "car",
    "vehicle": "car",
    "golds": "gold",
}

_IRREGULAR_PLURALS = {"people": "person", "children": "child", "men": "man", "women": "woman"}
_NO_STEM = frozenset(
    {"news", "series", "us", "its", "this", "gas", "glass", "process", "business", "less"}
)


def normalise(text: str) -> str:
    """NFKC (full-width forms to ASCII), casefold, drop invisible and control characters."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text).translate(_INVISIBLE))
    text = _MARKUP.sub(" ", text).casefold().replace("r&d", " rnd ")
    return _POSSESSIVE.sub(r"\1", text)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stemmer: plurals only, which is what questions vary on."""
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if len(word) <= 3 or word in _NO_STEM or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=65536)
def canonical(word: str) -> str:
    """The term a Latin word is indexed and looked up under."""
    word = SYNONYMS.get(word, word)
    return SYNONYMS.get(stem(word), stem(word))


def has_cjk(text: str) -> bool:
    return bool(_HAS_CJK.search(text))


def is_cjk(token: str) -> bool:
    return bool(_CJK_RUN.match(token))


def cjk_bigrams(run: str) -> list[str]:
    """Chinese has no spaces: overlapping character pairs stand in for words."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


@dataclass(frozen=True, slots=True)
class Tokens:
    """A text split for lookup: Latin words (raw, in order) and CJK runs (in order)."""

    words: tuple[str, ...]
    cjk_runs: tuple[str, ...]

    @property
    def content_words(self) -> tuple[str, ...]:
        return tuple(w for w in self.words if w not in STOPWORDS)


def tokenize(text: str) -> Tokens:
    words: list[str] = []
    runs: list[str] = []
    for token in _TOKEN.findall(normalise(text)):
        (runs if is_cjk(token) else words).append(token)
    return Tokens(tuple(words), tuple(runs))


def latin_terms(text: str) -> list[str]:
    """Canonical, stopword-free terms of a text's Latin words, in order."""
    return [canonical(w) for w in tokenize(text).words if w not in STOPWORDS]


# -- Chinese typos ------------------------------------------------------------------------------
# A Chinese name typed with one wrong character is nearly always a character that sounds the
# same (an input-method slip: 比亚滴 for 比亚迪, 广洞 for 广东) or looks the same (a handwriting or
# OCR slip: 绘玉 for 绘王). Both tables are large, so they are loaded on the first question that
# needs them, not at start-up.


@functools.cache
def _pinyin_readings():
    import os

    # pypinyin's phrase dictionary (about 120 ms to load) serves whole-word readings; single
    # characters need only its character table. This is pypinyin's documented switch for that.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style, pinyin

    return lambda char: pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")


@functools.cache
def _four_corner_codes() -> dict[str, str]:
    from four_corner_method import FourCornerMethod

    return FourCornerMethod().data


@functools.lru_cache(maxsize=65536)
def _toneless_readings(char: str) -> frozenset[str]:
    readings = _pinyin_readings()(char)
    return frozenset(readings[0]) if readings else frozenset()


def sounds_alike(a: str, b: str) -> bool:
    """Two Chinese characters with a reading in common, tones ignored (迪 dí, 滴 dī)."""
    return bool(_toneless_readings(a) & _toneless_readings(b))


def looks_alike(a: str, b: str) -> bool:
    """Two Chinese characters with the same four-corner code (the shape of their four corners,
    the last digit aside): 王 1010(4) and 玉 1010(3)."""
    codes = _four_corner_codes()
    code_a, code_b = codes.get(a), codes.get(b)
    return bool(code_a and code_b and code_a[:4] == code_b[:4])
