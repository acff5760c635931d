"""The figures themselves: pinned to their rows, accounted for in the coverage ledger, and
checked against the primary publications. A later edit cannot change a number silently."""

from __future__ import annotations

import math

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
    "primary-032": ("PROMID", "octreotide LAR", "PFS", 14.3, 6, 0.34, 0.2, 0.59, ".000072"),
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
