"""Profile: validation, WHO 2022 grading as lu2025 states it, summary, and string round trips."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pnen_explorer.profile import THERAPIES, Profile, ProfileError


def _maybe(strategy):
    return st.none() | strategy


def _number(high=None):
    return _maybe(st.floats(min_value=0, max_value=high if high is not None else 1e4))


profiles = st.builds(
    Profile,
    ki67=_number(100),
    mitoses_per_10hpf=_number(200),
    differentiation=_maybe(st.sampled_from(["well", "poor"])),
    functional=_maybe(st.booleans()),
    syndrome=st.none(),
    liver_type=_maybe(st.sampled_from(["I", "II", "III"])),
    extrahepatic=_maybe(st.booleans()),
    resectable=_maybe(st.booleans()),
    sstr_positive=_maybe(st.booleans()),
    progressive=_maybe(st.booleans()),
    primary_site=_maybe(st.sampled_from(["head", "body_tail"])),
    primary_resected=_maybe(st.booleans()),
    liver_lesions=_maybe(st.integers(min_value=0, max_value=60)),
    largest_lesion_cm=_number(40),
    liver_involvement_pct=_number(100),
    stable_months=_number(300),
    age=_number(110),
    prior_therapies=st.lists(st.sampled_from(list(THERAPIES)), max_size=3).map(tuple),
) | st.builds(  # functional tumours with a named syndrome
    Profile,
    ki67=_number(100),
    syndrome=st.sampled_from(["insulinoma", "gastrinoma", "other"]),
    liver_type=_maybe(st.sampled_from(["I", "II", "III"])),
    resectable=_maybe(st.booleans()),
    sstr_positive=_maybe(st.booleans()),
    progressive=_maybe(st.booleans()),
    prior_therapies=st.lists(st.sampled_from(list(THERAPIES)), max_size=2).map(tuple),
)
"""Any valid profile; other test modules import it."""


# --- grading (lu2025 introduction, refs 4-5) ---------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "grade"),
    [
        ({"ki67": 0}, "G1"),
        ({"ki67": 2.9}, "G1"),
        ({"ki67": 3}, "G2"),  # 3 % is G2
        ({"ki67": 20}, "G2"),  # 20 % is G2
        ({"ki67": 20.1}, "G3"),
        ({"ki67": 100}, "G3"),
        ({"mitoses_per_10hpf": 1.9}, "G1"),
        ({"mitoses_per_10hpf": 2}, "G2"),
        ({"mitoses_per_10hpf": 20}, "G2"),
        ({"mitoses_per_10hpf": 21}, "G3"),
        ({"ki67": 2, "mitoses_per_10hpf": 1}, "G1"),
        ({"ki67": 2, "mitoses_per_10hpf": 5}, "G2"),  # the higher grade wins
        ({"ki67": 25, "mitoses_per_10hpf": 1}, "G3"),
        ({"ki67": 8, "mitoses_per_10hpf": 30}, "G3"),
        ({"ki67": 2.9, "mitoses_per_10hpf": 2}, "G2"),
        ({"ki67": 30, "differentiation": "well"}, "G3"),
        ({"ki67": 30, "differentiation": "poor"}, "NEC"),
        ({"ki67": 5, "differentiation": "poor"}, "NEC"),  # differentiation decides NEC
        ({"differentiation": "poor"}, "NEC"),
        ({"differentiation": "well"}, None),
        ({}, None),
    ],
    ids=lambda v: str(v),
)
def test_grade_follows_who_2022(fields, grade):
    assert Profile(**fields).grade == grade


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ki67", -0.1),
        ("ki67", 100.1),
        ("ki67", math.nan),
        ("ki67", math.inf),
        ("ki67", "8"),
        ("ki67", True),
        ("mitoses_per_10hpf", -1),
        ("differentiation", "moderate"),
        ("functional", "yes"),
        ("functional", 1),
        ("syndrome", "vipoma"),
        ("liver_type", "IV"),
        ("liver_type", "i"),
        ("liver_type", 1),
        ("extrahepatic", 0),
        ("resectable", "no"),
        ("sstr_positive", "positive"),
        ("progressive", "unknown"),
        ("progressive", 1),
        ("primary_site", "neck"),
        ("primary_resected", "yes"),
        ("liver_lesions", -1),
        ("liver_lesions", 2.5),
        ("liver_lesions", True),
        ("largest_lesion_cm", -0.5),
        ("liver_involvement_pct", 100.5),
        ("liver_involvement_pct", -1),
        ("stable_months", -1),
        ("age", -1),
        ("prior_therapies", "captem"),
        ("prior_therapies", ("chemotherapy",)),
        ("prior_therapies", None),
    ],
)
def test_invalid_values_raise_profile_error_naming_the_field(field, value):
    with pytest.raises(ProfileError) as caught:
        Profile(**{field: value})
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}:")
    assert isinstance(caught.value, ValueError)


def test_a_syndrome_contradicting_non_functional_is_an_error():
    with pytest.raises(ProfileError) as caught:
        Profile(syndrome="insulinoma", functional=False)
    assert caught.value.field == "syndrome"


def test_a_syndrome_makes_the_tumour_functional():
    assert Profile(syndrome="gastrinoma").functional is True


def test_values_are_stored_in_canonical_form():
    profile = Profile(ki67=8, liver_lesions=3.0, prior_therapies=["CAPTEM ", "everolimus"])
    assert isinstance(profile.ki67, float) and profile.ki67 == 8
    assert isinstance(profile.liver_lesions, int) and profile.liver_lesions == 3
    assert profile.prior_therapies == ("captem", "everolimus")


def test_bounds_themselves_are_valid():
    profile = Profile(ki67=100, liver_involvement_pct=100, liver_lesions=0, age=0)
    assert profile.ki67 == 100 and profile.liver_lesions == 0


def test_profile_is_immutable_and_hashable():
    profile = Profile(ki67=8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.ki67 = 9  # type: ignore[misc]
    assert hash(profile) == hash(Profile(ki67=8.0))


def test_fields_are_keyword_only_and_default_to_unknown():
    with pytest.raises(TypeError):
        Profile(8)  # type: ignore[misc]
    empty = Profile()
    assert all(
        getattr(empty, f.name) is None
        for f in dataclasses.fields(empty)
        if f.name != "prior_therapies"
    )
    assert empty.prior_therapies == ()


# --- summary ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        (
            {"ki67": 8, "differentiation": "well", "functional": False, "liver_type": "I"},
            "G2 NET (Ki-67 8 %), non-functional, liver type I",
        ),
        ({"ki67": 70, "differentiation": "poor"}, "NEC (Ki-67 70 %)"),
        ({"mitoses_per_10hpf": 25}, "G3 NET (25 mitoses/10 HPF)"),
        ({"ki67": 2.5, "syndrome": "insulinoma"}, "G1 NET (Ki-67 2.5 %), functional (insulinoma)"),
        ({"differentiation": "well", "liver_type": "III"}, "NET, grade unknown, liver type III"),
        ({}, "grade unknown"),
    ],
)
def test_summary_is_one_line_for_figure_titles(fields, text):
    assert Profile(**fields).summary() == text


# --- plain mappings (query strings) -------------------------------------------------------------


def test_from_mapping_reads_strings():
    profile = Profile.from_mapping(
        {
            "ki67": "8",
            "mitoses_per_10hpf": "3",
            "differentiation": "well",
            "functional": "yes",
            "syndrome": "Gastrinoma",
            "liver_type": "ii",
            "extrahepatic": "no",
            "resectable": "False",
            "sstr_positive": "1",
            "progressive": "yes",
            "primary_site": "body_tail",
            "primary_resected": "0",
            "liver_lesions": "3",
            "largest_lesion_cm": "2.5",
            "liver_involvement_pct": "30",
            "stable_months": "8",
            "age": "55",
            "prior_therapies": "captem;everolimus",
        }
    )
    assert profile == Profile(
        ki67=8,
        mitoses_per_10hpf=3,
        differentiation="well",
        functional=True,
        syndrome="gastrinoma",
        liver_type="II",
        extrahepatic=False,
        resectable=False,
        sstr_positive=True,
        progressive=True,
        primary_site="body_tail",
        primary_resected=False,
        liver_lesions=3,
        largest_lesion_cm=2.5,
        liver_involvement_pct=30,
        stable_months=8,
        age=55,
        prior_therapies=("captem", "everolimus"),
    )


def test_from_mapping_treats_empty_as_unknown_and_accepts_plain_values():
    assert (
        Profile.from_mapping({"ki67": "", "liver_type": None, "prior_therapies": ""}) == Profile()
    )
    assert Profile.from_mapping({"ki67": 8.0, "functional": False}) == Profile(
        ki67=8, functional=False
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ki67", "eight"),
        ("ki67", "120"),
        ("ki67", "nan"),
        ("functional", "maybe"),
        ("liver_type", "IV"),
        ("liver_lesions", "2.5"),
        ("age", "-3"),
        ("primary_site", "tail"),
        ("prior_therapies", "captem;chemo"),
        ("kii67", "8"),  # unknown keys are never ignored
        ("grade", "G2"),  # derived, not a field
    ],
)
def test_from_mapping_rejects_bad_values_naming_the_field(key, value):
    with pytest.raises(ProfileError) as caught:
        Profile.from_mapping({key: value})
    assert caught.value.field == key


def test_to_mapping_gives_strings_of_known_fields_only():
    mapping = Profile(ki67=8, functional=False, liver_type="I", largest_lesion_cm=2.5).to_mapping()
    assert mapping == {
        "ki67": "8",
        "functional": "no",
        "liver_type": "I",
        "largest_lesion_cm": "2.5",
    }
    assert Profile().to_mapping() == {}


@given(profiles)
def test_mapping_round_trip(profile):
    mapping = profile.to_mapping()
    assert all(isinstance(v, str) for v in mapping.values())
    assert Profile.from_mapping(mapping) == profile
