"""The explorer's wiring, without a browser: every control reaches the session and back."""

from __future__ import annotations

import json
import logging
import re

import pytest

from pnen_explorer import Profile, plots
from pnen_explorer.app import Explorer, build_explorer
from pnen_explorer.cases import TEACHING_CASES
from pnen_explorer.views import html as views_html
from pnen_explorer.vocabulary import CORE_OUTCOMES, TABS


@pytest.fixture
def explorer() -> Explorer:
    return Explorer()


def select(explorer: Explorer, key: str) -> None:
    explorer.tabs.selected_index = list(explorer.views).index(key)


def test_build_explorer_shows_the_profile_it_is_given():
    root = build_explorer(profile=Profile(ki67=30))
    html = [w.value for w in root.children if hasattr(w, "value")]
    assert any("pnen-root" in v or "<style>" in v for v in html)
    explorer = Explorer(profile=Profile(ki67=30))
    assert explorer.form.grade.value.endswith("G3</b></div>")


def test_tab_titles_come_from_the_vocabulary(explorer):
    assert list(explorer.tabs.titles) == list(TABS.values())


@pytest.mark.parametrize("case", list(TEACHING_CASES))
def test_every_teaching_case_opens_and_draws_every_tab(explorer, case):
    explorer.form.case.value = case
    assert explorer.session.case_name == case
    for key in explorer.views:
        select(explorer, key)
        assert explorer.session.tab == key
    assert explorer.errors == [] and "pnen-error" not in explorer.notice.value
    cards = [i for i in explorer.views["treatments"].cards.items if i["kind"] == "card"]
    assert len(cards) == 17
    assert explorer.views["outcomes"].plot.figure["data"]


def test_a_hidden_tab_is_drawn_when_opened_and_not_before(explorer):
    select(explorer, "map")
    explorer.form.controls["ki67"].value = "40"
    comparisons = explorer.views["comparisons"]
    assert "comparisons" in explorer._stale
    before = comparisons.forest.figure
    select(explorer, "comparisons")
    assert "comparisons" not in explorer._stale
    assert comparisons.forest.figure is not before


def shown_rows(explorer: Explorer) -> int:
    """The row count the Evidence tab states."""
    return int(re.search(r"(\d+) rows<", explorer.views["evidence"].table.value).group(1))


def test_trials_beyond_the_review_are_off_by_default_and_can_be_shown(explorer):
    select(explorer, "evidence")
    before = shown_rows(explorer)
    explorer.beyond_review.value = True
    assert explorer.session.beyond_review
    assert shown_rows(explorer) == len(explorer.session.evidence_rows) > before


def test_a_mistyped_number_is_a_message_and_keeps_the_previous_value(explorer):
    explorer.form.controls["age"].value = "50"
    explorer.form.controls["age"].value = "fifty"
    assert "Age (years)" in explorer.notice.value and "pnen-error" in explorer.notice.value
    assert explorer.form.controls["age"].value == "50" and explorer.session.profile.age == 50
    explorer.form.controls["age"].value = "51"
    assert explorer.session.profile.age == 51 and "pnen-error" not in explorer.notice.value


