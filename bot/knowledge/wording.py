"""The sentences of a reply, in English or Chinese, from the lookup's plain `Answer`.

One place writes them for every way the bot speaks: the Telegram layer (render.py, which escapes
them and sets the source line in italics) and the command line (`python -m bot ask`, which prints
them as they are). Nothing here knows a chat platform.

Chinese follows Chinese typesetting: full-width punctuation with no space after it, lists joined
with 、 and 和, and a Latin name inside Chinese text set off by spaces ("副总裁 Chen Yimin").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.cues import CURRENT_YEAR
from bot.knowledge.dataset import Attribute, Dataset, EntityKind, Lang
from bot.knowledge.lookup import Answer, Gap, ReplyKind


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply as plain text: the sentences, and the line that names their sources (if any)."""

    body: str
    source: str | None = None

    def plain(self) -> str:
        return f"{self.body}\n{self.source}" if self.source else self.body


def compose(answer: Answer, dataset: Dataset) -> Reply:
    """The reply's sentences in the answer's language."""
    words = _Words(dataset, answer.lang)
    if answer.kind is ReplyKind.ANSWER:
        body = words.sentences(answer.facts)
    elif answer.kind is ReplyKind.OFF_TOPIC:
        body = words.off_topic(answer.suggestions)
    else:
        body = words.not_in_sources(answer)
    source = words.source_line(answer.citations) if answer.citations else None
    return Reply(words.typeset(body), words.typeset(source) if source else None)


# What is missing, per attribute asked for, for "the sources do not give ... for X".
_MISSING = {
    Attribute.DATE: ("a date or year", "日期或年份"),
    Attribute.PLACE: ("a place", "地点"),
    Attribute.PERSON: ("the person you ask about", "你问的这个人"),
    Attribute.ORGANISATION: ("the organisation you ask about", "你问的机构"),
    Attribute.NUMBER: ("that figure", "这个数字"),
    Attribute.AWARD: ("what was awarded", "获奖项目"),
    Attribute.WINNER: ("whether it won", "是否获奖"),
    Attribute.RANK: ("a ranking", "排名"),
    Attribute.SHARE: ("a share or percentage", "比例或百分比"),
    Attribute.QUOTE: ("what was said", "相关讲话"),
    Attribute.REASON: ("a reason", "原因"),
}

_ORDINAL_SUFFIX = {1: "st", 2: "nd", 3: "rd"}
_ZH_DIGITS = "零一二三四五六七八九"


def ordinal(n: int) -> str:
    """21 -> "21st", 23 -> "23rd", 11 -> "11th"."""
    suffix = "th" if 10 <= n % 100 <= 20 else _ORDINAL_SUFFIX.get(n % 10, "th")
    return f"{n}{suffix}"


def zh_number(n: int) -> str:
    """A whole number 0..99 in Chinese numerals, as in edition names: 23 -> 二十三."""
    if n < 10:
        return _ZH_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _ZH_DIGITS[tens]) + "十" + (_ZH_DIGITS[ones] if ones else "")


_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# A Latin name (words with lower-case letters, as "Chen Yimin"; not "QQ", "5G", "AI") beside a
# Chinese character.
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z.'\-]*(?: [A-Za-z][A-Za-z.'\-]*)*")
_SPACE_AFTER_ZH_PUNCT = re.compile(r"([。，、；：！？）”」])[ \t]+")


def zh_typeset(text: str) -> str:
    """Chinese typesetting: no space after full-width punctuation; Latin names set off."""
    text = _SPACE_AFTER_ZH_PUNCT.sub(r"\1", text)

    def set_off(match: re.Match) -> str:
        name = match.group(0)
        if not any(c.islower() for c in name):
            return name
        before = text[match.start() - 1] if match.start() > 0 else ""
        after = text[match.end()] if match.end() < len(text) else ""
        lead = " " if before and re.match(f"[{_CJK}]", before) else ""
        trail = " " if after and re.match(f"[{_CJK}]", after) else ""
        return f"{lead}{name}{trail}"

    return _LATIN_NAME.sub(set_off, text)


