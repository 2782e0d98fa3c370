"""How the bot presents itself, and what it does when a chat changes under it.

- Its profile: the description shown before a user presses Start, and the short description
  shown on its profile and in shared links, in English and Chinese. Set at start-up only when
  they differ from what Telegram has (these calls have flood limits of their own).
- `my_chat_member`: added to a group, the bot says what it does, how to start a round and
  whether it can send quiz polls there (if members may not, the chat switches to buttons).
  Removed or banned from a group, or blocked by a user in a private chat, it ends the chat's
  running round without a word (the scores stay): there is nobody to send it to.
- A group upgraded to a supergroup gets a new id: its settings, scores and running round move
  with it, in the store and in python-telegram-bot's chat data.
"""

from __future__ import annotations

import logging

from telegram import Bot, Chat, ChatMember, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.knowledge.dataset import Lang
from bot.quiz.round import AnswerMode
from bot.telegram import render, rounds
from bot.telegram.render import t
from bot.telegram.services import services

log = logging.getLogger(__name__)

_PRESENT = frozenset(
    {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED}
)


async def describe_bot(bot: Bot) -> None:
    """Set the profile texts in every language, calling Telegram only for what changed. Only
    cosmetic: a failure is logged and the bot starts anyway."""
    try:
        await _describe(bot)
    except TelegramError as error:
        log.warning("could not set the bot's description: %s", error)


async def _describe(bot: Bot) -> None:
    for lang in Lang:
        code = None if lang is Lang.EN else lang.value
        wanted = render.STRINGS["bot_description"][lang]
        if (await bot.get_my_description(language_code=code)).description != wanted:
            await bot.set_my_description(wanted, language_code=code)
        wanted = render.STRINGS["bot_short_description"][lang]
        current = await bot.get_my_short_description(language_code=code)
        if current.short_description != wanted:
            await bot.set_my_short_description(wanted, language_code=code)


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot's own status changed in a chat."""
    change = update.my_chat_member
    chat = change.chat
    was_in = change.old_chat_member.status in _PRESENT
    is_in = change.new_chat_member.status in _PRESENT
    if chat.type == Chat.CHANNEL:
        return
    if was_in and not is_in:
        why = "blocked by the user" if chat.type == Chat.PRIVATE else "removed from the group"
        if await rounds.driver(context.application).stop_quietly(chat.id):
            log.info("chat %s: the bot was %s; its round ended", chat.id, why)
    elif is_in and not was_in and chat.type != Chat.PRIVATE:
        await _welcome(update, context)


async def chat_migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The last message of a group upgraded to a supergroup names the new id: move the chat.
    (The new chat's first message names the old id: nothing more to do then.)"""
    message = update.effective_message
    old_id, new_id = message.chat.id, message.migrate_to_chat_id
    if new_id is None:
        return
    context.application.migrate_chat_data(old_chat_id=old_id, new_chat_id=new_id)
    if await services(context).store.move_chat(old_id, new_id):
        log.info("chat %s became supergroup %s; its data moved", old_id, new_id)
        await rounds.driver(context.application).carry_over(new_id)


async def _welcome(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    chat = change.chat
    store = services(context).store
    lang = render.lang_of(change.from_user.language_code if change.from_user else None)
    polls = await _can_send_polls(context.bot, chat, change.new_chat_member)
    await store.ensure_chat(chat.id, chat.type, chat.title)
    settings = await store.settings(chat.id)
    if not polls and settings.mode is AnswerMode.POLL:
        await store.save_settings(chat.id, settings.changed("mode", AnswerMode.BUTTONS.value))
    how = t("welcome_polls" if polls else "welcome_no_polls", lang)
    await context.bot.send_message(chat.id, render.fit([t("welcome_group", lang), how]))


async def _can_send_polls(bot: Bot, chat: Chat, member: ChatMember) -> bool:
    """Admins may always; otherwise what the chat lets its members (or this member) do."""
    if member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER):
        return True
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "can_send_polls", True))
    try:
        permissions = (await bot.get_chat(chat.id)).permissions
    except TelegramError as error:
        log.info("could not read chat %s's permissions: %s", chat.id, error)
        return True  # assume the default; a refused poll is handled where it is sent
    return permissions is None or permissions.can_send_polls is not False
