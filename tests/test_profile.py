"""Profile: validation, WHO 2022 grading as lu2025 states it, summary, and string round trips."""

from __future__ import annotations

import dataclasses
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pnen_explorer.cases import TEACHING_CASES
from pnen_explorer.i18n import speaking
from pnen_explorer.profile import THERAPIES, Profile, ProfileError, expected
from pnen_explorer.translations import meaning
from pnen_explorer.vocabulary import FIELDS


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


# --- in Chinese: the summary, the refusals and the patient form ------------------------------

CJK = re.compile(r"[\u4e00-\u9fff\uff08\uff09\uff0c\uff1a\uff1b]")  # or full-width marks
ALLOWED_WORDS = {
    *("NET", "NEC", "Ki", "HPF", "SSTR", "G", "I", "II", "III", "cm", "WHO", "yes", "no"),
    *("CAPTEM", "PRRT", "TACE", "RFA", "SSA", "PFS", "OS", "ORR", "DCR"),  # drugs, abbreviations
}


def english_words(text: str) -> list[str]:
    """The English words of ``text`` outside quotes (values as typed), codes and the allowed
    abbreviations."""
    text = re.sub(r"'[^']*'|“[^”]*”|\"[^\"]*\"", "", text)
    words = re.findall(r"[A-Za-z][A-Za-z_\d]*", text)
    return [w for w in words if w not in ALLOWED_WORDS and not re.search(r"[_\d]", w)]


SUMMARY_CASES = [
    {"ki67": 8, "differentiation": "well", "functional": False, "liver_type": "I"},
    {"ki67": 70, "differentiation": "poor"},
    {"mitoses_per_10hpf": 25},
    {"ki67": 2.5, "syndrome": "insulinoma"},
    {"ki67": 12, "syndrome": "gastrinoma", "liver_type": "II"},
    {"differentiation": "well", "liver_type": "III"},
    {},
]


@pytest.mark.parametrize("fields", SUMMARY_CASES)
def test_the_summary_in_chinese_keeps_every_number(fields):
    profile = Profile(**fields)
    english = profile.summary()
    with speaking("zh"):
        chinese = profile.summary()
    assert CJK.search(chinese), chinese
    assert english_words(chinese) == [], chinese
    assert meaning(chinese) == meaning(english), (english, chinese)
    assert profile.summary() == english  # the English page is untouched


@pytest.mark.parametrize(
    "mapping",
    [
        {"ki67": "150"},
        {"age": "fifty"},
        {"liver_lesions": "2.5"},
        {"stable_months": "700"},
        {"largest_lesion_cm": "41"},
        {"liver_type": "IV"},
        {"functional": "maybe"},
        {"functional": "no", "syndrome": "gastrinoma"},
        {"prior_therapies": "captem;snake oil"},
        {"colour": "blue"},
    ],
    ids=lambda m: ",".join(m),
)
def test_refusals_in_chinese_name_the_same_field_and_numbers(mapping):
    with pytest.raises(ProfileError) as english:
        Profile.from_mapping(mapping)
    with speaking("zh"), pytest.raises(ProfileError) as chinese:
        Profile.from_mapping(mapping)
    assert chinese.value.field == english.value.field
    assert CJK.search(chinese.value.reason), chinese.value.reason
    assert english_words(chinese.value.reason.split("：")[0]) == [], chinese.value.reason
    assert meaning(chinese.value.reason) == meaning(english.value.reason)


def test_what_a_field_accepts_reads_as_the_vocabulary_says_in_english():
    for spec in FIELDS.values():
        assert expected(spec) == spec.expected()


@pytest.fixture
def form():
    from pnen_explorer.session import Session
    from pnen_explorer.views.form import ProfileForm

    session = Session()
    session.apply_case(next(iter(TEACHING_CASES)))
    said: list[list[str]] = []
    panel = ProfileForm(session, said.append)
    panel.said = said
    return panel


def _texts(form) -> dict[str, object]:
    """Every text the panel shows and every value it holds."""
    shown: dict[str, object] = {"summary": form.summary.description, "help": form.liver_help.value}
    for name, control in {"case": form.case, **form.controls}.items():
        shown[name] = (
            control.description,
            control.tooltip,
            getattr(control, "placeholder", None),
            tuple(getattr(control, "options", ())),
        )
        shown[f"{name}.value"] = control.value
    return shown


def test_the_form_relabels_itself_in_chinese_and_back_keeping_every_value(form):
    before = _texts(form)
    profile, case = form.session.profile, form.session.case_name
    with speaking("zh"):
        form.relabel()
    chinese = _texts(form)
    for name, control in {"case": form.case, **form.controls}.items():
        assert control.value == before[f"{name}.value"], name
        assert CJK.search(control.description), name
        assert english_words(control.description) == [], control.description
        assert english_words(control.tooltip) == [], control.tooltip
        for label, _value in getattr(control, "options", ()):
            assert english_words(label) == [], label
        if hasattr(control, "placeholder"):
            assert control.placeholder == "未知"
    assert chinese["summary"].startswith("患者：") and english_words(chinese["summary"]) == []
    assert meaning(chinese["summary"]) == meaning(before["summary"])
    assert CJK.search(chinese["help"])
    assert form.session.profile == profile and form.session.case_name == case
    assert form.said == []  # relabelling is no edit: nothing refused, nothing reported
    form.relabel()  # back in English: exactly as built
    assert _texts(form) == before


@pytest.mark.parametrize(
    ("field", "typed"),
    [("ki67", "150"), ("age", "fifty"), ("liver_lesions", "2.5"), ("stable_months", "601")],
)
def test_a_refused_entry_says_why_in_chinese_with_the_same_numbers(form, field, typed):
    profile = form.session.profile
    form.controls[field].value = typed
    english = form.said[-1][0]
    with speaking("zh"):
        form.relabel()
        form.controls[field].value = typed
    chinese = form.said[-1][0]
    assert CJK.search(chinese) and english_words(chinese) == [], chinese
    assert f"“{typed}”" in chinese
    assert meaning(chinese) == meaning(english), (english, chinese)
    assert form.session.profile == profile


def test_a_decimal_comma_is_taken_in_chinese_too(form):
    with speaking("zh"):
        form.relabel()
        form.controls["ki67"].value = "20,5"
    assert form.session.profile.ki67 == 20.5 and form.said[-1] == []


def test_after_relabelling_the_form_keeps_its_language_in_its_own_callbacks(form):
    """A widget's callback may run outside the page's language block: the panel's refusals
    and its summary stay in the language it was drawn in."""
    with speaking("zh"):
        form.relabel()
    form.controls["ki67"].value = "150"  # outside any language block
    assert form.said[-1][0].startswith("Ki-67（%）应为"), form.said[-1]
    form.controls["ki67"].value = "30"
    assert form.session.profile.ki67 == 30
    assert form.summary.description.startswith("患者：G3 NET（Ki-67 30%）")
    form.summary.value = False
    assert form.summary.description.endswith("（▸ 编辑）")
    form.relabel()  # English again
    assert form.summary.description.startswith("Patient: G3 NET (Ki-67 30 %)")
