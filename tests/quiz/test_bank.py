"""The question bank: authored plus generated questions, fair picks, Telegram limits."""

import datetime as dt
import random

from bot.knowledge.dataset import (
    AnswerKind,
    Dataset,
    Entity,
    EntityKind,
    Fact,
    Figure,
    Lang,
    QuizItem,
    Source,
    Text,
    Topic,
)
from bot.knowledge.text import has_cjk
from bot.quiz.bank import QuestionBank, QuizQuestion, gives_away


def tiny_dataset() -> Dataset:
    """Three regions with distinct gold counts and one authored question without Chinese."""
    source = Source("S1", "t", "p", dt.date(2025, 10, 19), Text("Xinhua", "新华社"))
    regions = {"a": ("Anhui", "安徽", 7), "b": ("Hubei", "湖北", 5), "c": ("Sichuan", None, 2)}
    entities = {
        rid: Entity(rid, EntityKind.PLACE, Text(en, zh), topic="regions")
        for rid, (en, zh, _) in regions.items()
    }
    facts = {
        f"regions.{rid}": Fact(
            f"regions.{rid}",
            "regions",
            (rid,),
            AnswerKind.NUMBER,
            Text(f"{en} won {n} golds.", f"{zh}获得{n}项金奖。" if zh else None),
            ("S1",),
            figures=(Figure(rid, "gold_awards", n),),
        )
        for rid, (en, zh, n) in regions.items()
    }
    quiz = (
        QuizItem(
            "q.regions.1", "regions.a", Text("Anhui won how many?"), ("7", "5"), 0, Text("7.")
        ),
    )
    topic = Topic("regions", Text("Regions", "地区"), Text("Where golds went.", "金奖分布。"))
    return Dataset({"S1": source}, {"regions": topic}, entities, facts, quiz)


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


def test_pick_takes_a_plain_set_of_seen_keys_and_never_repeats(dataset):
    bank = QuestionBank(dataset)
    pool = bank.questions(Lang.EN, "clusters")
    seen = frozenset(q.key for q in pool)
    picked = bank.pick(len(pool) + 5, Lang.EN, random.Random(4), "clusters", seen)
    keys = [q.key for q in picked]
    assert len(set(keys)) == len(keys) and set(keys) <= {q.key for q in pool}
    assert len({q.fact_id for q in picked}) == len({q.fact_id for q in pool})  # a fact each


def test_a_round_never_asks_twice_about_a_fact_nor_gives_an_answer_away(dataset):
    bank = QuestionBank(dataset)
    for seed in range(200):
        for lang in Lang:
            picked = bank.pick(20, lang, random.Random(seed))
            assert len({q.fact_id for q in picked}) == len(picked)
            for i, a in enumerate(picked):
                for b in picked[i + 1 :]:
                    assert not gives_away(a, b), (a.key, b.key)


def test_an_explanation_that_states_another_answer_gives_it_away():
    def q(key, options, correct, explanation):
        return QuizQuestion(key, key, "t", "?", options, correct, explanation)

    most = q("most", ("Beijing", "Guangdong"), 1, "Guangdong won 11.")
    beijing = q("beijing", ("7", "9", "11"), 1, "Beijing won 9, second only to Guangdong's 11.")
    year = q("year", ("1989", "1999"), 0, "The awards began in 1989.")
    assert gives_away(most, beijing)  # "Guangdong" is in Beijing's explanation
    assert not gives_away(year, q("nine", ("9", "8"), 0, "Nine."))  # "9" is not in "1989"


def test_a_chat_sees_every_question_before_any_repeats(dataset):
    bank = QuestionBank(dataset)
    rng, seen, at = random.Random(5), {}, 0.0
    total = len(bank.questions(Lang.EN))
    asked: list[str] = []
    while len(asked) < total:
        at += 1
        for q in bank.pick(7, Lang.EN, rng, seen=seen):
            asked.append(q.key)
            seen[q.key] = at
    assert len(set(asked[:total])) == total


def test_find_topic_by_id_title_or_entity_name(dataset):
    bank = QuestionBank(dataset)
    assert bank.find_topic("huion") == "huion"
    assert bank.find_topic("/quiz huion") == "huion"
    assert bank.find_topic("/quiz@AwardsBot 腾讯") == "tencent"
    assert bank.find_topic("绘王") == "huion"
    assert bank.find_topic("Regions") == "regions"
    assert bank.find_topic("china_mobile") == bank.find_topic("China Mobile") == "china_mobile"
    assert bank.find_topic("nonsense") is None and bank.find_topic("/quiz") is None


def test_topic_rounds_keep_to_the_topic(dataset):
    bank = QuestionBank(dataset)
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


def test_chinese_questions_are_chinese(dataset):
    bank = QuestionBank(dataset)
    zh = bank.questions(Lang.ZH)
    assert zh and all(has_cjk(q.text) for q in zh)
    # The industries have Chinese names now, so their generated questions exist in Chinese.
    for industry in ("ev_industry", "battery_industry", "solar_industry"):
        q = bank.get(f"gen.industry_growth_percent.{industry}.count", Lang.ZH)
        assert q is not None and dataset.entities[industry].name.zh in q.text


def test_generated_wording_ranks_and_chinese_numbers(dataset):
    bank = QuestionBank(dataset)
    first = bank.get("gen.cluster_rank.cluster_shenzhen_hong_kong_guangzhou.which", Lang.EN)
    assert "ranked first" in first.text and "Shenzhen" in first.options[first.correct]
    assert "排名第一" in bank.get(first.key, Lang.ZH).text
    tencent = bank.get("gen.patent_applications.tencent.count", Lang.ZH)
    assert tencent.options[tencent.correct] == "超过8.8万"
    assert bank.get("gen.gold_awards.guangdong.count", Lang.ZH).text.startswith("2025年广东")


def test_bank_grows_with_the_data_and_falls_back_to_english():
    bank = QuestionBank(tiny_dataset())
    keys = {q.key for q in bank.questions(Lang.EN)}
    assert {"gen.gold_awards.a.count", "gen.gold_awards.a.which", "gen.gold_awards.c.which"} <= keys
    which = bank.get("gen.gold_awards.b.which", Lang.EN)
    assert which.text == "Which region won 5 gold awards in 2025?"
    assert which.options[which.correct] == "Hubei"
    assert set(which.options) == {"Anhui", "Hubei", "Sichuan"}
    # Sichuan has no Chinese name: no generated gold question in Chinese; the authored one
    # falls back to English text.
    assert not [q for q in bank.questions(Lang.ZH) if q.key.startswith("gen.")]
    assert bank.get("q.regions.1", Lang.ZH).text == "Anhui won how many?"
    assert bank.topics() == ["regions"]


def test_at_least_sixty_authored_questions_cover_every_topic_in_both_languages(dataset):
    assert len(dataset.quiz) >= 60
    assert {dataset.facts[q.fact].topic for q in dataset.quiz} == set(dataset.topics)
    assert all(q.question.zh and q.options_zh and q.explanation.zh for q in dataset.quiz)
    positions = {q.correct for q in dataset.quiz}
    assert len(positions) >= 3  # the right answer is not always in the same place
