"""The question bank: authored questions from data/quiz.yaml plus questions generated from facts."""

from __future__ import annotations

from bot.knowledge.dataset import Dataset


class QuestionBank:
    def __init__(self, dataset: Dataset):
        self.dataset = dataset

    def find_topic(self, text: str) -> str | None:
        """The topic a user named: its id, title, or the name of an entity it is about."""
        key = text.strip().casefold()
        if not key:
            return None
        for topic in self.dataset.topics.values():
            if key in {topic.id, topic.title.en.casefold(), (topic.title.zh or "").casefold()}:
                return topic.id
        for entity in self.dataset.entities.values():
            names = {entity.name.en, entity.name.zh or "", *entity.aliases_en, *entity.aliases_zh}
            if entity.topic and key in {n.casefold() for n in names if n}:
                return entity.topic
        return None