def test_a_failing_callback_is_logged_and_shows_a_short_message(explorer, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("pnen_explorer.views.tabs.plots.outcome_ranges", broken)
    with caplog.at_level(logging.ERROR, logger="pnen_explorer.app"):
        explorer.views["outcomes"].outcome.value = "OS"
    assert "Something went wrong (RuntimeError)" in explorer.notice.value
    assert "boom" not in explorer.notice.value
    assert "boom" in caplog.text and "Traceback" in caplog.text


def test_comparisons_tab_lists_review_figures_beside_primary_ones(explorer):
    select(explorer, "comparisons")
    table = explorer.views["comparisons"].table.value
    assert "subgroup only" in table and "Thomas 2020" in table


def test_presenter_mode_marks_the_page_and_enlarges_plot_text(explorer):
    explorer.presenter.value = True
    assert "pnen-presenter" in explorer.root._dom_classes
    assert explorer.views["outcomes"].plot.figure["layout"]["font"]["size"] == 20
    assert "presenter=yes" in explorer.share.value


def test_the_case_link_follows_the_open_tab(explorer):
    select(explorer, "references")
    assert "tab=references" in explorer.share.value


def test_a_link_opens_its_tab_outcome_and_case(explorer):
    explorer.open_query("?ki67=30&liver_type=III&outcome=OS&tab=evidence")
    assert explorer.tabs.selected_index == list(explorer.views).index("evidence")
    assert explorer.views["outcomes"].outcome.value == "OS"
    assert "G3" in explorer.form.grade.value
    assert explorer.form.case.value == "Custom"


def test_downloads_are_built_only_when_asked_for(explorer, monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(
        "pnen_explorer.views.tabs.evidence_csv", lambda *a, **k: calls.append(1) or "x\r\n"
    )
    select(explorer, "evidence")
    explorer.form.controls["ki67"].value = "12"
    assert calls == []
    sent: list[dict] = []
    button = explorer.views["evidence"].downloads[0]
    monkeypatch.setattr(button, "send", lambda content, *a, **k: sent.append(content))
    button._on_message(button, {"kind": "build"}, None)
    assert calls == [1] and sent == [{"kind": "file", "text": "x\r\n"}]


@pytest.mark.parametrize(
    ("field", "typed", "words"),
    [
        ("ki67", "-5", "Ki-67 (%) must be a number from 0 to 100 %"),
        ("ki67", "150", "Ki-67 (%) must be a number from 0 to 100 %"),
        ("ki67", "abc", "Ki-67 (%) must be a number from 0 to 100 %"),
        ("ki67", "20,5,1", "Ki-67 (%) must be a number from 0 to 100 %"),
        ("mitoses_per_10hpf", "1e9", "Mitoses /10 HPF must be a number from 0 to 500"),
        ("liver_lesions", "1,000,000", "Liver lesions must be a whole number from 0 to 200"),
        ("liver_lesions", "2.5", "Liver lesions must be a whole number"),
        ("age", "400", "Age (years) must be a number from 0 to 120 years"),
    ],
)
def test_a_refused_entry_says_why_in_words_and_keeps_the_value(explorer, field, typed, words):
    before = explorer.session.profile
    shown = explorer.form.controls[field].value
    explorer.form.controls[field].value = typed
    assert words in explorer.notice.value and "pnen-error" in explorer.notice.value
    assert explorer.session.profile == before
    assert explorer.form.controls[field].value == shown
    assert "_" not in explorer.notice.value.split("must")[0]  # no code names in the message


def test_a_decimal_comma_is_read_as_a_point(explorer):
    explorer.form.controls["ki67"].value = "20,5"
    assert explorer.session.profile.ki67 == 20.5 and explorer.session.profile.grade == "G3"
    assert "pnen-error" not in explorer.notice.value


def test_unknown_is_shown_as_unknown_in_every_control(explorer):
    explorer.session.profile = Profile()
    for name, control in explorer.form.controls.items():
        if hasattr(control, "options"):
            assert control.value == "unknown" and control.label == "unknown", name
        else:
            assert control.value == "" and control.placeholder == "unknown", name
    assert "unknown" in explorer.form.grade.value


def test_the_panel_folds_to_its_summary_and_presenter_mode_folds_it(explorer):
    assert "G2 NET (Ki-67 8 %)" in explorer.form.summary.description
    explorer.form.summary.value = False
    assert explorer.form.widget.layout.display == "none"
    explorer.form.summary.value = True
    explorer.presenter.value = True
    assert explorer.form.widget.layout.display == "none"


def test_folding_the_panel_hides_nothing_else(explorer):
    explorer.form.summary.value = False
    hidden = [
        type(w).__name__
        for w in (explorer.tabs, explorer.notice, explorer.share, *explorer.root.children)
        if w.layout.display == "none"
    ]
    assert hidden == []


def test_the_outcomes_tab_sends_the_chosen_figure_first_and_the_rest_when_asked(explorer):
    """An Outcome switch is drawn from figures the page already holds: the kernel sends the
    chosen outcome's figure first, every other when the page asks (after its first paint), and
    builds nothing on a switch; a new patient makes every figure new."""
    select(explorer, "outcomes")
    tab, session = explorer.views["outcomes"], explorer.session
    plot = tab.plot

    def expected(outcome: str) -> dict:
        chart = plots.outcome_ranges(session.matched, outcome, subtitle=tab.subtitle)
        return json.loads(chart.figure.to_json())

    assert [bool(f) for f in plot.figures] == [o == session.outcome for o in CORE_OUTCOMES]
    generation = plot.generation
    plot._handle_custom_msg({"want": "all", "generation": generation}, [])
    assert plot.generation == generation
    assert plot.figures == [expected(o) for o in CORE_OUTCOMES]

    figures = plot.figures
    tab.outcome.value = "OS"
    assert plot.figures is figures and plot.generation == generation  # nothing sent
    assert plot.figure == expected("OS")
    os_table = plots.outcome_ranges(session.matched, "OS", subtitle=tab.subtitle).table
    assert tab.table.value == views_html.table(plots.readable(os_table))

    explorer.form.controls["ki67"].value = "30"
    assert plot.generation == generation + 1
    assert [bool(f) for f in plot.figures] == [o == "OS" for o in CORE_OUTCOMES]
    assert plot.figure == expected("OS") and "Ki-67 30" in json.dumps(plot.figure)
    plot._handle_custom_msg({"want": "all", "generation": generation}, [])  # an old page's ask
    assert sum(bool(f) for f in plot.figures) == 1
