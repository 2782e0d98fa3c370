"""Inline mode: "@bot <question>" typed in any chat.

- A question the sources answer: the answer (its title the answer's first words, its message
  the question, the answer and its source, in the question's language), and where the answer
  joins several facts, each of them on its own, three results at most.
- A question they cannot answer (not in the sources, or not about the awards): one result that
  says so and names topics the bot does know.
- An empty query: the topics, each result a topic's facts with their sources.
- "challenge <round>" (typed by the results' Challenge button): the asker's score (share.py).

Telegram waits at most 10 s for the answer and debounces typing itself; answers are cached
briefly. An answer is never an error: a query the bot cannot serve gets an empty list.
"""

from __future__ import annotations

import hashlib
import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import InlineQueryLimit, InlineQueryResultLimit
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.knowledge.dataset import Lang
from bot.knowledge.lookup import Answer, ReplyKind
from bot.knowledge.wording import compose
from bot.telegram import render, share
from bot.telegram.render import clip, esc
from bot.telegram.services import services

log = logging.getLogger(__name__)

CACHE_SECONDS = 60  # the same question gets the same answer: Telegram may reuse it this long
MAX_RESULTS = 3
MAX_TITLE = 64  # characters of an answer shown as a result's title
MAX_QUERY = InlineQueryLimit.MAX_QUERY_LENGTH


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer "@bot ..." with up to three articles."""
    query = update.inline_query
    text = (query.query or "").strip()[:MAX_QUERY]
    lang = render.lang_of(query.from_user.language_code)
    personal = False
    round_id = share.challenge_round(text)
    if round_id is not None:
        results, personal = await share.challenge_results(update, context, round_id), True
    elif not text:
        results = topic_results(context, lang)
    else:
        answer = services(context).lookup.answer(text)
        results = answer_results(context, text, answer)
    try:
        await query.answer(
            results[: InlineQueryLimit.RESULTS], cache_time=CACHE_SECONDS, is_personal=personal
        )
    except TelegramError as error:  # e.g. the query expired while the bot was busy
        log.info("inline query not answered: %s", error)


def answer_results(
    context: ContextTypes.DEFAULT_TYPE, question: str, answer: Answer
) -> list[InlineQueryResultArticle]:
    svc = services(context)
    reply = compose(answer, svc.dataset)
    heading = f"<b>{esc(clip(question, 200))}</b>"
    if not answer.found:
        title_key = (
            "inline_not_in_sources" if answer.kind is ReplyKind.NOT_IN_SOURCES else "inline_off"
        )
        return [
            _article(
                "reply",
                render.STRINGS[title_key][answer.lang],
                reply.body,
                render.fit([heading, render.answer_html(answer, svc.dataset)]),
                _open_bot(context, answer.lang),
            )
        ]
    results = [
        _article(
            "answer",
            reply.body,
            reply.source or "",
            render.fit([heading, render.answer_html(answer, svc.dataset)]),
        )
    ]
    if len(answer.facts) > 1:  # each fact of a joined answer, to share just that one
        for fact_id in answer.facts[: MAX_RESULTS - 1]:
            fact = svc.dataset.facts[fact_id]
            single = render.fact_html(svc.dataset, fact, answer.lang)
            results.append(
                _article(
                    _result_id("fact", fact_id),
                    fact.answer.get(answer.lang),
                    svc.dataset.cite(fact, answer.lang),
                    render.fit([heading, single]),
                )
            )
    return results[:MAX_RESULTS]


def topic_results(context: ContextTypes.DEFAULT_TYPE, lang: Lang) -> list[InlineQueryResultArticle]:
    dataset = services(context).dataset
    return [
        _article(
            _result_id("topic", topic.id),
            topic.title.get(lang),
            topic.summary.get(lang),
            render.topic_html(dataset, topic.id, lang),
        )
        for topic in dataset.topics.values()
    ]


def _article(
    result_id: str,
    title: str,
    description: str,
    html: str,
    markup: InlineKeyboardMarkup | None = None,
) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id,
        title=_first_words(title, MAX_TITLE),
        description=clip(description, 200),
        input_message_content=InputTextMessageContent(html),
        reply_markup=markup,
    )


def _first_words(text: str, limit: int) -> str:
    """The start of a sentence, cut at a word (Latin) or anywhere (Chinese), with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and text.isascii():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + render.ELLIPSIS


def _result_id(kind: str, key: str) -> str:
    """A result id within Telegram's 64 bytes, stable for the same thing."""
    raw = f"{kind}:{key}"
    if len(raw.encode()) <= InlineQueryResultLimit.MAX_ID_LENGTH:
        return raw
    return f"{kind}:{hashlib.sha1(key.encode()).hexdigest()}"


def _open_bot(context: ContextTypes.DEFAULT_TYPE, lang: Lang) -> InlineKeyboardMarkup:
    """A link to the bot itself (callback buttons would not work under an inline message)."""
    button = InlineKeyboardButton(
        render.STRINGS["inline_open"][lang], url=f"https://t.me/{context.bot.username}"
    )
    return InlineKeyboardMarkup([[button]])
