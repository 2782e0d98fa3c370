"""Deep links and sharing: rounds started from a link, and "Challenge a friend".

Links (the payload format has one owner: `QuizLink`):
  t.me/<bot>?start=quiz              a private round of the chat's usual length, every topic
  t.me/<bot>?start=quiz-huion        a round on one topic (its id, or a Latin alias, "_" for spaces)
  t.me/<bot>?start=quiz-huion-10     ... of 10 questions (quiz-10: ten on every topic)
  t.me/<bot>?startgroup=quiz         adds the bot to a group; Telegram then sends "/start quiz"
                                     there, and the bot offers a round with a Start button
A payload that is malformed or names no topic gets the usual welcome, never an error.

The results of a round offer "Challenge a friend": an inline share (switch_inline_query
"challenge <round>") whose answer is the player's own score in that round and a link that
starts the same round (topic and length) for whoever taps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.quiz.round import MAX_QUESTIONS, MIN_QUESTIONS
from bot.telegram import ask, play, render
from bot.telegram.render import CallbackData, t
from bot.telegram.rounds import Start
from bot.telegram.services import services

PAYLOAD_LIMIT = 64  # Telegram: 1-64 characters of A-Za-z0-9_-
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True, slots=True)
class QuizLink:
    topic: str | None = None  # a topic id
    count: int | None = None

    def payload(self) -> str:
        parts = [
            "quiz",
            *([self.topic] if self.topic else []),
            *([str(self.count)] if self.count else []),
        ]
        payload = "-".join(parts)
        if not _PAYLOAD.fullmatch(payload):
            raise ValueError(f"not a deep-link payload: {payload!r}")
        return payload

    @classmethod
    def parse(cls, payload: str, find_topic) -> QuizLink | None:
        """`find_topic(text) -> topic id | None` resolves the topic part; None if any part is bad."""
        if not _PAYLOAD.fullmatch(payload):
            return None
        word, *rest = payload.split("-")
        if word.casefold() != "quiz":
            return None
        count = None
        if rest and rest[-1].isdigit():
            count = int(rest.pop())
            if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
                return None
        topic = None
        if rest:
            topic = find_topic(" ".join(rest).replace("_", " "))
            if topic is None:
                return None
        return cls(topic, count)


def start_link(bot_username: str, link: QuizLink) -> str:
    return f"https://t.me/{bot_username}?start={link.payload()}"


@dataclass(frozen=True, slots=True)
class OfferButton(CallbackData, prefix="go"):
    """The Start button under a round offered in a group ("-" for every topic, 0 for the chat's
    usual length)."""

    topic: str
    count: int


# -- /start with a payload --------------------------------------------------------------------


async def start_from_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start quiz...: a private chat plays at once; a group is offered a round."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    payload = ask.command_argument(message)
    link = QuizLink.parse(payload, services(context).bank.find_topic)
    if link is None:
        await ask.start(update, context)  # an old, foreign or mistyped link: the usual welcome
        return
    settings = await play.chat_settings(context, chat, user)
    if chat.type == ChatType.PRIVATE:
        starter = user.id if user else play.ANONYMOUS_ADMIN_ID
        await play.start_round(
            context, chat, starter, settings, link.count or settings.questions, link.topic, message
        )
        return
    button = OfferButton(link.topic or "-", link.count or 0).pack()
    text = t(
        "offer_round",
        settings.lang,
        count=str(link.count or settings.questions),
        topic=play.topic_title(context, link.topic, settings.lang),
    )
    markup = render.keyboard([[(render.STRINGS["offer_start"][settings.lang], button)]])
    await message.reply_html(text, reply_markup=markup)


async def offer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Start button of an offered round: whoever taps it starts the round."""
    query = update.callback_query
    offer = OfferButton.parse(query.data)
    chat = play.message_chat(query)
    svc = services(context)
    topic = None if offer is None or offer.topic == "-" else offer.topic
    if chat is None or offer is None or (topic is not None and topic not in svc.dataset.topics):
        await play.answer_stale(query, context)
        return
    settings = await play.chat_settings(context, chat, query.from_user)
    count = offer.count if MIN_QUESTIONS <= offer.count <= MAX_QUESTIONS else settings.questions
    outcome = await play.start_round(context, chat, query.from_user.id, settings, count, topic)
    await query.answer(t("toast_running", settings.lang) if outcome is Start.RUNNING else None)


# -- Challenge a friend -------------------------------------------------------------------------


async def challenge_results(
    update: Update, context: ContextTypes.DEFAULT_TYPE, round_id: int
) -> list[InlineQueryResultArticle]:
    """The inline answer to "challenge <round>": the asker's score there and a link to play it."""
    query = update.inline_query
    store = services(context).store
    lang = render.lang_of(query.from_user.language_code)
    stored = await store.load_round(round_id)
    points = await store.player_round_points(round_id, query.from_user.id)
    if stored is None or points is None:
        return []  # not a round this user played: nothing to share
    link = QuizLink(stored.topic, stored.state.total)
    topic = play.topic_title(context, stored.topic, lang)
    text = t("challenge_text", lang, points=str(points), topic=topic, total=str(stored.state.total))
    play_button = InlineKeyboardButton(
        render.STRINGS["challenge_play"][lang], url=start_link(context.bot.username, link)
    )
    return [
        InlineQueryResultArticle(
            id=f"challenge-{round_id}",
            title=render.STRINGS["challenge_title"][lang].format(points=points),
            description=topic,
            input_message_content=InputTextMessageContent(text),
            reply_markup=InlineKeyboardMarkup([[play_button]]),
        )
    ]


def challenge_round(query_text: str) -> int | None:
    """The round a "challenge <round>" inline query names (render.challenge_query), or None."""
    match = render.CHALLENGE_QUERY.match(query_text.strip())
    return int(match[1]) if match else None
