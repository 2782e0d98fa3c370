"""Ask handlers: /start, /help, /ask, /topics, plain questions, topic and example buttons."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Chat, Message, MessageEntity, Update
from telegram.ext import ContextTypes

from bot.knowledge.dataset import Lang
from bot.knowledge.lookup import Answer
from bot.knowledge.wording import compose
from bot.quiz.round import SCORING_RULE
from bot.telegram import render, rounds
from bot.telegram.render import t
from bot.telegram.services import services

log = logging.getLogger(__name__)


def user_lang(update: Update) -> Lang:
    user = update.effective_user
    return render.lang_of(user.language_code if user else None)


def command_argument(message: Message) -> str:
    """The text after "/cmd" or "/cmd@Bot", as typed (newlines kept)."""
    text = message.text or ""
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return text[entity.length :].strip()
    return text.strip()


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet, say what the bot does, offer example questions as buttons."""
    lang = user_lang(update)
    user = update.effective_user
    name = f", {user.first_name}" if user and not user.is_bot and user.first_name else ""
    await update.effective_message.reply_html(
        t("greeting", lang, name=name), reply_markup=render.example_buttons(lang)
    )


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands and the scoring rule."""
    lang = user_lang(update)
    await update.effective_message.reply_html(t("help", lang, scoring=SCORING_RULE[lang]))


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask QUESTION, in any chat."""
    question = command_argument(update.effective_message)
    if not question:
        lang = user_lang(update)
        example = render.EXAMPLE_QUESTIONS[lang][0]
        await update.effective_message.reply_html(t("ask_usage", lang, example=example))
        return
    await reply_with_answer(update, context, question)


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat any plain text is a question."""
    await reply_with_answer(update, context, update.effective_message.text or "")


async def group_mention_or_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group: answer messages that mention the bot or reply to one of its messages."""
    message = update.effective_message
    bot = context.bot
    mention = f"@{bot.username}".casefold()
    text = message.text or ""
    replied_to_bot = bool(
        message.reply_to_message
        and message.reply_to_message.from_user
        and message.reply_to_message.from_user.id == bot.id
    )
    if mention not in text.casefold() and not replied_to_bot:
        return  # a reply to someone else, or a mention of another user: not for us
    question = _remove_mention(text, mention)
    await reply_with_answer(update, context, question)


def _remove_mention(text: str, mention: str) -> str:
    index = text.casefold().find(mention)
    if index < 0:
        return text
    return (text[:index] + text[index + len(mention) :]).strip()


async def reply_with_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str, *, show_question=False
) -> None:
    """Every question asked passes here (private text, /ask, mention, reply, example button):
    answer it, with what the asker's previous question was about, and reply in the chat."""
    svc = services(context)
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if not question.strip():
        lang = user_lang(update)
        example = render.EXAMPLE_QUESTIONS[lang][1]
        await message.reply_html(t("empty", lang, example=example))
        return
    now = svc.clock()
    earlier = None
    chat_id = chat.id if chat else user.id if user else 0
    if user is not None and _may_follow_up(update, context):
        earlier = svc.followups.recall(chat_id, user.id, now)
    answer = svc.lookup.answer(question, context=earlier)
    if user is not None:
        svc.followups.remember(chat_id, user.id, answer.context, now)

    # A reply that quotes the open quiz question's fact or states its answer gives it away.
    def reply() -> str:
        return compose(answer, svc.dataset).plain()

    if declined := await rounds.decline(context.application, chat_id, answer.facts, reply):
        await _deliver(update, context, declined)
        return
    log.debug(
        "question answered: kind=%s entity=%s facts=%s score=%s followed=%s",
        answer.kind,
        answer.entity,
        answer.facts,
        answer.score,
        earlier is not None,
    )
    await _send_answer(update, context, answer, question if show_question else None)


