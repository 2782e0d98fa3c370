"""Quiz handlers: /quiz, /stop, /score, /top, /settings, poll and button answers, timers.

Thin adapters: rules come from bot.quiz.round, state from bot.store. Every timer is a JobQueue
job named "quiz:<round>:<question>" that carries its deadline in job.data["deadline"]; jobs live in
memory only, so at start-up the deadlines stored in SQLite are turned back into jobs (resume).
"""

from __future__ import annotations

import logging
import re

from telegram import Chat, Poll, Update, User
from telegram.constants import ChatMemberStatus, PollLimit
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    PollAnswerHandler,
)

from bot.knowledge.dataset import Lang
from bot.quiz.round import (
    QUESTION_CHOICES,
    SECONDS_CHOICES,
    AnswerMode,
    ChatSettings,
    RoundStatus,
    Verdict,
    can_stop,
    parse_round_size,
    rank,
)
from bot.store import Store, StoredRound
from bot.telegram import render
from bot.telegram.ask import command_argument
from bot.telegram.render import callback, clip, esc, fit, t
from bot.telegram.services import SERVICES_KEY, Services, services

log = logging.getLogger(__name__)

EARLY_VOTES = "early_votes"  # bot_data key: poll id -> votes that came before sendPoll's answer
RESUME_GRACE = 3.0  # after a restart, pending answers are handled before overdue questions close
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
        CallbackQueryHandler(answer_button, pattern=r"^a:"),
        CallbackQueryHandler(settings_button, pattern=r"^set:"),
        CallbackQueryHandler(play_again, pattern=r"^again$"),
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


async def on_startup(app: Application) -> None:
    svc = _svc(app)
    svc.store = await Store.open(svc.settings.db_path)
    await resume(app)


async def on_shutdown(app: Application) -> None:
    svc = _svc(app)
    if svc.store is not None:
        await svc.store.close()
        svc.store = None


# -- starting, asking, closing ---------------------------------------------------------------------


