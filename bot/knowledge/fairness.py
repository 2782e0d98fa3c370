"""What makes a multiple-choice question fair, as plain functions over its strings. One owner for
the rules: the loader applies them to authored questions (data/quiz.yaml, so `python -m bot
validate` refuses an unfair one) and the quiz bank to the questions it generates.

- exactly OPTIONS options, no two the same once case, spaces and punctuation are ignored;
- no wrong option that the right one makes true: "More than 37.9 billion yuan" beside the right
  "More than 379 billion yuan", "超过1万个" beside "超过100万个", "The top 20" beside "The top 10";
- a question stands alone: no "these regions" that refers to nothing the poll shows;
- an explanation is a whole sentence: it ends as a sentence ends, not cut off with "…".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

OPTIONS = 4  # every question offers four options


def option_key(text: str) -> str:
    """An option as compared with the others: NFKC, casefolded, no spaces or punctuation (a
    decimal point stays: 8.8 is not 88; a thousands comma goes: 1,700 is 1700)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _DECIMAL_POINT.sub("\x00", _THOUSANDS.sub("", text))
    kept = (c for c in text if not c.isspace() and not unicodedata.category(c).startswith("P"))
    return "".join(kept).replace("\x00", ".")


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def same_options(options: tuple[str, ...] | list[str]) -> tuple[int, int] | None:
    """The first two options that are the same once normalised (their indices), or None."""
    seen: dict[str, int] = {}
    for i, option in enumerate(options):
        key = option_key(option)
        if key in seen:
            return seen[key], i
        seen[key] = i
    return None


# -- "more than" options ----------------------------------------------------------------------

# How an option bounds its number: a lower bound (strict or not) or a point (exact or vague).
MORE_THAN, AT_LEAST, EXACT, ABOUT = "more_than", "at_least", "exact", "about"


@dataclass(frozen=True, slots=True)
class Claim:
    """What an option says about a number: "more than 379e9 yuan" -> (MORE_THAN, 379e9, "yuan")."""

    bound: str
    value: float
    unit: str


_EN_BOUNDS = [
    (re.compile(r"^(?:more than|over|above|upwards of)\s+(.+)$"), MORE_THAN),
    (re.compile(r"^(?:at least|no fewer than|no less than)\s+(.+)$"), AT_LEAST),
    (re.compile(r"^(.+?)\s+or more$"), AT_LEAST),
    (re.compile(r"^(?:about|around|roughly|approximately|nearly|almost|some)\s+(.+)$"), ABOUT),
]
_ZH_BOUNDS = [
    (re.compile(r"^(?:超过|逾|多于|高于)(.+)$"), MORE_THAN),
    (re.compile(r"^(?:至少|不少于|不低于)(.+)$"), AT_LEAST),
    (re.compile(r"^(.+?)(?:以上)$"), AT_LEAST),
    (re.compile(r"^(?:约|大约|近|将近|接近)(.+)$"), ABOUT),
]
_EN_AMOUNT = re.compile(r"^(\d[\d,]*(?:\.\d+)?)\s*(thousand|million|billion|trillion)?\s*(.*)$")
_ZH_AMOUNT = re.compile(r"^(\d[\d,]*(?:\.\d+)?)\s*(万亿|亿|万|千)?(余|多)?\s*(.*)$")
_SCALE = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "千": 1e3,
    "万": 1e4,
    "亿": 1e8,
    "万亿": 1e12,
}
# Units spelt differently in the two languages, and Chinese measure words that add nothing.
_UNITS = {
    "percent": "%",
    "per cent": "%",
    "元": "yuan",
    "美元": "us dollars",
    "dollars": "us dollars",
}
_ZH_MEASURE_WORDS = set("件个项家台名次位座")


def claim(option: str) -> Claim | None:
    """The number an option states and how it bounds it, or None for an option without one."""
    text = unicodedata.normalize("NFKC", option).strip().casefold()
    zh = bool(re.search(r"[\u3400-\u9fff]", text))
    bound = EXACT
    for pattern, kind in _ZH_BOUNDS if zh else _EN_BOUNDS:
        if match := pattern.match(text):
            text, bound = match.group(1).strip(), kind
            break
    if zh:
        match = _ZH_AMOUNT.match(text)
        if not match:
            return None
        number, scale, more, unit = match.groups()
        if more and bound == EXACT:  # "1700余件", "1700多件": more than 1,700
            bound = MORE_THAN
        unit = "".join(c for c in unit if c not in _ZH_MEASURE_WORDS)
    else:
        match = _EN_AMOUNT.match(text)
        if not match:
            return None
        number, scale, unit = match.groups()
    value = float(number.replace(",", "")) * _SCALE.get(scale or "", 1)
    unit = unit.strip(" .")
    return Claim(bound, value, _UNITS.get(unit, unit))


