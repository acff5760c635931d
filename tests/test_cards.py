"""Therapy cards: each card's rows are exactly what the Evidence tab shows for it and fit the
patient, verdicts follow progression and line of therapy where the reviews tie them, reasons
quote no figure, and the evidence base is what the rows' designs say."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from pnen_explorer.cards import (
    CARD_ORDER,
    DESIGN_LEVEL,
    DESIGN_WORDS,
    LEVELS,
    NO_LEVEL,
    STATEMENT,
    evidence_base,
    harm_mask,
    therapy_cards,
    therapy_label,
)
from pnen_explorer.cases import TEACHING_CASES, teaching_case
from pnen_explorer.data import load_references
from pnen_explorer.guidance import (
    ABLATION_FEW,
    ABLATION_FEW_MAX_CM,
    ABLATION_SINGLE_MAX_CM,
    DEBULKING_MIN_PCT,
    G3_KI67_CUTOFF,
    LINE_OF_THERAPY,
    LINES,
    RFA_BEST_KI67_BELOW,
    SSA_KI67_BELOW,
    TRANSPLANT_AGE_BELOW,
    TRANSPLANT_KI67_BELOW,
    TRANSPLANT_LIVER_PCT_BELOW,
    TRANSPLANT_STABLE_MONTHS,
    applicable_therapies,
)
from pnen_explorer.matching import match_evidence
from pnen_explorer.profile import KI67_G1_BELOW, KI67_G2_MAX, Profile
from pnen_explorer.session import Session
from pnen_explorer.views.cards import card_html, link_text
from pnen_explorer.vocabulary import GUIDANCE_THERAPIES
from tests.test_profile import profiles

RESECTABLE_G2 = "G2 NET, type I, resectable (section 1.1)"
THREE_CASES = (RESECTABLE_G2, "G3 NET, Ki-67 30 % (3.1, 3.4)", "NEC, Ki-67 70 % (3.1)")

_SESSION: dict[str, Session] = {}


def shared_session() -> Session:
    """One session for the whole module: loading the curated tables once keeps it quick."""
    if "s" not in _SESSION:
        _SESSION["s"] = Session()
    return _SESSION["s"]


def check_cards_against_the_evidence_tab(session: Session) -> None:
    """Every card's count is the Evidence tab's rows for its therapy, and every id fits."""
    guidance = session.guidance.set_index("therapy")
    matched = match_evidence(session.in_scope, session.profile).set_index("evidence_id")
    session.show_excluded = False
    for therapy in GUIDANCE_THERAPIES:
        session.therapy = therapy
        shown = list(session.evidence_rows["evidence_id"])
        fitting = guidance.loc[therapy, "fitting_ids"]
        assert sorted(shown) == sorted(fitting), therapy
        assert len(shown) == len(set(shown))
        assert (matched.loc[list(fitting), "match"] != "excluded").all(), therapy
        others = list(guidance.loc[therapy, "other_ids"])
        assert (matched.loc[others, "match"] == "excluded").all(), therapy
        assert set(fitting) | set(others) == set(guidance.loc[therapy, "evidence_ids"])
    session.therapy = ""


@pytest.mark.parametrize("beyond_review", [False, True])
@pytest.mark.parametrize("case", list(TEACHING_CASES))
def test_teaching_case_cards_count_what_the_evidence_tab_shows(case, beyond_review):
    session = shared_session()
    session.beyond_review = beyond_review
    session.apply_case(case)
    check_cards_against_the_evidence_tab(session)
    session.beyond_review = False


@pytest.mark.slow  # 200 profiles through guidance and matching: tens of seconds
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(profiles)
def test_any_profile_cards_count_what_the_evidence_tab_shows(profile):
    session = shared_session()
    session.profile = profile
    check_cards_against_the_evidence_tab(session)


def test_open_evidence_shows_exactly_the_card_rows_in_one_action():
    session = Session.teaching(RESECTABLE_G2)
    session.show_excluded = True
    before = session.revision
    session.open_evidence("prrt")
    assert session.revision == before + 1
    assert session.tab == "evidence" and not session.show_excluded
    card = session.guidance.set_index("therapy").loc["prrt"]
    assert sorted(session.evidence_rows["evidence_id"]) == sorted(card["fitting_ids"])
    assert session.therapy_counts()["prrt"] == len(card["fitting_ids"])


def test_the_therapy_filter_takes_guidance_names_only():
    session = Session()
    with pytest.raises(Exception, match="no guidance therapy"):
        session.therapy = "177Lu-DOTATATE PRRT"
    session.therapy = "prrt"  # the family: every PRRT variant
    assert set(session.evidence_rows["therapy"]) > {"177Lu-DOTATATE PRRT"}
    assert session.therapies == list(GUIDANCE_THERAPIES)


# --- verdicts: progression and line of therapy (lu2025 3.2) -------------------------------------


def verdicts(profile: Profile) -> dict[str, str]:
    guidance = Session(profile=profile).guidance
    return dict(zip(guidance["therapy"], guidance["verdict"].astype(str), strict=True))


def test_resectable_g2_case_with_unknown_progression_recommends_no_targeted_drug():
    """lu2025 3.2 [18, 20, 39]: everolimus and sunitinib are for *progressive* G1/G2 pNET."""
    profile = teaching_case(RESECTABLE_G2)
    assert profile.progressive is None
    found = verdicts(profile)
    assert found["everolimus"] == "consider" and found["sunitinib"] == "consider"
    assert found["prrt"] == "consider"  # xue2025 abstract: approved for progressive disease
    assert list(found.values()).count("recommended") <= 4


def test_progression_after_first_line_chemotherapy_recommends_the_targeted_drugs():
    """lu2025 3.2 [18, 20, 39]: both drugs for progressive G1/G2 pNET; everolimus also after
    chemotherapy."""
    profile = Profile.from_mapping(
        {**TEACHING_CASES[RESECTABLE_G2], "progressive": "yes", "prior_therapies": "captem"}
    )
    found = verdicts(profile)
    assert found["everolimus"] == "recommended" and found["sunitinib"] == "recommended"
    reasons = Session(profile=profile).guidance.set_index("therapy").loc["everolimus", "reasons"]
    assert "after chemotherapy" in reasons[0]


def test_the_teaching_case_of_section_3_2_is_progressive_after_chemotherapy():
    profile = teaching_case("G2 NET progressing after CAPTEM (3.2)")
    assert profile.progressive is True and profile.prior_therapies == ("captem",)
    assert verdicts(profile)["everolimus"] == "recommended"


def test_teaching_cases_state_progression_only_where_the_review_implies_it():
    stated = {n: c["progressive"] for n, c in TEACHING_CASES.items()}
    assert set(stated.values()) <= {"", "yes", "no"}
    assert stated["Transplant candidate (1.4)"] == "no"  # stable on treatment (1.4 [11])
    assert stated["G2 NET progressing after CAPTEM (3.2)"] == "yes"
    assert sum(v == "" for v in stated.values()) == len(stated) - 2


# --- no figure as an argument -------------------------------------------------------------------

THRESHOLDS = {
    *ABLATION_FEW,
    ABLATION_FEW_MAX_CM,
    ABLATION_SINGLE_MAX_CM,
    DEBULKING_MIN_PCT,
    G3_KI67_CUTOFF,
    RFA_BEST_KI67_BELOW,
    SSA_KI67_BELOW,
    TRANSPLANT_AGE_BELOW,
    TRANSPLANT_KI67_BELOW,
    TRANSPLANT_LIVER_PCT_BELOW,
    TRANSPLANT_STABLE_MONTHS,
    KI67_G1_BELOW,
    KI67_G2_MAX,
}
"""Numbers a reason may name: the selection thresholds the rules apply, never a result."""
FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:-\s*\d+(?:\.\d+)?\s*)?(%|months?|mg|patients)")


def quoted_figures(text: str) -> list[str]:
    """The numbers with a unit in a sentence that are not selection thresholds."""
    return [m.group(0) for m in FIGURE.finditer(text) if float(m.group(1)) not in THRESHOLDS]


def test_the_figure_detector_sees_figures_and_lets_thresholds_pass():
    assert quoted_figures("PFS reached 29 months") == ["29 months"]
    assert quoted_figures("disease control in 30-80 % after PRRT") == ["30-80 %"]
    assert quoted_figures(f"Ki-67 below {G3_KI67_CUTOFF} %") == []


@pytest.mark.parametrize("ki67", ["8", "30", "60"])
@pytest.mark.parametrize("case", list(TEACHING_CASES))
def test_no_not_recommended_reason_quotes_a_figure(case, ki67):
    profile = Profile.from_mapping({**TEACHING_CASES[case], "ki67": ki67})
    guidance = Session(profile=profile).guidance
    for item in guidance[guidance["verdict"] == "not_recommended"].itertuples():
        for reason in item.reasons:
            assert not quoted_figures(reason), (item.therapy, reason)


@settings(max_examples=100, deadline=None)
@given(profiles)
def test_no_reason_of_any_verdict_quotes_a_figure(profile):
    """Figures are evidence rows; reasons name only the thresholds the rules apply."""
    frame = applicable_therapies(profile, pd.DataFrame({"evidence_id": [], "therapy": []}))
    for item in frame.itertuples():
        for reason in item.reasons:
            assert not quoted_figures(reason), (item.therapy, reason)


# --- the evidence base ----------------------------------------------------------------------------

WORD_DESIGN = {word: design for design, words in DESIGN_WORDS.items() for word in words}


def parse_base(text: str) -> dict[str, int]:
    """'2 phase 3 trials, both pancreatic; 1 review, GEP' -> {'rct_phase3': 2, 'review': 1}."""
    counts = {}
    for part in text.split("; "):
        number, rest = part.split(" ", 1)
        word = rest.split(",")[0]
        counts[WORD_DESIGN[word]] = int(number)
    return counts


def row_designs(rows: pd.DataFrame) -> set[str]:
    """Every design the rows give a study: the row's own, the cited references' for rows that
    cite several, and a statement for review rows that cite none."""
    references = load_references().set_index("ref_no")["study_design"]
    designs = set()
    for row in rows.itertuples():
        if row.source != "primary" and not row.ref_nos:
            designs.add(STATEMENT)
            continue
        designs.add(row.study_design)
        if row.source != "primary" and len(row.ref_nos) > 1:
            designs |= {references[n] for n in row.ref_nos}
    return designs


@pytest.mark.parametrize("case", THREE_CASES)
def test_evidence_base_text_and_level_follow_the_designs_of_the_rows(case):
    session = Session.teaching(case)
    evidence = session.matched.set_index("evidence_id", drop=False)
    for item in session.guidance.itertuples():
        rows = evidence.loc[list(item.fitting_ids)]
        if rows.empty:
            assert item.evidence_base == "no row fits this patient"
            assert item.evidence_level == NO_LEVEL
            continue
        counts = parse_base(item.evidence_base)
        designs = row_designs(rows)
        assert set(counts) <= designs, (item.therapy, item.evidence_base)
        primary = rows[rows["source"] == "primary"]
        assert set(primary["study_design"]) <= set(counts), item.therapy
        for number in counts.values():  # a study has at least one row
            assert 1 <= number <= len(rows), item.therapy
        # the level is the strongest any row gives (a row citing nothing: a statement)
        own = [
            STATEMENT if r.source != "primary" and not r.ref_nos else r.study_design
            for r in rows.itertuples()
        ]
        levels = [DESIGN_LEVEL.get(d, LEVELS[-1]) for d in own]
        assert item.evidence_level == min(levels, key=LEVELS.index), item.therapy
        sites = set(rows["tumour_site"].astype(str))
        if sites == {"pancreatic"}:
            assert item.sites == ()
        else:
            assert item.sites, item.therapy


def test_evidence_base_in_words_for_known_therapies():
    """Read off the data: everolimus rests on RADIANT-3 (two publications, one trial) and two
    statements of xue2025; SSA with the trials beyond the review on CLARINET and PROMID."""
    session = Session.teaching(RESECTABLE_G2)
    guidance = session.guidance.set_index("therapy")
    assert guidance.loc["everolimus", "evidence_base"] == (
        "1 phase 3 trial, pancreatic; 2 statements of the reviews, both GEP"
    )
    assert guidance.loc["everolimus", "evidence_level"] == "randomised"
    assert guidance.loc["microwave ablation", "evidence_level"] == LEVELS[-1]
    session.beyond_review = True
    ssa = session.guidance.set_index("therapy").loc["somatostatin analogues"]
    assert ssa["evidence_base"].startswith("2 phase 3 trials, 1 GEP, 1 midgut")
    assert ssa["sites"] == ("GEP sites", "midgut")


def test_evidence_base_counts_studies_not_rows():
    rows = pd.DataFrame(
        {
            "evidence_id": ["p1", "p2", "p3", "r1"],
            "source": ["primary", "primary", "primary", "lu2025"],
            "study_name": ["TRIAL", "TRIAL", "SERIES", ""],
            "doi": ["10.1/a", "10.1/b", "10.1/c", ""],
            "study_design": ["rct_phase3", "rct_phase3", "retrospective", "unknown"],
            "tumour_site": ["pancreatic", "pancreatic", "mixed", "not_stated"],
            "ref_nos": [(), (), (), ()],
        }
    )
    base = evidence_base(rows)
    assert base.text == (
        "1 phase 3 trial, pancreatic; 1 retrospective series, mixed-site; "
        "1 statement of a review, site not stated"
    )
    assert base.level == "randomised"
    assert base.sites == ("mixed sites", "site not stated")
    assert evidence_base(rows.iloc[2:3]).level == "retrospective"
    assert evidence_base(rows.iloc[3:]).level == "review or expert statement only"


def test_harms_are_the_safety_rows():
    session = Session.teaching(RESECTABLE_G2)
    cards = therapy_cards(session.guidance, session.matched).set_index("therapy")
    harms = {i.evidence_id for i in cards.loc["prrt", "harms"]}
    assert {"lu2025-059", "lu2025-063", "lu2025-067"} <= harms
    rows = session.matched[session.matched["evidence_id"].isin(harms)]
    assert harm_mask(rows).all()


# --- the card table and its HTML ----------------------------------------------------------------


@pytest.mark.parametrize("case", list(TEACHING_CASES))
def test_cards_run_by_verdict_then_line(case):
    session = Session.teaching(case)
    cards = therapy_cards(session.guidance, session.matched)
    assert sorted(cards["therapy"]) == sorted(GUIDANCE_THERAPIES)
    keys = [
        (CARD_ORDER.index(v), LINES.index(line))
        for v, line in zip(cards["verdict"].astype(str), cards["line"], strict=True)
    ]
    assert keys == sorted(keys)
    assert (cards["count"] == cards["fitting_ids"].map(len)).all()
    for card in cards.itertuples():
        assert card.deciding == card.reasons[0]
        assert card.presupposes, card.therapy
        assert {i.evidence_id for i in card.fitting} == set(card.fitting_ids)
        assert {i.evidence_id for i in card.others} == set(card.other_ids)
        assert all(i.why for i in card.others), card.therapy


def test_every_therapy_has_a_line():
    assert set(LINE_OF_THERAPY) == set(GUIDANCE_THERAPIES)
    assert set(LINE_OF_THERAPY.values()) <= set(LINES)


def test_card_html_escapes_and_names_its_rows():
    session = Session.teaching(RESECTABLE_G2)
    cards = therapy_cards(session.guidance, session.matched)
    card = cards[cards["therapy"] == "prrt"].iloc[0]
    text = card_html(card)
    assert "data-therapy='prrt'" in text and f"data-count='{card['count']}'" in text
    assert "PRRT" in text and "Figures in other patients" in text
    assert "not reasons for this patient" in text
    assert link_text(card["count"]).startswith(f"Show the {card['count']} fitting rows")
    assert link_text(0) == "No evidence row fits this patient"


def test_therapy_labels():
    assert therapy_label("prrt") == "PRRT"
    assert therapy_label("captem") == "CAPTEM"
    assert therapy_label("somatostatin analogues") == "somatostatin analogues"


# --- in Chinese -----------------------------------------------------------------------------------

ALLOWED_LATIN = re.compile(
    r"^(?:[A-Z0-9][A-Za-z0-9]*|p(?:NEN|NET|NEC)|Meta|lu|xue|vs|cm|mg|HPF|Ki|et|al)$"
)
"""Latin words a Chinese page may show: abbreviations, drug and trial names (capitalised),
units, and the sources' keys (lu2025, xue2025)."""


