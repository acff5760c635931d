"""Guidance: the rule table against the reviews' text, teaching cases for every rule, and a
property that holds for any valid profile."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings

from pnen_explorer.data import load_evidence, load_therapies
from pnen_explorer.guidance import (
    ASPECTS,
    LINE_OF_THERAPY,
    PREMISES,
    RULES,
    TRANSPLANT_CRITERIA,
    VERDICTS,
    applicable_therapies,
    rules_table,
)
from pnen_explorer.profile import THERAPIES, Profile
from tests.test_profile import profiles

VOCABULARY = (
    "radical resection",
    "debulking surgery",
    "primary tumour resection",
    "liver transplantation",
    "neoadjuvant therapy",
    "radiofrequency ablation",
    "microwave ablation",
    "transarterial embolization",
    "captem",
    "platinum-based chemotherapy",
    "everolimus",
    "sunitinib",
    "surufatinib",
    "immune checkpoint inhibitors",
    "prrt",
    "somatostatin analogues",
    "interferon alfa",
)

# The reference numbers each numbered section of lu2025 cites, read off its text.
SECTION_REFS = {
    "1": {12, 13},
    "1.1": {14, 15, 16, 17, 18},
    "1.2": {18, 19, 20, 21},
    "1.3": {14, 22},
    "1.4": {11},
    "1.5": {23, 24, 25},
    "2": set(),
    "2.1": {26, 27, 28, 29, 30, 31, 32},
    "2.2": {33, 34},
    "3": set(),
    "3.1": {18, 35, 36, 37, 38, 39, 40},
    "3.2": {18, 20, 39, 41, 42, 43, 44, 45, 46, 47, 48},
    "3.3": {49, 50, 51, 52},
    "3.4": {18, 53, 54, 55, 56, 57, 58, 59, 60, 61},
    "3.5": {20, 39, 62, 63, 64},
}

NO_EVIDENCE = pd.DataFrame({"evidence_id": pd.Series([], dtype=object), "therapy": []})
NO_THERAPIES = pd.DataFrame({"therapy": pd.Series([], dtype=object), "guidance_therapy": []})


def case(name: str, *values):
    """One teaching case, named for the test report."""
    return pytest.param(*values, id=name)


# Shorthands for teaching cases.
NF_G1 = {"ki67": 2, "differentiation": "well", "functional": False}
NF_G2 = {"ki67": 8, "differentiation": "well", "functional": False}
NF_G3 = {"ki67": 30, "differentiation": "well", "functional": False}
NF_NEC = {"ki67": 70, "differentiation": "poor", "functional": False}
TRANSPLANT_OK = {
    "ki67": 5,
    "differentiation": "well",
    "functional": False,
    "liver_type": "III",
    "extrahepatic": False,
    "primary_resected": True,
    "liver_involvement_pct": 30,
    "stable_months": 8,
    "age": 50,
}


def guide(**fields) -> pd.DataFrame:
    return applicable_therapies(Profile(**fields), NO_EVIDENCE, NO_THERAPIES).set_index("therapy")


def row(therapy: str, **fields) -> pd.Series:
    return guide(**fields).loc[therapy]


# --- shape ---------------------------------------------------------------------------------------


def test_one_row_per_therapy_of_the_vocabulary_in_order():
    frame = applicable_therapies(Profile(), NO_EVIDENCE, NO_THERAPIES)
    assert tuple(frame["therapy"]) == VOCABULARY == tuple(THERAPIES)
    assert list(frame.columns) == [
        "therapy",
        "therapy_class",
        "verdict",
        "reasons",
        "citations",
        "section",
        "ref_nos",
        "presupposes",
        "line",
        "line_order",
        "evidence_ids",
        "fitting_ids",
        "other_ids",
        "evidence_base",
        "evidence_level",
        "sites",
        "criteria",
    ]
    assert list(frame["verdict"].cat.categories) == list(VERDICTS)
    assert set(frame["therapy_class"]) == {"surgery", "local", "systemic", "multimodal"}


@pytest.mark.slow  # a property test of many profiles; make test runs it
@settings(max_examples=300, deadline=None)
@given(profiles)
def test_any_valid_profile_gets_one_known_verdict_and_a_cited_reason_per_therapy(profile):
    frame = applicable_therapies(profile, NO_EVIDENCE, NO_THERAPIES)
    assert tuple(frame["therapy"]) == VOCABULARY
    assert frame["verdict"].notna().all()
    assert set(frame["verdict"]) <= set(VERDICTS)
    for item in frame.itertuples():
        assert len(item.reasons) >= 1
        assert len(item.citations) == len(item.reasons)
        assert all(
            c.split()[0] in ("lu2025", "xue2025") and len(c.split()) >= 2 for c in item.citations
        )
        assert item.section
        assert list(item.ref_nos) == sorted(set(item.ref_nos))
        transplant = item.therapy == "liver transplantation"
        assert bool(item.criteria) is transplant


# --- the rule table against the review text -------------------------------------------------


def test_every_rule_cites_a_section_and_only_references_that_section_cites():
    for rule in RULES:
        assert rule.therapy in THERAPIES
        assert rule.verdict is None or rule.verdict in VERDICTS
        if rule.source == "lu2025":
            assert rule.section in SECTION_REFS, rule
            assert set(rule.ref_nos) <= SECTION_REFS[rule.section], rule
        else:
            assert (rule.source, rule.section, rule.ref_nos) == ("xue2025", "abstract", ()), rule


def test_every_therapy_has_deciding_rules_and_reasons_are_distinct_sentences():
    for therapy in THERAPIES:
        assert any(r.therapy == therapy and r.verdict for r in RULES)
    for rule in RULES:
        assert rule.reason.endswith("."), rule.reason
        assert rule.reason[0].isupper(), rule.reason


def test_rules_table_is_readable():
    table = rules_table()
    assert len(table) == len(RULES)
    assert list(table.columns) == [
        "therapy",
        "when",
        "verdict",
        "reason",
        "source",
        "section",
        "ref_nos",
    ]
    captem = table[table["therapy"] == "captem"]
    assert "grade is G3 and Ki-67 % < 55" in set(captem["when"])


# --- surgery: 1.1, 1.2, 1.3, 1.5 and xue2025 ----------------------------------------------------

SURGERY_CASES = [
    # (id, profile fields, therapy, verdict, words expected in the reasons)
    case(
        "1.1 type I G1 NF",
        {**NF_G1, "liver_type": "I"},
        "radical resection",
        "recommended",
        "most effective",
    ),
    case(
        "1.1 type I resectable G2",
        {**NF_G2, "liver_type": "I", "resectable": True},
        "debulking surgery",
        "not_recommended",
        "radical resection, not debulking",
    ),
    case(
        "1.1 type II G2: debulking by the 70 % threshold",
        {**NF_G2, "liver_type": "II"},
        "debulking surgery",
        "consider",
        "at least 70 %",
    ),
    case(
        "1.1 type II G2 not resectable: debulking",
        {**NF_G2, "liver_type": "II", "resectable": False},
        "debulking surgery",
        "consider",
        "at least 70 %",
    ),
    case(
        "1.1 type II G2, resectability unknown",
        {**NF_G2, "liver_type": "II"},
        "radical resection",
        "consider",
        "Find out whether all the type II disease",
    ),
    case(
        "xue2025 resectable type II",
        {**NF_G2, "liver_type": "II", "resectable": True},
        "radical resection",
        "recommended",
        "part of type II",
    ),
    case(
        "1.1 type III G1 NF: not routine",
        {**NF_G1, "liver_type": "III"},
        "debulking surgery",
        "not_recommended",
        "not routinely",
    ),
    case(
        "1.1 type III: no radical resection",
        {**NF_G1, "liver_type": "III"},
        "radical resection",
        "not_recommended",
        "diffuse",
    ),
    case(
        "1.1 not resectable",
        {**NF_G1, "liver_type": "I", "resectable": False},
        "radical resection",
        "not_recommended",
        "cannot be removed completely",
    ),
    case(
        "1.1 G3 NET debulking",
        {**NF_G3, "liver_type": "II", "resectable": False},
        "debulking surgery",
        "controversial",
        "disputed",
    ),
    case(
        "1.1 NEC debulking",
        {**NF_NEC, "liver_type": "II"},
        "debulking surgery",
        "controversial",
        "disputed",
    ),
    case(
        "1.1 G3 NET type I resectable",
        {**NF_G3, "liver_type": "I", "resectable": True},
        "radical resection",
        "recommended",
        "G3 NET",
    ),
    case(
        "1.1 G3 NET type I, resectability unknown",
        {**NF_G3, "liver_type": "I"},
        "radical resection",
        "consider",
        "Find out whether all the disease can be removed",
    ),
    case(
        "1.1 G3 NET, liver type unknown",
        NF_G3,
        "radical resection",
        "consider",
        "Find out the ENETS liver-metastasis type",
    ),
    case(
        "xue2025 G3 NET type II",
        {**NF_G3, "liver_type": "II", "resectable": True},
        "radical resection",
        "controversial",
        "disputed",
    ),
    case(
        "xue2025 NEC",
        {**NF_NEC, "liver_type": "I", "resectable": True},
        "radical resection",
        "controversial",
        "disputed",
    ),
    case(
        "xue2025 extrahepatic",
        {**NF_G2, "liver_type": "I", "extrahepatic": True},
        "radical resection",
        "consider",
        "outside the liver",
    ),
    case(
        "1.1 liver type unknown",
        NF_G2,
        "radical resection",
        "consider",
        "Find out the ENETS liver-metastasis type (I/II/III)",
    ),
    case(
        "1.1 grade unknown",
        {"liver_type": "I"},
        "radical resection",
        "consider",
        "Find out the grade",
    ),
    case(
        "1.2 functional: surgery whatever the liver",
        {"ki67": 4, "functional": True, "liver_type": "II"},
        "radical resection",
        "recommended",
        "whether or not the liver",
    ),
    case(
        "1.2 functional NEC type I",
        {**NF_NEC, "functional": True, "liver_type": "I"},
        "radical resection",
        "recommended",
        "whether or not the liver",
    ),
    case(
        "1.2 functional type III: debulking",
        {"ki67": 4, "functional": True, "liver_type": "III"},
        "debulking surgery",
        "consider",
        "whatever the liver involvement",
    ),
    case(
        "1.2 functional unresectable: primary",
        {"ki67": 4, "functional": True, "resectable": False},
        "primary tumour resection",
        "recommended",
        "whether or not the liver",
    ),
    case(
        "1.3 all removable",
        {**NF_G2, "resectable": True},
        "primary tumour resection",
        "recommended",
        "resect both",
    ),
    case(
        "1.3 unresectable metastases",
        {**NF_G2, "resectable": False},
        "primary tumour resection",
        "controversial",
        "survival is disputed",
    ),
    case(
        "1.3 already removed",
        {**NF_G2, "primary_resected": True, "resectable": False},
        "primary tumour resection",
        "not_recommended",
        "already been removed",
    ),
    case(
        "1.3 resectability unknown",
        NF_G2,
        "primary tumour resection",
        "consider",
        "Find out whether the primary and the liver metastases",
    ),
    case(
        "1.5 conversion for type III",
        {**NF_G2, "liver_type": "III"},
        "neoadjuvant therapy",
        "consider",
        "longer median PFS than operating",
    ),
    case(
        "1.5 resectable",
        {**NF_G2, "liver_type": "I", "resectable": True},
        "neoadjuvant therapy",
        "consider",
        "no agreed regimen",
    ),
]


def _check(fields, therapy, verdict, words):
    item = row(therapy, **fields)
    assert item["verdict"] == verdict, item["reasons"]
    assert any(words in reason for reason in item["reasons"]), item["reasons"]


@pytest.mark.parametrize(("fields", "therapy", "verdict", "words"), SURGERY_CASES)
def test_surgery_rules(fields, therapy, verdict, words):
    _check(fields, therapy, verdict, words)


@pytest.mark.parametrize(
    ("site", "words"),
    [
        ("head", "liver metastases are usually dealt with first"),
        ("body_tail", "primary is usually removed first"),
        (None, "Find out where the primary sits"),
    ],
)
def test_type_i_sequencing_depends_on_the_primary_site(site, words):
    reasons = row("radical resection", **NF_G2, liver_type="I", primary_site=site)["reasons"]
    assert any(words in r for r in reasons)


def test_no_sequencing_advice_once_the_primary_is_out():
    reasons = row(
        "radical resection", **NF_G2, liver_type="I", primary_site="head", primary_resected=True
    )["reasons"]
    assert not any("first" in r for r in reasons)


def test_synchronous_for_type_i_and_staged_for_type_ii():
    type_i = " ".join(row("radical resection", **NF_G2, liver_type="I")["reasons"])
    type_ii = " ".join(row("radical resection", **NF_G2, liver_type="II")["reasons"])
    assert "single (synchronous) operation" in type_i and "portal vein embolisation" not in type_i
    assert "portal vein embolisation" in type_ii and "synchronous" not in type_ii


@pytest.mark.parametrize(
    ("syndrome", "words"),
    [
        ("insulinoma", "enucleation keeps pancreatic function"),
        ("gastrinoma", "regional lymph-node dissection"),
        ("other", "regional lymph-node dissection"),
    ],
)
def test_functional_surgery_notes(syndrome, words):
    reasons = row("radical resection", ki67=2, syndrome=syndrome, liver_type="I")["reasons"]
    assert any(words in r for r in reasons)
    assert any("control the hormone excess" in r for r in reasons)


# --- liver transplantation: 1.4 (ref 11) --------------------------------------------------------


def test_a_patient_meeting_every_criterion_may_be_considered():
    item = row("liver transplantation", **TRANSPLANT_OK)
    assert item["verdict"] == "consider"
    assert set(item["criteria"].values()) == {"met"}
    assert len(item["criteria"]) == len(TRANSPLANT_CRITERIA) == 6
    assert "Meets every selection criterion" in item["reasons"][0]


CRITERION_FAILURES = [
    case("extrahepatic disease", {"extrahepatic": True}, "no extrahepatic disease"),
    case("poorly differentiated", {"differentiation": "poor"}, "well-differentiated"),
    case("G3 NET", {"ki67": 25}, "well-differentiated"),
    case("Ki-67 exactly 10", {"ki67": 10}, "well-differentiated"),
    case(
        "primary still in place", {"primary_resected": False}, "primary tumour removed beforehand"
    ),
    case("liver 50 %", {"liver_involvement_pct": 50}, "metastases < 50 %"),
    case("stable 5.9 months", {"stable_months": 5.9}, "stable on treatment"),
    case("age 60", {"age": 60}, "age < 60"),
]


@pytest.mark.parametrize(("change", "label"), CRITERION_FAILURES)
def test_each_transplant_criterion_failing_alone_rules_it_out(change, label):
    item = row("liver transplantation", **{**TRANSPLANT_OK, **change})
    assert item["verdict"] == "not_recommended"
    failed = [k for k, v in item["criteria"].items() if v == "not met"]
    assert len(failed) == 1 and failed[0].startswith(label)
    assert [k for k, v in item["criteria"].items() if v != "met"] == failed
    assert f"Not met: {failed[0]}." in item["reasons"]


@pytest.mark.parametrize(
    ("change", "label"),
    [
        ({"ki67": 9.9}, "well-differentiated"),
        ({"liver_involvement_pct": 49.9}, "metastases"),
        ({"stable_months": 6}, "stable"),
        ({"age": 59.9}, "age"),
    ],
)
def test_transplant_bounds_just_inside_are_met(change, label):
    criteria = row("liver transplantation", **{**TRANSPLANT_OK, **change})["criteria"]
    assert set(criteria.values()) == {"met"}


@pytest.mark.parametrize(
    "field",
    [
        "extrahepatic",
        "differentiation",
        "primary_resected",
        "liver_involvement_pct",
        "stable_months",
        "age",
    ],
)
def test_each_transplant_criterion_unknown_says_what_to_find_out(field):
    item = row("liver transplantation", **{**TRANSPLANT_OK, field: None})
    assert item["verdict"] == "consider"
    assert list(item["criteria"].values()).count("unknown") == 1
    assert "not met" not in item["criteria"].values()
    assert sum(r.startswith("Find out") for r in item["reasons"]) == 1


def test_ki67_unknown_leaves_the_histology_criterion_open():
    criteria = row(
        "liver transplantation", **{**TRANSPLANT_OK, "ki67": None, "mitoses_per_10hpf": 1}
    )["criteria"]
    assert list(criteria.values()).count("unknown") == 1


# --- ablation: 2, 2.1 ---------------------------------------------------------------------------

ABLATION_CASES = [
    # (lesions, largest cm, verdict)
    (1, 5, "recommended"),
    (1, 5.1, "not_recommended"),
    (1, 4, "recommended"),
    (2, 3, "recommended"),
    (3, 3, "recommended"),
    (2, 3.1, "not_recommended"),
    (3, 3.1, "not_recommended"),
    (4, 1, "not_recommended"),
    (4, None, "not_recommended"),
    (None, 5.1, "not_recommended"),
    (1, None, "consider"),
    (None, 2, "consider"),
    (0, None, "not_recommended"),
]


@pytest.mark.parametrize("therapy", ["radiofrequency ablation", "microwave ablation"])
@pytest.mark.parametrize(("lesions", "size", "verdict"), ABLATION_CASES)
def test_ablation_limits_at_and_just_past_their_bounds(therapy, lesions, size, verdict):
    item = row(therapy, **NF_G1, liver_lesions=lesions, largest_lesion_cm=size)
    assert item["verdict"] == verdict, item["reasons"]
    if verdict == "consider":
        assert item["reasons"][0].startswith("Find out how many liver lesions")


@pytest.mark.parametrize(
    ("fields", "verdict", "words"),
    [
        (NF_G3, "consider", "high-grade NET and NEC"),
        (NF_NEC, "consider", "high-grade NET and NEC"),
        ({"functional": False}, "consider", "Find out the grade"),
    ],
)
def test_ablation_within_limits_by_grade(fields, verdict, words):
    _check(
        {**fields, "liver_lesions": 1, "largest_lesion_cm": 2},
        "radiofrequency ablation",
        verdict,
        words,
    )


@pytest.mark.parametrize(
    ("ki67", "words"),
    [(4.9, "best tumour control"), (5, "this tumour is above"), (2, "best tumour control")],
)
def test_rfa_ki67_below_5_has_the_best_control(ki67, words):
    reasons = row("radiofrequency ablation", ki67=ki67, liver_lesions=1, largest_lesion_cm=2)[
        "reasons"
    ]
    assert any(words in r for r in reasons)


def test_rfa_relieves_hormone_symptoms_of_functional_tumours():
    reasons = row("radiofrequency ablation", ki67=2, functional=True)["reasons"]
    assert any("relieved them in most patients" in r for r in reasons)


# --- transarterial therapy: 2.2 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "verdict", "words"),
    [
        ({"functional": True}, "recommended", "HAE/HACE"),
        ({}, "consider", "Find out whether the tumour is functional"),
        ({"functional": False}, "consider", "complements surgery and drugs"),
        ({"functional": False, "liver_type": "III"}, "consider", "treat in stages"),
    ],
)
def test_transarterial_therapy(fields, verdict, words):
    _check(fields, "transarterial embolization", verdict, words)


# --- chemotherapy: 3.1 --------------------------------------------------------------------------

CHEMO_CASES = [
    case("G1", NF_G1, "recommended", "not_recommended"),
    case("G2", NF_G2, "recommended", "not_recommended"),
    case("G3 NET Ki-67 54.9", {**NF_G3, "ki67": 54.9}, "recommended", "not_recommended"),
    case("G3 NET Ki-67 55", {**NF_G3, "ki67": 55}, "not_recommended", "recommended"),
    case("G3 NET Ki-67 20.1", {**NF_G3, "ki67": 20.1}, "recommended", "not_recommended"),
    case("NEC", NF_NEC, "not_recommended", "recommended"),
    case("G3 differentiation unknown", {"ki67": 30}, "consider", "consider"),
    case(
        "G3 by mitoses, Ki-67 unknown",
        {"mitoses_per_10hpf": 25, "differentiation": "well"},
        "consider",
        "consider",
    ),
    case("grade unknown", {}, "consider", "consider"),
]


@pytest.mark.parametrize(("fields", "captem", "platinum"), CHEMO_CASES)
def test_chemotherapy_by_grade_and_the_g3_ki67_cutoff(fields, captem, platinum):
    frame = guide(**fields)
    assert frame.loc["captem", "verdict"] == captem
    assert frame.loc["platinum-based chemotherapy", "verdict"] == platinum


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"ki67": 30}, "Find out whether the tumour is well differentiated"),
        ({"mitoses_per_10hpf": 25, "differentiation": "well"}, "Find out the Ki-67 index"),
        ({}, "Find out the grade"),
    ],
)
def test_chemotherapy_unknowns_say_what_to_find_out(fields, words):
    assert row("captem", **fields)["reasons"][0].startswith(words)


def test_captem_reasons_carry_the_reviews_findings_without_their_figures():
    """3.1 [36-38]: the findings stay as notes; their figures are evidence rows (lu2025-036,
    lu2025-037, lu2025-039), shown on the card where they fit."""
    reasons = " ".join(row("captem", **NF_G2)["reasons"])
    assert "lengthened PFS" in reasons and "radioembolisation" in reasons
    assert "preferred" in reasons
    assert "29 months" not in reasons and "74 %" not in reasons


def test_captem_findings_only_where_captem_is_the_chemotherapy():
    """3.1 [39]: at Ki-67 55 % or more a G3 NET follows the NEC regimen, so CAPTEM's findings
    are no note there."""
    reasons = row("captem", **{**NF_G3, "ki67": 60})["reasons"]
    assert not any("lengthened PFS" in r for r in reasons)


def test_chemotherapy_for_fast_progressing_disease():
    """3.1 (no reference): chemotherapy works well in fast-progressing disease."""
    progressing = row("captem", **NF_G2, progressive=True)["reasons"]
    assert any("fast-progressing" in r for r in progressing)
    assert not any("fast-progressing" in r for r in row("captem", **NF_G2)["reasons"])


# --- targeted drugs: 3.2 ------------------------------------------------------------------------

TARGETED_CASES = [
    case(
        "G1 progressive", {**NF_G1, "progressive": True}, "recommended", "recommended", "consider"
    ),
    case(
        "G2 progressive", {**NF_G2, "progressive": True}, "recommended", "recommended", "consider"
    ),
    case("G2 progression unknown", NF_G2, "consider", "consider", "consider"),
    case("G2 not progressing", {**NF_G2, "progressive": False}, "consider", "consider", "consider"),
    case("G3 NET", NF_G3, "consider", "investigational", "investigational"),
    case("NEC", NF_NEC, "investigational", "investigational", "investigational"),
    case("grade unknown", {}, "consider", "consider", "consider"),
]


@pytest.mark.parametrize(("fields", "everolimus", "sunitinib", "surufatinib"), TARGETED_CASES)
def test_targeted_drugs_by_grade(fields, everolimus, sunitinib, surufatinib):
    frame = guide(**fields)
    assert frame.loc["everolimus", "verdict"] == everolimus
    assert frame.loc["sunitinib", "verdict"] == sunitinib
    assert frame.loc["surufatinib", "verdict"] == surufatinib


@pytest.mark.parametrize("drug", ["everolimus", "sunitinib"])
def test_targeted_drugs_ask_whether_the_disease_is_progressing(drug):
    """3.2 [18, 20, 39]: everolimus and sunitinib are named for progressive G1/G2 pNET."""
    item = row(drug, **NF_G2)
    assert item["verdict"] == "consider"
    assert item["reasons"][0].startswith("Find out whether the disease is progressing")
    assert item["citations"][0] == "lu2025 3.2 [18, 20, 39]"
    stable = row(drug, **NF_G2, progressive=False)
    assert stable["verdict"] == "consider" and "not progressing" in stable["reasons"][0]


def test_everolimus_after_chemotherapy():
    """3.2 [18, 20, 39]: everolimus is also named for progressive G1/G2 pNET after
    chemotherapy."""
    after = row("everolimus", **NF_G2, progressive=True, prior_therapies=("captem",))
    assert after["verdict"] == "recommended"
    assert "after chemotherapy" in after["reasons"][0]
    first_line = row("everolimus", **NF_G2, progressive=True)["reasons"]
    assert not any("after chemotherapy" in r for r in first_line)
    unknown = row("everolimus", **NF_G2, prior_therapies=("captem",))["reasons"]
    assert unknown[0].startswith("Find out whether the disease is progressing")
    assert any("after chemotherapy" in r for r in unknown[1:])


def test_targeted_reasons_quote_no_trial_figures():
    """The figures of 3.2 are evidence rows (lu2025-042, lu2025-048, lu2025-050)."""
    for drug in ("sunitinib", "surufatinib", "everolimus"):
        reasons = " ".join(row(drug, **NF_G2, progressive=True)["reasons"])
        assert "months" not in reasons, drug
    assert any("improved PFS" in r for r in row("surufatinib", **NF_G2)["reasons"])


# --- immunotherapy: 3.3 -------------------------------------------------------------------------


@pytest.mark.parametrize("fields", [{}, NF_G1, NF_G3, NF_NEC, TRANSPLANT_OK])
def test_checkpoint_inhibitors_are_investigational(fields):
    _check(fields, "immune checkpoint inhibitors", "investigational", "Single-agent")


# --- PRRT: 3.4 ----------------------------------------------------------------------------------

PRRT_CASES = [
    case("SSTR-negative G1", {**NF_G1, "sstr_positive": False}, "not_recommended", "no target"),
    case("SSTR unknown G1", NF_G1, "consider", "Find out the SSTR status"),
    case(
        "SSTR+ G1 progressive",
        {**NF_G1, "sstr_positive": True, "progressive": True},
        "recommended",
        "approved for progressive",
    ),
    case(
        "SSTR+ G2 progressive",
        {**NF_G2, "sstr_positive": True, "progressive": True},
        "recommended",
        "meta-analysis",
    ),
    case(
        "SSTR+ G2 progression unknown",
        {**NF_G2, "sstr_positive": True},
        "consider",
        "Find out whether the disease is progressing",
    ),
    case(
        "SSTR+ G2 not progressing",
        {**NF_G2, "sstr_positive": True, "progressive": False},
        "consider",
        "not progressing",
    ),
    case("SSTR+ G3 Ki-67 30", {**NF_G3, "sstr_positive": True}, "consider", "prolongs survival"),
    case(
        "SSTR+ G3 Ki-67 54.9",
        {**NF_G3, "ki67": 54.9, "sstr_positive": True},
        "consider",
        "prolongs survival",
    ),
    case(
        "SSTR+ G3 Ki-67 55",
        {**NF_G3, "ki67": 55, "sstr_positive": True},
        "not_recommended",
        "stops below 55 %",
    ),
    case(
        "SSTR+ NEC Ki-67 40",
        {**NF_NEC, "ki67": 40, "sstr_positive": True},
        "consider",
        "careful selection",
    ),
    case("SSTR+ NEC Ki-67 70", {**NF_NEC, "sstr_positive": True}, "not_recommended", "stops below"),
    case(
        "SSTR+ G3 Ki-67 unknown",
        {"mitoses_per_10hpf": 25, "sstr_positive": True},
        "consider",
        "Find out the Ki-67 index",
    ),
    case("SSTR+ grade unknown", {"sstr_positive": True}, "consider", "Find out the grade"),
    case(
        "after PRRT",
        {**NF_G2, "sstr_positive": True, "progressive": True, "prior_therapies": ("prrt",)},
        "recommended",
        "225Ac",
    ),
]


@pytest.mark.parametrize(("fields", "verdict", "words"), PRRT_CASES)
def test_prrt_by_sstr_and_grade(fields, verdict, words):
    _check(fields, "prrt", verdict, words)


# --- somatostatin analogues and interferon: 3.5 -------------------------------------------------

SSA_CASES = [
    case("first line", {**NF_G1, "sstr_positive": True}, "recommended", "first-line"),
    case("Ki-67 9.9", {**NF_G2, "ki67": 9.9, "sstr_positive": True}, "recommended", "first-line"),
    case("Ki-67 10", {**NF_G2, "ki67": 10, "sstr_positive": True}, "consider", "outside"),
    case("SSTR-negative", {**NF_G1, "sstr_positive": False}, "not_recommended", "SSTR-negative"),
    case("G3 NET", {**NF_G3, "sstr_positive": True}, "not_recommended", "G1/G2"),
    case("NEC", NF_NEC, "not_recommended", "G1/G2"),
    case("functional G3", {**NF_G3, "functional": True}, "recommended", "hormone syndrome"),
    case(
        "functional unknown G3",
        {"ki67": 30, "differentiation": "well"},
        "consider",
        "Find out whether the tumour is functional",
    ),
    case("SSTR unknown", NF_G1, "consider", "Find out the SSTR status"),
    case(
        "Ki-67 unknown",
        {"mitoses_per_10hpf": 1, "functional": False, "sstr_positive": True},
        "consider",
        "Find out the Ki-67 index",
    ),
    case("grade unknown", {"functional": False}, "consider", "Find out the grade"),
    case(
        "3.5 [62-64] progressing after SSA",
        {
            **NF_G1,
            "sstr_positive": True,
            "progressive": True,
            "prior_therapies": ("somatostatin analogues",),
        },
        "consider",
        "resists SSA",
    ),
    case(
        "3.5 [63] progressing, no SSA yet: still first line",
        {**NF_G1, "sstr_positive": True, "progressive": True},
        "recommended",
        "used in progressive pNEN",
    ),
]


@pytest.mark.parametrize(("fields", "verdict", "words"), SSA_CASES)
def test_somatostatin_analogues(fields, verdict, words):
    _check(fields, "somatostatin analogues", verdict, words)


@pytest.mark.parametrize(
    ("fields", "verdict", "words"),
    [
        ({"syndrome": "insulinoma"}, "consider", "SSA alone does not control"),
        ({}, "consider", "Find out whether the tumour is functional"),
        ({"functional": False}, "not_recommended", "only for the hormone"),
    ],
)
def test_interferon_alfa(fields, verdict, words):
    _check(fields, "interferon alfa", verdict, words)


# --- unknown profile ----------------------------------------------------------------------------


def test_an_empty_profile_asks_what_to_find_out():
    frame = guide()
    assert set(frame["verdict"]) == {"consider", "investigational"}
    asks = [t for t, reasons in frame["reasons"].items() if reasons[0].startswith("Find out")]
    assert len(asks) >= 13
    assert frame.loc["radical resection", "reasons"][0].startswith("Find out the grade")


def test_the_deciding_reason_comes_first_and_its_section_is_listed():
    item = row("captem", **NF_G2)
    assert item["reasons"][0].startswith("G1/G2 pNET")
    assert item["citations"][0] == "lu2025 3.1 [18, 35]"
    assert item["section"] == "3.1"
    assert item["ref_nos"] == (18, 35, 36, 37, 38)


def test_second_review_sections_are_named_with_their_source():
    item = row("radical resection", **NF_G2, liver_type="I")
    assert item["section"] == "1.1; xue2025 abstract"


# --- evidence ids ---------------------------------------------------------------------------------


def test_evidence_ids_follow_the_therapy_mapping():
    evidence = pd.DataFrame(
        {
            "evidence_id": ["lu2025-001", "lu2025-002", "lu2025-003", "lu2025-004"],
            "therapy": ["CAPTEM", "177Lu-DOTATATE PRRT", "", "CAPTEM"],
        }
    )
    therapies = pd.DataFrame(
        {
            "therapy": ["CAPTEM", "177Lu-DOTATATE PRRT"],
            "guidance_therapy": ["captem", "prrt"],
        }
    )
    frame = applicable_therapies(Profile(), evidence, therapies).set_index("therapy")
    assert frame.loc["captem", "evidence_ids"] == ("lu2025-001", "lu2025-004")
    assert frame.loc["prrt", "evidence_ids"] == ("lu2025-002",)
    assert frame.loc["sunitinib", "evidence_ids"] == ()


def test_evidence_ids_from_the_curated_data():
    evidence, therapies = load_evidence(), load_therapies()
    frame = applicable_therapies(Profile(**NF_G2), evidence, therapies)
    mapping = dict(zip(therapies["therapy"], therapies["guidance_therapy"], strict=True))
    by_id = dict(zip(evidence["evidence_id"], evidence["therapy"], strict=True))
    linked = 0
    for item in frame.itertuples():
        for evidence_id in item.evidence_ids:
            assert mapping[by_id[evidence_id]] == item.therapy
            linked += 1
    assert linked > 0
    assert set(mapping.values()) - {""} <= set(THERAPIES)
    default = applicable_therapies(Profile(**NF_G2))
    assert list(default["evidence_ids"]) == list(frame["evidence_ids"])


# --- what a verdict presupposes, and the line of therapy ----------------------------------------


def test_every_premise_cites_a_section_and_only_references_that_section_cites():
    for therapy, premises in PREMISES.items():
        assert therapy in THERAPIES
        assert premises, therapy
        for premise in premises:
            assert premise.aspect in ASPECTS, premise
            if premise.source == "lu2025":
                assert premise.section in SECTION_REFS, premise
                assert set(premise.ref_nos) <= SECTION_REFS[premise.section], premise
            else:
                assert (premise.source, premise.section, premise.ref_nos) == (
                    "xue2025",
                    "abstract",
                    (),
                ), premise
    assert set(PREMISES) == set(THERAPIES) == set(LINE_OF_THERAPY)


PROGRESSIVE_THERAPIES = [
    t for t, ps in PREMISES.items() if any(p.text == "progressive disease" for p in ps)
]


def test_the_therapies_tied_to_progression():
    """lu2025 3.2 [18, 20, 39] (everolimus, sunitinib); xue2025 abstract (PRRT)."""
    assert PROGRESSIVE_THERAPIES == ["everolimus", "sunitinib", "prrt"]


@pytest.mark.slow  # a property test of many profiles; make test runs it
@settings(max_examples=300, deadline=None)
@given(profiles)
def test_a_therapy_for_progressive_disease_is_recommended_only_when_it_progresses(profile):
    frame = applicable_therapies(profile, NO_EVIDENCE, NO_THERAPIES).set_index("therapy")
    for therapy in PROGRESSIVE_THERAPIES:
        if frame.loc[therapy, "verdict"] == "recommended":
            assert profile.progressive is True, therapy


@pytest.mark.parametrize("therapy", PROGRESSIVE_THERAPIES)
def test_unknown_progression_says_find_out(therapy):
    fields = {**NF_G2, "sstr_positive": True}
    item = row(therapy, **fields)
    assert item["verdict"] == "consider"
    assert item["reasons"][0].startswith("Find out whether the disease is progressing")
