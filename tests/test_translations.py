"""Chinese content: every text has its translation, none is stale, and each keeps its meaning.

The translations are data (``data/translations_zh.csv``, ``data/glossary.csv``), held to the
data contract; the English of every row must be today's text of the evidence table or the
guidance. Each Chinese text keeps every number, unit, threshold, comparator and reference number
of its English (:func:`pnen_explorer.translations.meaning`).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import pnen_explorer
from pnen_explorer import cards, guidance, translations
from pnen_explorer.cases import TEACHING_CASES, teaching_case
from pnen_explorer.data import (
    data_dir,
    load_evidence,
    load_therapies,
    table_schema,
    validate_table,
)
from pnen_explorer.vocabulary import FIELDS, GUIDANCE_THERAPIES, OUTCOMES, TUMOUR_SITES
from tests.test_profile import profiles

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"\b[a-z]{4,}\b")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    translations.clear_cache()
    return translations.translations_table()


@pytest.fixture(scope="module")
def evidence() -> pd.DataFrame:
    return load_evidence()


def _differences(en: str, zh: str) -> dict[str, tuple[int, int]]:
    a, b = translations.meaning(en), translations.meaning(zh)
    return {k: (a.get(k, 0), b.get(k, 0)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


# --- the contract -------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["translations_zh", "glossary"])
def test_files_follow_the_contract(resource):
    frame, faults = validate_table(data_dir() / f"{resource}.csv", resource)
    assert faults == []
    assert frame is not None and len(frame) > 0


# --- meaning kept -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("en", "zh", "same"),
    [
        ("Ki-67 below 55 %", "Ki-67低于55 %", True),
        ("Ki-67 below 55 %", "Ki-67不低于55 %", False),
        ("at least 70 %", "至少70%", True),
        ("one lesion up to 5 cm", "单个病灶不超过5 cm", True),
        ("one lesion up to 5 cm", "单个病灶超过5 cm", False),
        ("22 versus 12 months", "22 vs 12个月", True),
        ("22 versus 12 months", "22与12个月", False),
        ("median follow-up 30 months", "中位随访30周", False),
        ("refs [14, 22]", "文献[14，22]", True),
        ("treated November 2010 to June 2018", "治疗时间2010年11月至2018年6月", True),
        ("7,334 patients", "７３３４例患者", True),
        ("Ki-67 of 55% or more", "Ki-67为55%及以上", True),
        ("3.2 months", "3.2个月", True),
        ("3.2 months", "32个月", False),
    ],
)
def test_meaning_compares_numbers_units_thresholds_and_comparators(en, zh, same):
    assert (translations.meaning(en) == translations.meaning(zh)) is same


def test_every_translation_keeps_the_meaning_of_its_english(table):
    wrong = {
        (row.table, row.key[:60], row.column): _differences(row.en, row.zh)
        for row in table.itertuples()
        if translations.meaning(row.en) != translations.meaning(row.zh)
    }
    assert wrong == {}


def test_glossary_terms_keep_their_numbers():
    gloss = translations.glossary()
    codes = gloss["term_en"].str.fullmatch(r"[a-z0-9_]+") & gloss["term_en"].str.contains("_")
    wrong = [
        (row.term_en, row.term_zh)
        for row in gloss[~codes].itertuples()
        if set(translations.meaning(row.term_en)) != set(translations.meaning(row.term_zh))
    ]
    assert wrong == []


def test_chinese_texts_are_chinese(table):
    """A text is left as it is only when it is made of names and abbreviations."""
    untranslated = [
        (row.table, row.key[:60], row.column)
        for row in table.itertuples()
        if not CJK.search(row.zh) and ENGLISH_WORD.search(row.en)
    ]
    assert untranslated == []


# --- nothing missing, nothing stale: the evidence -------------------------------------------------


def test_every_evidence_text_has_its_current_chinese(table, evidence):
    held = table[table["table"] == "evidence"].set_index(["key", "column"])
    expected = {
        (row["evidence_id"], column): row[column]
        for row in evidence.to_dict("records")
        for column in translations.EVIDENCE_TEXT_COLUMNS
        if isinstance(row.get(column), str) and row[column]
    }
    missing = sorted(set(expected) - set(held.index))
    extra = sorted(set(held.index) - set(expected))
    stale = sorted(k for k in set(expected) & set(held.index) if held.loc[k, "en"] != expected[k])
    assert (missing, extra, stale) == ([], [], [])
    by_id = {row["evidence_id"]: row for row in evidence.to_dict("records")}
    for (evidence_id, column), zh in held["zh"].items():
        assert translations.evidence_text(by_id[evidence_id], column, "zh") == zh


def test_evidence_text_falls_back_to_english_for_changed_rows(evidence):
    row = evidence.iloc[0].to_dict()
    assert translations.evidence_text(row, "statement", "zh") != row["statement"]
    assert translations.evidence_text(row, "statement", "en") == row["statement"]
    edited = {**row, "statement": row["statement"] + " (edited)"}
    assert translations.evidence_text(edited, "statement", "zh") == edited["statement"]
    own = {**row, "evidence_id": "user-001"}
    assert translations.evidence_text(own, "statement", "zh-CN") == row["statement"]


def test_card_lines_keep_their_figures(evidence):
    """A card's line (figure, then statement) in Chinese keeps every number of the English."""
    for row in evidence.to_dict("records"):
        english = cards._figure(row)
        assert translations.evidence_line(row, "en") == english
        chinese = translations.evidence_line(row, "zh")
        assert translations.meaning(chinese) == translations.meaning(english), row["evidence_id"]
        assert CJK.search(chinese), row["evidence_id"]


