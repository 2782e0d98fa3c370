"""Quiz handlers: /quiz, /stop, /score, /top, /settings, poll votes and buttons.

Thin: each turns an update into a call of the round driver (rounds.py) or the store, and its
outcome into a reply. Every callback is parsed by its render.CallbackData class, checked against
the message it came from, and answered. Texts follow the chat's language (a private chat starts
in its user's).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Chat, InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    PollAnswerHandler,
)

from bot.knowledge.dataset import Lang
from bot.quiz.round import (
    MAX_QUESTIONS,
    QUESTION_CHOICES,
    SECONDS_CHOICES,
    ChatSettings,
    Period,
    Verdict,
    parse_quiz_args,
    period_start,
    rank,
)
from bot.store import Store
from bot.telegram import render, rounds
from bot.telegram.ask import command_argument
from bot.telegram.render import (
    AgainButton,
    AnswerButton,
    BoardButton,
    ResetButton,
    ScoreButton,
    SettingButton,
    clip,
    t,
)
from bot.telegram.rounds import Start, Stop
from bot.telegram.services import SERVICES_KEY, Services, services

log = logging.getLogger(__name__)

ANONYMOUS_ADMIN_ID = 1087968824


def command_handlers(message_filter) -> list[BaseHandler]:
    return [
        CommandHandler("quiz", quiz, filters=message_filter),
        CommandHandler("stop", stop, filters=message_filter),
        CommandHandler("score", score, filters=message_filter),
        CommandHandler("top", top, filters=message_filter),
        CommandHandler("settings", settings_command, filters=message_filter),
    ]


def callback_handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(answer_button, pattern=AnswerButton.matches),
        CallbackQueryHandler(settings_button, pattern=SettingButton.matches),
        CallbackQueryHandler(play_again, pattern=AgainButton.matches),
        CallbackQueryHandler(board_button, pattern=BoardButton.matches),
        CallbackQueryHandler(score_button, pattern=ScoreButton.matches),
        CallbackQueryHandler(reset_button, pattern=ResetButton.matches),
        PollAnswerHandler(poll_answer),
    ]


def _svc(app: Application) -> Services:
    return app.bot_data[SERVICES_KEY]


def _store(app: Application) -> Store:
    store = _svc(app).store
    assert store is not None, "the store is opened in on_start"
    return store


def display_name(user: User | None, chat: Chat | None = None) -> str:
    if user is None or user.id == ANONYMOUS_ADMIN_ID:
        return (chat.title if chat and chat.title else None) or "Anonymous admin"
    return user.full_name or user.username or "Player"


async def on_startup(
    app: Application, before_resume: Callable[[Store], Awaitable[None]] | None = None
) -> None:
    """Open the store, then (after `before_resume`) carry on the rounds the last run left."""
    svc = _svc(app)
    svc.store = await Store.open(svc.settings.db_path)
    if before_resume is not None:
        await before_resume(svc.store)
    driver = rounds.install(
        app, svc.store, svc.bank, clock=svc.clock, rng=svc.rng, topic_title=_topic_title(svc)
    )
    await driver.resume()


def _topic_title(svc: Services):
    def title(topic: str | None, lang: Lang) -> str:
        if topic is None:
            return render.STRINGS["all_topics"][lang]
        return svc.dataset.topics[topic].title.get(lang)

    return title


def topic_title(context: ContextTypes.DEFAULT_TYPE, topic: str | None, lang: Lang) -> str:
    """A round's topic as players read it ("HUION", or all of the awards)."""
    return _topic_title(services(context))(topic, lang)


async def on_shutdown(app: Application) -> None:
    svc = _svc(app)
    if svc.store is not None:
        await svc.store.close()
        svc.store = None


async def chat_settings(context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User | None):
    """The chat's settings (recorded on first use: a private chat in its user's language)."""
    store = _store(context.application)
    lang = render.lang_of(user.language_code) if user and chat.type == Chat.PRIVATE else None
    await store.ensure_chat(chat.id, chat.type, chat.title, lang)
    return await store.settings(chat.id)


async def chat_lang(context: ContextTypes.DEFAULT_TYPE, chat: Chat | None, user: User | None):
    if chat is None:
        return render.lang_of(user.language_code if user else None)
    return (await chat_settings(context, chat, user)).lang


# -- rounds ---------------------------------------------------------------------------------------


