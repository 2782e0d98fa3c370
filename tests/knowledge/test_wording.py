"""The sentences of each kind of reply, in English and in Chinese typesetting."""

import pytest

from bot.knowledge.wording import compose, ordinal, zh_number, zh_typeset


def reply(lookup, dataset, question, context=None):
    return compose(lookup.answer(question, context=context), dataset)


def test_an_answer_is_its_facts_then_the_source(lookup, dataset):
    out = reply(lookup, dataset, "Who founded HUION?")
    assert out.body == "HUION's founder is Xu Hefeng."
    assert out.source == "Source: Xinhua, 19 Oct 2025"
    assert out.plain() == f"{out.body}\n{out.source}"


def test_a_chinese_answer_cites_its_sources_in_chinese(lookup, dataset):
    out = reply(lookup, dataset, "颁奖在哪里举行？")
    assert "大连" in out.body
    assert out.source == "来源：新华社，2025年10月19日；新华社，2025年10月16日"


def test_a_named_winner_without_its_patent(lookup, dataset):
    en = reply(lookup, dataset, "What was Huawei's winning patent?")
    assert en.body.startswith(
        "The sources name Huawei among the winners but do not say which of its patents won."
    )
    assert "tech giants such as Huawei" in en.body  # what they do say
    zh = reply(lookup, dataset, "华为获奖的专利是什么？")
    assert zh.body.startswith("资料提到华为是获奖者之一，但没有说明它的哪项专利获奖。")


def test_a_company_not_among_the_named_winners_gets_the_list(lookup, dataset):
    en = reply(lookup, dataset, "Did Xiaomi win a gold?")
    assert en.body.startswith("Xiaomi is not among the winners named in the sources.")
    assert "The winners they name are: Tencent, HUION, China Mobile" in en.body
    assert en.body.endswith(" and Gree.")
    zh = reply(lookup, dataset, "小米获得金奖了吗")
    assert zh.body.startswith("资料提到的获奖者中没有小米。资料提到的获奖者有：腾讯、绘王、")
    assert zh.body.endswith("华为和格力。")
    assert zh.source.startswith("来源：新华社")


def test_figures_of_an_earlier_edition_are_labelled_with_edition_and_year(lookup, dataset):
    en = reply(lookup, dataset, "How many silvers were there this year?")
    assert en.body.startswith("The sources give no silver award figures for the 2025 awards.")
    assert "What they give for the 23rd edition (2022): " in en.body
    plain = reply(lookup, dataset, "How many silver awards were given?")
    assert plain.body.startswith(
        "The sources give silver award figures only for the 23rd edition (2022): "
    )
    zh = reply(lookup, dataset, "今年有多少项银奖")
    assert "第二十三届（2022年）" in zh.body


def test_off_topic_offers_topics(lookup, dataset):
    en = reply(lookup, dataset, "What is the capital of France?")
    assert en.body.startswith("Sorry, I don't know that") and en.source is None
    zh = reply(lookup, dataset, "今天天气怎么样")
    assert zh.body.startswith("这个问题超出了我的范围") and "、" in zh.body


@pytest.mark.parametrize(
    ("raw", "typeset"),
    [
        (
            "吉利控股集团副总裁Chen Yimin代表本届获奖者发言。",
            "吉利控股集团副总裁 Chen Yimin 代表本届获奖者发言。",
        ),
        ("绘王的创始人是Xu Hefeng。", "绘王的创始人是 Xu Hefeng。"),
        ("此前QQ、腾讯会议和微信红包", "此前QQ、腾讯会议和微信红包"),  # an acronym stays tight
        ("5G核心技术。 它", "5G核心技术。它"),
    ],
)
def test_chinese_typesetting(raw, typeset):
    assert zh_typeset(raw) == typeset


def test_edition_numbers_in_english_and_chinese():
    assert [ordinal(n) for n in (1, 2, 3, 11, 21, 22, 23, 24)] == [
        "1st", "2nd", "3rd", "11th", "21st", "22nd", "23rd", "24th"
    ]  # fmt: skip
    assert [zh_number(n) for n in (3, 10, 14, 21, 23, 40)] == [
        "三",
        "十",
        "十四",
        "二十一",
        "二十三",
        "四十",
    ]