def test_export_columns_sit_beside_the_english(evidence):
    out = translations.with_chinese_columns(evidence)
    columns = list(out.columns)
    for column in translations.EVIDENCE_TEXT_COLUMNS:
        assert columns.index(f"{column}_zh") == columns.index(column) + 1
    assert list(out.drop(columns=[f"{c}_zh" for c in translations.EVIDENCE_TEXT_COLUMNS])) == list(
        evidence.columns
    )


# --- nothing missing, nothing stale: guidance, cards, cases, fields -------------------------------


def _guidance_texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for rule in guidance.RULES:
        texts.setdefault(rule.reason, "reason")
    for premises in guidance.PREMISES.values():
        for premise in premises:
            texts.setdefault(premise.text, "premise")
    for line in guidance.LINES:
        texts.setdefault(line, "line")
    return texts


def test_guidance_table_matches_todays_rules(table):
    held = table[table["table"] == "guidance"]
    assert (held["key"] == held["en"]).all()
    texts = _guidance_texts()
    assert sorted(set(texts) - set(held["en"])) == []  # missing
    assert sorted(set(held["en"]) - set(texts)) == []  # stale
    assert dict(zip(held["en"], held["column"], strict=True)) == texts


def _untranslated(frame: pd.DataFrame) -> set[str]:
    texts: set[str] = set()
    for row in frame.to_dict("records"):
        texts.update(row["reasons"])
        texts.update(row["presupposes"])
        texts.update([row["line"], row["evidence_base"], row["evidence_level"], row["verdict"]])
        texts.update(row["sites"])
        for label, status in row["criteria"].items():
            texts.update([label, status])
        for key in ("deciding", "notes"):
            if key in row:
                texts.update([row[key]] if isinstance(row[key], str) else row[key])
    return {t for t in texts if not translations.has_translation(str(t))}


def _why_faults(evidence: pd.DataFrame, profile) -> list[str]:
    """Reasons a row does not fit this profile that have no Chinese or change a number."""
    _, why = cards.fitting_mask(evidence, profile)
    texts = {str(t) for t in why if t}
    return sorted(
        t
        for t in texts
        if not translations.has_translation(t)
        or translations.meaning(t) != translations.meaning(translations.content(t))
    )


