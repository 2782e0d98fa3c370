"""Everything the user sees: HTML text and keyboards, escaped and within Telegram's limits.

Rules kept here so no handler has to remember them:
- every piece of user or data text goes through `esc` before it meets HTML;
- a message never passes MessageLimit.MAX_TEXT_LENGTH (parts that do not fit are dropped whole,
  so a tag is never cut in half);
- callback data never passes 64 bytes; toast texts never pass 200 characters;
- every callback data format is a `CallbackData` class: packed and parsed in one place.
"""

from __future__ import annotations

import html
import re
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import ClassVar, Self

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import (
    CallbackQueryLimit,
    InlineKeyboardButtonLimit,
    MessageLimit,
    PollLimit,
)

from bot.knowledge.dataset import Dataset, Fact, Lang
from bot.knowledge.lookup import Answer
from bot.knowledge.wording import compose, zh_typeset
from bot.quiz.round import AnswerMode, ChatSettings, Period, Reveal

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
MAX_CALLBACK_BYTES = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
MAX_TOAST = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
MAX_BUTTON_TEXT = 40  # longer labels are cut by clients anyway; keep keyboards readable
ELLIPSIS = "…"

EXAMPLE_QUESTIONS = {
    Lang.EN: (
        "Which province won the most golds?",
        "Who founded HUION?",
        "What was Tencent's patent?",
        "Where were the awards presented?",
    ),
    Lang.ZH: (
        "哪个省获得的金奖最多？",
        "绘王的创始人是谁？",
        "腾讯的专利是什么？",
        "颁奖在哪里举行？",
    ),
}

STRINGS: dict[str, dict[Lang, str]] = {
    "greeting": {
        Lang.EN: (
            "Hello{name}! I know the <b>2025 China Patent Awards</b>: 40 gold awards presented by "
            "CNIPA and WIPO at the 14th China International Patent Fair in Dalian, October 2025.\n\n"
            "Ask me anything about them, in English or Chinese, or play a quiz with /quiz.\n"
            "Try one of these:"
        ),
        Lang.ZH: (
            "你好{name}！我了解<b>2025年中国专利奖</b>：2025年10月在大连举行的第十四届中国国际专利"
            "技术与产品交易会上，国家知识产权局和世界知识产权组织颁发了40项金奖。\n\n"
            "用中文或英文问我吧，或者用 /quiz 玩问答游戏。\n试试这些问题："
        ),
    },
    "help": {
        Lang.EN: (
            "<b>Ask</b>\n"
            "/ask <i>question</i> — ask about the 2025 China Patent Awards\n"
            "/topics — what I know, by topic\n"
            "In a private chat just type your question. In a group, use /ask, mention me or "
            "reply to my message.\n\n"
            "<b>Play</b>\n"
            "/quiz — start a quiz round (/quiz 10 for ten questions, /quiz huion for one topic)\n"
            "/stop — end the round (in groups: whoever started it, or an admin)\n"
            "/score — your points · /top — the leaderboard\n"
            "/settings — answer mode, time, questions per round, language\n\n"
            "<b>Scoring</b>: {scoring}\n\n"
            "Every answer names its source: Xinhua, China Daily and CNIPA/WIPO reports."
        ),
        Lang.ZH: (
            "<b>提问</b>\n"
            "/ask <i>问题</i> — 询问2025年中国专利奖\n"
            "/topics — 按主题查看我知道的内容\n"
            "私聊时直接输入问题即可。在群里请用 /ask、@我，或回复我的消息。\n\n"
            "<b>问答游戏</b>\n"
            "/quiz — 开始一轮问答（/quiz 10 为十道题，/quiz 绘王 只问一个主题）\n"
            "/stop — 结束本轮（群里限发起人或管理员）\n"
            "/score — 我的得分 · /top — 排行榜\n"
            "/settings — 答题方式、时间、题数、语言\n\n"
            "<b>计分</b>：{scoring}\n\n"
            "每个答案都注明来源：新华社、中国日报以及国家知识产权局/世界知识产权组织的报道。"
        ),
    },
    "ask_usage": {
        Lang.EN: "Ask me a question after the command, for example:\n<code>/ask {example}</code>",
        Lang.ZH: "请在命令后面写上问题，例如：\n<code>/ask {example}</code>",
    },
    "topics_intro": {
        Lang.EN: "Here is what I know. Tap a topic to see its facts:",
        Lang.ZH: "我知道这些主题，点一下查看详情：",
    },
    "topic_unknown": {
        Lang.EN: "There is no topic “{arg}”. Tap one of these:",
        Lang.ZH: "没有“{arg}”这个主题。请点选：",
    },
    "not_text": {
        Lang.EN: "I can only read text. Ask me a question, or try /topics or /quiz.",
        Lang.ZH: "我只能读文字。请直接提问，或试试 /topics 和 /quiz。",
    },
    "empty": {
        Lang.EN: "I didn't catch a question there. Try: <i>{example}</i>",
        Lang.ZH: "我没看到问题。试试：<i>{example}</i>",
    },
    "unknown_command": {
        Lang.EN: "I don't know that command. Try /help to see what I can do.",
        Lang.ZH: "我不认识这个命令。发送 /help 查看我能做什么。",
    },
    "error": {
        Lang.EN: "Sorry, something went wrong on my side. Please try again in a moment.",
        Lang.ZH: "抱歉，我这边出了点问题，请稍后再试。",
    },
    "stale_button": {
        Lang.EN: "That button is no longer valid.",
        Lang.ZH: "这个按钮已失效。",
    },
    "suggest_more": {
        Lang.EN: "See also:",
        Lang.ZH: "相关主题：",
    },
}


