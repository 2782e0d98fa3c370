"""README's Asking section shows the bot's replies as it gives them: each example is checked
against the lookup and the wording, so the README cannot drift from the bot."""

import re
from pathlib import Path

from bot.knowledge.wording import compose

README = Path(__file__).resolve().parent.parent / "README.md"


def asking_examples() -> list[tuple[bool, list[tuple[str, str]]]]:
    """(follow-ups?, [(question, reply)]) per code block of the Asking section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Asking") :]
    section = section[: section.index("\n## ", 1)]
    blocks = []
    for match in re.finditer(r"```\n(.*?)```", section, re.S):
        follow = "**Follow-ups.**" in section[: match.start()]
        entries = []
        for chunk in match.group(1).strip("\n").split("\n\n"):
            question, _, reply = chunk.partition("\n")
            entries.append((question.removeprefix("> "), reply))
        blocks.append((follow, entries))
    return blocks


def test_readme_shows_every_kind_of_reply_and_follow_ups_in_both_languages():
    blocks = asking_examples()
    questions = [q for _, entries in blocks for q, _ in entries]
    assert any(follow for follow, _ in blocks)
    assert any(re.search("[\u4e00-\u9fff]", q) for q in questions)
    assert len(questions) >= 10


def test_readme_replies_are_the_bots_own(lookup, dataset):
    for follow, entries in asking_examples():
        context = None
        for question, shown in entries:
            answer = lookup.answer(question, context=context if follow else None)
            assert compose(answer, dataset).plain() == shown, question
            context = answer.context
    kinds = {
        lookup.answer(q).kind.value for follow, entries in asking_examples() if not follow
        for q, _ in entries
    }  # fmt: skip
    assert kinds == {"answer", "not_in_sources", "off_topic"}
