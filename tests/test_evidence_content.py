"""The figures themselves: pinned to their rows, accounted for in the coverage ledger, and
checked against the primary publications. A later edit cannot change a number silently."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from pnen_explorer import load_evidence

from .conftest import DATA


@pytest.fixture(scope="module")
def evidence() -> pd.DataFrame:
    return load_evidence().set_index("evidence_id", drop=False)


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return pd.read_csv(DATA / "coverage.csv", dtype=str, keep_default_na=False)


NUMBER_FIELDS = ["value", "value_low", "value_high", "comparator_value"]

# id: (section, ref_nos, therapy, outcome, value, low, high, unit, comparator_value, p, n)
PINNED = {
    "lu2025-005": ("intro", (2,), "", "proportion", 57.1, 57.1, 57.1, "percent", None, "", None),
    "lu2025-006": ("intro", (6, 7, 8), "", "proportion", None, 40, 50, "percent", None, "", None),
    "lu2025-008": ("intro", (9, 10), "", "proportion", None, 28.3, 77, "percent", None, "", None),
    "lu2025-017": (
        "1.3",
        (22,),
        "primary tumour resection",
        "survival_5y",
        None,
        5,
        82,
        "percent",
        None,
        "",
        None,
    ),
    "lu2025-020": (
        "1.5",
        (24,),
        "conversion therapy then surgery",
        "PFS",
        22,
        22,
        22,
        "months",
        12,
        "0.027",
        None,
    ),
    "lu2025-023": (
        "2.1",
        (27,),
        "radiofrequency ablation",
        "symptom_response",
        97,
        97,
        97,
        "percent",
        None,
        "",
        34,
    ),
    "lu2025-024": (
        "2.1",
        (27,),
        "radiofrequency ablation",
        "symptom_response",
        73,
        73,
        73,
        "percent",
        None,
        "",
        34,
    ),
    "lu2025-025": (
        "2.1",
        (27,),
        "radiofrequency ablation",
        "response_duration",
        14,
        14,
        14,
        "months",
        None,
        "",
        34,
    ),
    "lu2025-026": (
        "2.1",
        (28,),
        "radiofrequency ablation",
        "symptom_response",
        92,
        92,
        92,
        "percent",
        None,
        "",
        None,
    ),
    "lu2025-027": (
        "2.1",
        (28,),
        "radiofrequency ablation",
        "recurrence",
        None,
        63,
        87,
        "percent",
        None,
        "",
        None,
    ),
    "lu2025-036": ("3.1", (36, 37), "CAPTEM", "PFS", 29, 29, 29, "months", None, "", None),
    "lu2025-037": (
        "3.1",
        (36, 37),
        "CAPTEM",
        "risk_reduction",
        50,
        50,
        50,
        "percent",
        None,
        "",
        None,
    ),
    "lu2025-039": (
        "3.1",
        (38,),
        "CAPTEM + 90Y radioembolization",
        "ORR",
        74,
        74,
        74,
        "percent",
        None,
        "",
        None,
    ),
    "lu2025-042": ("3.2", (41, 42), "sunitinib", "OS", 47.5, 47.5, 47.5, "months", None, "", None),
    "lu2025-043": ("3.2", (41, 42), "sunitinib", "PFS", 15.3, 15.3, 15.3, "months", None, "", None),
    "lu2025-044": ("3.2", (41, 42), "sunitinib", "ORR", 5.0, 5.0, 5.0, "percent", None, "", None),
    "lu2025-045": ("3.2", (41, 42), "sunitinib", "dose", 25, 25, 25, "mg/day", None, "", None),
    "lu2025-048": (
        "3.2",
        (43, 44),
        "surufatinib",
        "PFS",
        None,
        9.2,
        10.9,
        "months",
        None,
        "",
        None,
    ),
    "lu2025-050": ("3.2", (46,), "everolimus", "OS", 44, 44, 44, "months", None, "", None),
    "lu2025-057": ("3.4", (18, 55), "PRRT", "DCR", None, 30, 80, "percent", None, "", None),
    "xue2025-001": ("abstract", (), "", "proportion", None, 60, 70, "percent", None, "", None),
    "xue2025-002": (
        "abstract",
        (),
        "radical resection",
        "survival_5y",
        None,
        65,
        70,
        "percent",
        None,
        "",
        None,
    ),
}


def same(actual: float, expected: float | None) -> bool:
    return math.isnan(actual) if expected is None else actual == expected


@pytest.mark.parametrize("evidence_id", PINNED)
def test_review_figures_are_pinned(evidence, evidence_id):
    section, refs, therapy, outcome, value, low, high, unit, comp, p, n = PINNED[evidence_id]
    row = evidence.loc[evidence_id]
    assert (row.section, row.ref_nos, row.therapy, row.outcome) == (section, refs, therapy, outcome)
    assert same(row.value, value) and same(row.value_low, low) and same(row.value_high, high)
    assert row.unit == unit and row.p_value == p
    assert same(row.comparator_value, comp) and same(row.n_patients, n)


def test_every_review_figure_is_pinned(evidence):
    review = evidence[evidence["source"] != "primary"]
    with_numbers = review[review[NUMBER_FIELDS].notna().any(axis=1)]
    assert set(with_numbers.index) == set(PINNED)


def test_prrt_dcr_applies_to_g3_below_ki67_55(evidence):
    row = evidence.loc["lu2025-057"]
    assert row.grades == ("G3", "NEC") and (row.ki67_min, row.ki67_max) == (20, 55)
    assert (row.ki67_min_inclusive, row.ki67_max_inclusive) == ("no", "no")  # printed >20 ~ <55


# --- the coverage ledger -----------------------------------------------------------------------


def ledger_number(text: str) -> float:
    return float(text.strip().rstrip("%").lstrip("±(<>≤≥"))


def test_every_ledger_entry_matches_its_row(evidence, ledger):
    pointing = ledger[ledger["destination"] == "evidence"]
    assert len(pointing) > 20
    for entry in pointing.itertuples():
        row = evidence.loc[entry.evidence_id]
        if entry.field in ("note", "p_value"):
            assert entry.number.strip("()±") in str(row[entry.field]), entry
        else:
            assert row[entry.field] == ledger_number(entry.number), entry


def test_every_review_number_is_in_the_ledger(evidence, ledger):
    pointing = ledger[ledger["destination"] == "evidence"]
    accounted = set(zip(pointing["evidence_id"], pointing["field"], strict=True))
    review = evidence[evidence["source"] != "primary"]
    for evidence_id, row in review.iterrows():
        for field in [*NUMBER_FIELDS, "n_patients"]:
            if not pd.isna(row[field]) and not (
                field in ("value_low", "value_high") and row[field] == row["value"]
            ):
                assert (evidence_id, field) in accounted, (evidence_id, field)


def test_ledger_destinations_are_explained(ledger):
    assert set(ledger["destination"]) <= {"evidence", "guidance", "not_evidence"}
    others = ledger[ledger["destination"] != "evidence"]
    assert (others["reason"] != "").all()


# --- primary publications ----------------------------------------------------------------------

# id: (study, therapy, outcome, value, comparator_value, hr, hr_low, hr_high, p)
PRIMARY_PINNED = {
    "primary-008": ("Thomas 2020 CAPTEM in NEN", "CAPTEM", "PFS", 29, 11, None, None, None, ""),
    "primary-014": ("SANET-ep", "surufatinib", "PFS", 9.2, 3.8, 0.334, 0.223, 0.499, "<0.0001"),
    "primary-016": ("RADIANT-3", "everolimus", "OS", 44.0, 37.7, 0.94, 0.73, 1.2, ".30"),
    "primary-026": ("RADIANT-3", "everolimus", "PFS", 11.0, 4.6, 0.35, 0.27, 0.45, "<0.001"),
    "primary-028": (
        "Raymond 2011 sunitinib phase 3",
        "sunitinib",
        "PFS",
        11.4,
        5.5,
        0.42,
        0.26,
        0.66,
        "<0.001",
    ),
    "primary-030": ("CLARINET", "lanreotide", "PFS", None, 18.0, 0.47, 0.3, 0.73, "<0.001"),
    "primary-032": ("PROMID", "octreotide LAR", "TTP", 14.3, 6, 0.34, 0.2, 0.59, ".000072"),
    "primary-035": ("CABINET", "cabozantinib", "PFS", 13.8, 4.4, 0.23, 0.12, 0.42, "<0.001"),
    "primary-036": ("CABINET", "cabozantinib", "PFS", 8.4, 3.9, 0.38, 0.25, 0.59, "<0.001"),
    "primary-039": ("ECOG-ACRIN E2211", "CAPTEM", "PFS", 22.7, 14.4, 0.58, None, None, ".022"),
    "primary-041": (
        "NETTER-2",
        "177Lu-DOTATATE PRRT",
        "PFS",
        22.8,
        8.5,
        0.276,
        0.182,
        0.418,
        "<0.0001",
    ),
}


@pytest.mark.parametrize("evidence_id", PRIMARY_PINNED)
def test_primary_figures_are_pinned(evidence, evidence_id):
    study, therapy, outcome, value, comp, hr, low, high, p = PRIMARY_PINNED[evidence_id]
    row = evidence.loc[evidence_id]
    assert (row.source, row.study_name, row.therapy, row.outcome) == (
        "primary",
        study,
        therapy,
        outcome,
    )
    assert same(row.value, value) and same(row.comparator_value, comp)
    assert same(row.hr, hr) and same(row.hr_ci_low, low) and same(row.hr_ci_high, high)
    assert row.p_value == p


def test_every_primary_row_names_its_publication(evidence):
    primary = evidence[evidence["source"] == "primary"]
    assert len(primary) >= 40
    assert ((primary["doi"] != "") | (primary["pmid"] != "")).all()
    assert primary["source_kind"].notna().all() and primary["in_review"].notna().all()


def test_every_review_figure_has_an_agreement(evidence):
    review = evidence[evidence["source"] != "primary"]
    with_numbers = review[review[NUMBER_FIELDS].notna().any(axis=1)]
    assert with_numbers["agreement"].notna().all()
    checked = with_numbers[with_numbers["agreement"] != "not_checked"]
    assert (checked["agreement_note"] != "").all()


def test_checks_point_at_review_rows(evidence):
    targets = evidence.loc[evidence["checks_evidence_id"] != "", "checks_evidence_id"]
    assert len(targets) >= 10
    assert evidence.loc[targets, "source"].isin(["lu2025", "xue2025"]).all()


def test_known_disagreements_are_recorded(evidence):
    assert evidence.loc["lu2025-036", "agreement"] == "subgroup_only"
    assert evidence.loc["lu2025-037", "agreement"] == "differs"
    assert evidence.loc["lu2025-057", "agreement"] == "differs"


# --- data version 0.2.0: figures moved out of notes, new studies, corrected flags -----------------

THOMAS = "Thomas 2020 CAPTEM in NEN"
THANG = "Thang 2018 PRRT in ENETS G3 NEN"
AKYILDIZ = "Akyildiz 2010 laparoscopic RFA"
MOHAN = "Mohan 2015 systematic review of RFA for NET liver metastases"
SOULEN = "Soulen 2018 CapTemY90"

# id: (study, outcome, value, unit, comparator_value, p, n, tumour_site)
NEW_PINNED = {
    "primary-044": (THOMAS, "OS", 38, "months", None, "", 116, "mixed"),
    "primary-045": (THOMAS, "ORR", 21, "percent", None, "", 116, "mixed"),
    "primary-046": (THOMAS, "DCR", 73, "percent", None, "", 116, "mixed"),
    "primary-047": (THOMAS, "DCR", 77, "percent", 71, "", None, "pancreatic"),
    "primary-048": (THOMAS, "OS", 35, "months", 38, "", None, "pancreatic"),
    "primary-049": (THOMAS, "PFS", 29, "months", None, "0.0287", None, "mixed"),
    "primary-050": (THOMAS, "PFS", 12, "months", None, "0.0287", None, "mixed"),
    "primary-051": (THOMAS, "PFS", 7, "months", None, "0.0287", None, "mixed"),
    "primary-052": (THOMAS, "PFS", 5, "months", None, "0.0287", None, "mixed"),
    "primary-053": (THANG, "OS", 19, "months", None, "", 28, "mixed"),
    "primary-054": (THANG, "PFS", 4, "months", None, "", 6, "mixed"),
    "primary-055": (THANG, "OS", 7, "months", None, "", 6, "mixed"),
    "primary-056": (THANG, "other", 35, "percent", None, "", 23, "mixed"),
    "primary-057": (THANG, "other", 39, "percent", None, "", 23, "mixed"),
    "primary-058": (THANG, "other", 11, "patients", None, "", 28, "mixed"),
    "primary-059": (AKYILDIZ, "other", 1.3, "years", None, "", 89, "mixed"),
    "primary-060": (AKYILDIZ, "recurrence", 22, "percent", None, "", 89, "mixed"),
    "primary-061": (AKYILDIZ, "recurrence", 59, "percent", None, "", 89, "mixed"),
    "primary-062": (AKYILDIZ, "other", 6, "percent", None, "", 89, "mixed"),
    "primary-063": (AKYILDIZ, "other", 1, "percent", None, "", 89, "mixed"),
    "primary-064": (AKYILDIZ, "other", 27, "percent", None, "", 89, "mixed"),
    "primary-065": (AKYILDIZ, "other", 7, "percent", None, "", 89, "mixed"),
    "primary-066": (MOHAN, "proportion", 54, "percent", None, "", 301, "not_stated"),
    "primary-067": (MOHAN, "proportion", 26, "percent", None, "", 301, "not_stated"),
    "primary-068": (MOHAN, "proportion", 48, "percent", None, "", 301, "not_stated"),
    "primary-069": ("RADIANT-3", "PFS", 34, "percent", 9, "", 410, "pancreatic"),
    "primary-070": ("PROMID", "other", 7, "patients", 9, "", 85, "midgut"),
    "primary-071": ("NETTER-1", "other", 14, "patients", 26, "0.004", 229, "midgut"),
    "primary-072": (SOULEN, "ORR", 74, "percent", None, "", 21, "not_stated"),
    "primary-073": (SOULEN, "ORR", 55, "percent", None, "", 21, "not_stated"),
    "primary-074": (SOULEN, "PFS", 67, "percent", None, "", 21, "not_stated"),
    "primary-075": (SOULEN, "PFS", 74, "percent", None, "", 21, "not_stated"),
    "primary-076": (SOULEN, "proportion", 19, "patients", None, "", 21, "not_stated"),
}


@pytest.mark.parametrize("evidence_id", NEW_PINNED)
def test_new_primary_figures_are_pinned(evidence, evidence_id):
    study, outcome, value, unit, comp, p, n, site = NEW_PINNED[evidence_id]
    row = evidence.loc[evidence_id]
    assert (row.source, row.study_name, row.outcome, row.unit) == ("primary", study, outcome, unit)
    assert row.value == value == row.value_low == row.value_high
    assert same(row.comparator_value, comp) and same(row.n_patients, n)
    assert row.p_value == p and row.tumour_site == site


def test_the_new_rows_are_all_pinned(evidence):
    primary = evidence[evidence["source"] == "primary"]
    newer = [i for i in primary.index if int(i.split("-")[1]) > 43]
    assert newer == list(NEW_PINNED)


def test_thomas_ki67_subgroups_carry_their_bounds(evidence):
    bounds = {
        "primary-049": (None, 3, None, "no"),
        "primary-050": (3, 20, "yes", "yes"),
        "primary-051": (20, 54, "no", "yes"),
        "primary-052": (55, None, "yes", None),
    }
    for evidence_id, (low, high, low_in, high_in) in bounds.items():
        row = evidence.loc[evidence_id]
        assert same(row.ki67_min, low) and same(row.ki67_max, high), evidence_id
        got = (row.ki67_min_inclusive, row.ki67_max_inclusive)
        assert [None if pd.isna(x) else x for x in got] == [low_in, high_in], evidence_id


def test_thang_subgroups_compare_at_ki67_55(evidence):
    for low_id, high_id, value, comp in [
        ("primary-019", "primary-054", 12, 4),
        ("primary-020", "primary-055", 46, 7),
    ]:
        low, high = evidence.loc[low_id], evidence.loc[high_id]
        assert (low.value, low.comparator_value, high.value) == (value, comp, comp)
        assert (low.ki67_max, low.ki67_max_inclusive) == (55, "yes")
        assert (high.ki67_min, high.ki67_min_inclusive) == (55, "no")
        assert low.outcome == high.outcome


def test_netter2_ki67_bounds_are_inclusive(evidence):
    for evidence_id in ("primary-041", "primary-042"):
        row = evidence.loc[evidence_id]
        assert (row.ki67_min, row.ki67_max) == (10, 55)
        assert (row.ki67_min_inclusive, row.ki67_max_inclusive) == ("yes", "yes")


def test_promid_is_time_to_progression(evidence):
    row = evidence.loc["primary-032"]
    assert row.outcome == "TTP" and "time to tumour progression" in row.outcome_detail
    assert not (evidence["study_name"].eq("PROMID") & evidence["outcome"].eq("PFS")).any()


@pytest.mark.parametrize(
    ("study", "site"),
    [
        ("NETTER-1", "midgut"),
        ("SANET-ep", "extrapancreatic"),
        ("PROMID", "midgut"),
        ("RADIANT-3", "pancreatic"),
        ("NETTER-2", "gep_mixed"),
        ("CLARINET", "gep_mixed"),
        (THANG, "mixed"),
        ("Riihimaki 2016 Swedish registers", "all_nen"),
    ],
)
def test_tumour_site_of_the_trials(evidence, study, site):
    rows = evidence[evidence["study_name"] == study]
    assert len(rows) > 0
    assert set(rows["tumour_site"]) == {site}


def test_tumour_site_of_thomas_2020(evidence):
    """The mixed cohort is `mixed`; the figures of its pancreatic subgroup are `pancreatic`."""
    rows = evidence[evidence["study_name"] == THOMAS]
    subgroup = rows["population"].str.startswith("pancreatic NEN subgroup")
    assert set(rows.loc[subgroup, "tumour_site"]) == {"pancreatic"}
    assert set(rows.loc[~subgroup, "tumour_site"]) == {"mixed"}
    assert {"primary-011", "primary-044", "primary-045", "primary-046"} <= set(
        rows.index[~subgroup]
    )


def test_every_row_has_a_tumour_site(evidence):
    assert evidence["tumour_site"].notna().all()
    assert evidence.loc["lu2025-058", "tumour_site"] == "midgut"
    assert (evidence.loc[evidence["source"] == "xue2025", "tumour_site"] == "gep_mixed").all()


def test_cabinet_cohorts_have_their_sites(evidence):
    assert evidence.loc["primary-035", "tumour_site"] == "pancreatic"
    assert evidence.loc["primary-036", "tumour_site"] == "extrapancreatic"


def test_identifiers_not_seen_are_gone(evidence):
    """PMIDs never seen on a page of the publication are left empty and the note says so."""
    for evidence_id in (
        "primary-021",
        "primary-022",
        "primary-028",
        "primary-029",
        "primary-030",
        "primary-031",
    ):
        row = evidence.loc[evidence_id]
        assert row.pmid == "", evidence_id
        assert "PMID" in row.note, evidence_id


def test_issue_fixes(evidence):
    assert "median" in evidence.loc["primary-004", "note"]
    assert "1.3 years" in evidence.loc["primary-004", "note"]
    assert "derived" not in evidence.loc["primary-027", "note"]
    assert "subset" in evidence.loc["primary-001", "note"]
    assert "cut off" not in evidence.loc["primary-043", "note"]
    assert "Ki-67 >55% subgroup; the rest was cut off" not in evidence.loc["primary-018", "note"]
    row = evidence.loc["lu2025-023"]
    assert row.agreement == "partly_agrees"
    assert "89" in row.agreement_note and "34" in row.agreement_note
    soulen = evidence.loc["lu2025-039"]
    assert soulen.agreement == "agrees" and evidence.loc["primary-072", "checks_evidence_id"] == (
        "lu2025-039"
    )


# --- every number in a primary row's note stands in a row, or the note says why not ------------

NOT_A_ROW = re.compile(
    r"Not (?:a row|rows) of (?:its|their) own:[^.]*(?:\.[0-9][^.]*)*\.?", re.IGNORECASE
)
IDENTIFIERS = [
    r"\b(?:lu2025|xue2025|primary)-\d{3}\b",  # evidence ids
    r"10\.\d{4,9}/\S+",  # DOIs
    r"\d+;\d+",  # volume;issue
    r"\b\d+:\d+",  # allocation ratios
    r"95% CI",
    r"PMID \d+",
    r"\bLBA\s?\d+",
    r"\b(?:19|20)\d\d\b",  # years
    r"suppl \d+",
    r"\bref \d+",
    r"Ki-67",
    r"\b\d+Lu\b|\b90Y\b",
    r"\bRECIST \d\.\d",
    r"\bgrade \d(?:-\d)?",
    r"\bG\d\b",
    r"\d+ mg\b",
    r"\b\d+-month\b|\b\d+-year\b",
]
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?")


def _numbers_in(text: str) -> list[float]:
    text = NOT_A_ROW.sub(" ", text)
    for pattern in IDENTIFIERS:
        text = re.sub(pattern, " ", text)
    return [float(m.replace(",", "")) for m in NUMBER.findall(text)]


FIGURE_COLUMNS = [
    *NUMBER_FIELDS,
    "ki67_min",
    "ki67_max",
    "n_patients",
    "hr",
    "hr_ci_low",
    "hr_ci_high",
    "ci_low",
    "ci_high",
]


def test_every_number_in_a_primary_note_stands_in_a_row(evidence):
    primary = evidence[evidence["source"] == "primary"]
    missing = []
    for evidence_id, row in primary.iterrows():
        same_study = primary[primary["study_name"] == row.study_name]
        known = set(same_study[FIGURE_COLUMNS].stack().astype(float))
        known |= {float(p.lstrip("<>=≤≥ ")) for p in same_study["p_value"] if p}
        for column in ("population", "outcome_detail", "arm", "timepoint"):
            known |= {float(n) for text in same_study[column] for n in NUMBER.findall(text)}
        for number in _numbers_in(row.note):
            if number not in known:
                missing.append((evidence_id, number))
    assert missing == [], "numbers in notes that no row of the study holds (or explains)"


def test_hover_text_names_the_tumour_site(evidence):
    """The plots' hover text says which primary site a figure's population had."""
    from pnen_explorer import plots

    fig = plots.outcome_ranges(evidence.reset_index(drop=True), "PFS").figure
    hovers = [h.replace("<br>", " ") for trace in fig.data for h in (trace.hovertext or ()) if h]
    assert any("tumour site: midgut primaries, not pancreatic" in h for h in hovers)  # NETTER-1
    assert any("tumour site: primaries outside the pancreas" in h for h in hovers)  # SANET-ep
    ttp = plots.outcome_ranges(evidence.reset_index(drop=True), "TTP").figure
    assert "Time to tumour progression" in ttp.layout.title.text


# --- second extraction of the 0.2.0 rows: the differences it settled -----------------------------


def test_second_extraction_settlements(evidence):
    """What the independent re-reading of the 0.2.0 rows changed (data/README.md, double
    extraction)."""
    # Thang 2018 assessed response 3 months after PRRT, not at the cohort's median follow-up
    for evidence_id in ("primary-043", "primary-056", "primary-057"):
        assert evidence.loc[evidence_id, "timepoint"] == "3 months after PRRT", evidence_id
    assert evidence.loc["primary-018", "timepoint"] == "median follow-up 29 months"
    # the abstract page was cut off, so the note does not call the reading full
    assert "full" not in evidence.loc["primary-018", "note"]
    assert "cut off" in evidence.loc["primary-018", "note"]
    # NETTER-1's PMID was seen only on an unofficial mirror of the PubMed record: left empty
    for evidence_id in ("primary-021", "primary-022", "primary-071"):
        row = evidence.loc[evidence_id]
        assert row.pmid == "" and "mirror" in row.note, evidence_id
    # CLARINET: no record of the publication itself was found in either reading
    for evidence_id in ("primary-030", "primary-031"):
        assert "second search" in evidence.loc[evidence_id, "note"], evidence_id
    # Soulen 2018's extrahepatic response is among patients with disease outside the liver
    assert "where present" in evidence.loc["primary-073", "statement"]
