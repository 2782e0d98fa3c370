"""The fairness rules on their own: what counts as the same option, as an option the right one
makes true, and as a whole sentence. (The loader's refusals are in test_dataset.py.)"""

import pytest

from bot.knowledge.fairness import (
    dangling_reference,
    implied_option,
    is_whole_sentence,
    option_key,
    same_options,
)


@pytest.mark.parametrize(
    ("options", "correct", "implied"),
    [
        (["More than 37.9 billion yuan", "More than 379 billion yuan", "About 1 trillion yuan",
          "About 53.5 million yuan"], 1, 0),
        (["About 37.9 billion yuan", "More than 379 billion yuan", "About 1 trillion yuan",
          "About 53.5 million yuan"], 1, None),
        (["超过379亿元", "超过3790亿元", "约1万亿元", "约5350万元"], 1, 0),
        (["1700余件", "约170件", "超过1.7万件", "1700多件"], 0, 3),  # 余 and 多: more than
        (["30", "More than 30", "40", "50"], 0, None),  # false: exactly 30 is not more than 30
        (["30", "At least 30", "40", "50"], 0, 1),
        (["More than 30", "At least 30", "40", "50"], 0, 1),
        (["Over 1 billion yuan", "Over 1 billion US dollars", "x", "y"], 0, None),  # other unit
        (["More than 1 million", "More than 1 billion", "x", "y"], 0, None),  # larger: false
        (["18%", "More than 10 percent", "36%", "53%"], 0, 1),  # % and percent are one unit
        (["No. 4", "No. 1", "No. 6", "No. 9"], 0, None),  # ranks alone: nothing implied
        (["The top 10", "The top 20", "The top 30", "The top 50"], 0, 1),  # the old q.wipo.5
        (["The top 20", "The top 10", "x", "y"], 0, None),  # narrower than the right band
        (["In the top 10", "From 11th to 20th", "From 21st to 30th", "From 31st to 50th"], 0, None),
        (["第四", "前十名", "第二", "第六"], 0, 1),
    ],
)  # fmt: skip
def test_implied_options(options, correct, implied):
    assert implied_option(options, correct) == implied


def test_same_options_ignore_case_space_punctuation_and_width_but_not_decimals():
    assert option_key("Xu  Hefeng.") == option_key("ｘｕ ｈｅｆｅｎｇ") == "xuhefeng"
    assert same_options(["1,700", "1700"]) == (0, 1)
    assert same_options(["超过8.8万件", "超过88万件", "8.8", "88"]) is None
    assert same_options(["5G", "4G", "5 G", "Wi-Fi"]) == (0, 2)


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("Beijing ranked fourth.", True),
        ("北京排名第四。", True),
        ("他说：“小众产品同样可以成为世界级品牌。”", True),
        ('He said "we will."', True),
        ("Is it?", True),
        ("China's electric vehicle industry grew 36 percent, its battery…", False),
        ("and so on...", False),
        ("北京排名第四", False),
        ("Beijing ranked fourth", False),
    ],
)
def test_whole_sentences(text, whole):
    assert is_whole_sentence(text) is whole


@pytest.mark.parametrize(
    ("question", "dangling"),
    [
        ("According to WIPO, these regions are hotspots for what?", "these regions"),
        ('Which of these was called "globally leading"?', None),  # the options
        ("Which of these won Tencent a gold award?", None),
        ("Who spoke on behalf of this year's winners?", None),
        ("据世界知识产权组织称，这些地区是什么的热点？", "这些地区"),
        ("以下哪项曾为腾讯赢得金奖？", None),
    ],
)
def test_questions_stand_alone(question, dangling):
    assert dangling_reference(question) == dangling