async def quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/quiz, /quiz 10, /quiz huion, /quiz 10 huion, /quiz huion 10: start a round here."""
    svc = services(context)
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    settings = await chat_settings(context, chat, user)
    lang = settings.lang
    args = parse_quiz_args(command_argument(message))
    if args.bad_count:
        await message.reply_html(t("bad_count", lang, max=str(MAX_QUESTIONS)))
        return
    topic = None
    if args.topic:
        topic = svc.bank.find_topic(args.topic)
        if topic is None:
            names = ", ".join(svc.dataset.topics[tid].title.get(lang) for tid in svc.bank.topics())
            await message.reply_html(t("bad_topic", lang, arg=clip(args.topic, 40), topics=names))
            return
    starter = user.id if user else ANONYMOUS_ADMIN_ID
    await start_round(
        context, chat, starter, settings, args.count or settings.questions, topic, message
    )


async def start_round(
    context, chat: Chat, starter: int, settings, count, topic, message=None
) -> Start:
    outcome, running = await rounds.driver(context.application).start(
        chat.id,
        is_private=chat.type == Chat.PRIVATE,
        started_by=starter,
        settings=settings,
        count=count,
        topic=topic,
    )
    if outcome is Start.RUNNING and running is not None and message is not None:
        state = running.state
        await message.reply_html(
            t(
                "already_running",
                settings.lang,
                current=str(state.index + 1),
                total=str(state.total),
            )
        )
    return outcome


async def play_again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The results' "Play again": the same topic, length and mode."""
    query = update.callback_query
    data = AgainButton.parse(query.data)
    chat = message_chat(query)
    store = _store(context.application)
    old = await store.load_round(data.round_id)
    if chat is None or old is None or old.state.chat_id != chat.id:
        await answer_stale(query, context)
        return
    settings = await chat_settings(context, chat, query.from_user)
    running = await store.running_round(chat.id)
    if running is not None and not await rounds.driver(context.application).stalled(running):
        await query.answer(t("toast_running", settings.lang))
        return
    await query.answer()  # before the round's first messages: the spinner stops now
    repeat = ChatSettings(old.mode, old.state.seconds, old.state.total, settings.lang)
    await start_round(context, chat, query.from_user.id, repeat, old.state.total, old.topic, None)


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop: end the running round (in groups: its starter or an admin), with the table."""
    chat, user = update.effective_chat, update.effective_user
    lang = await chat_lang(context, chat, user)
    outcome = await rounds.driver(context.application).stop(
        chat.id,
        user_id=None if _anonymous(update) else (user.id if user else None),
        is_admin=lambda: _is_admin(update, context),
    )
    if outcome is Stop.NO_ROUND:
        await update.effective_message.reply_html(t("no_round", lang))
    elif outcome is Stop.DENIED:
        await update.effective_message.reply_html(t("stop_denied", lang))


async def poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A vote in one of our quiz polls."""
    answer = update.poll_answer
    if answer.user is None or not answer.option_ids:
        return  # a vote on behalf of a chat, or a retracted vote: neither counts
    await rounds.driver(context.application).answer_poll(
        answer.poll_id, answer.user.id, answer.option_ids[0], display_name(answer.user)
    )


async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on an answer button."""
    query = update.callback_query
    chat = message_chat(query)  # the data must be a button of the message it came from
    driver = rounds.driver(context.application)
    answered = await driver.answer_button(
        AnswerButton.parse(query.data),
        chat_id=chat.id if chat else 0,
        message_id=query.message.message_id if chat else None,
        user_id=query.from_user.id,
        name=display_name(query.from_user),
    )
    lang = answered.lang
    if answered.verdict is Verdict.ACCEPTED:
        text = render.verdict(answered.correct, answered.points, lang)
    else:
        key = {Verdict.DUPLICATE: "toast_duplicate", Verdict.LATE: "toast_late"}
        text = t(key.get(answered.verdict, "stale_button"), lang)
    await query.answer(clip(text, render.MAX_TOAST))
    await driver.after_answer(answered)


# -- boards -----------------------------------------------------------------------------------------


async def top(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/top: this chat's board this week (buttons: this month, all time); in a private chat,
    over all chats. /top reset: an admin starts the chat's boards again, after a confirmation."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    lang = await chat_lang(context, chat, user)
    if command_argument(message).strip().casefold() == "reset":
        if chat.type == Chat.PRIVATE or not await _is_admin(update, context):
            await message.reply_html(t("reset_denied", lang))
            return
        await message.reply_html(t("reset_confirm", lang), reply_markup=render.reset_keyboard(lang))
        return
    text, markup = await _board(context, chat, Period.WEEK, lang)
    await message.reply_html(text, reply_markup=markup)


async def _board(context, chat: Chat, period: Period, lang: Lang):
    store = _store(context.application)
    overall = chat.type == Chat.PRIVATE
    since = period_start(period, services(context).clock())
    rows = await store.board(None if overall else chat.id, since)
    text = render.board_text(rank(rows), period, lang, overall=overall)
    return text, render.period_keyboard(period, lang, BoardButton)


async def board_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    chat = _text_message_chat(query)
    if chat is None:
        await answer_stale(query, context)
        return
    lang = await chat_lang(context, chat, query.from_user)
    text, markup = await _board(context, chat, BoardButton.parse(query.data).period, lang)
    await query.answer()
    await _show(query, text, markup)


async def score(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/score: your points this week (buttons: this month, all time), here and overall."""
    chat, user = update.effective_chat, update.effective_user
    lang = await chat_lang(context, chat, user)
    if user is None or _anonymous(update):
        await update.effective_message.reply_html(t("score_none", lang))
        return
    text, markup = await _score(context, chat, user.id, display_name(user), Period.WEEK, lang)
    await update.effective_message.reply_html(text, reply_markup=markup)