def esc(text: str) -> str:
    """Escape text for Telegram's HTML parse mode (& < > and quotes)."""
    return html.escape(text, quote=True)


def plain_text(html_text: str) -> str:
    """What Telegram shows for our HTML: the text without its tags, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", html_text)).strip()


def t(key: str, lang: Lang, **values: str) -> str:
    """A UI string in `lang`; `values` are inserted escaped."""
    return STRINGS[key][lang].format(**{k: esc(v) for k, v in values.items()})


def lang_of(language_code: str | None) -> Lang:
    """The UI language for a Telegram user's client language."""
    return Lang.ZH if (language_code or "").lower().startswith("zh") else Lang.EN


def clip(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def fit(parts: Iterable[str], sep: str = "\n", limit: int = MAX_TEXT) -> str:
    """Join already-escaped HTML parts, dropping whole parts that would pass the limit.

    Length is measured on the escaped HTML, which is never shorter than the text Telegram counts
    after parsing entities, so the result always fits.
    """
    out: list[str] = []
    size = 0
    for part in parts:
        extra = len(part) + (len(sep) if out else 0)
        if size + extra > limit - len(sep + ELLIPSIS):
            out.append(ELLIPSIS)
            break
        out.append(part)
        size += extra
    return sep.join(out)


class CallbackData:
    """One callback data format: "prefix:field:field", its fields typed (int, str, StrEnum).

    Subclasses are frozen dataclasses named with a prefix, after aiogram's CallbackData:
    `AnswerButton(7, 0, 2).pack() == "a:7:0:2"`, `AnswerButton.parse("a:7:0:2")`, and
    `AnswerButton.parse(anything_else) is None` (forged or foreign data never raises).
    """

    __slots__ = ()
    prefix: ClassVar[str]
    _types: ClassVar[dict[str, type]]

    def __init_subclass__(cls, prefix: str = "", **kwargs):
        super().__init_subclass__(**kwargs)
        cls.prefix = prefix or cls.prefix

    @classmethod
    def _field_types(cls) -> dict[str, type]:
        if "_types" not in cls.__dict__:
            hints = typing.get_type_hints(cls)
            cls._types = {f.name: hints[f.name] for f in fields(cls)}
        return cls._types

    def pack(self) -> str:
        values = [str(getattr(self, name)) for name in self._field_types()]
        if any(":" in v or not v for v in values):
            raise ValueError(f"callback data field empty or with ':': {values!r}")
        data = ":".join([self.prefix, *values])
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: object) -> Self | None:
        if not isinstance(data, str):
            return None
        prefix, *parts = data.split(":")
        types = cls._field_types()
        if prefix != cls.prefix or len(parts) != len(types):
            return None
        values = []
        for part, kind in zip(parts, types.values(), strict=True):
            if kind is int:
                if not re.fullmatch(r"-?\d{1,19}", part):
                    return None
                values.append(int(part))
            elif isinstance(kind, type) and issubclass(kind, StrEnum):
                try:
                    values.append(kind(part))
                except ValueError:
                    return None
            elif re.fullmatch(r"[\w.-]{1,60}", part):
                values.append(part)
            else:
                return None
        return cls(*values)

    @classmethod
    def matches(cls, data: object) -> bool:
        """For CallbackQueryHandler(pattern=...)."""
        return cls.parse(data) is not None


