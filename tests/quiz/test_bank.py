"""The question bank: authored plus generated questions, fair picks, Telegram limits."""

import datetime as dt
import random

from bot.knowledge import fairness
from bot.knowledge.dataset import (
    MAX_EXPLANATION,
    AnswerKind,
    Dataset,
    Entity,
    EntityKind,
    Fact,
    Figure,
    Lang,
    Qualifier,
    QuizItem,
    Source,
    Text,
    Topic,
)
from bot.knowledge.text import has_cjk
from bot.quiz.bank import QuestionBank, QuizQuestion, authored_figures, gives_away

# (entity id, English name, Chinese name or None, topic, measure, value, qualifier)
Row = tuple[str, str, str | None, str, str, float, Qualifier]
REGIONS: list[Row] = [
    ("a", "Anhui", "安徽", "regions", "gold_awards", 7, Qualifier.EXACT),
    ("b", "Hubei", "湖北", "regions", "gold_awards", 5, Qualifier.EXACT),
    ("c", "Sichuan", None, "regions", "gold_awards", 2, Qualifier.EXACT),
    ("d", "Hunan", "湖南", "regions", "gold_awards", 4, Qualifier.EXACT),
    ("e", "Henan", "河南", "regions", "gold_awards", 9, Qualifier.EXACT),
]


def built(rows: list[Row], quiz: tuple[QuizItem, ...] = (), answers: dict | None = None) -> Dataset:
    """A hand-made dataset: one entity and one fact (with its figure) per row."""
    source = Source("S1", "t", "p", dt.date(2025, 10, 19), Text("Xinhua", "新华社"))
    entities = {
        eid: Entity(eid, EntityKind.PLACE, Text(en, zh), topic=topic)
        for eid, en, zh, topic, *_ in rows
    }
    facts = {
        f"{topic}.{eid}": Fact(
            f"{topic}.{eid}",
            topic,
            (eid,),
            AnswerKind.NUMBER,
            (answers or {}).get(eid)
            or Text(f"{en}: {value:g}.", f"{zh}：{value:g}。" if zh else None),
            ("S1",),
            figures=(Figure(eid, measure, value, qualifier),),
        )
        for eid, en, zh, topic, measure, value, qualifier in rows
    }
    topics = {
        t: Topic(t, Text(t.title(), "主题"), Text("About it.", "关于它。"))
        for t in dict.fromkeys(row[3] for row in rows)
    }
    return Dataset({"S1": source}, topics, entities, facts, quiz)


def authored(item_id: str, fact: str, question: str, options: list[str]) -> QuizItem:
    return QuizItem(item_id, fact, Text(question), tuple(options), 0, Text("So it is."))


def tiny_dataset() -> Dataset:
    """Five regions with distinct gold counts (one without a Chinese name) and one authored
    question without Chinese that asks about none of their counts."""
    quiz = (
        authored("q.regions.1", "regions.a", "Which region is largest?", ["Anhui", "B", "C", "D"]),
    )
    return built(REGIONS, quiz)


def test_generated_questions_state_the_figures(dataset):
    bank = QuestionBank(dataset)
    guangdong = bank.get("gen.gold_awards.guangdong.count", Lang.EN)
    assert guangdong.options[guangdong.correct] == "11"
    which = bank.get("gen.gold_awards.guangdong.which", Lang.EN)
    assert which.options[which.correct] == "Guangdong" and len(which.options) == 4


def test_no_which_region_question_when_regions_share_a_value():
    rows = [*REGIONS[:3], ("f", "Hebei", "河北", "regions", "gold_awards", 2, Qualifier.EXACT)]
    bank = QuestionBank(built([*rows, REGIONS[4]]))
    assert bank.get("gen.gold_awards.c.which", Lang.EN) is None  # Sichuan and Hebei won 2
    assert bank.get("gen.gold_awards.f.which", Lang.EN) is None
    assert bank.get("gen.gold_awards.a.which", Lang.EN) is not None


def test_which_question_needs_four_candidates():
    """Three regions make a three-option "which" question: it is not asked."""
    bank = QuestionBank(built(REGIONS[:3]))
    assert not [q for q in bank.questions(Lang.EN) if q.key.endswith(".which")]
    assert bank.get("gen.gold_awards.a.count", Lang.EN) is not None  # numbers are plenty


def test_more_than_figures_get_only_larger_wrong_options():
    rows = [
        ("t", "Tencent", "腾讯", "tencent", "patent_applications", 88000, Qualifier.MORE_THAN),
        ("y", "BYD", "比亚迪", "byd", "patent_applications", 65000, Qualifier.EXACT),
    ]
    bank = QuestionBank(built(rows))
    q = bank.get("gen.patent_applications.t.count", Lang.EN)
    numbers = [int(o.split()[-1].replace(",", "")) for o in q.options]
    assert numbers[q.correct] == 88000 and len(numbers) == 4
    assert all(n > 88000 for i, n in enumerate(numbers) if i != q.correct)
    zh = bank.get("gen.patent_applications.t.count", Lang.ZH)
    assert zh.options[zh.correct] == "超过8.8万"