def visible_latin(html_text: str) -> list[str]:
    """The Latin words a reader sees, leaving out what is marked English (study names) and the
    evidence ids ('primary-051', 'lu2025-010') that cite a row."""
    import html

    text = re.sub(r"<span lang='en'>.*?</span>", " ", html_text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\b[a-z]+\d*-\d+\b", " ", html.unescape(text))
    words = re.findall(r"[A-Za-z][A-Za-z\-]*", text)
    return [w for w in words if not all(ALLOWED_LATIN.match(p) for p in w.split("-") if p)]


def numbers_in(text: str) -> set[str]:
    import html

    return set(re.findall(r"\d+(?:\.\d+)?", html.unescape(re.sub(r"<[^>]+>", " ", text))))


def cards_html(case: str, lang: str) -> list[dict]:
    from pnen_explorer.i18n import speaking
    from pnen_explorer.views.cards import TherapyCards

    session = Session()
    session.apply_case(case, remember=False)
    with speaking(lang):
        cards = TherapyCards(session)
        cards.render()
    return cards.items


@pytest.mark.parametrize("case", THREE_CASES)
def test_cards_in_chinese_show_no_english_words_and_keep_every_number(case):
    english, chinese = cards_html(case, "en"), cards_html(case, "zh")
    assert [i["kind"] for i in english] == [i["kind"] for i in chinese]
    for en, zh in zip(english, chinese, strict=True):
        shown = zh["html"] + " " + zh.get("label", "")
        assert re.search(r"[\u4e00-\u9fff]", shown), shown
        assert visible_latin(shown) == [], (visible_latin(shown), shown)
        assert numbers_in(en["html"] + " " + en.get("label", "")) <= numbers_in(shown)
        assert {k: v for k, v in en.items() if k not in ("html", "label")} == {
            k: v for k, v in zh.items() if k not in ("html", "label")
        }


def test_the_cards_labels_and_texts_in_chinese():
    from pnen_explorer.cards import citation_text, level_text, therapy_name
    from pnen_explorer.i18n import speaking

    with speaking("zh"):
        assert link_text(0) == "没有适合此患者的证据行"
        assert "3" in link_text(3) and "Evidence" not in link_text(3)
        assert therapy_name("platinum-based chemotherapy") == "以铂类药物为主的化疗"
        assert therapy_name("prrt") == "PRRT" and therapy_name("captem") == "CAPTEM"
        assert level_text("randomised") == "随机对照" and level_text(NO_LEVEL) == "无适用证据"
        assert citation_text("lu2025 abstract [3]") == "lu2025 摘要 [3]"
    assert link_text(3) == "Show the 3 fitting rows in the Evidence tab"
    assert link_text(1) == "Show the 1 fitting row in the Evidence tab"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles)
def test_every_text_a_card_shows_has_its_chinese(profile):
    """Reasons, notes, lines, evidence bases and why a row does not fit: each has a Chinese
    text in data/translations_zh.csv (or is built from its phrases)."""
    from pnen_explorer.translations import has_translation

    session = shared_session()
    matched = match_evidence(session.evidence, profile)
    cards = therapy_cards(applicable_therapies(profile, matched), matched, profile)
    for card in cards.to_dict("records"):
        texts = [card["deciding"], card["line"], card["evidence_base"], *card["notes"]]
        texts += [item.why for item in card["others"] if item.why]
        missing = [t for t in texts if not has_translation(t)]
        assert missing == [], missing


def test_every_rule_premise_and_line_has_its_chinese():
    from pnen_explorer.guidance import PREMISES, RULES
    from pnen_explorer.translations import has_translation

    texts = [r.reason for r in RULES] + [p.text for ps in PREMISES.values() for p in ps]
    texts += list(LINES)
    assert [t for t in texts if not has_translation(t)] == []