@dataclass(frozen=True, slots=True)
class AnswerButton(CallbackData, prefix="a"):
    round_id: int
    idx: int
    option: int


@dataclass(frozen=True, slots=True)
class SettingButton(CallbackData, prefix="set"):
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class AgainButton(CallbackData, prefix="again"):
    round_id: int


@dataclass(frozen=True, slots=True)
class BoardButton(CallbackData, prefix="top"):
    period: Period


@dataclass(frozen=True, slots=True)
class ScoreButton(CallbackData, prefix="score"):
    period: Period
    user_id: int


@dataclass(frozen=True, slots=True)
class ResetButton(CallbackData, prefix="reset"):
    confirm: int  # 1: reset the board, 0: keep it


@dataclass(frozen=True, slots=True)
class TopicButton(CallbackData, prefix="topic"):
    topic_id: str


@dataclass(frozen=True, slots=True)
class ExampleButton(CallbackData, prefix="ex"):
    index: int


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(clip(label, MAX_BUTTON_TEXT), callback_data=data)
                for label, data in row
            ]
            for row in rows
            if row
        ]
    )


def answer_html(answer: Answer, dataset: Dataset) -> str:
    """A lookup answer: the sentences (wording.py), then the source line in italics."""
    reply = compose(answer, dataset)
    if reply.source is None:
        return fit([esc(reply.body)])
    return fit([esc(reply.body), f"<i>{esc(reply.source)}</i>"])


def topic_buttons(dataset: Dataset, topic_ids: Iterable[str], lang: Lang, per_row: int = 2):
    buttons = [(dataset.topics[tid].title.get(lang), TopicButton(tid).pack()) for tid in topic_ids]
    return keyboard([buttons[i : i + per_row] for i in range(0, len(buttons), per_row)])


def topic_html(dataset: Dataset, topic_id: str, lang: Lang) -> str:
    """A topic's facts, one bullet each, with their sources."""
    topic = dataset.topics[topic_id]
    parts = [f"<b>{esc(topic.title.get(lang))}</b>", esc(topic.summary.get(lang)), ""]
    for fact in dataset.facts_of_topic(topic_id):
        parts.append(f"• {fact_html(dataset, fact, lang)}")
    return fit(parts)


def fact_html(dataset: Dataset, fact: Fact, lang: Lang) -> str:
    """One fact and its sources in brackets."""
    cite = esc(dataset.cite(fact, lang))
    if lang == Lang.ZH:  # full-width brackets, no space: Chinese typesetting
        return f"{esc(zh_typeset(fact.answer.get(lang)))}<i>（{cite}）</i>"
    return f"{esc(fact.answer.get(lang))} <i>({cite})</i>"