async def quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/quiz, /quiz 10, /quiz huion: start a round in this chat."""
    svc = services(context)
    store = _store(context.application)
    chat, message = update.effective_chat, update.effective_message
    await store.ensure_chat(chat.id, chat.type, chat.title)
    settings = await store.settings(chat.id)
    lang = settings.lang
    running = await store.running_round(chat.id)
    if running:
        state = running.state
        await message.reply_html(
            t("already_running", lang, current=str(state.index + 1), total=str(state.total))
        )
        return
    count, topic = settings.questions, None
    arg = command_argument(message)
    if arg:
        size = parse_round_size(arg)
        if size is not None:
            count = size
        elif re.fullmatch(r"[-+]?\d+", arg.strip()):
            await message.reply_html(t("bad_count", lang, max="20"))
            return
        else:
            topic = svc.bank.find_topic(arg)
            if topic is None:
                names = ", ".join(
                    svc.dataset.topics[tid].title.get(lang) for tid in svc.bank.topics()
                )
                await message.reply_html(t("bad_topic", lang, arg=clip(arg, 40), topics=names))
                return
    starter = update.effective_user.id if update.effective_user else ANONYMOUS_ADMIN_ID
    await start_round(context.application, chat, starter, settings, count, topic)


async def start_round(
    app: Application,
    chat: Chat,
    started_by: int,
    settings: ChatSettings,
    count: int,
    topic: str | None,
) -> None:
    svc, store = _svc(app), _store(app)
    lang = settings.lang
    questions = svc.bank.pick(count, lang, svc.rng, topic, seen=await store.seen(chat.id))
    if not questions:
        await app.bot.send_message(chat.id, t("no_questions", lang))
        return
    round_id = await store.create_round(
        chat_id=chat.id,
        started_by=started_by,
        settings=settings,
        questions=questions,
        at=svc.clock(),
    )
    if round_id is None:  # another /quiz won the race
        return
    topic_name = (
        svc.dataset.topics[topic].title.get(lang) if topic else render.STRINGS["all_topics"][lang]
    )
    how = render.STRINGS["how_poll" if settings.mode is AnswerMode.POLL else "how_buttons"][lang]
    text = render.STRINGS["round_start"][lang].format(
        count=len(questions),
        plural="" if len(questions) == 1 else "s",
        topic=esc(topic_name),
        seconds=settings.seconds,
        how=how,
    )
    await app.bot.send_message(chat.id, text)
    await ask(app, round_id, 0)


async def ask(app: Application, round_id: int, idx: int) -> None:
    """Send question `idx` as a quiz poll or a message with buttons; store it; set its timer."""
    svc, store = _svc(app), _store(app)
    stored = await store.load_round(round_id)
    asked = await store.question(round_id, idx)
    if stored is None or asked is None or stored.state.status is not RoundStatus.RUNNING:
        return
    state, lang, q = stored.state, stored.lang, asked.question
    header = render.STRINGS["question"][lang].format(n=idx + 1, total=state.total)
    if state.is_private and idx > 0 and stored.mode is AnswerMode.POLL:
        # The poll showed the answer; the verdict rides on the next question (one message a
        # second per chat: no separate reveal).
        previous = await store.answers(round_id, idx - 1)
        if previous:
            _, _, correct, points = previous[0]
            verdict = "toast_right" if correct else "toast_wrong"
            header = f"{render.STRINGS[verdict][lang].format(points=points)} · {header}"
    try:
        if stored.mode is AnswerMode.POLL:
            sent = await app.bot.send_poll(
                state.chat_id,
                question=esc(clip(f"{header} · {q.text}", PollLimit.MAX_QUESTION_LENGTH)),
                options=[esc(clip(o, PollLimit.MAX_OPTION_LENGTH)) for o in q.options],
                type=Poll.QUIZ,
                correct_option_ids=[q.correct],
                is_anonymous=False,
                open_period=state.seconds,
                explanation=clip(q.explanation, PollLimit.MAX_EXPLANATION_LENGTH),
                explanation_parse_mode=None,
            )
            poll_id = sent.poll.id
        else:
            rows = [
                [(option, callback("a", round_id, idx, i))] for i, option in enumerate(q.options)
            ]
            text = fit([f"<b>{esc(header)}</b>", esc(q.text)])
            sent = await app.bot.send_message(
                state.chat_id, text, reply_markup=render.keyboard(rows)
            )
            poll_id = None
    except Forbidden:
        log.info(
            "round %s stopped: the bot can no longer write to chat %s", round_id, state.chat_id
        )
        await store.end_round(round_id, RoundStatus.STOPPED, svc.clock())
        return
    deadline = svc.clock() + state.seconds
    await store.mark_sent(
        round_id, idx, deadline=deadline, poll_id=poll_id, message_id=sent.message_id
    )
    schedule_close(app, round_id, idx, deadline)
    for user_id, option, name in app.bot_data.get(EARLY_VOTES, {}).pop(poll_id, []):
        stored = await store.load_round(round_id)
        await _judge_and_record(
            app,
            stored,
            idx,
            user_id,
            option,
            await store.question(round_id, idx),
            poll=True,
            name=name,
        )


def schedule_close(app: Application, round_id: int, idx: int, deadline: float) -> None:
    name = f"quiz:{round_id}:{idx}"
    if app.job_queue.get_jobs_by_name(name):
        return
    delay = max(deadline - _svc(app).clock(), 0.0)
    app.job_queue.run_once(
        _close_job,
        when=delay,
        name=name,
        data={"deadline": deadline, "round_id": round_id, "idx": idx},
    )


async def _close_job(context: CallbackContext) -> None:
    data = context.job.data
    await close_and_continue(context.application, data["round_id"], data["idx"], early=False)


async def close_and_continue(app: Application, round_id: int, idx: int, *, early: bool) -> None:
    """Close question `idx` (once, however many callers race), reveal it, then go on. `early`:
    before its time (Telegram closes a poll itself when its open_period ends)."""
    svc, store = _svc(app), _store(app)
    stored = await store.load_round(round_id)
    if (
        stored is None
        or stored.state.status is not RoundStatus.RUNNING
        or stored.state.index != idx
    ):
        return
    if not await store.close_question(round_id, idx, svc.clock()):
        return
    for job in app.job_queue.get_jobs_by_name(f"quiz:{round_id}:{idx}"):
        job.schedule_removal()
    await _retire_question(app, stored, idx, early=early)
    await _reveal(app, stored, idx)
    await continue_round(app, round_id, idx)


async def continue_round(app: Application, round_id: int, idx: int) -> None:
    """After question `idx` was revealed: ask the next one, or show the results."""
    store = _store(app)
    stored = await store.load_round(round_id)
    if stored is None or stored.state.status is not RoundStatus.RUNNING:
        return
    following = stored.state.after_close()
    if following.status is RoundStatus.FINISHED:
        await finish(app, stored, RoundStatus.FINISHED)
        return
    await store.advance(round_id, following.index)
    await ask(app, round_id, following.index)


async def _retire_question(app: Application, stored: StoredRound, idx: int, *, early: bool) -> None:
    """Stop the poll (only when closing it early) or take the buttons away."""
    asked = await _store(app).question(stored.state.round_id, idx)
    if asked is None or asked.message_id is None:
        return
    if stored.mode is AnswerMode.BUTTONS:
        return  # the reveal replaces the question's buttons (_reveal)
    try:
        if stored.mode is AnswerMode.POLL:
            if not early:
                return  # Telegram closed it at the end of its open_period
            await app.bot.stop_poll(stored.state.chat_id, asked.message_id)
        else:
            await app.bot.edit_message_reply_markup(
                stored.state.chat_id, asked.message_id, reply_markup=None
            )
    except BadRequest:
        pass  # already closed by Telegram (open_period), or not modified: the goal is reached


async def _reveal(app: Application, stored: StoredRound, idx: int) -> None:
    store, lang = _store(app), stored.lang
    if stored.state.is_private and stored.mode is AnswerMode.POLL:
        return  # the closed poll shows the answer; the verdict goes with the next message
    asked = await store.question(stored.state.round_id, idx)
    answers = await store.answers(stored.state.round_id, idx)
    q = asked.question
    parts = [
        render.STRINGS["reveal"][lang].format(
            answer=esc(q.options[q.correct]), explanation=esc(q.explanation)
        )
    ]
    right = [
        f"{esc(clip(name, 40))} (+{points})" for _, name, correct, points in answers if correct
    ]
    if stored.state.is_private:
        verdict = [
            ("toast_right" if correct else "toast_wrong", points)
            for _, _, correct, points in answers
        ]
        if verdict:
            parts.insert(0, render.STRINGS[verdict[0][0]][lang].format(points=verdict[0][1]))
    elif right:
        parts.append(render.STRINGS["right_players"][lang].format(names=", ".join(right)))
    else:
        parts.append(render.STRINGS["nobody_right"][lang])
    if stored.mode is AnswerMode.BUTTONS and asked.message_id is not None:
        header = render.STRINGS["question"][lang].format(n=idx + 1, total=stored.state.total)
        text = fit([f"<b>{esc(header)}</b>", esc(q.text), *parts])
        try:
            await app.bot.edit_message_text(text, stored.state.chat_id, asked.message_id)
        except BadRequest as error:
            if "not modified" not in str(error):
                raise
        return
    await _send(app, stored.state.chat_id, fit(parts))


async def finish(app: Application, stored: StoredRound, status: RoundStatus) -> None:
    svc, store, lang = _svc(app), _store(app), stored.lang
    if not await store.end_round(stored.state.round_id, status, svc.clock()):
        return
    results = rank(await store.round_results(stored.state.round_id))
    title = render.STRINGS["results" if status is RoundStatus.FINISHED else "stopped"][lang]
    lines = render.ranked_lines(results) or [render.STRINGS["no_answers"][lang]]
    markup = render.keyboard([[(render.STRINGS["play_again"][lang], callback("again"))]])
    await _send(app, stored.state.chat_id, fit([title, *lines]), markup)


async def _send(app: Application, chat_id: int, text: str, markup=None) -> None:
    try:
        await app.bot.send_message(chat_id, text, reply_markup=markup)
    except Forbidden:
        log.info("cannot write to chat %s any more", chat_id)


async def resume(app: Application) -> None:
    """At start-up: carry on every round the database says is running."""
    svc, store = _svc(app), _store(app)
    for stored in await store.open_rounds():
        state = stored.state
        asked = await store.question(state.round_id, state.index)
        if asked is None:
            continue
        if asked.deadline is None:
            await ask(app, state.round_id, state.index)  # died before the question went out
        elif asked.closed:
            await continue_round(app, state.round_id, state.index)  # died right after a reveal
        else:
            # Answers sent while the bot was down are still queued at Telegram: give them a
            # moment to be handled before an overdue question closes.
            deadline = max(asked.deadline, svc.clock() + RESUME_GRACE)
            schedule_close(app, state.round_id, state.index, deadline)
        log.info(
            "resumed round %s in chat %s at question %s",
            state.round_id,
            state.chat_id,
            state.index + 1,
        )


# -- answers ---------------------------------------------------------------------------------------


async def poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A vote in one of our quiz polls."""
    answer = update.poll_answer
    if answer.user is None or not answer.option_ids:
        return  # a vote on behalf of a chat, or a retracted vote: neither counts
    app = context.application
    store = _store(app)
    asked = await store.question_by_poll(answer.poll_id)
    if asked is None:
        # sendPoll's answer may not have reached us yet: keep the vote until it does (a poll of
        # an older bot or of a finished round never gets known; its votes age out).
        early = context.application.bot_data.setdefault(EARLY_VOTES, {})
        early.setdefault(answer.poll_id, []).append(
            (answer.user.id, answer.option_ids[0], display_name(answer.user))
        )
        return
    stored = await store.load_round(asked.round_id)
    if stored is None:
        return
    name = display_name(answer.user)
    await _judge_and_record(
        app, stored, asked.idx, answer.user.id, answer.option_ids[0], asked, poll=True, name=name
    )


