"""Links are untrusted input: any query string opens a valid case or says what it ignored."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pnen_explorer.app import Explorer
from pnen_explorer.cases import TEACHING_CASES
from pnen_explorer.profile import Profile
from pnen_explorer.share import (
    MAX_NOTICES,
    MAX_QUERY_LENGTH,
    MAX_VALUE_LENGTH,
    Case,
    case_query,
    parse_query,
)
from pnen_explorer.views.html import esc
from pnen_explorer.vocabulary import CORE_OUTCOMES as OUTCOMES
from pnen_explorer.vocabulary import TABS
from tests.test_profile import profiles

FIELDS = list(Profile().__dataclass_fields__)
MARKUP = ("<script", "<img", "<svg")


def assert_valid_case(case: Case) -> None:
    assert isinstance(case, Case) and isinstance(case.profile, Profile)
    assert Profile.from_mapping(case.profile.to_mapping()) == case.profile
    assert case.outcome in OUTCOMES
    assert len(case.notices) <= MAX_NOTICES
    assert all(isinstance(n, str) and n for n in case.notices)


@settings(max_examples=150, deadline=None)
@given(
    profile=profiles,
    outcome=st.sampled_from(OUTCOMES),
    tab=st.sampled_from(list(TABS)),
    presenter=st.booleans(),
    beyond_review=st.booleans(),
)
def test_a_case_link_reopens_the_same_case_and_view(
    profile, outcome, tab, presenter, beyond_review
):
    case = Case(profile, outcome, tab=tab, presenter=presenter, beyond_review=beyond_review)
    assert parse_query(case_query(case)) == case


@pytest.mark.parametrize("name", list(TEACHING_CASES))
def test_a_teaching_case_link_reopens_the_case_by_name(name):
    case = parse_query("case=" + quote(name))
    assert case.case_name == name and case.notices == ()
    assert parse_query(case_query(case)) == case


def test_a_teaching_case_changed_by_the_link_is_a_case_of_its_own():
    name = next(iter(TEACHING_CASES))
    case = parse_query(f"case={quote(name)}&ki67=60")
    assert case.case_name == "" and case.profile.ki67 == 60
    assert case.profile.liver_type == TEACHING_CASES[name]["liver_type"]


@settings(max_examples=300, deadline=None)
@given(
    query=st.one_of(
        st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
    )
)
def test_any_query_string_opens_a_valid_case(query):
    assert_valid_case(parse_query(query))


# Valid fields of two different cases, mixed with junk: fields meet and constrain each other.
NUMBERS = ["0", "8", "20.5", "100", "-1", "1e309", "nan", "1_0", "８"]
WORDS = ["yes", "no", "maybe", "I", "iii", "well", "poor", "head", "insulinoma", "gastrinoma"]
OTHERS = ["everolimus;prrt", "captem;;sunitinib", "<script>alert(1)</script>", "%00", "%ff"]
VALUES = st.sampled_from(["", *NUMBERS, *WORDS, *OTHERS]) | st.text(max_size=12)
JUNK = st.tuples(st.sampled_from([*FIELDS, "outcome", "dose", ""]), VALUES)


@settings(max_examples=300, deadline=None)
@given(first=profiles, second=profiles, junk=st.lists(JUNK, max_size=6), data=st.data())
def test_any_mix_of_fields_opens_a_valid_case(first, second, junk, data):
    pairs = [*first.to_mapping().items(), *second.to_mapping().items(), *junk]
    pairs = data.draw(st.permutations(pairs))
    default = data.draw(st.none() | profiles)
    case = parse_query("&".join(f"{quote(k)}={quote(v)}" for k, v in pairs), default=default)
    assert_valid_case(case)
    named = {k for k, _ in pairs}
    base = (default or Profile()).to_mapping()
    for field, value in case.profile.to_mapping().items():  # nothing comes from nowhere
        assert field in named or base.get(field) == value or field == "functional"


@settings(max_examples=200, deadline=None)
@given(
    key=st.sampled_from(["ki67", "liver_type", "age", "functional", "syndrome", "outcome"]),
    value=st.text(max_size=40),
)
def test_a_bad_value_is_dropped_with_a_notice_naming_its_field(key, value):
    case = parse_query(f"{key}={quote(value)}")
    if case.notices:
        assert any(key in notice for notice in case.notices)
        assert key == "outcome" or key not in case.profile.to_mapping()  # the bad value is gone
    elif key == "outcome":
        assert case.outcome == value
    elif value.strip():
        kept = case.profile.to_mapping()[key]  # accepted: it reads back as what was sent
        assert Profile.from_mapping({key: kept}) == Profile.from_mapping({key: value})
    else:
        assert key not in case.profile.to_mapping()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ki67=101", "ki67"),
        ("liver_type=IV", "liver_type"),
        ("age=-3", "age"),
        ("functional=maybe", "functional"),
        ("outcome=QALY", "outcome"),
        ("tab=settings", "tab"),
        ("presenter=maybe", "presenter"),
        ("case=Nobody", "teaching case"),
        ("age=1e308", "from 0 to 120"),
        ("liver_lesions=1e300", "from 0 to 200"),
        ("mitoses_per_10hpf=1e308", "from 0 to 500"),
        ("liver_type=%C4%B1%C4%B1%C4%B1", "liver_type"),  # dotless i: 'ııı' is not 'III'
        ("differentiation=we%C4%B0l", "differentiation"),
        ("dose=5", "dose"),
        ("ki67=" + "9" * (MAX_VALUE_LENGTH + 1), "longer than"),
        ("k" * (MAX_VALUE_LENGTH + 1) + "=1", "longer than"),
        ("a=" + "x" * MAX_QUERY_LENGTH, "too long"),
        ("ki67=8%00", "unprintable"),
        ("ki67=%07", "unprintable"),
        ("syndrome=other%E2%80%AE", "unprintable"),  # right-to-left override
        ("liver_type=I%E2%80%8B", "unprintable"),  # zero-width space
    ],
)
def test_refused_values_say_why(query, expected):
    case = parse_query(query)
    assert any(expected in notice for notice in case.notices), case.notices


def test_a_too_long_link_opens_the_default_case():
    case = parse_query("ki67=8&" + "x" * MAX_QUERY_LENGTH)
    assert case.profile == Profile() and len(case.notices) == 1


@pytest.mark.parametrize(
    ("query", "kept", "refused"),
    [
        ("functional=no&syndrome=insulinoma", {"functional": "no"}, "syndrome"),
        ("syndrome=insulinoma&functional=no", {"syndrome": "insulinoma"}, "functional"),
    ],
)
def test_fields_that_contradict_each_other_keep_the_first(query, kept, refused):
    case = parse_query(query)
    assert case.profile.to_mapping().items() >= kept.items()
    assert [n for n in case.notices if f"Ignored {refused}=" in n], case.notices


def test_a_junk_link_gives_a_short_list_of_notices():
    case = parse_query("&".join(f"x{i}=1" for i in range(300)))
    assert len(case.notices) == MAX_NOTICES and "more values" in case.notices[-1]
    assert len(parse_query("&".join(["a=1"] * 300)).notices) == 1  # the same notice once


@settings(max_examples=200, deadline=None)
@given(key=st.text(max_size=30), value=st.text(max_size=60))
def test_link_text_is_only_ever_shown_escaped(key, value):
    query = f"{quote(key)}={quote(value)}&outcome={quote(value)}"
    case = parse_query(query)
    for shown in (*map(esc, case.notices), esc(case_query(case))):
        assert "<" not in shown and ">" not in shown and '"' not in shown


HOSTILE = [
    "liver_type=<img src=x onerror=alert(1)>",
    "age=<script>alert(1)</script>",
    "<script>alert(1)</script>=1",
    "%3Cscript%3Ealert(1)%3C/script%3E=%3Cimg%20src=x%20onerror=alert(1)%3E",
    'outcome="><svg onload=alert(1)>',
    "outcome=javascript:alert(1)",
    "ki67=" + "8" * 5000,
    "ki67=%00%01%02",
    "%00=%00",
    "ki67=%ff%fe",
    "syndrome=インスリノーマ",
    "syndrome=other%E2%80%AE",
    "ki67=1e309&age=nan&liver_type=&functional=yes",
    "functional=no&syndrome=insulinoma",
    "&".join(f"x{i}=<b>{i}</b>" for i in range(80)),  # under the length limit
]


@pytest.fixture(scope="module")
def explorer() -> Explorer:
    return Explorer()


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_links_show_as_text_and_never_as_markup(explorer, query):
    explorer.open_query(query)  # raising here fails the test
    shown = explorer.notice.value + explorer.share.value + explorer.form.grade.value
    assert not any(tag in shown for tag in MARKUP)
    assert "<b>" not in explorer.notice.value
    assert "pnen-notice" in explorer.notice.value  # the app says what it ignored ...
    assert "pnen-error" not in explorer.notice.value  # ... as a notice, not a failure
    assert "&lt;" in shown or "<" not in query  # and shows the text it was sent, escaped


def test_escaping_turns_markup_into_text():
    assert esc("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert esc('" onmouseover="x') == "&quot; onmouseover=&quot;x"
    assert esc("' onmouseover='x") == "&#x27; onmouseover=&#x27;x"
