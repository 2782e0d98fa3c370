"""Everything the user sees: HTML text and keyboards, escaped and within Telegram's limits.

Rules kept here so no handler has to remember them:
- every piece of user or data text goes through `esc` before it meets HTML;
- a message never passes MessageLimit.MAX_TEXT_LENGTH (parts that do not fit are dropped whole,
  so a tag is never cut in half);
- callback data never passes 64 bytes; toast texts never pass 200 characters.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import CallbackQueryLimit, InlineKeyboardButtonLimit, MessageLimit

from bot.knowledge.dataset import Dataset, Lang
from bot.knowledge.lookup import Answer

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
    Lang.ZH: ("哪个省获得的金奖最多？", "绘王的创始人是谁？", "腾讯的专利是什么？", "颁奖在哪里举行？"),
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


def callback(*fields: str | int) -> str:
    """Callback data "a:b:c", checked against the 64-byte limit."""
    data = ":".join(str(f) for f in fields)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(clip(label, MAX_BUTTON_TEXT), callback_data=data) for label, data in row]
         for row in rows if row]
    )


def answer_html(answer: Answer) -> str:
    """A lookup answer: the sentences, then the source line in italics."""
    body, _, source = answer.text.rpartition("\n")
    if not answer.found or not body:
        return esc(answer.text)
    return fit([esc(body), f"<i>{esc(source)}</i>"])


def topic_buttons(dataset: Dataset, topic_ids: Iterable[str], lang: Lang, per_row: int = 2):
    buttons = [(dataset.topics[tid].title.get(lang), callback("topic", tid)) for tid in topic_ids]
    return keyboard([buttons[i : i + per_row] for i in range(0, len(buttons), per_row)])


def topic_html(dataset: Dataset, topic_id: str, lang: Lang) -> str:
    """A topic's facts, one bullet each, with their sources."""
    topic = dataset.topics[topic_id]
    parts = [f"<b>{esc(topic.title.get(lang))}</b>", esc(topic.summary.get(lang)), ""]
    for fact in dataset.facts_of_topic(topic_id):
        parts.append(f"• {esc(fact.answer.get(lang))} <i>({esc(dataset.cite(fact))})</i>")
    return fit(parts)


def example_buttons(lang: Lang) -> InlineKeyboardMarkup:
    return keyboard([[(q, callback("ex", i))] for i, q in enumerate(EXAMPLE_QUESTIONS[lang])])
