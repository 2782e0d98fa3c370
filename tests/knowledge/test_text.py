from bot.knowledge.text import (
    canonical,
    cjk_bigrams,
    has_cjk,
    latin_terms,
    normalise,
    stem,
    tokenize,
)


def test_full_width_forms_and_case_are_folded():
    assert normalise("ＨＵＩＯＮ　Ｆｏｕｎｄｅｒ？") == "huion founder?"


def test_possessive_is_dropped_for_both_apostrophes():
    assert (
        latin_terms("Tencent's patent") == latin_terms("Tencent’s patents") == ["tencent", "patent"]
    )


def test_zero_width_and_control_characters_do_not_glue_or_split_words():
    assert tokenize("hu\u200bion\x00 founder").words == ("huion", "founder")


def test_plurals_are_stemmed_but_short_and_special_words_are_kept():
    assert stem("companies") == "company"
    assert stem("golds") == "gold"
    assert stem("batches") == "batch"
    assert stem("gas") == "gas"
    assert stem("glass") == "glass"
    assert stem("bus") == "bus"


def test_synonyms_meet_on_one_term():
    assert canonical("medal") == canonical("prize") == canonical("award") == "award"
    assert canonical("province") == canonical("region")
    assert canonical("founded") == canonical("founder")


def test_cjk_runs_are_split_from_latin_words_and_bigrammed():
    tokens = tokenize("huion 创始人是谁？")
    assert tokens.words == ("huion",)
    assert tokens.cjk_runs == ("创始人是谁",)
    assert cjk_bigrams("创始人") == ["创始", "始人"]
    assert cjk_bigrams("金") == ["金"]
    assert has_cjk("广东") and not has_cjk("guangdong")


def test_stopwords_are_not_terms():
    assert latin_terms("Who is the founder of HUION?") == ["founder", "huion"]