@pytest.mark.parametrize("name", list(TEACHING_CASES))
def test_teaching_cases_guidance_and_cards_are_all_translated(name, evidence):
    profile = teaching_case(name)
    frame = pnen_explorer.applicable_therapies(profile, evidence)
    card_frame = cards.therapy_cards(frame, evidence, profile)
    assert _untranslated(card_frame) == set()
    assert _why_faults(evidence, profile) == []
    ids = {i for row in card_frame["fitting_ids"] for i in row}
    by_id = evidence.set_index("evidence_id")
    for evidence_id in ids:
        row = {"evidence_id": evidence_id, **by_id.loc[evidence_id].to_dict()}
        assert translations.evidence_text(row, "statement", "zh") != row["statement"]


@pytest.mark.slow  # seconds on a quiet machine, minutes on a busy one
@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(profiles)
def test_random_profiles_guidance_is_all_translated(profile):
    frame = pnen_explorer.applicable_therapies(profile, _evidence())
    assert _untranslated(frame) == set()
    assert _why_faults(_evidence(), profile) == []
    for text in {b for b in frame["evidence_base"]}:
        assert translations.meaning(text) == translations.meaning(translations.content(text))


_EVIDENCE: list[pd.DataFrame] = []


def _evidence() -> pd.DataFrame:
    if not _EVIDENCE:
        _EVIDENCE.append(load_evidence())
    return _EVIDENCE[0]


def test_phrases_match_todays_words(table):
    from pnen_explorer.matching import _FLAGS

    phrases = table[table["table"] == "phrase"]
    designs = {w for pair in cards.DESIGN_WORDS.values() for w in pair}
    held = set(phrases.loc[phrases["column"] == "design_word", "en"])
    assert held == designs
    why_words = {w for pair in _FLAGS.values() for words in pair for w in words}
    assert set(phrases.loc[phrases["column"] == "why_word", "en"]) == why_words


def test_case_names_and_field_help_are_translated(table):
    for name in TEACHING_CASES:
        assert translations.case_name(name, "zh") != name, name
    held = table[table["table"] == "case"]
    assert sorted(held["en"]) == sorted(TEACHING_CASES)
    helped = {f.name: f.help for f in FIELDS.values() if f.help}
    fields = table[table["table"] == "field"]
    assert dict(zip(fields["key"], fields["en"], strict=True)) == helped
    for name in helped:
        assert CJK.search(translations.field_help(name, "zh")), name
    assert "I型" not in translations.liver_type_help("en")
    assert "两叶" in translations.liver_type_help("zh")


# --- the glossary -------------------------------------------------------------------------------


def test_glossary_covers_the_vocabularies():
    gloss = translations.glossary()
    terms = set(zip(gloss["kind"], gloss["term_en"], strict=True))
    needed = {("guidance_therapy", t) for t in GUIDANCE_THERAPIES}
    needed |= {("therapy", t) for t in load_therapies()["therapy"]}
    needed |= {("verdict", v) for v in guidance.VERDICTS}
    needed |= {("evidence_level", v) for v in (*cards.LEVELS, cards.NO_LEVEL)}
    needed |= {("study_design", d) for d in cards.DESIGNS}
    needed |= {("outcome", o.label) for o in OUTCOMES.values()}
    needed |= {("tumour_site", s) for s in TUMOUR_SITES}
    needed |= {("site_tag", t) for t in TUMOUR_SITES.values() if t}
    needed |= {("site_word", w) for w in cards.SITE_WORDS.values()}
    needed |= {("field_label", f.label) for f in FIELDS.values()}
    needed |= {("field_phrase", f.phrase) for f in FIELDS.values()}
    needed |= {("liver_type", f"type {t}") for t in ("I", "II", "III")}
    needed |= {("grade", g) for g in ("G1", "G2", "G3", "NET", "NEC")}
    needed |= {("criterion_status", s) for s in ("met", "not met", "unknown")}
    schema = {f["name"]: f for f in table_schema("evidence")["fields"]}
    needed |= {("unit", u) for u in schema["unit"]["constraints"]["enum"]}
    needed |= {("direction", d) for d in schema["direction"]["constraints"]["enum"]}
    assert sorted(needed - terms) == []
    assert gloss["term_zh"].str.len().gt(0).all()