async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on an answer button: "a:<round>:<question>:<option>"."""
    query = update.callback_query
    app = context.application
    store, lang = _store(app), render.lang_of(query.from_user.language_code)
    match = re.fullmatch(r"a:(\d{1,12}):(\d{1,3}):(\d{1,2})", query.data or "")
    asked = await store.question(int(match[1]), int(match[2])) if match else None
    stored = await store.load_round(asked.round_id) if asked else None
    chat_id = query.message.chat.id if query.message else None
    if asked is None or stored is None or stored.state.chat_id != chat_id:
        await query.answer(t("stale_button", lang))
        return
    lang = stored.lang
    name = display_name(query.from_user)
    await _judge_and_record(
        app,
        stored,
        asked.idx,
        query.from_user.id,
        int(match[3]),
        asked,
        poll=False,
        toast=query,
        name=name,
    )


async def _judge_and_record(
    app, stored: StoredRound, idx, user_id, option, asked, *, poll: bool, name: str, toast=None
):
    svc, store, lang = _svc(app), _store(app), stored.lang
    judgement = stored.state.judge(
        index=idx,
        option=option,
        correct_option=asked.question.correct,
        n_options=len(asked.question.options),
        at=svc.clock(),
        already_answered=False,  # the database's unique key decides, race-free, just below
        enforce_deadline=not poll,
    )
    verdict = judgement.verdict
    if judgement.counts:
        counted = await store.record_answer(
            chat_id=stored.state.chat_id,
            round_id=stored.state.round_id,
            idx=idx,
            user_id=user_id,
            option=option,
            judgement=judgement,
            at=svc.clock(),
            name=name,
        )
        verdict = Verdict.ACCEPTED if counted else Verdict.DUPLICATE
    if toast is not None:
        texts = {
            Verdict.DUPLICATE: t("toast_duplicate", lang),
            Verdict.LATE: t("toast_late", lang),
            Verdict.STALE: t("stale_button", lang),
            Verdict.BAD_OPTION: t("stale_button", lang),
        }
        if verdict is Verdict.ACCEPTED:
            key = "toast_right" if judgement.correct else "toast_wrong"
            text = render.STRINGS[key][lang].format(points=judgement.points)
        else:
            text = texts[verdict]
        await toast.answer(clip(text, render.MAX_TOAST))
    if verdict is Verdict.ACCEPTED and stored.state.closes_after_answer():
        await close_and_continue(app, stored.state.round_id, idx, early=True)
    return verdict, judgement.points


# -- stop, scores, settings ------------------------------------------------------------------------


async def _is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    chat, message = update.effective_chat, update.effective_message
    if chat.type == Chat.PRIVATE:
        return True
    if message and message.sender_chat and message.sender_chat.id == chat.id:
        return True  # an anonymous admin, posting as the group
    user = update.effective_user
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError:
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop: end the running round (in groups: its starter or an admin)."""
    app = context.application
    store = _store(app)
    chat = update.effective_chat
    settings = await store.settings(chat.id)
    stored = await store.running_round(chat.id)
    if stored is None:
        await update.effective_message.reply_html(t("no_round", settings.lang))
        return
    user = update.effective_user
    allowed = can_stop(
        is_private=chat.type == Chat.PRIVATE,
        user_id=user.id if user else None,
        started_by=stored.state.started_by,
        is_admin=await _is_admin(update, context),
    )
    if not allowed:
        await update.effective_message.reply_html(t("stop_denied", stored.lang))
        return
    idx = stored.state.index
    if await store.close_question(stored.state.round_id, idx, services(context).clock()):
        for job in app.job_queue.get_jobs_by_name(f"quiz:{stored.state.round_id}:{idx}"):
            job.schedule_removal()
        await _retire_question(app, stored, idx, early=True)
    await finish(app, stored, RoundStatus.STOPPED)


