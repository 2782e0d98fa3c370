"""The dataset loads, covers the contract's facts, and every kind of broken file is named
precisely: the file, the entry and the field."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import yaml

from bot.knowledge.dataset import (
    DEFAULT_DATA_DIR,
    DatasetError,
    EntityKind,
    Lang,
    Qualifier,
    load_dataset,
    summary,
)

# The facts sheet lives in the steering repo's shared/ folder, beside this checkout (or beside
# the folder of worktrees that holds it).
FACTS_SHEET = next(
    (
        found
        for parent in Path(__file__).resolve().parents[2:5]
        if (found := parent / "shared" / "sources" / "FACTS.md").exists()
    ),
    Path(__file__).resolve().parents[3] / "shared" / "sources" / "FACTS.md",
)

# Every fact id the team contract fixes, with its topic (notes/CONTRACT.md).
CONTRACT_FACTS = {
    "awards": "presenters venue date gold_count gold_split enterprise_share private_companies "
    "green_tech globally_leading china_patents",
    "tencent": "patent adoption fifth_award applications rnd",
    "huion": "patent company founder toughest_time supply_chain output niche_brand",
    "china_mobile": "patent impact international_patents",
    "sinopec": "patent booth",
    "byd": "patents applications",
    "geely": "speech pledge",
    "regions": "guangdong beijing shanghai jiangsu zhejiang cluster_match xiao_geng ding_li",
    "clusters": "china_count shenzhen_hong_kong_guangzhou beijing shanghai_suzhou hotspots",
    "wipo": "tang_green tang_quality gii_top10 green_growth",
    "history": "since_1989 categories edition_23 edition_24 edition_21",
}
CONTRACT_IDS = {
    f"{topic}.{name}": topic for topic, names in CONTRACT_FACTS.items() for name in names.split()
}
REGIONS = ("guangdong", "beijing", "shanghai", "jiangsu", "zhejiang")
COMPANIES = ("tencent", "huion", "china_mobile", "sinopec", "byd", "geely")


# -- the real data ----------------------------------------------------------------------------


def test_real_data_loads_and_summarises(dataset):
    assert len(dataset.topics) == 11
    line = summary(dataset)
    assert re.fullmatch(
        r"ok: 11 topics, \d+ entities, \d+ facts, \d+ sources, \d+ quiz questions", line
    )
    assert f"{len(dataset.facts)} facts" in line and f"{len(dataset.quiz)} quiz" in line


def test_every_contract_fact_exists_with_its_topic(dataset):
    assert len(CONTRACT_IDS) == 53
    missing = sorted(set(CONTRACT_IDS) - set(dataset.facts))
    assert not missing
    wrong = {
        i: dataset.facts[i].topic for i, t in CONTRACT_IDS.items() if dataset.facts[i].topic != t
    }
    assert not wrong


def test_every_fact_is_sourced_answered_and_cued(dataset):
    for fact in dataset.facts.values():
        assert fact.sources and all(s in dataset.sources for s in fact.sources), fact.id
        assert fact.answer.en and fact.answer.zh, fact.id
        assert fact.cues_en and fact.cues_zh, fact.id
        assert dataset.cite(fact) and dataset.cite(fact, Lang.ZH)
        for figure in fact.figures:  # a fact's numbers are about what the fact is about
            assert figure.subject in fact.about, (fact.id, figure.subject)


def test_citations_are_given_in_english_and_chinese(dataset):
    s1 = dataset.sources["S1"]
    assert (s1.cite.en, s1.cite.zh) == ("Xinhua, 19 Oct 2025", "新华社，2025年10月19日")
    assert all(source.cite.zh for source in dataset.sources.values())
    two = next(f for f in dataset.facts.values() if f.sources[:2] == ("S1", "S2"))
    assert dataset.cite(two) == "Xinhua, 19 Oct 2025; Xinhua, 16 Oct 2025"
    assert dataset.cite(two, Lang.ZH) == "新华社，2025年10月19日；新华社，2025年10月16日"
    assert (
        dataset.cite_sources(["S1", "S3", "S1"], "zh")
        == "新华社，2025年10月19日；中国日报，2025年10月15日"
    )


def test_entities_are_used_and_placed_in_their_topics(dataset):
    used = {e for fact in dataset.facts.values() for e in fact.about}
    assert set(dataset.entities) == used
    for region in REGIONS:
        assert dataset.entities[region].kind is EntityKind.PLACE
        assert dataset.entities[region].topic == "regions"
    for company in COMPANIES:
        assert dataset.entities[company].kind is EntityKind.ORGANISATION
        assert dataset.entities[company].topic == company
    for person in ("xu_hefeng", "liu_jia", "chen_yimin", "daren_tang", "xiao_geng", "ding_li"):
        assert dataset.entities[person].kind is EntityKind.PERSON
    assert "绘王" in {dataset.entities["huion"].name.zh, *dataset.entities["huion"].aliases_zh}
    assert "WIPO" in dataset.entities["wipo"].aliases_en


# What each source carries, from the tags in FACTS.md: a fact cites exactly the sources that
# carry it (S4 and S5 are groups of articles there; each fact cites the article).
SOURCE_COVERS = {
    "S1": "awards.presenters awards.venue awards.gold_count awards.enterprise_share "
    "awards.private_companies awards.globally_leading awards.china_patents tencent.* huion.* "
    "china_mobile.* geely.* regions.* clusters.*",
    "S2": "awards.venue awards.date awards.gold_count awards.gold_split awards.green_tech "
    "awards.china_patents sinopec.* byd.* wipo.tang_green",
    "S3": "awards.date clusters.china_count clusters.shenzhen_hong_kong_guangzhou clusters.beijing "
    "clusters.shanghai_suzhou wipo.tang_quality wipo.gii_top10 wipo.green_growth",
    "S4a": "history.categories",
    "S4b": "history.edition_23",
    "S4c": "history.since_1989 history.categories",
    "S4d": "history.edition_24",
    "S5a": "history.edition_21",
    "S5b": "history.edition_21",
}


def _covers(pattern: str, fact_id: str) -> bool:
    return fact_id == pattern or (pattern.endswith(".*") and fact_id.startswith(pattern[:-1]))


def test_each_fact_cites_the_sources_that_carry_it(dataset):
    assert set(dataset.sources) == set(SOURCE_COVERS)
    for fact in dataset.facts.values():
        carriers = {
            s for s, patterns in SOURCE_COVERS.items()
            if any(_covers(p, fact.id) for p in patterns.split())
        }  # fmt: skip
        assert set(fact.sources) == carriers, fact.id


def test_sources_carry_the_headlines_and_addresses_of_the_facts_sheet(dataset):
    s = dataset.sources
    assert (s["S3"].title, s["S3"].author, s["S3"].publisher, str(s["S3"].date)) == (
        "Strong IP protections drive growth",
        "Cao Yin",
        "China Daily",
        "2025-10-15",
    )
    # FACTS.md gives no headline for S2 or the Xinhua half of S5: the data says so.
    assert {i for i, source in s.items() if source.title_is_description} == {"S2", "S5a"}
    expected = {
        "S4a": ("The 23rd China Patent Award Selection Launches", "english.cnipa.gov.cn/art/2021/9/10/"),
        "S4b": ("The 23rd China Patent Award Was Released, AFD China's Clients Won Three "
                "Excellence Awards", "www.mondaq.com/china/patent/1222886/"),
        "S4c": ("Awards encourage creativity, innovation", "ipr.chinadaily.com.cn/2015-12/23/"),
        "S4d": ("WIPO And CNIPA Celebrate Chinese Innovators With Patent Awards",
                "www.mondaq.com/china/patent/1392600/"),
        "S5a": (None, "en.people.cn/n3/2020/1103/c90000-9775792.html"),
        "S5b": ("The 21st China Patent Award Was Awarded at the Opening Ceremony of the 12th "
                "China International Patent Technology and Product Fair", "www.afdip.com/"),
    }  # fmt: skip
    for source_id, (title, address) in expected.items():
        assert title is None or s[source_id].title == title, source_id
        assert address in s[source_id].url, source_id
    assert s["S5b"].date is None  # FACTS.md gives none; none is invented


def test_caps_are_the_23rd_editions_and_not_the_2025_awards(dataset):
    caps = [
        (fact, figure)
        for fact in dataset.facts.values()
        for figure in fact.figures
        if figure.measure.startswith("max_")
    ]
    assert {f.measure for _, f in caps} == {
        "max_patent_golds", "max_design_golds", "max_patent_silvers", "max_design_silvers"
    }  # fmt: skip
    for fact, figure in caps:
        assert figure.subject == "edition_23" and "S4a" in fact.sources, fact.id
        assert "awards_2025" not in fact.about, fact.id
        assert "23rd edition" in fact.answer.en and "第二十三届" in fact.answer.zh
        assert "each edition" not in fact.answer.en and "每届" not in fact.answer.zh
    # 2015 gave 20 invention and 5 design golds (S4c): the caps are not every edition's.
    categories = dataset.facts["history.categories"]
    assert "20 invention golds and 5 design golds" in categories.answer.en
    assert "S4c" in categories.sources


def test_chen_yimins_pledge_is_not_pinned_on_geely(dataset):
    pledge = dataset.facts["geely.pledge"]
    assert "Geely will" not in pledge.answer.en and "吉利将" not in pledge.answer.zh
    assert "winners" in pledge.answer.en and "获奖者" in pledge.answer.zh
    for item in dataset.quiz:
        for text in (item.question.en, item.explanation.en, *item.options_en):
            assert "Geely will" not in text and "Geely said" not in text, item.id


# The list, and "the awards" (it reads as the bare word "award", so every award or prize
# question was taken to be about the 2025 awards).
def test_a_question_about_an_edition_names_it(dataset):
    """The 23rd edition's caps are not every edition's: a question about a fact on an earlier
    edition names that edition, in both languages (q.history.2 said "one edition")."""
    editions = {e.id: e for e in dataset.entities.values() if e.id.startswith("edition_")}
    asked = 0
    for item in dataset.quiz:
        named = [editions[e] for e in dataset.facts[item.fact].about if e in editions]
        for edition in named:
            asked += 1
            en = (edition.name.en, *edition.aliases_en)
            assert any(n.casefold() in item.question.en.casefold() for n in en), item.id
            assert any(n in item.question.zh for n in (edition.name.zh, *edition.aliases_zh)), (
                item.id
            )
    assert asked >= 5


# Questions the issue found ambiguous, and what each must now say (English, Chinese).
SAYS = {
    "q.china_mobile.1": ("In 2025", "2025年"),  # its 2014 award was for 4G, an option
    "q.awards.8": ("in the Xinhua report", "新华社的报道"),  # other appliance makers may have won
    "q.wipo.5": ("Where did China rank", "排名在哪个区间"),  # bands, not "which band did it enter"
}


def test_ambiguous_questions_say_what_they_ask(dataset):
    items = {item.id: item for item in dataset.quiz}
    for item_id, (en, zh) in SAYS.items():
        assert en in items[item_id].question.en and zh in items[item_id].question.zh, item_id


REMOVED_ALIASES = ["Bay Area", "CUHK", "pen display", "pen-display", "移动", "WeChat", "微信",
                   "世界知识产权", "the awards"]  # fmt: skip


def test_over_broad_aliases_are_gone(dataset):
    removed = {a.casefold() for a in REMOVED_ALIASES}
    for entity in dataset.entities.values():
        found = removed & {a.casefold() for a in (*entity.aliases_en, *entity.aliases_zh)}
        assert not found, (entity.id, found)


def test_chinese_wording_follows_the_corrected_sheet(dataset):
    facts, entities = dataset.facts, dataset.entities
    assert "平均每天约45件" in facts["byd.applications"].answer.zh
    assert "数位屏" in facts["huion.patent"].answer.zh
    assert "中国专利局" in facts["history.since_1989"].answer.zh  # its name in 1989
    assert "提交超过1700件国际专利申请" in facts["china_mobile.international_patents"].answer.zh
    assert "深港穗" in entities["cluster_shenzhen_hong_kong_guangzhou"].aliases_zh
    assert entities["geely"].name.zh == "吉利控股集团"
    assert "专交会" in entities["patent_fair_14"].aliases_zh
    stale = ("约合每天", "笔式显示", "SIPO", "在国际上提交", "深港广")
    for text in _chinese_texts(dataset):
        assert not any(word in text for word in stale), text


def _chinese_texts(dataset):
    """Every Chinese sentence, name and citation the bot can show."""
    for topic in dataset.topics.values():
        yield from (topic.title.zh, topic.summary.zh)
    for entity in dataset.entities.values():
        yield from filter(None, [entity.name.zh])
    yield from (source.cite.zh for source in dataset.sources.values())
    yield from (fact.answer.zh for fact in dataset.facts.values())
    for item in dataset.quiz:
        yield from (item.question.zh, item.explanation.zh, *(item.options_zh or ()))


_HAN = r"[\u3400-\u9fff]"


def test_chinese_text_reads_as_chinese(dataset):
    latin_names = [  # people the sources name only in Latin letters
        e.name.en
        for e in dataset.entities.values()
        if e.kind is EntityKind.PERSON and not e.name.zh
    ]
    for text in _chinese_texts(dataset):
        assert not re.search(r"[。，；：？！、]\s", text), f"space after punctuation: {text}"
        assert not re.search(rf"{_HAN}[,;:?!()]|[,;:?!()]{_HAN}", text), f"half-width: {text}"
        for name in latin_names:  # "副总裁 Chen Yimin 代表", not "副总裁Chen Yimin代表"
            assert not re.search(rf"{_HAN}{re.escape(name)}|{re.escape(name)}{_HAN}", text), text


def test_structured_figures_match_the_sources(dataset):
    def figure(fact_id, subject, measure=None):
        return next(
            f
            for f in dataset.facts[fact_id].figures
            if f.subject == subject and (measure is None or f.measure == measure)
        )

    golds = {r: figure(f"regions.{r}", r, "gold_awards").value for r in REGIONS}
    assert golds == {"guangdong": 11, "beijing": 9, "shanghai": 3, "jiangsu": 3, "zhejiang": 3}
    assert figure("awards.gold_count", "awards_2025", "gold_awards").value == 40
    ranks = [
        figure(f"clusters.{c}", f"cluster_{c}", "cluster_rank").value
        for c in ("shenzhen_hong_kong_guangzhou", "beijing", "shanghai_suzhou")
    ]
    assert ranks == [1, 4, 6]
    tencent = figure("tencent.applications", "tencent", "patent_applications")
    assert (tencent.value, tencent.qualifier) == (88000, Qualifier.MORE_THAN)
    exports = figure("huion.output", "huion", "exports_yuan")
    assert (exports.value, exports.qualifier) == (700_000_000, Qualifier.ABOUT)


def test_numbers_in_answers_appear_in_the_facts_sheet(dataset):
    """No invented numbers: every figure written in an English answer is in FACTS.md."""
    if not FACTS_SHEET.exists():
        pytest.skip("the shared facts sheet is not beside this checkout")
    sheet = FACTS_SHEET.read_text(encoding="utf-8").replace(",", "")
    for fact in dataset.facts.values():
        for number in re.findall(r"\d[\d,.]*\d|\d", fact.answer.en):
            assert number.replace(",", "").rstrip(".") in sheet, (fact.id, number)


def test_numbers_in_quiz_answers_appear_in_the_facts_sheet(dataset):
    """The right option, the question and the explanation state no number FACTS.md lacks."""
    if not FACTS_SHEET.exists():
        pytest.skip("the shared facts sheet is not beside this checkout")
    sheet = FACTS_SHEET.read_text(encoding="utf-8").replace(",", "")
    for item in dataset.quiz:
        for text in (item.question.en, item.options_en[item.correct], item.explanation.en):
            for number in re.findall(r"\d[\d,.]*\d|\d", text):
                assert number.replace(",", "").rstrip(".") in sheet, (item.id, number)


def test_loading_is_fast():
    load_dataset(DEFAULT_DATA_DIR)
    best = min(_timed(lambda: load_dataset(DEFAULT_DATA_DIR)) for _ in range(3))
    assert best < 0.1, f"loading took {best * 1000:.0f} ms"


def _timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


# -- broken copies ------------------------------------------------------------------------------

QUESTION = {
    "id": "q.huion.1",
    "fact": "huion.founder",
    "question": {"en": "Who founded HUION?", "zh": "谁创办了绘王？"},
    "options": {
        "en": ["Xu Hefeng", "Liu Jia", "Chen Yimin", "Ding Li"],
        "zh": ["Xu Hefeng", "Liu Jia", "Chen Yimin", "Ding Li"],
    },
    "correct": 0,
    "explanation": {"en": "HUION's founder is Xu Hefeng.", "zh": "绘王的创始人是 Xu Hefeng。"},
}


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    (target / "quiz.yaml").write_text(
        yaml.safe_dump({"questions": [QUESTION]}, allow_unicode=True), encoding="utf-8"
    )
    return target


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def edit(data_dir: Path, name: str, change) -> None:
    path = data_dir / name
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    change(document)
    text = yaml.dump(document, Dumper=_YAML_DUMPER, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")


def fact(doc, fact_id="awards.presenters"):
    return next(f for f in doc["facts"] if f["id"] == fact_id)


def entity(doc, entity_id="huion"):
    return next(e for e in doc["entities"] if e["id"] == entity_id)


def question(doc):
    return doc["questions"][0]


def options(en=None, zh=None, correct=None):
    """A change to the question's options (and which one is right)."""

    def change(doc):
        q = question(doc)
        q["options"].update({k: v for k, v in (("en", en), ("zh", zh)) if v is not None})
        if correct is not None:
            q["correct"] = correct

    return change