def example_buttons(lang: Lang) -> InlineKeyboardMarkup:
    return keyboard([[(q, ExampleButton(i).pack())] for i, q in enumerate(EXAMPLE_QUESTIONS[lang])])


# -- quiz -------------------------------------------------------------------------------------

QUIZ_STRINGS: dict[str, dict[Lang, str]] = {
    "round_start": {
        Lang.EN: "🎯 <b>Quiz</b>: {count} question{plural} on {topic}, {seconds} s each. {how}",
        Lang.ZH: "🎯 <b>问答开始</b>：{topic}，共{count}题，每题{seconds}秒。{how}",
    },
    "how_poll": {Lang.EN: "Answer in the poll.", Lang.ZH: "在投票里作答。"},
    "how_buttons": {Lang.EN: "Tap a button to answer.", Lang.ZH: "点按钮作答。"},
    "all_topics": {Lang.EN: "the 2025 China Patent Awards", Lang.ZH: "2025年中国专利奖"},
    "already_running": {
        Lang.EN: "A quiz round is already running here (question {current} of {total}). "
        "Use /stop to end it.",
        Lang.ZH: "本聊天已有一轮问答在进行（第{current}/{total}题）。发送 /stop 结束。",
    },
    "stuck_ended": {
        Lang.EN: "The last round here had stalled, so I ended it.",
        Lang.ZH: "上一轮问答已停滞，我已将其结束。",
    },
    "bad_count": {
        Lang.EN: "A round has 1 to {max} questions, e.g. <code>/quiz 10</code>. "
        "Or name a topic: <code>/quiz huion</code>.",
        Lang.ZH: "每轮1到{max}题，例如 <code>/quiz 10</code>；也可以指定主题：<code>/quiz 绘王</code>。",
    },
    "bad_topic": {
        Lang.EN: "I have no quiz topic “{arg}”. Topics: {topics}.",
        Lang.ZH: "没有“{arg}”这个问答主题。可选主题：{topics}。",
    },
    "no_questions": {
        Lang.EN: "I have no questions for that yet.",
        Lang.ZH: "这个主题暂时没有题目。",
    },
    "question": {Lang.EN: "Question {n}/{total}", Lang.ZH: "第{n}/{total}题"},
    "reveal": {
        Lang.EN: "✅ Answer: <b>{answer}</b>\n{explanation}",
        Lang.ZH: "✅ 答案：<b>{answer}</b>\n{explanation}",
    },
    "right_players": {Lang.EN: "Right: {names}", Lang.ZH: "答对：{names}"},
    "nobody_right": {Lang.EN: "Nobody got it this time.", Lang.ZH: "这题没有人答对。"},
    "results": {Lang.EN: "🏁 <b>Round over!</b>", Lang.ZH: "🏁 <b>本轮结束！</b>"},
    "stopped": {Lang.EN: "⏹ <b>Round stopped.</b>", Lang.ZH: "⏹ <b>本轮已停止。</b>"},
    "auto_stopped": {
        Lang.EN: "⏹ <b>Round ended</b>: nobody answered the last {n} question{plural}.",
        Lang.ZH: "⏹ <b>本轮已结束</b>：最近{n}题无人作答。",
    },
    "send_failed": {
        Lang.EN: "⏹ <b>Round ended</b>: I could not send the questions here.",
        Lang.ZH: "⏹ <b>本轮已结束</b>：题目发送失败。",
    },
    "stalled": {
        Lang.EN: "⏹ <b>Round ended</b>: it had stalled.",
        Lang.ZH: "⏹ <b>本轮已结束</b>：问答已停滞。",
    },
    "no_answers": {Lang.EN: "Nobody answered.", Lang.ZH: "没有人作答。"},
    "play_again": {Lang.EN: "🔁 Play again", Lang.ZH: "🔁 再来一轮"},
    "no_round": {
        Lang.EN: "No quiz round is running. Start one with /quiz.",
        Lang.ZH: "现在没有进行中的问答。发送 /quiz 开始。",
    },
    "stop_denied": {
        Lang.EN: "Only the player who started the round or a group admin can stop it.",
        Lang.ZH: "只有本轮发起人或群管理员可以停止。",
    },
    "toast_right": {Lang.EN: "✅ Right! +{points} points", Lang.ZH: "✅ 答对了！+{points}分"},
    "toast_wrong": {Lang.EN: "❌ Not quite.", Lang.ZH: "❌ 答错了。"},
    "toast_duplicate": {
        Lang.EN: "You have already answered this one.",
        Lang.ZH: "你已经回答过这题了。",
    },
    "toast_late": {Lang.EN: "⏰ Time is up for this question.", Lang.ZH: "⏰ 这题已经结束了。"},
    "toast_running": {
        Lang.EN: "A round is already running here.",
        Lang.ZH: "本聊天已有一轮问答在进行。",
    },
    "decline_open": {
        Lang.EN: "That is the quiz question open in this chat: ask me after the reveal!",
        Lang.ZH: "这正是本聊天正在进行的问答题，公布答案后再问我吧！",
    },
    "score": {
        Lang.EN: "<b>{name}</b> · {period}\nIn this chat: {chat}\nOverall: {overall}",
        Lang.ZH: "<b>{name}</b> · {period}\n本聊天：{chat}\n总计：{overall}",
    },
    "score_line": {
        Lang.EN: "{points} points · {correct}/{answered} correct ({accuracy}) · best streak {streak}",
        Lang.ZH: "{points}分 · 答对{correct}/{answered}（{accuracy}）· 最长连对{streak}",
    },
    "score_none": {Lang.EN: "no answers yet", Lang.ZH: "还没有作答"},
    "top_chat": {
        Lang.EN: "🏆 <b>Top players in this chat</b> · {period}",
        Lang.ZH: "🏆 <b>本群排行榜</b> · {period}",
    },
    "top_global": {
        Lang.EN: "🏆 <b>Top players overall</b> · {period}",
        Lang.ZH: "🏆 <b>总排行榜</b> · {period}",
    },
    "top_empty": {
        Lang.EN: "No scores yet. Start a round with /quiz!",
        Lang.ZH: "还没有得分记录。发送 /quiz 开始吧！",
    },
    "period_week": {Lang.EN: "This week", Lang.ZH: "本周"},
    "period_month": {Lang.EN: "This month", Lang.ZH: "本月"},
    "period_all": {Lang.EN: "All time", Lang.ZH: "全部"},
    "reset_confirm": {
        Lang.EN: "Reset this chat's board? Every board starts again from now; the answers "
        "themselves are kept.",
        Lang.ZH: "要重置本群排行榜吗？所有榜单将从现在重新开始，作答记录会保留。",
    },
    "reset_yes": {Lang.EN: "Yes, reset", Lang.ZH: "确认重置"},
    "reset_no": {Lang.EN: "Cancel", Lang.ZH: "取消"},
    "reset_done": {
        Lang.EN: "The board starts afresh from now.",
        Lang.ZH: "排行榜已从现在重新开始。",
    },
    "reset_kept": {Lang.EN: "The board is unchanged.", Lang.ZH: "排行榜未改动。"},
    "reset_denied": {
        Lang.EN: "Only group admins can reset the board.",
        Lang.ZH: "只有群管理员可以重置排行榜。",
    },
    "settings": {
        Lang.EN: "⚙️ <b>Quiz settings</b>\nAnswers: {mode} · Time: {seconds} s · Questions: {count} · Language: {lang}",
        Lang.ZH: "⚙️ <b>问答设置</b>\n答题方式：{mode} · 时间：{seconds}秒 · 题数：{count} · 语言：{lang}",
    },
    "settings_denied": {
        Lang.EN: "Only group admins can change the quiz settings.",
        Lang.ZH: "只有群管理员可以修改问答设置。",
    },
    "mode_poll": {Lang.EN: "quiz poll", Lang.ZH: "投票"},
    "mode_buttons": {Lang.EN: "buttons", Lang.ZH: "按钮"},
    "saved": {Lang.EN: "Saved.", Lang.ZH: "已保存。"},
}
STRINGS.update(QUIZ_STRINGS)
LANG_NAMES = {Lang.EN: "English", Lang.ZH: "中文"}