class _Words:
    """Sentences in one language, drawing names and facts from the dataset."""

    def __init__(self, dataset: Dataset, lang: Lang):
        self.ds, self.lang, self.zh = dataset, lang, lang == Lang.ZH

    def typeset(self, text: str) -> str:
        return zh_typeset(text) if self.zh else text

    def name(self, entity_id: str) -> str:
        return self.ds.entities[entity_id].name.get(self.lang)

    def sentences(self, fact_ids: Sequence[str]) -> str:
        sep = "" if self.zh else " "
        return sep.join(self.ds.facts[f].answer.get(self.lang) for f in fact_ids)

    def listing(self, items: Sequence[str]) -> str:
        """ "A, B and C" / "A、B和C"."""
        if len(items) <= 1:
            return "".join(items)
        if self.zh:
            return "、".join(items[:-1]) + "和" + items[-1]
        return ", ".join(items[:-1]) + " and " + items[-1]

    def source_line(self, source_ids: Sequence[str]) -> str:
        cites = self.ds.cite_sources(source_ids, self.lang)
        if self.zh:
            return "来源：" + cites
        return ("Source: " if len(source_ids) == 1 else "Sources: ") + cites

    def topics(self, topic_ids: Sequence[str]) -> str:
        return self.listing([self.ds.topics[t].title.get(self.lang) for t in topic_ids])

    def label(self, edition: int | None, year: int | None) -> str:
        """ "the 23rd edition (2022)" / "第二十三届（2022年）"; "2024" / "2024年"."""
        if edition is not None:
            if self.zh:
                return f"第{zh_number(edition)}届" + (f"（{year}年）" if year else "")
            return f"the {ordinal(edition)} edition" + (f" ({year})" if year else "")
        year = year or CURRENT_YEAR
        if year == CURRENT_YEAR:
            return "2025年中国专利奖" if self.zh else "the 2025 awards"
        return f"{year}年" if self.zh else str(year)

    # -- the three kinds --------------------------------------------------------------------
    def off_topic(self, suggestions: Sequence[str]) -> str:
        if self.zh:
            return (
                "这个问题超出了我的范围：我只回答有关2025年中国专利奖的问题。"
                f"我可以介绍：{self.topics(suggestions)}。"
            )
        return (
            "Sorry, I don't know that: I answer questions about the 2025 China Patent Awards. "
            f"I can tell you about: {self.topics(suggestions)}."
        )

    def not_in_sources(self, answer: Answer) -> str:
        if answer.gap is Gap.WINNERS:
            return self.winners(answer)
        if answer.gap is Gap.OTHER_EDITION:
            return self.other_edition(answer)
        if answer.gap is Gap.ATTRIBUTE and answer.entity:
            return self.missing(answer)
        if self.zh:
            return f"资料里没有提到这一点。我可以介绍：{self.topics(answer.suggestions)}。"
        return f"The sources do not say. I can tell you about: {self.topics(answer.suggestions)}."

    def winners(self, answer: Answer) -> str:
        names = self.listing([self.name(e) for e in answer.named])
        if self.zh:
            first = (
                f"资料提到的获奖者中没有{answer.asked_name}。"
                if answer.asked_name
                else "资料没有列出全部获奖者。"
            )
            return f"{first}资料提到的获奖者有：{names}。"
        first = (
            f"{answer.asked_name} is not among the winners named in the sources."
            if answer.asked_name
            else "The sources do not list every winner."
        )
        return f"{first} The winners they name are: {names}."

    def other_edition(self, answer: Answer) -> str:
        fact = self.ds.facts[answer.facts[0]]
        label = self.label(fact.edition, fact.year)
        said = self.sentences(answer.facts)
        what = self._figures_of(answer.entity)
        if answer.asked_edition is not None or answer.asked_year is not None:
            asked = (
                self.label(answer.asked_edition, None)
                if answer.asked_edition is not None
                else self.label(None, answer.asked_year)
            )
            if self.zh:
                return f"资料没有给出{asked}的{what}。{label}的情况是：{said}"
            return f"The sources give no {what} for {asked}. What they give for {label}: {said}"
        if self.zh:
            return f"资料只给出了{label}的{what}：{said}"
        return f"The sources give {what} only for {label}: {said}"

    def _figures_of(self, entity_id: str | None) -> str:
        if entity_id is None or self.ds.entities[entity_id].kind is EntityKind.EVENT:
            return "数字" if self.zh else "figures on this"
        return f"{self.name(entity_id)}数字" if self.zh else f"{self.name(entity_id)} figures"

    def missing(self, answer: Answer) -> str:
        name = self.name(answer.entity)
        said = self.sentences(answer.facts)
        if not said:  # an entity no fact is about
            return (
                f"资料没有提到{name}的这方面信息。"
                if self.zh
                else f"The sources say nothing on this about {name}."
            )
        attribute = answer.attributes[0] if answer.attributes else None
        if answer.named and attribute is Attribute.AWARD:
            # "What was Huawei's winning patent?": named as a winner, the patent is not.
            if self.zh:
                return f"资料提到{name}是获奖者之一，但没有说明它的哪项专利获奖。资料提到：{said}"
            return (
                f"The sources name {name} among the winners but do not say which of its "
                f"patents won. What they say: {said}"
            )
        if attribute in (Attribute.WINNER, Attribute.ORGANISATION, Attribute.PERSON) and (
            self.ds.entities[answer.entity].kind is EntityKind.AWARD
        ):  # "Which firms got silver?"
            if self.zh:
                return f"资料没有列出{name}的获奖者。资料提到：{said}"
            return f"The sources do not name any {name} winners. What they say: {said}"
        if attribute is Attribute.WINNER:  # "Did Geely win?"
            if self.zh:
                return f"资料没有说明{name}是否获奖。关于{name}，资料提到：{said}"
            return f"The sources do not say whether {name} won an award. What they say: {said}"
        if attribute is None:
            if self.zh:
                return f"关于{name}，资料只提到：{said}"
            return f"The sources say only this about {name}: {said}"
        en, zh = _MISSING[attribute]
        if self.zh:
            return f"资料没有提到{name}的{zh}。关于{name}，资料提到：{said}"
        return f"The sources do not give {en} for {name}. What they say about {name}: {said}"