def implied_option(options: tuple[str, ...] | list[str], correct: int) -> int | None:
    """The index of a wrong option that the correct one makes true as well ("more than N/10"
    beside "more than N"), or None. Lower bounds can be implied this way: "more than", "over",
    "at least", "超过", "逾", "以上" (a vague correct option, "about N", implies any lower bound
    below N); and rank bands: "the top 20" beside "the top 10" or "4th"."""
    if (band := _implied_band(options, correct)) is not None:
        return band
    right = claim(options[correct])
    if right is None:
        return None
    for i, option in enumerate(options):
        wrong = claim(option) if i != correct else None
        if wrong is None or wrong.bound not in (MORE_THAN, AT_LEAST) or wrong.unit != right.unit:
            continue
        if wrong.value < right.value:
            return i
        if wrong.value == right.value and (
            right.bound == MORE_THAN or (wrong.bound == AT_LEAST and right.bound != ABOUT)
        ):
            return i
    return None


_EN_TOP = re.compile(r"^(?:in\s+|within\s+)?(?:the\s+)?top\s+(\d+)$")
_ZH_TOP = re.compile(r"^(?:进入|跻身|位列)?前([\d一二三四五六七八九十百]+)(?:名|位)?$")
_EN_RANK = re.compile(r"^(?:no\.\s*|number\s+)?(\d+)(?:st|nd|rd|th)$|^no\.\s*(\d+)$")
_ZH_RANK = re.compile(r"^第([\d一二三四五六七八九十百]+)(?:名|位)?$")
_ZH_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def _zh_int(text: str) -> int | None:
    """ "10" / "十" / "二十" / "十一" / "一百" -> 10 / 10 / 20 / 11 / 100 (up to 999)."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for c in text:
        if c in _ZH_DIGITS:
            digit = _ZH_DIGITS[c]
        elif c in "十百":
            total += (1 if digit is None else digit) * (10 if c == "十" else 100)
            digit = None
        else:
            return None
    return total + (digit or 0)


def _rank(option: str) -> tuple[str, int] | None:
    """("top", N) for a band such as "The top 10" / "前十"; ("rank", N) for "4th" / "第四"."""
    text = unicodedata.normalize("NFKC", option).strip().casefold().rstrip(".")
    for pattern, kind in (
        (_EN_TOP, "top"),
        (_ZH_TOP, "top"),
        (_EN_RANK, "rank"),
        (_ZH_RANK, "rank"),
    ):
        if match := pattern.match(text):
            number = _zh_int(next(g for g in match.groups() if g))
            return (kind, number) if number else None
    return None


def _implied_band(options: tuple[str, ...] | list[str], correct: int) -> int | None:
    right = _rank(options[correct])
    if right is None:
        return None
    for i, option in enumerate(options):
        wrong = _rank(option) if i != correct else None
        if wrong and wrong[0] == "top" and right[1] <= wrong[1]:
            return i
    return None


# -- questions -------------------------------------------------------------------------------

# "these regions", "those firms", "这些地区": a poll shows the question alone, so a demonstrative
# refers to nothing. "Which of these" refers to the options and is fine; so is "以下哪项".
_EN_DANGLING = re.compile(
    r"(?<!\bof )\b(?:these|those)\s+(?!(?:is|are|was|were|has|have|won|did)\b)\w+", re.I
)
_ZH_DANGLING = re.compile(r"(?:这些|那些|上述)\w{0,2}")


def dangling_reference(question: str) -> str | None:
    """The words of a question that point at something the question does not show, or None."""
    match = _EN_DANGLING.search(question) or _ZH_DANGLING.search(question)
    return match.group(0) if match else None


# -- explanations ----------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’)）」』]*$")


def is_whole_sentence(text: str) -> bool:
    """True for text that ends as a sentence ends (". ! ? 。 ！ ？", perhaps inside a closing
    quote or bracket) and is not cut off ("…", "...")."""
    text = text.rstrip()
    return bool(_SENTENCE_END.search(text)) and not text.endswith(("...", "…"))