async def _score(context, chat: Chat, user_id: int, name: str, period: Period, lang: Lang):
    store = _store(context.application)
    since = period_start(period, services(context).clock())
    here = await store.player_stats(user_id, chat.id, since)
    overall = await store.player_stats(user_id, None, since)
    text = render.score_text(name, period, here, overall, lang)
    return text, render.period_keyboard(period, lang, lambda p: ScoreButton(p, user_id))


async def score_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    data = ScoreButton.parse(query.data)
    chat = _text_message_chat(query)
    if chat is None:
        await answer_stale(query, context)
        return
    lang = await chat_lang(context, chat, query.from_user)
    name = (query.message.text or "").split(" · ", 1)[0] or "Player"
    text, markup = await _score(context, chat, data.user_id, name, data.period, lang)
    await query.answer()
    await _show(query, text, markup)


async def reset_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The confirmation of /top reset (admins only)."""
    query = update.callback_query
    chat = _text_message_chat(query)
    if chat is None or chat.type == Chat.PRIVATE:
        await answer_stale(query, context)
        return
    lang = await chat_lang(context, chat, query.from_user)
    if not await _is_admin(update, context):
        await query.answer(t("reset_denied", lang))
        return
    if ResetButton.parse(query.data).confirm:
        await _store(context.application).reset_board(chat.id, services(context).clock())
        text = t("reset_done", lang)
    else:
        text = t("reset_kept", lang)
    await query.answer(text)
    await query.edit_message_text(text, reply_markup=None)


# -- settings -----------------------------------------------------------------------------------


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/settings: the chat's quiz settings as buttons (admins only in groups)."""
    chat = update.effective_chat
    settings = await chat_settings(context, chat, update.effective_user)
    if not await _is_admin(update, context):
        await update.effective_message.reply_html(t("settings_denied", settings.lang))
        return
    text, markup = render.settings_panel(settings, SECONDS_CHOICES, QUESTION_CHOICES)
    await update.effective_message.reply_html(text, reply_markup=markup)


async def settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    data = SettingButton.parse(query.data)
    chat = _text_message_chat(query)
    if chat is None:
        await answer_stale(query, context)
        return
    settings = await chat_settings(context, chat, query.from_user)
    if not await _is_admin(update, context):
        await query.answer(t("settings_denied", settings.lang))
        return
    changed = settings.changed(data.name, data.value)
    if changed is None:
        await query.answer(t("stale_button", settings.lang))
        return
    await _store(context.application).save_settings(chat.id, changed)
    await query.answer(t("saved", changed.lang))
    text, markup = render.settings_panel(changed, SECONDS_CHOICES, QUESTION_CHOICES)
    await _show(query, text, markup)


# -- checks -------------------------------------------------------------------------------------


async def _show(query: CallbackQuery, html: str, markup: InlineKeyboardMarkup | None) -> None:
    """Edit the button's message to show this, unless it shows it already: Telegram answers an
    edit to the same text and buttons with 400 "message is not modified" (a tap on the period
    or setting already shown)."""
    message = query.message
    if (
        isinstance(message, Message)
        and message.text == render.plain_text(html)
        and message.reply_markup == markup
    ):
        return
    try:
        await query.edit_message_text(html, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise  # two taps racing each other can still both edit: the second one changes nothing


def message_chat(query: CallbackQuery) -> Chat | None:
    """The chat of the message a button was on, if the button is on it now (None for data no
    button of that message carries: forged, or a button the bot has since taken away)."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return None
    data = {b.callback_data for row in message.reply_markup.inline_keyboard for b in row}
    return message.chat if query.data in data else None


def _text_message_chat(query: CallbackQuery) -> Chat | None:
    """The same, for buttons that edit their message: it must be a text message of ours (not a
    poll, which has no text to edit)."""
    message = query.message
    chat = message_chat(query)
    if chat is None or not message.text or message.from_user is None:
        return None
    return chat if message.from_user.id == query.get_bot().id else None


async def answer_stale(query: CallbackQuery, context) -> None:
    message = query.message
    chat = message.chat if isinstance(message, Message) else None
    lang = await chat_lang(context, chat, query.from_user)
    await query.answer(t("stale_button", lang))


def _anonymous(update: Update) -> bool:
    message = update.effective_message
    return bool(message and message.sender_chat and message.sender_chat.id == message.chat.id)


async def _is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == Chat.PRIVATE or _anonymous(update):
        return True  # an anonymous admin posts as the group
    user = update.effective_user
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError:
        log.info("could not check whether %s is an admin of %s", user.id, chat.id)
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