def ranked_lines(rows: Sequence[tuple[int, str, int]], limit: int = 10) -> list[str]:
    """Leaderboard lines from (rank, name, points), names escaped; ties already share a rank."""
    medals = {1: "🥇", 2: "🥈", 3: "🥉"}
    return [
        f"{medals.get(rank, f'{rank}.')} {esc(clip(name, 64))} — {points}"
        for rank, name, points in rows[:limit]
    ]


def round_intro(count: int, topic: str, settings: ChatSettings) -> str:
    lang = settings.lang
    how = STRINGS["how_poll" if settings.mode is AnswerMode.POLL else "how_buttons"][lang]
    return STRINGS["round_start"][lang].format(
        count=count,
        plural="" if count == 1 else "s",
        topic=esc(topic),
        seconds=settings.seconds,
        how=how,
    )


def question_header(n: int, total: int, lang: Lang) -> str:
    return STRINGS["question"][lang].format(n=n, total=total)


def poll_question(header: str, text: str) -> str:
    """A poll's question as HTML: cut to the limit as plain text (Telegram counts after parsing),
    then escaped."""
    return esc(clip(f"{header} · {text}", PollLimit.MAX_QUESTION_LENGTH))


def poll_option(text: str) -> str:
    return esc(clip(text, PollLimit.MAX_OPTION_LENGTH))