def test_generated_rank_wording():
    clusters = [
        (f"k{rank}", f"{name} cluster", f"{zh}集群", "clusters", "cluster_rank", rank, Qualifier.EXACT)
        for rank, name, zh in [(1, "East", "东"), (4, "West", "西"), (6, "North", "北"),
                               (9, "South", "南")]
    ]  # fmt: skip
    bank = QuestionBank(built(clusters))
    first = bank.get("gen.cluster_rank.k1.which", Lang.EN)
    assert "ranked first" in first.text and first.options[first.correct] == "East cluster"
    assert len(first.options) == 4
    assert "排名第一" in bank.get(first.key, Lang.ZH).text
    fourth = bank.get("gen.cluster_rank.k4.count", Lang.EN)
    assert fourth.options[fourth.correct] == "No. 4"


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
    # The industries have Chinese names now, so their generated questions exist in Chinese
    # (battery growth is asked by the authored q.wipo.3, so it is not generated).
    for industry in ("ev_industry", "solar_industry"):
        q = bank.get(f"gen.industry_growth_percent.{industry}.count", Lang.ZH)
        assert q is not None and dataset.entities[industry].name.zh in q.text


def test_bank_grows_with_the_data_and_falls_back_to_english():
    bank = QuestionBank(tiny_dataset())
    keys = {q.key for q in bank.questions(Lang.EN)}
    assert {"gen.gold_awards.a.count", "gen.gold_awards.a.which", "gen.gold_awards.c.which"} <= keys
    which = bank.get("gen.gold_awards.b.which", Lang.EN)
    assert which.text == "Which region won 5 gold awards in 2025?"
    assert which.options[which.correct] == "Hubei"
    assert len(which.options) == 4 and set(which.options) <= {r[1] for r in REGIONS}
    # Sichuan has no Chinese name: no generated gold question in Chinese; the authored one
    # falls back to English text.
    assert not [q for q in bank.questions(Lang.ZH) if q.key.startswith("gen.")]
    assert bank.get("q.regions.1", Lang.ZH).text == "Which region is largest?"
    assert bank.topics() == ["regions"]


def test_a_figure_an_authored_question_asks_is_not_generated_again():
    asks = authored(
        "q.regions.1", "regions.b", "How many golds did Hubei win?", ["5", "4", "6", "7"]
    )
    bank = QuestionBank(built(REGIONS, (asks,)))
    assert bank.get("gen.gold_awards.b.count", Lang.EN) is None
    assert bank.get("gen.gold_awards.b.which", Lang.EN) is None
    assert bank.get("gen.gold_awards.a.count", Lang.EN) is not None  # other regions still asked
    # Naming the region with another number, or the number without the region, is not the same.
    other = authored("q.regions.1", "regions.b", "Did Hubei win 2 golds?", ["No", "Yes", "?", "!"])
    assert QuestionBank(built(REGIONS, (other,))).get("gen.gold_awards.b.count", Lang.EN)
    unnamed = authored("q.regions.1", "regions.b", "Who won 5 golds?", ["Anhui", "Hunan", "x", "y"])
    assert QuestionBank(built(REGIONS, (unnamed,))).get("gen.gold_awards.b.which", Lang.EN)


def test_generated_explanations_are_whole_sentences():
    clause = "Anhui won 7 golds, more than Hubei's 5 and Sichuan's 2 and Hunan's 4 and Henan's 9"
    long = Text(f"{clause}; " + "and that is a long story " * 8 + "to tell.")
    assert len(long.en) > MAX_EXPLANATION
    bank = QuestionBank(built(REGIONS, answers={"a": long}))
    assert bank.get("gen.gold_awards.a.count", Lang.EN).explanation == clause + "."
    too_long = Text("Anhui " * 40 + "won.")  # not even its first sentence fits: not asked
    assert (
        QuestionBank(built(REGIONS, answers={"a": too_long})).get(
            "gen.gold_awards.a.count", Lang.EN
        )
        is None
    )


def test_every_question_in_the_bank_is_fair(dataset):
    """Authored and generated, both languages: four options, none the same as another, none
    made true by the right one, and an explanation that is a whole sentence."""
    bank = QuestionBank(dataset)
    for lang in Lang:
        for q in bank.questions(lang):
            assert len(q.options) == fairness.OPTIONS, q.key
            assert fairness.same_options(q.options) is None, (q.key, q.options)
            assert fairness.implied_option(q.options, q.correct) is None, (q.key, q.options)
            assert fairness.is_whole_sentence(q.explanation), (q.key, q.explanation)
            assert not q.explanation.endswith("…"), q.key


def test_generated_questions_never_repeat_authored_ones(dataset):
    bank = QuestionBank(dataset)
    asked = authored_figures(dataset)
    # The figures the issue found asked twice: cluster ranks, region golds, Tencent's
    # applications, battery growth.
    assert {
        ("cluster_shenzhen_hong_kong_guangzhou", "cluster_rank"),
        ("cluster_beijing", "cluster_rank"),
        ("cluster_shanghai_suzhou", "cluster_rank"),
        ("beijing", "gold_awards"),
        ("shanghai", "gold_awards"),
        ("jiangsu", "gold_awards"),
        ("zhejiang", "gold_awards"),
        ("tencent", "patent_applications"),
        ("battery_industry", "industry_growth_percent"),
    } <= asked
    generated = [q for q in bank.questions(Lang.EN) if q.key.startswith("gen.")]
    for q in generated:
        _, measure, subject, _ = q.key.split(".")
        assert (subject, measure) not in asked, q.key
    assert {q.key for q in generated} == {
        "gen.gold_awards.guangdong.count",
        "gen.gold_awards.guangdong.which",
        "gen.industry_growth_percent.ev_industry.count",
        "gen.industry_growth_percent.solar_industry.count",
    }


def test_at_least_sixty_authored_questions_cover_every_topic_in_both_languages(dataset):
    assert len(dataset.quiz) >= 60
    assert {dataset.facts[q.fact].topic for q in dataset.quiz} == set(dataset.topics)
    assert all(q.question.zh and q.options_zh and q.explanation.zh for q in dataset.quiz)
    positions = {q.correct for q in dataset.quiz}
    assert len(positions) >= 3  # the right answer is not always in the same place
