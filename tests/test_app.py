"""The explorer's wiring, without a browser: every control does something, nothing raises."""

from __future__ import annotations

import pytest

from pnen_explorer import Profile
from pnen_explorer.app import CASE_PRESETS, Explorer, build_explorer


@pytest.fixture
def explorer() -> Explorer:
    return Explorer()


def beyond_review_rows(explorer: Explorer) -> int:
    matched = explorer.matched
    return int(((matched["source"] == "primary") & (matched["in_review"] == "no")).sum())


def test_build_explorer_returns_a_widget_without_displaying_it():
    root = build_explorer(profile=Profile(ki67=30))
    assert root.__class__.__name__ == "VBox"


@pytest.mark.parametrize("preset", [p for p in CASE_PRESETS if p != "Custom"])
def test_every_teaching_case_opens(explorer, preset):
    explorer.preset.value = preset
    assert explorer.notice.value == ""
    for index in range(len(explorer.TABS)):
        explorer.tabs.selected_index = index
    assert explorer.notice.value == ""
    assert explorer.preset.value == preset


def test_trials_beyond_the_review_are_off_by_default_and_can_be_shown(explorer):
    assert beyond_review_rows(explorer) == 0
    explorer.tabs.selected_index = 2
    before = explorer.forest_plot.figure
    explorer.beyond_review.value = True
    assert beyond_review_rows(explorer) > 10
    after = explorer.forest_plot.figure
    assert len(after["data"]) > len(before["data"]) or after != before


def test_a_mistyped_number_is_a_message_not_a_traceback(explorer):
    explorer.controls["age"].value = "fifty"
    assert "age" in explorer.notice.value and "pnen-error" in explorer.notice.value
    explorer.controls["age"].value = "50"
    assert explorer.profile.age == 50 and "pnen-error" not in explorer.notice.value


def test_a_failing_callback_shows_a_short_message(explorer, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("pnen_explorer.app.plots.outcome_ranges", broken)
    explorer.outcome.value = "OS"
    assert "Something went wrong (RuntimeError)" in explorer.notice.value
    assert "boom" not in explorer.notice.value


def test_comparisons_tab_lists_review_figures_beside_primary_ones(explorer):
    explorer.tabs.selected_index = 2
    table = explorer.comparison_table.value
    assert "subgroup only" in table and "Thomas 2020" in table