def test_glossary_takes_lu2025s_own_terms():
    """A term marked lu2025 stands in the review's Chinese text; therapies reuse therapies.csv."""
    seed = data_dir().parent.parent / "shared" / "seeds" / "000_0dcb3045b10588ac.txt"
    gloss = translations.glossary()
    therapies = load_therapies().set_index("therapy")["name_zh"]
    for row in gloss[gloss["kind"] == "therapy"].itertuples():
        if therapies[row.term_en]:
            assert row.term_zh == therapies[row.term_en]
    if not seed.is_file():
        pytest.skip("the source text is not beside the repository")
    text = re.sub(r"\s+", "", seed.read_text(encoding="utf-8"))
    text = text.replace("（", "(").replace("）", ")")
    for row in gloss[gloss["source"] == "lu2025"].itertuples():
        core = re.sub(r"（[^）]*）$", "", row.term_zh).replace("（", "(").replace("）", ")")
        core = re.sub(r"\s+", "", core)
        assert core in text, row.term_zh
        assert row.where


def test_terms_and_languages():
    assert translations.term("not_recommended", "zh", "verdict") == "不推荐"
    assert translations.term("not_recommended", "en", "verdict") == "not_recommended"
    assert translations.term("sunitinib", "zh", "guidance_therapy") == "舒尼替尼"
    assert translations.content("Progression-free survival (PFS)", "zh-CN").endswith("（PFS）")
    assert translations.content("no such text", "zh") == "no such text"
    assert translations.content("unknown", "zh") == "未知"  # a criterion's status
    assert translations.term("unknown", "zh", "study_design") == "设计不明"
    assert translations.content("not met", "zh") == "不符合"
    assert translations.language("zh_Hans") == "zh"
    assert translations.language(None) == "en"


def test_texts_name_therapies_by_their_glossary_terms(table):
    """A text that names a therapy uses its glossary term (or keeps the name as written)."""
    gloss = translations.glossary()
    wrong = []
    for item in gloss[gloss["kind"].isin(["therapy", "guidance_therapy"])].itertuples():
        if len(item.term_en) < 4:
            continue
        named = re.compile(r"(?<![A-Za-z-])" + re.escape(item.term_en) + r"(?![A-Za-z])", re.I)
        for row in table.itertuples():
            kept = item.term_zh in row.zh or item.term_en.lower() in row.zh.lower()
            if named.search(row.en) and not kept:
                wrong.append((item.term_en, row.table, row.key[:50], row.column))
    assert wrong == []


DECIDING_COLUMNS = [
    "therapy",
    "verdict",
    "citations",
    "section",
    "ref_nos",
    "fitting_ids",
    "other_ids",
    "deciding_citation",
    "note_citations",
]
"""What decides a card and where it comes from: the same whatever language the page speaks."""


def _cards_in(lang: str, profile) -> pd.DataFrame:
    from pnen_explorer.i18n import speaking

    with speaking(lang):
        frame = pnen_explorer.applicable_therapies(profile, _evidence())
        return cards.therapy_cards(frame, _evidence(), profile)[DECIDING_COLUMNS]


def _same_cards(profile) -> None:
    english, chinese = _cards_in("en", profile), _cards_in("zh", profile)
    pd.testing.assert_frame_equal(english, chinese)


@pytest.mark.parametrize("name", list(TEACHING_CASES))
def test_teaching_cases_give_the_same_verdicts_and_references_in_both_languages(name):
    _same_cards(teaching_case(name))


@pytest.mark.slow
@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(profiles)
def test_random_profiles_give_the_same_verdicts_and_references_in_both_languages(profile):
    _same_cards(profile)
