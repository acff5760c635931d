"""Links are untrusted input: any query string opens a valid case or says what it ignored."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pnen_explorer.app import Explorer, esc
from pnen_explorer.profile import Profile
from pnen_explorer.share import (
    MAX_QUERY_LENGTH,
    MAX_VALUE_LENGTH,
    OUTCOMES,
    Case,
    case_query,
    parse_query,
)
from tests.test_profile import profiles


@settings(max_examples=150, deadline=None)
@given(profile=profiles, outcome=st.sampled_from(OUTCOMES))
def test_a_case_link_reopens_the_same_case(profile, outcome):
    case = parse_query(case_query(profile, outcome))
    assert (case.profile, case.outcome, case.notices) == (profile, outcome, ())


@settings(max_examples=300, deadline=None)
@given(
    query=st.one_of(
        st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
    )
)
def test_any_query_string_opens_a_valid_case(query):
    case = parse_query(query)
    assert isinstance(case, Case) and isinstance(case.profile, Profile)
    assert case.outcome in OUTCOMES
    assert all(isinstance(n, str) and n for n in case.notices)


@settings(max_examples=200, deadline=None)
@given(
    key=st.sampled_from(["ki67", "liver_type", "age", "functional", "syndrome", "outcome"]),
    value=st.text(max_size=40),
)
def test_a_bad_value_is_dropped_with_a_notice_naming_its_field(key, value):
    case = parse_query(f"{key}={value}")
    if case.notices:
        assert any(key in notice for notice in case.notices)
    elif key != "outcome":
        assert case.profile.to_mapping().get(key) is not None or value.strip() == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ki67=101", "ki67"),
        ("liver_type=IV", "liver_type"),
        ("age=-3", "age"),
        ("functional=maybe", "functional"),
        ("outcome=QALY", "outcome"),
        ("dose=5", "dose"),
        ("ki67=" + "9" * (MAX_VALUE_LENGTH + 1), "longer than"),
        ("a=" + "x" * MAX_QUERY_LENGTH, "too long"),
        ("ki67=8%00", "unprintable"),
        ("ki67=%07", "unprintable"),
    ],
)
def test_refused_values_say_why(query, expected):
    case = parse_query(query)
    assert any(expected in notice for notice in case.notices), case.notices


HOSTILE = [
    "liver_type=<img src=x onerror=alert(1)>",
    "age=<script>alert(1)</script>",
    "<script>alert(1)</script>=1",
    'outcome="><svg onload=alert(1)>',
    "ki67=" + "8" * 5000,
    "ki67=%00%01%02",
    "syndrome=インスリノーマ",
    "ki67=1e309&age=nan&liver_type=&functional=yes",
]


@pytest.fixture(scope="module")
def explorer() -> Explorer:
    return Explorer()


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_links_show_as_text_and_never_as_markup(explorer, query):
    explorer.open_query(query)
    shown = explorer.notice.value + explorer.share.value + explorer.grade_badge.value
    assert "<script" not in shown and "<img" not in shown and "<svg" not in shown
    assert "pnen-error" not in explorer.notice.value  # a notice, not a failure


def test_escaping_turns_markup_into_text():
    assert esc("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert esc('" onmouseover="x') == "&quot; onmouseover=&quot;x"