def _may_follow_up(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In a private chat every question may follow the last; in a group, only a reply to the
    bot (privacy mode shows the bot nothing else of a conversation)."""
    if update.effective_chat is None or update.effective_chat.type == Chat.PRIVATE:
        return True
    replied = update.message.reply_to_message if update.message else None
    return bool(replied and replied.from_user and replied.from_user.id == context.bot.id)


async def _send_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, answer: Answer, question: str | None
) -> None:
    svc = services(context)
    markup = None
    if not answer.found and answer.suggestions:
        markup = render.topic_buttons(svc.dataset, answer.suggestions, answer.lang)
    text = render.answer_html(answer, svc.dataset)
    if question is not None:  # an example button: the answer under its question
        text = render.fit([f"<b>{render.esc(question)}</b>", text])
    await _deliver(update, context, text, markup)


async def _deliver(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, markup=None):
    """Send a reply: quoting the question in a group, into the chat for a button tap."""
    if update.callback_query is not None:
        chat = update.effective_chat
        chat_id = chat.id if chat else update.effective_user.id
        await context.bot.send_message(chat_id, text, reply_markup=markup)
        return
    quote = update.effective_chat.type != Chat.PRIVATE
    await update.effective_message.reply_html(text, reply_markup=markup, do_quote=quote)


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/topics lists topics as buttons; /topics N or /topics NAME shows one."""
    svc = services(context)
    lang = user_lang(update)
    arg = command_argument(update.effective_message)
    topic_ids = list(svc.dataset.topics)
    if arg:
        chosen = _find_topic(svc, arg, topic_ids)
        if chosen:
            await update.effective_message.reply_html(render.topic_html(svc.dataset, chosen, lang))
            return
        intro = t("topic_unknown", lang, arg=render.clip(arg, 50))
    else:
        intro = t("topics_intro", lang)
    await update.effective_message.reply_html(
        intro, reply_markup=render.topic_buttons(svc.dataset, topic_ids, lang)
    )


def _find_topic(svc, arg: str, topic_ids: list[str]) -> str | None:
    key = arg.strip().casefold()
    if key.isdigit() and 1 <= int(key) <= len(topic_ids):
        return topic_ids[int(key) - 1]
    for tid in topic_ids:
        title = svc.dataset.topics[tid].title
        if key in {tid, title.en.casefold(), (title.zh or "").casefold()}:
            return tid
    return svc.bank.find_topic(arg)


async def topic_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on a topic button: show that topic's facts."""
    query = update.callback_query
    svc = services(context)
    lang = user_lang(update)
    button = render.TopicButton.parse(query.data)
    chat = _button_chat(query)
    if button is None or chat is None or button.topic_id not in svc.dataset.topics:
        await query.answer(t("stale_button", lang))
        return
    await query.answer()
    await context.bot.send_message(chat.id, render.topic_html(svc.dataset, button.topic_id, lang))


async def example_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on an example question from /start: answer it."""
    query = update.callback_query
    lang = user_lang(update)
    button = render.ExampleButton.parse(query.data)
    examples = render.EXAMPLE_QUESTIONS[lang]
    if button is None or _button_chat(query) is None or not 0 <= button.index < len(examples):
        await query.answer(t("stale_button", lang))
        return
    await query.answer()
    await reply_with_answer(update, context, examples[button.index], show_question=True)


def _button_chat(query: CallbackQuery) -> Chat | None:
    """The chat of the message the button is on; None when there is none to answer in (a
    message Telegram no longer shows the bot, or one sent inline, which has no chat)."""
    return query.message.chat if isinstance(query.message, Message) else None


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, photo or other non-text message in a private chat."""
    await update.effective_message.reply_html(t("not_text", user_lang(update)))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An unknown command: say so in private; in groups only when it was addressed to us."""
    message = update.effective_message
    if message.chat.type != Chat.PRIVATE:
        first = (message.text or "").split(maxsplit=1)[0]
        if f"@{context.bot.username}".casefold() not in first.casefold():
            return  # "/foo" in a group may be meant for another bot
    await message.reply_html(t("unknown_command", user_lang(update)))


async def stale_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any callback data no handler recognised (forged, or from an old version of the bot)."""
    await update.callback_query.answer(t("stale_button", user_lang(update)))