async def play_again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    chat = query.message.chat if query.message else None
    if chat is None:
        return
    store = _store(context.application)
    await store.ensure_chat(chat.id, chat.type, chat.title)
    if await store.running_round(chat.id):
        return
    settings = await store.settings(chat.id)
    await start_round(
        context.application, chat, query.from_user.id, settings, settings.questions, None
    )


async def score(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/score: your points in this chat and overall."""
    store = _store(context.application)
    chat, user = update.effective_chat, update.effective_user
    lang = render.lang_of(user.language_code if user else None)
    if user is None or user.id == ANONYMOUS_ADMIN_ID:
        await update.effective_message.reply_html(t("score_none", lang))
        return

    def line(stats) -> str:
        if not stats.answered:
            return render.STRINGS["score_none"][lang]
        return render.STRINGS["score_line"][lang].format(
            points=stats.points,
            correct=stats.correct,
            answered=stats.answered,
            accuracy=f"{stats.accuracy:.0%}",
            streak=stats.best_streak,
        )

    here, overall = await store.stats(user.id, chat.id), await store.stats(user.id, None)
    text = render.STRINGS["score"][lang].format(
        name=esc(display_name(user)), chat=line(here), overall=line(overall)
    )
    await update.effective_message.reply_html(text)


async def top(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/top: this chat's top 10; in a private chat, the top 10 over all chats."""
    store = _store(context.application)
    chat = update.effective_chat
    lang = render.lang_of(update.effective_user.language_code if update.effective_user else None)
    private = chat.type == Chat.PRIVATE
    rows = await store.top(None if private else chat.id)
    if not rows:
        await update.effective_message.reply_html(t("top_empty", lang))
        return
    title = render.STRINGS["top_global" if private else "top_chat"][lang]
    await update.effective_message.reply_html(fit([title, *render.ranked_lines(rank(rows))]))


def _settings_view(settings: ChatSettings, lang: Lang):
    mode = render.STRINGS["mode_" + settings.mode.value][lang]
    text = render.STRINGS["settings"][lang].format(
        mode=mode,
        seconds=settings.seconds,
        count=settings.questions,
        lang="English" if settings.lang == Lang.EN else "中文",
    )

    def mark(label: str, on: bool) -> str:
        return f"✅ {label}" if on else label

    rows = [
        [
            (
                mark(render.STRINGS["mode_poll"][lang], settings.mode is AnswerMode.POLL),
                callback("set", "mode", "poll"),
            ),
            (
                mark(render.STRINGS["mode_buttons"][lang], settings.mode is AnswerMode.BUTTONS),
                callback("set", "mode", "buttons"),
            ),
        ],
        [
            (mark(f"{s} s", settings.seconds == s), callback("set", "seconds", s))
            for s in SECONDS_CHOICES
        ],
        [
            (mark(f"{n} ❓", settings.questions == n), callback("set", "questions", n))
            for n in QUESTION_CHOICES
        ],
        [
            (mark("English", settings.lang == Lang.EN), callback("set", "lang", "en")),
            (mark("中文", settings.lang == Lang.ZH), callback("set", "lang", "zh")),
        ],
    ]
    return text, render.keyboard(rows)


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/settings: the chat's quiz settings as buttons (admins only in groups)."""
    store = _store(context.application)
    chat = update.effective_chat
    await store.ensure_chat(chat.id, chat.type, chat.title)
    settings = await store.settings(chat.id)
    lang = render.lang_of(update.effective_user.language_code if update.effective_user else None)
    if not await _is_admin(update, context):
        await update.effective_message.reply_html(t("settings_denied", lang))
        return
    text, markup = _settings_view(settings, lang)
    await update.effective_message.reply_html(text, reply_markup=markup)


async def settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    store = _store(context.application)
    lang = render.lang_of(query.from_user.language_code)
    chat = query.message.chat if query.message else None
    parts = (query.data or "").split(":")
    if chat is None or len(parts) != 3:
        await query.answer(t("stale_button", lang))
        return
    if not await _is_admin(update, context):
        await query.answer(t("settings_denied", lang))
        return
    await store.ensure_chat(chat.id, chat.type, chat.title)
    changed = (await store.settings(chat.id)).changed(parts[1], parts[2])
    if changed is None:
        await query.answer(t("stale_button", lang))
        return
    await store.save_settings(chat.id, changed)
    await query.answer(t("saved", lang))
    text, markup = _settings_view(changed, lang)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in str(error):
            raise
