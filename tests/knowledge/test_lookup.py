"""The lookup's understanding (entity, attribute, years, subject) and the data of each reply kind,
follow-ups included. The sentences are tested in test_wording.py, the whole set in
test_questions.py."""

import pytest

from bot.knowledge.dataset import Attribute as A
from bot.knowledge.lookup import Context, Gap, ReplyKind


@pytest.mark.parametrize(
    ("question", "entity", "attribute"),
    [
        ("In what year did HUION start?", "huion", A.DATE),
        ("Who founded HUION?", "huion", A.PERSON),
        ("Where does Xiao Geng work?", "xiao_geng", A.ORGANISATION),
        ("How many golds did Beijing win?", "beijing", A.NUMBER),
        ("What was Huawei's winning patent?", "huawei", A.AWARD),
        ("Did Huawei win?", "huawei", A.WINNER),
        ("what did daren tang say at the fair opening", "daren_tang", A.QUOTE),
        ("where did the beijing cluster rank", "cluster_beijing", A.RANK),
        ("why is overseas talent returning to the greater bay area", "greater_bay_area", A.REASON),
        ("绘王是哪一年成立的？", "huion", A.DATE),
        ("华为获奖的是哪个专利", "huawei", A.AWARD),
        ("肖耿的观点", "xiao_geng", A.QUOTE),
        ("深圳一共拿了几个金奖", "shenzhen", A.NUMBER),
    ],
)
def test_the_subject_and_the_attribute_asked_for_are_understood(
    lookup, question, entity, attribute
):
    understood = lookup.understand(question)
    assert understood.entity == entity
    assert attribute in understood.attributes


def test_a_count_is_asked_for_not_who_won_nor_what(lookup):
    assert lookup.understand("How many gold awards did Beijing win?").attributes == (A.NUMBER,)
    assert lookup.understand("What did HUION win gold for?").attributes == (A.AWARD,)


def test_a_person_is_the_subject_before_the_place_they_spoke_at(lookup):
    understood = lookup.understand(
        "What did Daren Tang say at the 14th China International Patent Fair?"
    )
    assert understood.entity == "daren_tang"
    assert "patent_fair_14" in understood.entities


def test_years_and_editions_are_read(lookup):
    assert lookup.understand("How many silvers were there this year?").years == (2025,)
    assert lookup.understand("2024年一共有多少项金奖").years == (2024,)
    numbered = lookup.understand("第23届外观设计优秀奖多少个")
    assert numbered.editions == (23,) and "edition_23" in numbered.entities


@pytest.mark.parametrize(
    ("typed", "entity"),
    [
        ("比亚滴获得了什么奖", "byd"),
        ("腾迅的专利是什么", "tencent"),
        ("绘玉的创始人是谁", "huion"),
        ("广洞获得了多少金奖", "guangdong"),
    ],
)
def test_a_chinese_name_with_a_character_that_sounds_or_looks_alike_is_read(lookup, typed, entity):
    assert lookup.understand(typed).entity == entity


def test_a_common_word_is_not_read_as_a_name_by_its_shape(lookup):
    # 奖金 (prize money) looks like 资金 (funds, a cue word of Tencent's R&D): not the same word.
    assert lookup.answer("金奖奖金有多少").kind is ReplyKind.NOT_IN_SOURCES
    assert lookup.answer("金奖奖金有多少").facts == ()


@pytest.mark.parametrize(
    "question",
    [
        "Who got the Oscar for best picture in 2025?",
        "Olympic gold medals of China",
        "how do I file a patent",
        "Tencent stock price",
        "中国移动话费怎么查",
        "比亚迪汽车多少钱一辆",
    ],
)
def test_other_subjects_that_share_words_with_the_awards_are_off_topic(lookup, question):
    answer = lookup.answer(question)
    assert answer.kind is ReplyKind.OFF_TOPIC and not answer.found
    assert answer.facts == () and 1 <= len(answer.suggestions) <= 3
    assert answer.context is None


def test_the_answer_is_a_fact_about_the_entity_that_gives_the_attribute(lookup, dataset):
    answer = lookup.answer("In what year did HUION start?")
    assert answer.kind is ReplyKind.ANSWER and answer.found
    assert answer.facts == ("huion.company",)
    assert answer.entity == "huion" and answer.attributes == (A.DATE,)
    assert answer.citations == dataset.facts["huion.company"].sources


def test_a_named_winner_whose_patent_the_sources_do_not_give(lookup):
    answer = lookup.answer("What was Huawei's winning patent?")
    assert answer.kind is ReplyKind.NOT_IN_SOURCES and not answer.found
    assert answer.gap is Gap.ATTRIBUTE and answer.entity == "huawei"
    assert answer.named == ("huawei",)  # named among the winners
    assert answer.facts[0] == "awards.private_companies"  # what the sources do say


def test_a_company_the_sources_do_not_name_among_the_winners(lookup):
    answer = lookup.answer("Did Xiaomi win a gold?")
    assert answer.kind is ReplyKind.NOT_IN_SOURCES and answer.gap is Gap.WINNERS
    assert answer.asked_name == "Xiaomi"
    assert {"tencent", "huion", "china_mobile", "sinopec", "byd", "huawei", "gree"} == set(
        answer.named
    )
    assert "geely" not in answer.named  # Geely's vice president spoke; it is not said to have won