def poll_explanation(text: str) -> str:
    """Plain text (sent without a parse mode), within the limits of length and line feeds."""
    text = " ".join(text.split("\n")[: PollLimit.MAX_EXPLANATION_LINE_FEEDS + 1])
    return clip(text, PollLimit.MAX_EXPLANATION_LENGTH)


def button_question(header: str, text: str, extra: Sequence[str] = ()) -> str:
    return fit([f"<b>{esc(header)}</b>", esc(text), *extra])


def answer_keyboard(round_id: int, idx: int, options: Sequence[str]) -> InlineKeyboardMarkup:
    return keyboard(
        [[(option, AnswerButton(round_id, idx, i).pack())] for i, option in enumerate(options)]
    )


def verdict(correct: bool, points: int, lang: Lang) -> str:
    return STRINGS["toast_right" if correct else "toast_wrong"][lang].format(points=points)


def reveal_lines(shown: Reveal, lang: Lang, *, names: bool = True) -> list[str]:
    """The answer and its explanation; in groups (`names`) who got it right."""
    parts = [
        STRINGS["reveal"][lang].format(
            answer=esc(shown.answer), explanation=esc(shown.question.explanation)
        )
    ]
    if names:
        right = [f"{esc(clip(name, 40))} (+{points})" for _, name, points in shown.right]
        if right:
            parts.append(STRINGS["right_players"][lang].format(names=", ".join(right)))
        else:
            parts.append(STRINGS["nobody_right"][lang])
    return parts


def results_text(
    title: str, ranked: Sequence[tuple[int, str, int]], lang: Lang, head: Sequence[str] = ()
) -> str:
    lines = ranked_lines(ranked) or [STRINGS["no_answers"][lang]]
    return fit([*head, title, *lines])


def challenge_query(round_id: int) -> str:
    """The inline query "Challenge a friend" types: "@bot challenge <round>" (see share.py)."""
    return f"challenge {round_id}"