def says(field_name, **texts):
    """A change to the question's text field ("question" or "explanation") in some languages."""
    return lambda doc: question(doc)[field_name].update(texts)


# Four options for a figure question: the right one is index 1.
RND_EN = ["More than 37.9 billion yuan", "More than 379 billion yuan", "About 1 trillion yuan",
          "About 53.5 million yuan"]  # fmt: skip
RND_ZH = ["约379亿元", "超过3790亿元", "约1万亿元", "约5350万元"]


# (case, file, change, entry, field, words in the problem)
BROKEN = [
    # facts.yaml
    ("unknown key", "facts.yaml", lambda d: fact(d).update(colour="red"),
     "awards.presenters", "colour", "unknown field (allowed: about, answer"),
    ("missing key", "facts.yaml", lambda d: fact(d).pop("sources"),
     "awards.presenters", "sources", "missing required field"),
    ("wrong type", "facts.yaml", lambda d: fact(d).update(about="cnipa"),
     "awards.presenters", "about", "expected a list of non-empty strings"),
    ("empty string", "facts.yaml", lambda d: fact(d)["answer"].update(en="  "),
     "awards.presenters", "answer.en", "non-empty string"),
    ("answer without English", "facts.yaml", lambda d: fact(d).update(answer={"zh": "只有中文"}),
     "awards.presenters", "answer.en", "missing required field"),
    ("text with unknown language", "facts.yaml", lambda d: fact(d)["answer"].update(fr="non"),
     "awards.presenters", "answer.fr", "unknown field"),
    ("non-string cue", "facts.yaml", lambda d: fact(d)["cues"].update(en=["who", 3]),
     "awards.presenters", "cues.en", "list of non-empty strings"),
    ("no sources", "facts.yaml", lambda d: fact(d).update(sources=[]),
     "awards.presenters", "sources", "at least one source"),
    ("bad answer kind", "facts.yaml", lambda d: fact(d).update(kind="colour"),
     "awards.presenters", "kind", "'colour' is not one of: number, person, organisation"),
    ("bad qualifier", "facts.yaml",
     lambda d: fact(d, "tencent.applications")["figures"][0].update(qualifier="roughly"),
     "tencent.applications", "figures[0].qualifier", "not one of: exact, more_than, about, nearly"),
    ("bool as a number", "facts.yaml",
     lambda d: fact(d, "awards.gold_count")["figures"][0].update(value=True),
     "awards.gold_count", "figures[0].value", "expected a number"),
    ("figure key missing", "facts.yaml",
     lambda d: fact(d, "awards.gold_count")["figures"][0].pop("measure"),
     "awards.gold_count", "figures[0].measure", "missing required field"),
    ("figure not a mapping", "facts.yaml",
     lambda d: fact(d, "awards.gold_count").update(figures=[40]),
     "awards.gold_count", "figures[0]", "expected a mapping"),
    ("duplicate fact id", "facts.yaml", lambda d: d["facts"].append(dict(fact(d))),
     "awards.presenters", "id", "duplicate fact id"),
    ("fact id outside its topic", "facts.yaml", lambda d: fact(d).update(topic="history"),
     "awards.presenters", "id", "starts with its topic"),
    ("dangling topic", "facts.yaml",
     lambda d: [f.update(topic="weather", id="weather.x") for f in d["facts"][:1]],
     "weather.x", "topic", "unknown topic 'weather'"),
    ("dangling entity", "facts.yaml", lambda d: fact(d).update(about=["cnipa", "nobody"]),
     "awards.presenters", "about", "unknown entity 'nobody'"),
    ("dangling source", "facts.yaml", lambda d: fact(d).update(sources=["S9"]),
     "awards.presenters", "sources", "unknown source 'S9'"),
    ("dangling figure subject", "facts.yaml",
     lambda d: fact(d, "awards.gold_count")["figures"][0].update(subject="mars"),
     "awards.gold_count", "figures[0].subject", "unknown entity 'mars'"),
    # entities.yaml
    ("non-string alias", "entities.yaml", lambda d: entity(d).update(aliases={"en": [5]}),
     "huion", "aliases.en", "list of non-empty strings"),
    ("aliases in an unknown language", "entities.yaml",
     lambda d: entity(d).update(aliases={"de": ["Huion"]}),
     "huion", "aliases", "'en' and/or 'zh'"),
    ("bad entity kind", "entities.yaml", lambda d: entity(d).update(kind="company"),
     "huion", "kind", "'company' is not one of: organisation, person, place"),
    ("entity id not snake_case", "entities.yaml", lambda d: entity(d).update(id="Huion-Ltd"),
     "Huion-Ltd", "id", "snake_case"),
    ("duplicate entity id", "entities.yaml", lambda d: d["entities"].append(dict(entity(d))),
     "huion", "id", "duplicate entity id"),
    ("dangling entity topic", "entities.yaml", lambda d: entity(d).update(topic="tablets"),
     "huion", "topic", "unknown topic 'tablets'"),
    ("entry not a mapping", "entities.yaml", lambda d: d["entities"].insert(0, "huion"),
     "#1", None, "expected a mapping, got str"),
    # topics.yaml and sources.yaml
    ("duplicate topic id", "topics.yaml", lambda d: d["topics"].append(dict(d["topics"][0])),
     "awards", "id", "duplicate topic id"),
    ("topic title not a mapping", "topics.yaml", lambda d: d["topics"][0].update(title="Awards"),
     "awards", "title", "expected a mapping with 'en'"),
    ("bad date", "sources.yaml", lambda d: d["sources"][0].update(date="yesterday"),
     "S1", "date", "expected a date YYYY-MM-DD"),
    ("impossible date", "sources.yaml", lambda d: d["sources"][0].update(date="2025-02-30"),
     "S1", "date", "expected a date"),
    ("number as a date", "sources.yaml", lambda d: d["sources"][0].update(date=2025),
     "S1", "date", "expected a date"),
    ("citation without Chinese", "sources.yaml",
     lambda d: d["sources"][0].update(cite={"en": "Xinhua, 19 Oct 2025"}),
     "S1", "cite.zh", "shown in both languages"),
    ("citation as a plain string", "sources.yaml",
     lambda d: d["sources"][0].update(cite="Xinhua, 19 Oct 2025"),
     "S1", "cite", "expected a mapping with 'en'"),
    ("bad url", "sources.yaml", lambda d: d["sources"][0].update(url="en.people.cn/n3"),
     "S1", "url", "http(s) URL"),
    # quiz.yaml
    ("one option", "quiz.yaml", options(["Xu Hefeng"], ["x"]),
     "q.huion.1", "options.en", "exactly 4 options, got 1"),
    ("three options", "quiz.yaml", options(["Xu Hefeng", "Liu Jia", "Ding Li"], ["a", "b", "c"]),
     "q.huion.1", "options.en", "exactly 4 options, got 3"),
    ("five options", "quiz.yaml", options(list("abcde")),
     "q.huion.1", "options.en", "exactly 4 options, got 5"),
    ("languages disagree", "quiz.yaml", lambda d: question(d)["options"]["zh"].pop(),
     "q.huion.1", "options.zh", "has 3 options, 'en' has 4"),
    ("same option twice", "quiz.yaml", options(["Xu Hefeng", "Xu Hefeng", "Liu Jia", "Ding Li"]),
     "q.huion.1", "options.en", "two options are the same"),
    ("same option but for case, space and punctuation", "quiz.yaml",
     options(["Xu Hefeng", "Liu Jia", "xu  hefeng.", "Ding Li"]),
     "q.huion.1", "options.en", "two options are the same (ignoring case, spaces and punctuation)"),
    ("same Chinese option but for full-width letters", "quiz.yaml",
     options(zh=["Xu Hefeng", "Liu Jia", "Chen Yimin", "Ｘｕ　Ｈｅｆｅｎｇ"]),
     "q.huion.1", "options.zh", "two options are the same"),
    ("same number but for its thousands comma", "quiz.yaml",
     options(["1,700", "1700", "170", "17,000"], correct=0),
     "q.huion.1", "options.en", "two options are the same"),
    ("more than beside a larger more than", "quiz.yaml", options(RND_EN, RND_ZH, correct=1),
     "q.huion.1", "options.en",
     "'More than 37.9 billion yuan' is true as well: the correct 'More than 379 billion yuan'"),
    ("over beside a larger over", "quiz.yaml",
     options(["Over 170", "Over 1,700", "Over 17,000", "About 88,000"], correct=1),
     "q.huion.1", "options.en", "'Over 170' is true as well"),
    ("at least beside an exact number", "quiz.yaml",
     options(["30", "At least 30", "40", "50"], correct=0),
     "q.huion.1", "options.en", "'At least 30' is true as well"),
    ("more than below an about", "quiz.yaml",
     options(["About 700 million yuan", "More than 100 million yuan", "About 7 billion yuan",
              "About 70 million yuan"], correct=0),
     "q.huion.1", "options.en", "'More than 100 million yuan' is true as well"),
    ("超过 beside a larger 超过", "quiz.yaml",
     options(zh=["超过1万个", "超过10万个", "超过100万个", "约1亿个"], correct=2),
     "q.huion.1", "options.zh", "'超过1万个' is true as well: the correct '超过100万个'"),
    ("逾 beside a larger 逾", "quiz.yaml",
     options(zh=["逾170件", "逾1700件", "约1.7万件", "约8.8万件"], correct=1),
     "q.huion.1", "options.zh", "'逾170件' is true as well"),
    ("以上 beside a larger number", "quiz.yaml",
     options(zh=["8.8万件以上", "约880件", "超过8.8万件", "约88万件"], correct=2),
     "q.huion.1", "options.zh", "'8.8万件以上' is true as well"),
    ("top band beside a narrower one", "quiz.yaml",
     options(["The top 10", "The top 20", "The top 30", "The top 50"], correct=0),
     "q.huion.1", "options.en", "'The top 20' is true as well: the correct 'The top 10'"),
    ("前N beside a narrower one", "quiz.yaml",
     options(zh=["前二十", "前十", "第11至20名", "第21至30名"], correct=1),
     "q.huion.1", "options.zh", "'前二十' is true as well"),
    ("top band beside a rank", "quiz.yaml", options(["2nd", "4th", "Top 10", "6th"], correct=1),
     "q.huion.1", "options.en", "'Top 10' is true as well"),
    ("these regions", "quiz.yaml",
     says("question", en="According to WIPO, these regions lead in what?"),
     "q.huion.1", "question.en", "'these regions' refers to nothing"),
    ("这些地区", "quiz.yaml",
     says("question", zh="据世界知识产权组织称，这些地区是什么的热点？"),
     "q.huion.1", "question.zh", "'这些地区' refers to nothing"),
    ("correct out of range", "quiz.yaml", lambda d: question(d).update(correct=4),
     "q.huion.1", "correct", "option index 0..3, got 4"),
    ("correct as a bool", "quiz.yaml", lambda d: question(d).update(correct=False),
     "q.huion.1", "correct", "option index"),
    ("question too long", "quiz.yaml", says("question", zh="问" * 256),
     "q.huion.1", "question.zh", "256 characters, longer than 255"),
    ("option too long", "quiz.yaml", lambda d: question(d)["options"]["en"].__setitem__(2, "x" * 101),
     "q.huion.1", "options.en", "longer than 100"),
    ("explanation too long", "quiz.yaml", says("explanation", en="x" * 201),
     "q.huion.1", "explanation.en", "longer than 200"),
    ("explanation cut off", "quiz.yaml",
     says("explanation", en="HUION's founder, Xu Hefeng, said that a niche…"),
     "q.huion.1", "explanation.en", "not a whole sentence"),
    ("explanation without a full stop", "quiz.yaml",
     says("explanation", zh="绘王的创始人是 Xu Hefeng"),
     "q.huion.1", "explanation.zh", "not a whole sentence"),
    ("explanation with 3 line feeds", "quiz.yaml",
     says("explanation", en="a\nb\nc\nd."),
     "q.huion.1", "explanation.en", "more than 2 line feeds"),
    ("dangling quiz fact", "quiz.yaml", lambda d: question(d).update(fact="huion.cats"),
     "q.huion.1", "fact", "unknown fact 'huion.cats'"),
    ("quiz id format", "quiz.yaml", lambda d: question(d).update(id="huion-1"),
     "huion-1", "id", "'q.<topic>.<number>'"),
    ("quiz id in another topic", "quiz.yaml", lambda d: question(d).update(id="q.awards.1"),
     "q.awards.1", "id", "expected 'q.huion.<number>'"),
    ("duplicate question id", "quiz.yaml", lambda d: d["questions"].append(dict(question(d))),
     "q.huion.1", "id", "duplicate question id"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "file", "change", "entry", "field", "problem"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_broken_file_names_file_entry_and_field(
    data_copy, case, file, change, entry, field, problem
):
    edit(data_copy, file, change)
    with pytest.raises(DatasetError) as caught:
        load_dataset(data_copy)
    error = caught.value
    assert (error.file, error.entry, error.field) == (file, entry, field)
    assert problem in error.problem
    message = str(error)
    assert message.startswith(f"{file}, entry {entry!r}")
    assert field is None or f"field {field!r}" in message


def write(data_dir: Path, name: str, text: str) -> None:
    (data_dir / name).write_text(text, encoding="utf-8")


def test_yaml_syntax_error_names_file_and_line(data_copy):
    write(data_copy, "topics.yaml", "topics:\n  - id: a\n    title: x: y\n")
    with pytest.raises(DatasetError, match=r"^topics\.yaml: YAML syntax error at line 3, column"):
        load_dataset(data_copy)


def test_unreadable_value_names_entry_field_and_line(data_copy):
    text = (DEFAULT_DATA_DIR / "sources.yaml").read_text(encoding="utf-8")
    write(data_copy, "sources.yaml", text.replace("date: 2025-10-19", "date: 2025-02-30", 1))
    with pytest.raises(DatasetError) as caught:
        load_dataset(data_copy)
    assert (caught.value.entry, caught.value.field) == ("S1", "date")
    assert re.search(r"cannot read '2025-02-30'.* at line \d+", caught.value.problem)


def test_repeated_key_is_an_error_not_silently_dropped(data_copy):
    text = (DEFAULT_DATA_DIR / "sources.yaml").read_text(encoding="utf-8")
    write(
        data_copy, "sources.yaml", text.replace("    author: Yuan Quan\n", "    title: Again\n", 1)
    )
    with pytest.raises(DatasetError) as caught:
        load_dataset(data_copy)
    assert (caught.value.file, caught.value.entry, caught.value.field) == (
        "sources.yaml",
        "S1",
        "title",
    )
    assert re.search(r"duplicate key 'title' at line \d+", caught.value.problem)


def test_missing_file_and_wrong_top_level_are_named(data_copy):
    for text in ("things: []\n", "- id: S1\n", "", "sources: []\nmore: []\n"):
        write(data_copy, "sources.yaml", text)
        with pytest.raises(
            DatasetError, match=r"^sources\.yaml: expected one top-level key 'sources'"
        ):
            load_dataset(data_copy)
    write(data_copy, "sources.yaml", "sources: {S1: Xinhua}\n")
    with pytest.raises(DatasetError, match=r"^sources\.yaml, field 'sources': expected a list"):
        load_dataset(data_copy)
    (data_copy / "sources.yaml").unlink()
    with pytest.raises(DatasetError, match=r"^sources\.yaml: file not found"):
        load_dataset(data_copy)
    with pytest.raises(DatasetError, match="data directory not found"):
        load_dataset(data_copy / "nowhere")


def test_quiz_file_is_optional_and_validated_when_present(data_copy):
    assert [q.id for q in load_dataset(data_copy).quiz] == ["q.huion.1"]
    (data_copy / "quiz.yaml").unlink()
    assert load_dataset(data_copy).quiz == ()
