"""The question bank: authored plus generated questions, fair picks, Telegram limits."""

import random

from bot.knowledge.dataset import Lang
from bot.knowledge.text import has_cjk
from bot.quiz.bank import QuestionBank


def test_generated_questions_state_the_figures(dataset):
    bank = QuestionBank(dataset)
    guangdong = bank.get("gen.gold_awards.guangdong.count", Lang.EN)
    assert guangdong.options[guangdong.correct] == "11"
    assert len(set(guangdong.options)) == len(guangdong.options)
    which = bank.get("gen.gold_awards.beijing.which", Lang.EN)
    assert which.options[which.correct] == "Beijing"


def test_no_which_region_question_when_regions_share_a_value(dataset):
    bank = QuestionBank(dataset)
    for region in ("shanghai", "jiangsu", "zhejiang"):
        assert bank.get(f"gen.gold_awards.{region}.which", Lang.EN) is None


def test_more_than_figures_get_only_larger_wrong_options(dataset):
    bank = QuestionBank(dataset)
    q = bank.get("gen.patent_applications.tencent.count", Lang.EN)
    numbers = [int(o.split()[-1].replace(",", "")) for o in q.options]
    assert numbers[q.correct] == 88000
    assert all(n > 88000 for i, n in enumerate(numbers) if i != q.correct)


def test_pick_gives_distinct_questions_unseen_first(dataset):
    bank = QuestionBank(dataset)
    rng = random.Random(3)
    first = bank.pick(5, Lang.EN, rng)
    assert len({q.key for q in first}) == 5
    seen = {q.key: 1.0 for q in first}
    second = bank.pick(5, Lang.EN, rng, seen=seen)
    assert not {q.key for q in second} & set(seen)


def test_pick_reuses_the_longest_unseen_when_the_pool_runs_out(dataset):
    bank = QuestionBank(dataset)
    pool = bank.questions(Lang.EN, "clusters")
    seen = {q.key: float(i) for i, q in enumerate(pool)}
    picked = bank.pick(2, Lang.EN, random.Random(1), topic="clusters", seen=seen)
    assert [q.key for q in picked] == [pool[0].key, pool[1].key]


def test_topic_rounds_keep_to_the_topic(dataset):
    bank = QuestionBank(dataset)
    assert bank.find_topic("huion") == "huion"
    assert bank.find_topic("绘王") == "huion"
    assert bank.find_topic("Regions") is None or bank.find_topic("regions") == "regions"
    for q in bank.pick(20, Lang.EN, random.Random(2), topic="regions"):
        assert q.topic == "regions"


def test_every_question_fits_telegram_quiz_limits(dataset):
    bank = QuestionBank(dataset)
    for lang in Lang:
        for q in bank.questions(lang):
            assert 1 <= len(q.text) <= 255 and 2 <= len(q.options) <= 4
            assert all(1 <= len(o) <= 100 for o in q.options)
            assert len(q.explanation) <= 200 and q.explanation.count("\n") <= 2
            assert 0 <= q.correct < len(q.options)


def test_chinese_questions_are_chinese_where_written(dataset):
    bank = QuestionBank(dataset)
    zh = bank.questions(Lang.ZH)
    assert sum(has_cjk(q.text) for q in zh) >= len(zh) * 0.8


def test_at_least_sixty_authored_questions_cover_every_topic_in_both_languages(dataset):
    assert len(dataset.quiz) >= 60
    assert {dataset.facts[q.fact].topic for q in dataset.quiz} == set(dataset.topics)
    assert all(q.question.zh and q.options_zh and q.explanation.zh for q in dataset.quiz)
    positions = {q.correct for q in dataset.quiz}
    assert len(positions) >= 3  # the right answer is not always in the same place