CHALLENGE_QUERY = re.compile(r"^challenge (\d{1,12})$")


def again_keyboard(round_id: int, lang: Lang) -> InlineKeyboardMarkup:
    """Under a round's results: play the same round again, or challenge a friend to it."""
    again = InlineKeyboardButton(
        STRINGS["play_again"][lang], callback_data=AgainButton(round_id).pack()
    )
    challenge = InlineKeyboardButton(
        STRINGS["challenge"][lang], switch_inline_query=challenge_query(round_id)
    )
    return InlineKeyboardMarkup([[again], [challenge]])


def _mark(label: str, on: bool) -> str:
    return f"✅ {label}" if on else label


def period_name(period: Period, lang: Lang) -> str:
    return STRINGS[f"period_{period.value}"][lang]


def period_keyboard(current: Period, lang: Lang, button) -> InlineKeyboardMarkup:
    """Buttons to switch a board between this week, this month and all time."""
    return keyboard(
        [[(_mark(period_name(p, lang), p is current), button(p).pack()) for p in Period]]
    )


def board_text(
    ranked: Sequence[tuple[int, str, int]], period: Period, lang: Lang, *, overall: bool
) -> str:
    title = STRINGS["top_global" if overall else "top_chat"][lang].format(
        period=period_name(period, lang)
    )
    return fit([title, *(ranked_lines(ranked) or [STRINGS["top_empty"][lang]])])


def score_text(name: str, period: Period, here, overall, lang: Lang) -> str:
    def line(stats) -> str:
        if not stats.answered:
            return STRINGS["score_none"][lang]
        return STRINGS["score_line"][lang].format(
            points=stats.points,
            correct=stats.correct,
            answered=stats.answered,
            accuracy=f"{stats.accuracy:.0%}",
            streak=stats.best_streak,
        )

    return STRINGS["score"][lang].format(
        name=esc(clip(name, 64)),
        period=period_name(period, lang),
        chat=line(here),
        overall=line(overall),
    )


def settings_panel(
    settings: ChatSettings, seconds_choices, question_choices
) -> tuple[str, InlineKeyboardMarkup]:
    """The settings text and its buttons, in the chat's language."""
    lang = settings.lang
    text = STRINGS["settings"][lang].format(
        mode=STRINGS["mode_" + settings.mode.value][lang],
        seconds=settings.seconds,
        count=settings.questions,
        lang=LANG_NAMES[settings.lang],
    )
    rows = [
        [
            (
                _mark(STRINGS["mode_" + mode.value][lang], settings.mode is mode),
                SettingButton("mode", mode.value).pack(),
            )
            for mode in AnswerMode
        ],
        [
            (_mark(f"{s} s", settings.seconds == s), SettingButton("seconds", str(s)).pack())
            for s in seconds_choices
        ],
        [
            (_mark(f"{n} ❓", settings.questions == n), SettingButton("questions", str(n)).pack())
            for n in question_choices
        ],
        [
            (_mark(name, settings.lang == code), SettingButton("lang", code.value).pack())
            for code, name in LANG_NAMES.items()
        ],
    ]
    return text, keyboard(rows)


def reset_keyboard(lang: Lang) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                (STRINGS["reset_yes"][lang], ResetButton(1).pack()),
                (STRINGS["reset_no"][lang], ResetButton(0).pack()),
            ]
        ]
    )


# -- the bot's profile and its welcome in a new group ---------------------------------------------

