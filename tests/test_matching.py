"""Matching evidence rows to a profile: hand-built rows, a row-by-row reference, and real data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pnen_explorer.data import load_evidence
from pnen_explorer.matching import (
    APPLICABILITY_COLUMNS,
    MATCH_LEVELS,
    filter_evidence,
    match_evidence,
    pancreatic_only,
)
from pnen_explorer.profile import Profile
from pnen_explorer.vocabulary import TUMOUR_SITES
from tests.test_profile import profiles

FLAGS = ("functional", "resectable", "sstr_positive", "extrahepatic")
INCLUSIVE = ("ki67_min_inclusive", "ki67_max_inclusive")
EMPTY_ROW = {
    "grades": (),
    "ki67_min": math.nan,
    "ki67_max": math.nan,
    "functional": None,
    "liver_types": (),
    "resectable": None,
    "sstr_positive": None,
    "extrahepatic": None,
}


def frame(*rows: dict) -> pd.DataFrame:
    """Evidence rows typed as the loader types them (tuples, floats, yes/no categoricals)."""
    records = [{**EMPTY_ROW, **r} for r in rows]
    out = pd.DataFrame(
        {
            "evidence_id": [f"lu2025-{i:03d}" for i in range(1, len(records) + 1)],
            **{c: [r[c] for r in records] for c in APPLICABILITY_COLUMNS},
        }
    )
    for col in ("grades", "liver_types"):
        out[col] = pd.Series([r[col] for r in records], dtype=object)
    for col in ("ki67_min", "ki67_max"):
        out[col] = out[col].astype(float)
    for col in INCLUSIVE:
        if any(col in r for r in rows):
            out[col] = pd.Categorical([r.get(col) for r in records], categories=["yes", "no"])
    for col in FLAGS:
        out[col] = pd.Categorical(out[col], categories=["yes", "no"])
    return out


G2_NF_I = Profile(ki67=8, differentiation="well", functional=False, liver_type="I")

# (id, row restrictions, profile, expected match, words in `why`)
CASES = [
    ("no restriction", {}, G2_NF_I, "not_restricted", ""),
    ("grade admits", {"grades": ("G1", "G2")}, G2_NF_I, "matches", ""),
    (
        "G3 NET Ki-67 20-55 row, G2 patient",
        {"grades": ("G3",), "ki67_min": 20, "ki67_max": 55},
        G2_NF_I,
        "excluded",
        "about G3 NET, Ki-67 ≥ 20 % and < 55 %; this patient: G2, Ki-67 8 %",
    ),
    ("grade NEC row, G2 patient", {"grades": ("NEC",)}, G2_NF_I, "excluded", "about NEC"),
    ("Ki-67 at the lower bound", {"ki67_min": 8}, G2_NF_I, "matches", ""),
    ("Ki-67 at the upper bound", {"ki67_max": 8}, G2_NF_I, "excluded", "Ki-67 < 8 %"),
    ("Ki-67 below an upper bound", {"ki67_max": 10}, G2_NF_I, "matches", ""),
    ("Ki-67 under a lower bound", {"ki67_min": 55}, G2_NF_I, "excluded", "Ki-67 ≥ 55 %"),
    (
        "Ki-67 at an inclusive upper bound",
        {"ki67_max": 8, "ki67_max_inclusive": "yes"},
        G2_NF_I,
        "matches",
        "",
    ),
    (
        "Ki-67 at an exclusive lower bound",
        {"ki67_min": 8, "ki67_min_inclusive": "no"},
        G2_NF_I,
        "excluded",
        "about Ki-67 > 8 %; this patient: Ki-67 8 %",
    ),
    (
        "Ki-67 above an inclusive upper bound",
        {"ki67_min": 3, "ki67_max": 7.5, "ki67_min_inclusive": "yes", "ki67_max_inclusive": "yes"},
        G2_NF_I,
        "excluded",
        "about Ki-67 ≥ 3 % and ≤ 7.5 %",
    ),
    ("functional row", {"functional": "yes"}, G2_NF_I, "excluded", "about functional tumours"),
    ("non-functional row", {"functional": "no"}, G2_NF_I, "matches", ""),
    (
        "liver types II/III row",
        {"liver_types": ("II", "III")},
        G2_NF_I,
        "excluded",
        "about liver types II/III; this patient: liver type I",
    ),
    ("liver type I row", {"liver_types": ("I",)}, G2_NF_I, "matches", ""),
    (
        "resectable row, unresectable patient",
        {"resectable": "yes"},
        Profile(resectable=False),
        "excluded",
        "about resectable disease; this patient: not resectable",
    ),
    (
        "SSTR-positive row, SSTR-negative patient",
        {"sstr_positive": "yes"},
        Profile(sstr_positive=False),
        "excluded",
        "SSTR-negative",
    ),
    (
        "liver-only row, extrahepatic patient",
        {"extrahepatic": "no"},
        Profile(extrahepatic=True),
        "excluded",
        "about liver-only disease; this patient: with extrahepatic disease",
    ),
    (
        "restricted row, unknown patient",
        {"grades": ("G3",), "ki67_min": 20},
        Profile(),
        "matches",
        "",
    ),
    (
        "grade by mitoses only, Ki-67 row",
        {"ki67_min": 20},
        Profile(mitoses_per_10hpf=1),
        "matches",
        "",
    ),
    (
        "NEC patient, G3 row",
        {"grades": ("G3",)},
        Profile(differentiation="poor"),
        "excluded",
        "NEC",
    ),
]


@pytest.mark.parametrize(
    ("restrictions", "profile", "expected", "words"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_one_row(restrictions, profile, expected, words):
    result = match_evidence(frame(restrictions), profile).iloc[0]
    assert result["match"] == expected
    if expected == "excluded":
        assert words in result["why"]
    else:
        assert result["why"] == ""


def test_several_contradictions_are_all_said():
    row = {"grades": ("G3", "NEC"), "functional": "yes", "liver_types": ("III",)}
    why = match_evidence(frame(row), G2_NF_I)["why"].iloc[0]
    assert why == (
        "about G3 NET/NEC, functional tumours, liver type III; "
        "this patient: G2, non-functional, liver type I"
    )


def test_unknown_fields_never_exclude_and_are_named():
    row = {"grades": ("G3",), "ki67_max": 55, "sstr_positive": "yes", "liver_types": ("II",)}
    result = match_evidence(frame(row), Profile(ki67=30)).iloc[0]
    assert result["match"] == "matches"
    assert result["unknown"] == ("liver_type", "sstr_positive")
    known = match_evidence(frame(row), Profile(ki67=30, sstr_positive=True, liver_type="II"))
    assert known["unknown"].iloc[0] == ()


def test_output_keeps_the_table_and_adds_three_columns():
    evidence = frame({}, {"grades": ("G3",)}, {"grades": ("G1",)})
    evidence.index = [10, 20, 30]
    result = match_evidence(evidence, G2_NF_I)
    assert list(result.columns) == [*evidence.columns, "match", "why", "unknown"]
    assert list(result.index) == [10, 20, 30]
    assert list(result["match"].cat.categories) == list(MATCH_LEVELS)
    assert list(result["match"]) == ["not_restricted", "excluded", "excluded"]
    assert "match" not in evidence.columns  # the input is left alone


def test_filter_keeps_the_rows_not_excluded():
    evidence = frame({}, {"grades": ("G3",)}, {"grades": ("G2",)})
    kept = filter_evidence(evidence, G2_NF_I)
    assert list(kept["evidence_id"]) == ["lu2025-001", "lu2025-003"]
    assert "why" not in kept.columns
    assert set(kept["match"]) == {"not_restricted", "matches"}


def test_plain_text_columns_work_like_parsed_ones():
    typed = frame({"grades": ("G1", "G2"), "functional": "yes"}, {"liver_types": ("III",)})
    raw = typed.assign(
        grades=["G1;G2", ""],
        liver_types=["", "III"],
        functional=["yes", ""],
        resectable="",
        sstr_positive="",
        extrahepatic="",
    )
    profile = Profile(ki67=8, functional=False, liver_type="I")
    expected = match_evidence(typed, profile)
    got = match_evidence(raw, profile)
    assert list(got["match"]) == list(expected["match"])
    assert list(got["why"]) == list(expected["why"])


def test_an_empty_table_and_a_missing_column():
    empty = frame()
    result = match_evidence(empty, G2_NF_I)
    assert len(result) == 0 and "match" in result.columns
    with pytest.raises(ValueError, match="ki67_max"):
        match_evidence(empty.drop(columns="ki67_max"), G2_NF_I)


# --- against a row-by-row reference -------------------------------------------------------------


def reference(row: dict, profile: Profile) -> tuple[str, tuple[str, ...]]:
    """The documented semantics, one row at a time: (match level, unknown fields)."""
    restricted = excluded = False
    unknown = []

    def consider(field, states, admits):
        nonlocal restricted, excluded
        if not states:
            return
        restricted = True
        value = profile.grade if field == "grade" else getattr(profile, field)
        if value is None:
            unknown.append(field)
        elif not admits(value):
            excluded = True

    low, high = row["ki67_min"], row["ki67_max"]
    low_in = row.get("ki67_min_inclusive") != "no"  # empty: >= (the contract's default)
    high_in = row.get("ki67_max_inclusive") == "yes"  # empty: <
    consider("grade", row["grades"], lambda g: g in row["grades"])
    consider(
        "ki67",
        not (math.isnan(low) and math.isnan(high)),
        lambda k: (
            (math.isnan(low) or (k >= low if low_in else k > low))
            and (math.isnan(high) or (k <= high if high_in else k < high))
        ),
    )
    consider("functional", row["functional"], lambda v: v == (row["functional"] == "yes"))
    consider("liver_type", row["liver_types"], lambda t: t in row["liver_types"])
    for flag in ("resectable", "sstr_positive", "extrahepatic"):
        consider(flag, row[flag], lambda v, flag=flag: v == (row[flag] == "yes"))
    level = "excluded" if excluded else "matches" if restricted else "not_restricted"
    return level, tuple(unknown)


rows = st.fixed_dictionaries(
    {
        "grades": st.sets(st.sampled_from(["G1", "G2", "G3", "NEC"])).map(sorted).map(tuple),
        "ki67_min": st.sampled_from([math.nan, 0, 3, 10, 20, 55]),
        "ki67_max": st.sampled_from([math.nan, 3, 5, 10, 20, 55]),
        **{col: st.sampled_from([None, "yes", "no"]) for col in INCLUSIVE},
        "liver_types": st.sets(st.sampled_from(["I", "II", "III"])).map(sorted).map(tuple),
        **{flag: st.sampled_from([None, "yes", "no"]) for flag in FLAGS},
    }
)


@pytest.mark.slow  # seconds on a quiet machine, minutes on a busy one
@settings(max_examples=200, deadline=None)
@given(st.lists(rows, max_size=25), profiles)
def test_matches_the_row_by_row_reference(records, profile):
    result = match_evidence(frame(*records), profile)
    for record, (_, got) in zip(records, result.iterrows(), strict=True):
        level, unknown = reference(record, profile)
        assert got["match"] == level
        assert got["unknown"] == unknown
        assert (got["why"] != "") == (level == "excluded")


def test_a_hundred_thousand_rows_agree_with_a_small_table():
    small = frame(
        {},
        {"grades": ("G3",), "ki67_min": 20, "ki67_max": 55},
        {"grades": ("G1", "G2"), "functional": "no"},
        {"liver_types": ("III",), "resectable": "no"},
        {"sstr_positive": "yes", "ki67_max": 10},
    )
    rng = np.random.default_rng(20250301)
    big = small.iloc[rng.integers(0, len(small), 100_000)].reset_index(drop=True)
    expected = match_evidence(small, G2_NF_I).set_index("evidence_id")
    got = match_evidence(big, G2_NF_I)
    for column in ("match", "why", "unknown"):
        assert list(got[column]) == list(expected.loc[big["evidence_id"], column])


# --- the curated data ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evidence() -> pd.DataFrame:
    return load_evidence()


@pytest.mark.parametrize(
    "profile",
    [
        G2_NF_I,
        Profile(),
        Profile(ki67=30, differentiation="well", sstr_positive=True, liver_type="III"),
        Profile(ki67=70, differentiation="poor", functional=True, resectable=False),
    ],
    ids=lambda p: p.summary(),
)
def test_curated_evidence(evidence, profile):
    result = match_evidence(evidence, profile)
    assert result["match"].notna().all()
    empty = (
        (evidence["grades"].map(len) == 0)
        & evidence["ki67_min"].isna()
        & evidence["ki67_max"].isna()
        & (evidence["liver_types"].map(len) == 0)
        & np.logical_and.reduce([evidence[f].isna() for f in FLAGS])
    )
    assert list(result["match"] == "not_restricted") == list(empty)
    excluded = result["match"] == "excluded"
    assert (result.loc[excluded, "why"].str.startswith("about ")).all()
    assert (result.loc[~excluded, "why"] == "").all()
    assert len(filter_evidence(evidence, profile)) == (~excluded).sum()
    if profile == Profile():
        assert not excluded.any()


def test_curated_evidence_about_g3_is_excluded_for_a_g2_patient(evidence):
    result = match_evidence(evidence, G2_NF_I)
    only_high = evidence["grades"].map(lambda g: bool(g) and not {"G1", "G2"} & set(g))
    assert only_high.any()
    assert (result.loc[only_high, "match"] == "excluded").all()


# --- inclusive Ki-67 bounds and tumour sites in the curated data --------------------------------


def test_every_curated_ki67_bound_says_whether_it_is_inclusive(evidence):
    for bound in ("min", "max"):
        has_bound = evidence[f"ki67_{bound}"].notna()
        flag = evidence[f"ki67_{bound}_inclusive"]
        assert flag[has_bound].notna().all(), f"ki67_{bound} without ki67_{bound}_inclusive"
        assert flag[~has_bound].isna().all(), f"ki67_{bound}_inclusive without a bound"


@pytest.mark.parametrize(
    ("ki67", "expected"),
    [(9.9, "excluded"), (10, "matches"), (30, "matches"), (55, "matches"), (55.1, "excluded")],
)
def test_netter2_includes_both_ki67_bounds(evidence, ki67, expected):
    """NETTER-2 enrolled Ki-67 from 10 % to 55 %, both ends included."""
    profile = Profile(ki67=ki67, differentiation="well", sstr_positive=True)
    result = match_evidence(evidence, profile).set_index("evidence_id")
    for row in ("primary-041", "primary-042"):
        assert result.loc[row, "match"] == expected, (row, ki67)
    if expected == "excluded":
        assert "Ki-67 ≥ 10 % and ≤ 55 %" in result.loc["primary-041", "why"]


@pytest.mark.parametrize(
    ("ki67", "low_subgroup", "high_subgroup"),
    [(55, "matches", "excluded"), (56, "excluded", "matches")],
)
def test_thang_subgroups_split_at_ki67_55(evidence, ki67, low_subgroup, high_subgroup):
    """Thang 2018: Ki-67 <= 55 % (primary-019/020) and > 55 % (primary-054/055)."""
    result = match_evidence(evidence, Profile(ki67=ki67, differentiation="well"))
    result = result.set_index("evidence_id")
    assert result.loc[["primary-019", "primary-020"], "match"].eq(low_subgroup).all()
    assert result.loc[["primary-054", "primary-055"], "match"].eq(high_subgroup).all()


def test_exclusive_lower_bound_of_the_review_prrt_row(evidence):
    """lu2025 prints Ki-67 >20 % ~ <55 %: both bounds exclusive."""
    row = evidence[evidence["evidence_id"] == "lu2025-057"].drop(columns="grades")
    row = row.assign(grades=[()])
    for ki67, expected in [
        (20, "excluded"),
        (20.5, "matches"),
        (54.9, "matches"),
        (55, "excluded"),
    ]:
        got = match_evidence(row, Profile(ki67=ki67)).iloc[0]["match"]
        assert got == expected, ki67


def test_rows_without_the_inclusive_columns_use_the_defaults():
    """A table of data version 0.1.0 (no flags): >= at the lower end, < at the upper end."""
    rows = frame({"ki67_min": 10, "ki67_max": 55})
    assert "ki67_min_inclusive" not in rows
    got = [match_evidence(rows, Profile(ki67=k)).iloc[0]["match"] for k in (10, 54.9, 55)]
    assert got == ["matches", "matches", "excluded"]


def test_pancreatic_only(evidence):
    kept = pancreatic_only(evidence)
    assert len(kept) > 0
    assert set(kept["tumour_site"].astype(str)) == {"pancreatic"}
    assert len(kept) == (evidence["tumour_site"] == "pancreatic").sum()
    ids = set(kept["evidence_id"])
    assert {"primary-016", "primary-035", "primary-047"} <= ids  # RADIANT-3, CABINET, pNEN subgroup
    assert not {"primary-021", "primary-014", "primary-044", "primary-053"} & ids
    wider = pancreatic_only(evidence, include_mixed=True)
    assert set(wider["tumour_site"].astype(str)) == {"pancreatic", "gep_mixed"}
    assert {"primary-041", "primary-030"} <= set(wider["evidence_id"])  # NETTER-2, CLARINET


def test_pancreatic_only_needs_the_column():
    with pytest.raises(ValueError, match="tumour_site"):
        pancreatic_only(frame({}))


def test_tumour_sites_are_the_contracts():
    from pnen_explorer.data import table_schema

    field = next(f for f in table_schema("evidence")["fields"] if f["name"] == "tumour_site")
    assert tuple(field["constraints"]["enum"]) == tuple(TUMOUR_SITES)