def test_a_figure_given_only_for_an_earlier_edition_is_labelled(lookup, dataset):
    answer = lookup.answer("How many silvers were there this year?")
    assert answer.kind is ReplyKind.NOT_IN_SOURCES and answer.gap is Gap.OTHER_EDITION
    assert answer.asked_year == 2025
    assert dataset.facts[answer.facts[0]].edition == 23
    asked = lookup.answer("how many excellence awards in 2022")
    assert asked.found and dataset.facts[asked.facts[0]].edition == 23


def test_an_edition_the_sources_do_not_cover(lookup):
    answer = lookup.answer("how many golds did the 22nd edition give")
    assert answer.gap is Gap.OTHER_EDITION and answer.asked_edition == 22


# -- follow-ups --------------------------------------------------------------------------------

HUION = Context("huion", (A.PERSON, A.ORGANISATION))


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("When was it founded?", "huion.company"),
        ("它的创始人是谁？", "huion.founder"),
        ("where is it based?", "huion.company"),
        ("what are its exports?", "huion.output"),
    ],
)
def test_a_follow_up_without_a_subject_is_about_the_previous_one(lookup, question, fact):
    answer = lookup.answer(question, context=HUION)
    assert answer.found and answer.facts[0] == fact
    assert answer.entity == "huion"


def test_and_x_asks_the_previous_question_about_x(lookup):
    beijing = lookup.answer("How many gold awards did Beijing win?")
    answer = lookup.answer("And BYD?", context=beijing.context)
    assert answer.found and answer.facts[0] == "byd.patents"
    founder = lookup.answer("Who founded HUION?")
    missing = lookup.answer("And BYD?", context=founder.context)
    assert missing.kind is ReplyKind.NOT_IN_SOURCES and missing.entity == "byd"


def test_a_question_naming_its_own_subject_ignores_the_context(lookup):
    answer = lookup.answer("Who founded BYD?", context=HUION)
    assert answer.entity == "byd" and "huion.founder" not in answer.facts
    standalone = lookup.answer("Who spoke for the winners at the ceremony?", context=HUION)
    assert standalone.facts[0] == "geely.speech"


def test_an_off_topic_question_stays_off_topic_after_a_good_one(lookup):
    assert lookup.answer("What is the capital of France?", context=HUION).kind is (
        ReplyKind.OFF_TOPIC
    )


def test_without_context_a_pronoun_question_is_not_about_huion(lookup):
    assert "huion.company" not in lookup.answer("When was it founded?").facts


def test_an_answer_must_carry_what_the_question_is_about(lookup):
    # A fact that shares one word ("fast", "growth") carries little of the question.
    speed = lookup.understand("How fast is 5G compared with 4G?")
    assert lookup.covers(speed, ("wipo.green_growth",)) < 0.4
    founder = lookup.understand("Who founded HUION?")
    assert lookup.covers(founder, ("huion.founder",)) == 1.0
    for question in (
        "How fast is 5G compared with 4G?",
        "What is the average lifespan of a lithium battery?",
        "what is china's inflation rate",
    ):
        assert lookup.answer(question).kind is ReplyKind.OFF_TOPIC, question


def test_a_named_company_must_be_in_the_answering_fact(lookup):
    reply = lookup.answer("How many base stations does Sinopec run?")
    assert reply.kind is ReplyKind.NOT_IN_SOURCES and reply.entity == "sinopec"


def test_a_duration_is_never_answered(lookup):
    assert lookup.understand("How long did the ceremony last?").asks_duration
    assert not lookup.understand("How long has HUION existed?").asks_duration
    assert lookup.answer("How long did the award ceremony last?").kind is ReplyKind.NOT_IN_SOURCES
    assert lookup.answer("How long does a utility model patent last?").kind is ReplyKind.OFF_TOPIC


@pytest.mark.parametrize(
    ("question", "in_role"),
    [
        ("Who founded Geely?", True),  # the data gives a company's founder (HUION's)
        ("How many staff work at Sinopec?", True),  # a company's figures
        ("腾讯会议怎么共享屏幕", False),  # how to use an app
        ("Is 5G radiation harmful to health?", False),  # a known word, another subject
        ("上海有多少家医院", False),  # a place's hospitals: no fact about it speaks of them
    ],
)
def test_a_known_name_in_the_role_the_data_knows_it(lookup, question, in_role):
    assert lookup.in_role(lookup.understand(question)) is in_role


@pytest.mark.parametrize(
    "question",
    [
        "Should I buy a Geely or a BYD?",  # advice
        "绘王的笔怎么换笔芯",  # how to
        "Who won the Lasker Award this year?",  # another award, by a word the data lacks
        "2024年茅盾文学奖是谁获得的",
        "How many universities are in Beijing?",  # a place, out of the awards' context
    ],
)
def test_a_known_name_in_another_role_is_declined_not_answered(lookup, question):
    assert lookup.answer(question).kind is ReplyKind.OFF_TOPIC


def test_an_amount_of_money_is_answered_only_by_money(lookup):
    assert lookup.answer("how much money do gold winners receive").kind is (
        ReplyKind.NOT_IN_SOURCES
    )
    assert lookup.answer("How much did HUION earn from exports?").facts[0] == "huion.output"


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Did Xiaomi win a gold?", "Xiaomi"),
        ("was catl among the winners", "Catl"),  # as it will be shown
        # A participle in the subject's place is part of the verb; a source is no company.
        ("Which maker is named among the awardees in the Xinhua report?", None),
        ("Was it listed among the winners, says China Daily?", None),
    ],
)
def test_a_name_the_data_does_not_know_is_read_only_where_a_name_stands(lookup, question, name):
    assert lookup.understand(question).unknown_name == name