PRESENCE_STRINGS: dict[str, dict[Lang, str]] = {
    # Plain text (profile texts have no parse mode): at most 512 and 120 characters.
    "bot_description": {
        Lang.EN: (
            "I answer questions about the 2025 China Patent Awards: 40 gold awards presented by "
            "CNIPA and WIPO at the 14th China International Patent Fair in Dalian, October 2025. "
            "Every answer comes from a sourced report and names it. Ask in English or Chinese, "
            "or play a quiz round here or in your group with /quiz."
        ),
        Lang.ZH: (
            "我回答有关2025年中国专利奖的问题：2025年10月，国家知识产权局和世界知识产权组织在大连"
            "第十四届中国国际专利技术与产品交易会上颁发了40项金奖。每个答案都出自有来源的报道并注明"
            "出处。可以用中文或英文提问，也可以用 /quiz 在这里或群里玩问答游戏。"
        ),
    },
    "bot_short_description": {
        Lang.EN: "Questions and quizzes on the 2025 China Patent Awards, answered from sourced reports.",
        Lang.ZH: "2025年中国专利奖问答与知识竞赛，答案均注明来源。",
    },
    "welcome_group": {
        Lang.EN: (
            "👋 Hello! I know the <b>2025 China Patent Awards</b> and run quiz rounds.\n"
            "• Ask: <code>/ask who founded HUION?</code>, mention me, or reply to my messages.\n"
            "• Play: /quiz starts a round of 5 questions; <code>/quiz 10 huion</code> picks the "
            "length and a topic. /top shows the leaderboard."
        ),
        Lang.ZH: (
            "👋 大家好！我了解<b>2025年中国专利奖</b>，还能组织问答游戏。\n"
            "• 提问：<code>/ask 绘王的创始人是谁？</code>，或@我，或回复我的消息。\n"
            "• 游戏：/quiz 开始一轮（5题）；<code>/quiz 10 绘王</code> 指定题数和主题。/top 查看排行榜。"
        ),
    },
    "offer_round": {
        Lang.EN: "🎯 Ready for a quiz? {count} questions on {topic}. Tap Start, anyone!",
        Lang.ZH: "🎯 来一轮问答吧？{topic}，共{count}题。任何人点“开始”即可！",
    },
    "offer_start": {Lang.EN: "▶️ Start", Lang.ZH: "▶️ 开始"},
    "challenge": {Lang.EN: "⚔️ Challenge a friend", Lang.ZH: "⚔️ 挑战好友"},
    "challenge_title": {
        Lang.EN: "Share my score: {points} points",
        Lang.ZH: "分享我的得分：{points}分",
    },
    "challenge_text": {
        Lang.EN: (
            "⚔️ I scored <b>{points} points</b> in a {total}-question quiz on {topic}. "
            "Can you beat that?"
        ),
        Lang.ZH: "⚔️ 我在{topic}问答（{total}题）中得了<b>{points}分</b>，你能超过我吗？",
    },
    "challenge_play": {Lang.EN: "▶️ Play this round", Lang.ZH: "▶️ 玩这一轮"},
    "inline_not_in_sources": {
        Lang.EN: "Not in my sources",
        Lang.ZH: "资料中没有",
    },
    "inline_off": {
        Lang.EN: "Not about the 2025 China Patent Awards",
        Lang.ZH: "与2025年中国专利奖无关",
    },
    "inline_open": {Lang.EN: "Ask the bot", Lang.ZH: "问机器人"},
    "round_moved": {
        Lang.EN: "This group is now a supergroup: the quiz round carries on here.",
        Lang.ZH: "本群已升级为超级群组，问答在这里继续。",
    },
    "welcome_polls": {
        Lang.EN: "Questions come as quiz polls; admins can switch to buttons in /settings.",
        Lang.ZH: "题目以测验投票的形式发出；管理员可在 /settings 中改为按钮。",
    },
    "welcome_no_polls": {
        Lang.EN: (
            "Members may not send polls here, so I will ask with buttons. For quiz polls, allow "
            "members to send polls (or make me an admin), then pick polls in /settings."
        ),
        Lang.ZH: (
            "本群成员不能发送投票，所以我会用按钮出题。若想用测验投票，请允许成员发送投票"
            "（或设我为管理员），再在 /settings 中选择投票。"
        ),
    },
}
STRINGS.update(PRESENCE_STRINGS)
