"""The figures: what they draw (traces, axes, one mark per row, hover citations), not pixels.

Shapes the curated data may not have yet are tried on a small hand-built frame whose therapy
names and numbers are made up (``alpha resection``, ``gamma drug``): they stand for no evidence.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pandas as pd
import pytest

from pnen_explorer import load_evidence, plots
from pnen_explorer.data import data_version, table_schema
from pnen_explorer.matching import match_evidence
from pnen_explorer.profile import Profile

NUMBERS = {
    f["name"] for f in table_schema("evidence")["fields"] if f["type"] in ("number", "integer")
}
LISTS = {"ref_nos", "grades", "liver_types"}

REFERENCES = pd.DataFrame(
    {
        "ref_no": [1, 2, 3],
        "authors": ["Alpha AB, Beta C", "de Gamma D, Epsilon F", "Delta E"],
        "year": [2001, 2002, 2003],
        "title": ["t1", "t2", "t3"],
        "journal": ["j"] * 3,
        "doi": [""] * 3,
        "study_design": ["unknown"] * 3,
        "note": [""] * 3,
    }
)


def frame(rows: list[dict]) -> pd.DataFrame:
    """An evidence frame typed as load_evidence() types it, from a few fields per row."""
    columns = {}
    for field in table_schema("evidence")["fields"]:
        name, enum = field["name"], field.get("constraints", {}).get("enum")
        cells = [row.get(name) for row in rows]
        if name in NUMBERS:
            columns[name] = pd.Series([math.nan if c is None else c for c in cells], dtype=float)
        elif name in LISTS:
            columns[name] = pd.Series([tuple(c or ()) for c in cells], dtype=object)
        elif enum:
            columns[name] = pd.Categorical(cells, categories=enum)
        else:
            columns[name] = pd.Series(["" if c is None else c for c in cells], dtype=object)
    table = pd.DataFrame(columns)
    if any("match" in row for row in rows):
        table["match"] = [row.get("match", "matches") for row in rows]
        table["why"] = [row.get("why", "") for row in rows]
    return table


def row(number: int, **fields) -> dict:
    base = {
        "evidence_id": f"lu2025-{number:03d}",
        "source": "lu2025",
        "section": "2.1",
        "therapy": "alpha resection",
        "therapy_class": "surgery",
        "population": "made-up population",
        "outcome": "PFS",
        "study_design": "retrospective",
        "direction": "not_stated",
        "statement": f"Made-up statement {number}.",
    }
    base.update(fields)
    if "value" in fields and "value_low" not in fields:
        base["value_low"] = base["value_high"] = fields["value"]
    return base


@pytest.fixture
def sample() -> pd.DataFrame:
    return frame(
        [
            row(1, value=22, unit="months", comparator="surgery alone", comparator_value=12,
                p_value="0.027", n_patients=120, ref_nos=[1]),
            row(2, value_low=10, value_high=30, unit="months", therapy="beta ablation",
                therapy_class="local", study_design="prospective", ref_nos=[2, 3]),
            row(3, value=15, unit="months", therapy="gamma drug", therapy_class="systemic",
                study_design="rct_phase3", n_patients=410, ref_nos=[3]),
            row(4, therapy="gamma drug", therapy_class="systemic", direction="favours_therapy",
                study_design="review", statement="Longer when p<0.05 & more."),
            row(5, value=40, unit="percent", therapy="gamma drug", therapy_class="systemic"),
            row(6, value=8, unit="months", therapy="delta combo", therapy_class="multimodal",
                source="xue2025", section="abstract", match="excluded",
                why="G3 only; this profile is G1"),
            row(7, value=30, unit="percent", outcome="ORR", therapy="gamma drug",
                therapy_class="systemic", comparator="placebo", comparator_value=5,
                p_value="<0.001"),
            row(8, outcome="survival_5y", comparator="no resection",
                direction="favours_therapy", ref_nos=[1]),
        ]
    )  # fmt: skip


@pytest.fixture
def trials() -> pd.DataFrame:
    """Primary-publication rows with hazard ratios (made-up trials)."""
    common = {"source": "primary", "section": "results", "therapy_class": "systemic",
              "comparator": "placebo", "study_design": "rct_phase3"}  # fmt: skip
    return frame(
        [
            row(1, therapy="gamma drug", hr=0.35, hr_ci_low=0.27, hr_ci_high=0.45,
                study_name="TRIAL-X", doi="10.1/x", n_patients=410, **common),
            row(2, therapy="epsilon nuclide", hr=0.21, hr_ci_low=0.13, hr_ci_high=0.33,
                study_name="TRIAL-Y", doi="10.1/y", **common),
            row(3, therapy="gamma drug", hr=1.1, study_name="TRIAL-Z", doi="10.1/z", **common),
            row(4, therapy="gamma drug", hr=0.5, hr_ci_low=0.3, hr_ci_high=0.8, outcome="OS",
                study_name="TRIAL-X", doi="10.1/x", **common),
        ]
    )  # fmt: skip


def combined(sample: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    renamed = trials.assign(evidence_id=[f"primary-{i:03d}" for i in range(1, len(trials) + 1)])
    return pd.concat([sample, renamed], ignore_index=True)


def trace(figure, name):
    matches = [t for t in figure.data if t.name == name]
    assert len(matches) == 1, f"expected one trace {name!r}, got {[t.name for t in figure.data]}"
    return matches[0]


def ids(figure, *names) -> list[str]:
    """Evidence ids of the marks in the named traces, each mark once (range bars have 2 ends)."""
    found = []
    for t in figure.data:
        if t.name in names:
            found += list(dict.fromkeys(i for i in t.customdata if i is not None))
    return found


def annotation_texts(figure) -> list[str]:
    return [a.text for a in figure.layout.annotations]


def footnote(figure) -> str:
    return next(a.text for a in figure.layout.annotations if a.name == "footnote")


# --- outcome ranges ----------------------------------------------------------------------------


def test_ranges_draw_one_mark_per_row_in_the_chosen_unit(sample):
    chart = plots.outcome_ranges(sample, "PFS", references=REFERENCES)
    fig = chart.figure
    assert sorted(ids(fig, "value", "range")) == ["lu2025-001", "lu2025-002", "lu2025-003"]
    assert ids(fig, "range") == ["lu2025-002"]
    assert ids(fig, "comparator") == ["lu2025-001"]
    assert list(trace(fig, "range").x[:2]) == [10, 30]
    assert fig.layout.xaxis.title.text == "months"
    assert fig.layout.xaxis.range[0] <= 0  # the axis starts at zero
    ys = {i: y for t in fig.data if t.customdata for i, y in zip(t.customdata, t.y, strict=True)}
    value_rows = [ys[i] for i in ("lu2025-001", "lu2025-002", "lu2025-003")]
    assert len(set(value_rows)) == 3  # each figure its own row
    assert list(chart.table["evidence_id"]) == ["lu2025-001", "lu2025-002", "lu2025-003",
                                                "lu2025-004"]  # fmt: skip
    assert chart.table.loc[1, "figure"] == "10–30 months"


def test_ranges_never_mix_units_and_say_what_they_left_out(sample):
    months = plots.outcome_ranges(sample, "PFS", references=REFERENCES).figure
    assert "lu2025-005" not in ids(months, "value")
    assert "1 row in percent left out (unit='percent'" in months.layout.title.subtitle.text
    percent = plots.outcome_ranges(sample, "PFS", unit="percent", references=REFERENCES)
    assert ids(percent.figure, "value") == ["lu2025-005"]
    assert percent.figure.layout.xaxis.title.text == "percent (%)"
    assert percent.figure.layout.xaxis.range[1] >= 100  # a percent axis shows the whole scale
    assert plots.outcome_units(sample, "PFS") == ["months", "percent"]


def test_ranges_group_by_therapy_class_in_order(sample):
    fig = plots.outcome_ranges(sample, "PFS", references=REFERENCES).figure
    headings = [t for t in fig.layout.yaxis.ticktext if t.startswith("<b>")]
    assert headings == ["<b>Surgery</b>", "<b>Local therapy</b>", "<b>Systemic therapy</b>"]


def test_marker_size_follows_patients_and_symbol_follows_design(sample):
    fig = plots.outcome_ranges(sample, "PFS", references=REFERENCES).figure
    points = trace(fig, "value")
    by_id = dict(
        zip(
            points.customdata,
            zip(points.marker.size, points.marker.symbol, strict=True),
            strict=True,
        )
    )
    assert by_id["lu2025-003"][1] == "star"  # phase 3 trial
    assert by_id["lu2025-001"][1] == "square"  # retrospective
    assert by_id["lu2025-003"][0] > by_id["lu2025-001"][0]  # 410 patients > 120
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert {"Therapy arm", "Comparator arm", "Phase 3 RCT", "Retrospective"} <= set(legend)


def test_hover_carries_the_citation(sample):
    fig = plots.outcome_ranges(sample, "PFS", references=REFERENCES).figure
    hover = dict(zip(trace(fig, "value").customdata, trace(fig, "value").hovertext, strict=True))
    assert "Alpha 2001 [1]" in hover["lu2025-001"]
    assert "lu2025 §2.1" in hover["lu2025-001"]
    assert "Made-up statement 1." in hover["lu2025-001"]
    assert "made-up population" in hover["lu2025-001"]
    assert "p = 0.027" in hover["lu2025-001"]
    ranges = dict(zip(trace(fig, "range").customdata, trace(fig, "range").hovertext, strict=True))
    assert "de Gamma 2002 [2]; Delta 2003 [3]" in ranges["lu2025-002"]
    shown = plots.outcome_ranges(sample, "PFS", show_excluded=True, references=REFERENCES)
    excluded = trace(shown.figure, "value (excluded)")
    assert "xue2025, abstract" in excluded.hovertext[0]  # no refs: the source


def test_a_finding_without_a_number_is_words_not_a_mark(sample):
    fig = plots.outcome_ranges(sample, "PFS", references=REFERENCES).figure
    assert "lu2025-004" not in ids(fig, "value", "range", "comparator")
    words = trace(fig, "words")
    assert words.mode == "text" and list(words.customdata) == ["lu2025-004"]
    assert words.x[0] < 0.5  # at the left edge of the axis, not at a value
    assert "no figure given: favours the therapy" in words.text[0]
    assert "Longer when p&lt;0.05 &amp; more." in words.hovertext[0]  # escaped, not a tag


def test_an_arm_without_a_figure_is_named_beside_the_other_arm():
    rows = frame(
        [
            row(1, value_low=5, value_high=80, unit="percent", comparator="no resection",
                outcome="survival_5y"),
            row(2, comparator="placebo", comparator_value=8, unit="percent",
                outcome="survival_5y", therapy="gamma drug", therapy_class="systemic"),
        ]
    )  # fmt: skip
    fig = plots.two_arm_comparison(rows, references=REFERENCES).figure
    words = trace(fig, "words")
    said = dict(zip(words.customdata, words.text, strict=True))
    assert "comparator: no figure given" in said["lu2025-001"]
    assert "therapy arm: no figure given" in said["lu2025-002"]
    assert ids(fig, "comparator") == ["lu2025-002"]  # the arm that has a figure is drawn
    assert words.textposition == ("middle center", "middle right")  # over a wide bar; beside


def test_excluded_rows_are_hidden_or_faded_with_their_reason(sample):
    hidden = plots.outcome_ranges(sample, "PFS", references=REFERENCES)
    assert "lu2025-006" not in ids(hidden.figure, "value", "value (excluded)")
    assert "lu2025-006" not in set(hidden.table["evidence_id"])
    shown = plots.outcome_ranges(sample, "PFS", show_excluded=True, references=REFERENCES)
    faded = trace(shown.figure, "value (excluded)")
    assert list(faded.customdata) == ["lu2025-006"]
    assert faded.marker.color == plots.EXCLUDED_COLOUR
    assert "Not for this profile: G3 only; this profile is G1" in faded.hovertext[0]
    assert shown.table.set_index("evidence_id").loc["lu2025-006", "match"] == "excluded"


def test_hover_says_what_the_profile_leaves_open(sample):
    matched = sample.assign(unknown=[("grade",)] + [()] * (len(sample) - 1))
    fig = plots.outcome_ranges(matched, "PFS", references=REFERENCES).figure
    hover = dict(zip(trace(fig, "value").customdata, trace(fig, "value").hovertext, strict=True))
    assert "leaves open: grade" in hover["lu2025-001"]
    assert "leaves open" not in hover["lu2025-003"]


def test_an_outcome_without_evidence_gives_a_clear_empty_figure(sample):
    chart = plots.outcome_ranges(sample, "DCR", subtitle="G1, type I", references=REFERENCES)
    assert len(chart.figure.data) == 0
    assert any(plots.NO_EVIDENCE in t for t in annotation_texts(chart.figure))
    assert "Disease control rate" in chart.figure.layout.title.text
    assert chart.figure.layout.title.subtitle.text == "G1, type I"
    assert chart.table.empty and "evidence_id" in chart.table.columns


def test_all_rows_excluded_says_how_many_were_hidden():
    only = frame([row(1, value=3, unit="months", match="excluded", why="NEC only")])
    chart = plots.outcome_ranges(only, "PFS", references=REFERENCES)
    message = next(t for t in annotation_texts(chart.figure) if plots.NO_EVIDENCE in t)
    assert "1 row not for this profile hidden" in message


def test_frames_without_match_columns_work(sample):
    plain = sample.drop(columns=["match", "why"])
    chart = plots.outcome_ranges(plain, "PFS", references=REFERENCES)
    assert "lu2025-006" in ids(chart.figure, "value")  # nothing excluded without a profile
    assert "match" not in chart.table.columns


def test_every_figure_is_titled_footnoted_and_readable(sample, trials):
    subtitle = "Profile: G2, Ki-67 8%"
    evidence = combined(sample, trials)
    charts = [
        plots.outcome_ranges(evidence, "PFS", subtitle=subtitle, references=REFERENCES),
        plots.two_arm_comparison(evidence, subtitle=subtitle, references=REFERENCES),
        plots.evidence_map(evidence, subtitle=subtitle),
        plots.forest_plot(evidence, subtitle=subtitle, references=REFERENCES),
        plots.outcome_ranges(evidence, "DCR", subtitle=subtitle, references=REFERENCES),
    ]  # fmt: skip
    for chart in charts:
        fig = chart.figure
        assert fig.layout.title.text and fig.layout.title.subtitle.text.startswith(subtitle)
        assert f"Data v{data_version()}" in footnote(fig)
        sizes = [fig.layout.font.size, *_font_sizes(fig.to_plotly_json())]
        assert min(sizes) >= 14, sizes
        assert isinstance(chart.table, pd.DataFrame)
    assert "lu2025 = Lu et al., Chin J Gen Surg 2025" in footnote(charts[0].figure)
    assert "primary = " in footnote(charts[3].figure)


def _font_sizes(node) -> list[float]:
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k == "size" and isinstance(v, int | float)]
        found = [s for s in found if "family" in node or "color" in node or len(node) == 1]
        for key, value in node.items():
            if key in ("font", "textfont") and isinstance(value, dict) and "size" in value:
                found.append(value["size"])
            elif key not in ("marker", "line"):
                found += _font_sizes(value)
        return found
    if isinstance(node, list):
        return [s for item in node for s in _font_sizes(item)]
    return []


def test_colours_come_from_a_colour_blind_safe_palette(sample):
    fig = plots.outcome_ranges(sample, "PFS", show_excluded=True, references=REFERENCES).figure
    allowed = set(plots.OKABE_ITO.values()) | {plots.EXCLUDED_COLOUR, "#404040"}
    used = {t.marker.color for t in fig.data if t.mode and "markers" in t.mode}
    assert used <= allowed, used - allowed


# --- two-arm comparison ------------------------------------------------------------------------


def test_comparison_joins_both_arms_and_gives_the_p_value(sample):
    chart = plots.two_arm_comparison(sample, references=REFERENCES)
    fig = chart.figure
    assert sorted(ids(fig, "value")) == ["lu2025-001", "lu2025-007"]
    assert sorted(ids(fig, "comparator")) == ["lu2025-001", "lu2025-007"]
    connectors = [t for t in fig.data if t.name == "connector"]
    assert sum(x is None for t in connectors for x in t.x) == 2  # one line per pair
    p_values = {
        i: text
        for t in fig.data
        if t.name == "p-values"  # one text column per panel
        for i, text in zip(t.customdata, t.text, strict=True)
    }
    assert p_values == {"lu2025-001": "p = 0.027", "lu2025-007": "p &lt; 0.001"}
    words = trace(fig, "words")  # row 8, a comparison stated without figures
    assert list(words.customdata) == ["lu2025-008"] and "favours the therapy" in words.text[0]
    assert fig.layout[words.xaxis.replace("x", "xaxis")].visible is False
    assert set(chart.table["evidence_id"]) == {"lu2025-001", "lu2025-007", "lu2025-008"}


def test_comparison_puts_months_and_percent_on_separate_axes(sample):
    fig = plots.two_arm_comparison(sample, references=REFERENCES).figure
    units = {}
    for t in fig.data:
        if t.customdata and "markers" in t.mode:
            axis = fig.layout["xaxis" + t.xaxis[1:]]
            for evidence_id in t.customdata:
                units.setdefault(evidence_id, set()).add(axis.title.text)
    assert units["lu2025-001"] == {"months"}
    assert units["lu2025-007"] == {"percent (%)"}


def test_comparison_of_one_outcome(sample):
    chart = plots.two_arm_comparison(sample, "ORR", references=REFERENCES)
    assert ids(chart.figure, "value") == ["lu2025-007"]
    assert "Objective response rate" in chart.figure.layout.title.text
    empty = plots.two_arm_comparison(sample, "DCR", references=REFERENCES)
    assert any(plots.NO_EVIDENCE in t for t in annotation_texts(empty.figure))


# --- evidence map ------------------------------------------------------------------------------


def test_evidence_map_counts_rows_and_strongest_design(sample, trials):
    evidence = combined(sample, trials)
    chart = plots.evidence_map(evidence)
    cells = chart.table.set_index(["therapy", "outcome"])
    assert cells.loc[("gamma drug", "PFS"), "n_rows"] == 5  # 3 review rows + 2 trials
    assert cells.loc[("gamma drug", "PFS"), "strongest_design"] == "rct_phase3"
    assert cells.loc[("gamma drug", "PFS"), "n_without_figures"] == 1
    assert cells.loc[("beta ablation", "OS"), "n_rows"] == 0  # a gap, still in the table
    heat = trace(chart.figure, "evidence map")
    assert list(heat.x[:7]) == ["PFS", "OS", "ORR", "DCR", "5-y survival", "Recurrence",
                                "Symptom resp."]  # fmt: skip
    grid = dict(zip(heat.y, heat.text, strict=True))
    assert grid["gamma drug"][0] == "5<br>RCT ph3"
    assert grid["beta ablation"][1] == "–"  # visibly empty
    hover = dict(zip(heat.y, heat.hovertext, strict=True))
    assert "evidence gap" in hover["beta ablation"][1]
    assert heat.z[list(heat.y).index("beta ablation")][1] == 0


def test_evidence_map_counts_excluded_rows_only_when_asked(sample):
    hidden = plots.evidence_map(sample).table.set_index(["therapy", "outcome"])
    assert hidden.loc[("delta combo", "PFS"), "n_rows"] == 0  # the row stays, as a gap
    assert hidden.loc[("delta combo", "PFS"), "n_excluded"] == 1
    shown = plots.evidence_map(sample, show_excluded=True).table.set_index(["therapy", "outcome"])
    assert shown.loc[("delta combo", "PFS"), "n_rows"] == 1


# --- forest plot -------------------------------------------------------------------------------


def test_forest_plot_draws_hazard_ratios_on_a_log_axis(trials):
    chart = plots.forest_plot(trials, "PFS", references=REFERENCES)
    fig = chart.figure
    assert fig.layout.xaxis.type == "log"
    assert "hazard ratio" in fig.layout.xaxis.title.text
    line = trace(fig, "HR = 1")
    assert set(line.x) == {1}
    points = trace(fig, "hr")
    assert sorted(points.customdata) == ["lu2025-001", "lu2025-002", "lu2025-003"]
    ci = trace(fig, "ci")
    assert sum(x is None for x in ci.x) == 2  # TRIAL-Z states no interval
    assert [t for t in fig.layout.yaxis.ticktext if t.startswith("<b>")] == [
        "<b>epsilon nuclide</b>",
        "<b>gamma drug</b>",
    ]
    assert list(trace(fig, "hazard ratios").text) == [
        "0.21 (0.13–0.33)",
        "0.35 (0.27–0.45)",
        "1.1 (no CI given)",
    ]
    assert any("favours therapy" in t for t in annotation_texts(fig))
    assert "TRIAL-X" in dict(zip(points.customdata, points.hovertext, strict=True))["lu2025-001"]
    assert list(chart.table["hr"]) == [0.21, 0.35, 1.1]


def test_forest_plot_of_an_outcome_without_hazard_ratios(trials, sample):
    chart = plots.forest_plot(sample, "ORR", references=REFERENCES)
    assert any(plots.NO_EVIDENCE in t for t in annotation_texts(chart.figure))
    ranges = plots.outcome_ranges(trials, "PFS", references=REFERENCES)
    assert "3 rows giving only a hazard ratio" in ranges.figure.layout.title.subtitle.text


# --- contract and cost -------------------------------------------------------------------------


def test_bad_input_is_named(sample):
    with pytest.raises(ValueError, match="unknown outcome 'QoL'"):
        plots.outcome_ranges(sample, "QoL")
    with pytest.raises(ValueError, match="statement"):
        plots.outcome_ranges(sample.drop(columns="statement"), "PFS")


def test_import_does_no_work():
    code = (
        "import sys, pnen_explorer.plots as p;"
        "print('plotly' in sys.modules, p._curated_reference_labels.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "0"]


# --- the curated data --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evidence() -> pd.DataFrame:
    return load_evidence()


def test_real_data_every_outcome_draws_each_row_once(evidence):
    for outcome in evidence["outcome"].cat.categories:
        for unit in plots.outcome_units(evidence, outcome) or [None]:
            chart = plots.outcome_ranges(evidence, outcome, unit=unit)
            rows = evidence[(evidence["outcome"] == outcome)]
            numeric = rows[["value", "value_low", "value_high"]].notna().any(axis=1)
            expected = set(rows.loc[numeric & (rows["unit"] == unit), "evidence_id"])
            assert set(ids(chart.figure, "value", "range")) == expected, (outcome, unit)
            json.dumps(chart.figure.to_plotly_json(), default=str)  # serialisable


def test_real_data_hover_cites_authors_and_years(evidence):
    references = plots._curated_reference_labels()
    cited = evidence[evidence["ref_nos"].map(len) > 0].iloc[0]
    chart = plots.outcome_ranges(evidence, cited["outcome"], unit=cited["unit"] or None)
    hover = " ".join(h for t in chart.figure.data if t.hovertext for h in t.hovertext if h)
    hover += " ".join(a.hovertext or "" for a in chart.figure.layout.annotations)
    assert references[cited["ref_nos"][0]] in hover


def test_real_data_matched_to_a_profile(evidence):
    profile = Profile(ki67=8, differentiation="well", functional=False, liver_type="II")
    matched = match_evidence(evidence, profile)
    excluded = set(matched.loc[matched["match"] == "excluded", "evidence_id"])
    assert excluded, "the profile should leave some rows out"
    for outcome in ("PFS", "OS", "ORR", "survival_5y"):
        hidden = plots.outcome_ranges(matched, outcome, subtitle=profile.summary())
        assert not excluded & set(hidden.table["evidence_id"])
        assert hidden.figure.layout.title.subtitle.text.startswith(profile.summary())
        shown = plots.outcome_ranges(matched, outcome, show_excluded=True)
        faded = set(ids(shown.figure, "value (excluded)", "range (excluded)"))
        assert faded <= excluded


def test_real_data_map_and_comparison(evidence):
    table = plots.evidence_map(evidence).table
    assert table["n_rows"].sum() == len(evidence)
    assert (table["n_rows"] == 0).any()  # the map shows gaps
    chart = plots.two_arm_comparison(evidence)
    with_arm = evidence[evidence["comparator"] != ""]
    assert set(chart.table["evidence_id"]) <= set(with_arm["evidence_id"])


def test_hover_shows_the_primary_publication_check():
    """A review figure checked against its primary publication says so where people look."""
    chart = plots.outcome_ranges(load_evidence(), "PFS")
    hovers = [h for trace in chart.figure.data for h in (trace.hovertext or ()) if h]
    assert any("Primary publication: subgroup only" in h for h in hovers)
