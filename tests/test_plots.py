"""The figures: what they draw (traces, axes, one mark per row, hover citations), not pixels.

Shapes the curated data may not have yet are tried on a small hand-built frame whose therapy
names and numbers are made up (``alpha resection``, ``gamma drug``): they stand for no evidence.
"""

from __future__ import annotations

import html
import json
import math
import re
import subprocess
import sys
import textwrap
from collections import Counter

import pandas as pd
import pytest

from pnen_explorer import load_evidence, plots
from pnen_explorer.data import data_version, table_schema
from pnen_explorer.i18n import speaking
from pnen_explorer.matching import match_evidence
from pnen_explorer.profile import Profile
from pnen_explorer.review_check import readable, review_vs_primary
from pnen_explorer.translations import meaning, term
from pnen_explorer.wording import figure_summary, p_text

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
    text = next(a.text for a in figure.layout.annotations if a.name == "footnote")
    return text.replace("<br>", " ")


def side_texts(figure) -> dict[str, str]:
    """The texts in the column at the right (p-values, hazard ratios), by evidence id."""
    return {
        a.name.removeprefix("side "): a.text
        for a in figure.layout.annotations
        if a.name and a.name.startswith("side ")
    }


def words(figure) -> str:
    """The list of rows without figures, under the plot."""
    texts = [a.text for a in figure.layout.annotations if a.name == "without figures"]
    return " ".join(texts).replace("<br>", " ")


def labels(figure) -> list[str]:
    """Every row label of every panel, tags and all."""
    return [
        text
        for key in figure.layout
        if key.startswith("yaxis")
        for text in (figure.layout[key].ticktext or ())
    ]


def label_of(figure, evidence_id: str) -> str:
    """The label of the row that draws ``evidence_id``."""
    for t in figure.data:
        if t.customdata is not None and evidence_id in t.customdata:
            y = t.y[list(t.customdata).index(evidence_id)]
            axis = figure.layout["yaxis" + t.yaxis[1:]]
            return axis.ticktext[list(axis.tickvals).index(y)].replace("<br>", " ")
    raise AssertionError(f"{evidence_id} is not drawn")


def x_axis_of(figure, evidence_id: str):
    for t in figure.data:
        if t.customdata is not None and evidence_id in t.customdata and t.mode != "text":
            return figure.layout["xaxis" + t.xaxis[1:]]
    raise AssertionError(f"{evidence_id} is not drawn")


# --- outcome ranges ----------------------------------------------------------------------------


def test_ranges_draw_one_mark_per_row_each_unit_on_its_own_axis(sample):
    chart = plots.outcome_ranges(sample, "PFS", references=REFERENCES)
    fig = chart.figure
    assert sorted(ids(fig, "value", "range")) == ["lu2025-001", "lu2025-002", "lu2025-003",
                                                  "lu2025-005"]  # fmt: skip
    assert ids(fig, "range") == ["lu2025-002"]
    assert ids(fig, "comparator") == ["lu2025-001"]
    assert list(trace(fig, "range").x[:2]) == [10, 30]
    assert x_axis_of(fig, "lu2025-001").title.text == "months"
    assert x_axis_of(fig, "lu2025-005").title.text == "percent (%)"  # never on the months axis
    assert x_axis_of(fig, "lu2025-001").range[0] <= 0  # the axis starts at zero
    assert x_axis_of(fig, "lu2025-005").range[1] >= 100  # a percent axis shows the whole scale
    ys = {i: y for t in fig.data if t.customdata for i, y in zip(t.customdata, t.y, strict=True)}
    value_rows = [ys[i] for i in ("lu2025-001", "lu2025-002", "lu2025-003")]
    assert len(set(value_rows)) == 3  # each figure its own row
    assert set(chart.table["Row"]) == {f"lu2025-00{i}" for i in (1, 2, 3, 4, 5)}
    assert list(chart.table.columns) == list(plots.TABLE_COLUMNS)
    by_row = chart.table.set_index("Row")
    assert by_row.loc["lu2025-002", "Figure"] == "10–30 months"
    assert by_row.loc["lu2025-001", "Figure"] == "22 months vs 12 months (p = 0.027)"
    assert by_row.loc["lu2025-001", "Therapy"] == "alpha resection vs surgery alone"
    assert by_row.loc["lu2025-003", "Design"] == "Phase 3 RCT"
    only = plots.outcome_ranges(sample, "PFS", unit="percent", references=REFERENCES)
    assert ids(only.figure, "value") == ["lu2025-005"]
    assert "Also given in another unit: 3 figures" in only.figure.layout.title.subtitle.text
    assert plots.outcome_units(sample, "PFS") == ["months", "percent"]


def test_axis_and_legend_are_at_the_top(sample):
    fig = plots.outcome_ranges(sample, "PFS", references=REFERENCES).figure
    axes = [fig.layout[k] for k in fig.layout if k.startswith("xaxis")]
    assert all(a.side == "top" for a in axes if not a.overlaying)
    for name in ("legend", "legend2"):
        legend = fig.layout[name]
        assert legend.yref == "container" and legend.y > 0.5 and legend.yanchor == "top"
        top_px = (1 - legend.y) * fig.layout.height
        assert top_px < fig.layout.margin.t  # above the plot area
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert {"Therapy arm", "Comparator arm", "Phase 3 RCT", "Retrospective"} <= set(legend)


def test_a_tall_panel_repeats_its_axis_at_the_bottom():
    many = frame([row(i, value=i, unit="months", therapy=f"drug {i:02d}",
                      therapy_class="systemic") for i in range(1, 25)])  # fmt: skip
    fig = plots.outcome_ranges(many, "PFS", references=REFERENCES).figure
    mirrors = [
        fig.layout[k] for k in fig.layout if k.startswith("xaxis") and fig.layout[k].overlaying
    ]
    assert [m.side for m in mirrors] == ["bottom"] and mirrors[0].matches == "x"


def test_ranges_group_by_therapy_class_in_order(sample):
    fig = plots.outcome_ranges(sample, "PFS", unit="months", references=REFERENCES).figure
    headings = [t for t in fig.layout.yaxis.ticktext if t.startswith("<b>")]
    assert headings == ["<b>Surgery</b>", "<b>Local therapy</b>", "<b>Systemic therapy</b>"]


def test_marker_size_follows_patients_and_symbol_follows_design(sample):
    fig = plots.outcome_ranges(sample, "PFS", unit="months", references=REFERENCES).figure
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


def test_hover_carries_the_citation(sample):
    fig = plots.outcome_ranges(sample, "PFS", unit="months", references=REFERENCES).figure
    hover = dict(zip(trace(fig, "value").customdata, trace(fig, "value").hovertext, strict=True))
    assert "Alpha 2001 [1]" in hover["lu2025-001"]
    assert "lu2025 §2.1" in hover["lu2025-001"]
    assert "Made-up statement 1." in hover["lu2025-001"]
    assert "made-up population" in hover["lu2025-001"]
    assert "p = 0.027" in hover["lu2025-001"]
    ranges = dict(zip(trace(fig, "range").customdata, trace(fig, "range").hovertext, strict=True))
    assert "de Gamma 2002 [2]; Delta 2003 [3]" in ranges["lu2025-002"]
    shown = plots.outcome_ranges(
        sample, "PFS", unit="months", show_excluded=True, references=REFERENCES
    )
    excluded = trace(shown.figure, "value (excluded)")
    assert "xue2025, abstract" in excluded.hovertext[0]  # no refs: the source


def test_rows_without_figures_are_listed_apart_never_on_a_numeric_axis(sample):
    fig = plots.outcome_ranges(sample, "PFS", references=REFERENCES).figure
    drawn = {i for t in fig.data if t.customdata is not None for i in t.customdata}
    assert "lu2025-004" not in drawn  # no mark, no text on any axis
    assert not any("no figure given" in t for t in labels(fig))
    listed = next(a for a in fig.layout.annotations if a.name == "without figures")
    assert listed.xref == "paper" and listed.y < 0  # under the plot
    assert "<b>Favours the therapy:</b> gamma drug" in listed.text
    assert "Longer when p&lt;0.05 &amp; more." in listed.hovertext  # escaped, not a tag


def test_an_arm_without_a_figure_is_said_in_its_label_not_over_the_p_value():
    rows = frame(
        [
            row(1, value_low=5, value_high=80, unit="percent", comparator="no resection",
                outcome="survival_5y", p_value="0.0100"),
            row(2, comparator="placebo", comparator_value=8, unit="percent",
                outcome="survival_5y", therapy="gamma drug", therapy_class="systemic"),
        ]
    )  # fmt: skip
    fig = plots.two_arm_comparison(rows, references=REFERENCES).figure
    assert "<i>comparator: no figure given</i>" in label_of(fig, "lu2025-001")
    assert "<i>therapy arm: no figure given</i>" in label_of(fig, "lu2025-002")
    assert ids(fig, "comparator") == ["lu2025-002"]  # the arm that has a figure is drawn
    assert side_texts(fig)["lu2025-001"] == "p = 0.0100"  # alone in its column
    assert not [t for t in fig.data if t.mode == "text"]


def test_labels_wrap_and_are_never_cut(evidence):
    for chart in (
        plots.outcome_ranges(evidence, "PFS"),
        plots.outcome_ranges(evidence, "ORR"),
        plots.two_arm_comparison(evidence),
        plots.forest_plot(evidence, "PFS"),
        plots.evidence_map(evidence),
    ):
        fig = chart.figure
        texts = labels(fig) + [a.text for a in fig.layout.annotations]
        texts += [t for key in fig.layout if key.startswith("xaxis")
                  for t in (fig.layout[key].ticktext or ())]  # fmt: skip
        assert not [t for t in texts if t.rstrip().endswith("…")]
        longest = max(len(line) for t in labels(fig) for line in t.split("<br>"))
        assert longest < 140  # wrapped (markup included), not one long line
    fig = plots.outcome_ranges(evidence, "PFS").figure
    assert any("<br>" in t for t in labels(fig))


def test_excluded_rows_are_hidden_or_faded_with_their_reason(sample):
    hidden = plots.outcome_ranges(sample, "PFS", references=REFERENCES)
    assert "lu2025-006" not in ids(hidden.figure, "value", "value (excluded)")
    assert "lu2025-006" not in set(hidden.table["Row"])
    assert "1 row about other patients than this one left out" in (
        hidden.figure.layout.title.subtitle.text
    )
    shown = plots.outcome_ranges(sample, "PFS", show_excluded=True, references=REFERENCES)
    faded = trace(shown.figure, "value (excluded)")
    assert list(faded.customdata) == ["lu2025-006"]
    assert faded.marker.color == plots.EXCLUDED_COLOUR
    assert "Not for this profile: G3 only; this profile is G1" in faded.hovertext[0]
    why = shown.table.set_index("Row")["Why not"]
    assert why["lu2025-006"] == "G3 only; this profile is G1" and why["lu2025-001"] == ""


def test_hover_says_what_the_profile_leaves_open(sample):
    matched = sample.assign(unknown=[("grade",)] + [()] * (len(sample) - 1))
    fig = plots.outcome_ranges(matched, "PFS", unit="months", references=REFERENCES).figure
    hover = dict(zip(trace(fig, "value").customdata, trace(fig, "value").hovertext, strict=True))
    assert "leaves open: grade" in hover["lu2025-001"]
    assert "leaves open" not in hover["lu2025-003"]


def test_an_outcome_without_evidence_gives_a_clear_empty_figure(sample):
    chart = plots.outcome_ranges(sample, "DCR", subtitle="G1, type I", references=REFERENCES)
    assert len(chart.figure.data) == 0
    assert any(plots.NO_EVIDENCE in t for t in annotation_texts(chart.figure))
    assert "Disease control rate" in chart.figure.layout.title.text
    assert chart.figure.layout.title.subtitle.text == "G1, type I"
    assert chart.table.empty and "Row" in chart.table.columns


def test_all_rows_excluded_says_how_many_were_hidden():
    """Said once, under the title, in a clinician's words (no code to type in a dashboard)."""
    only = frame([row(1, value=3, unit="months", match="excluded", why="NEC only")])
    chart = plots.outcome_ranges(only, "PFS", references=REFERENCES)
    assert any(plots.NO_EVIDENCE in t for t in annotation_texts(chart.figure))
    texts = shown_texts(chart.figure)
    assert sum("1 row about other patients than this one left out" in t for t in texts) == 1
    assert not any("show_excluded" in t for t in texts)


def test_frames_without_match_columns_work(sample):
    plain = sample.drop(columns=["match", "why"])
    chart = plots.outcome_ranges(plain, "PFS", references=REFERENCES)
    assert "lu2025-006" in ids(chart.figure, "value")  # nothing excluded without a profile
    assert "Why not" not in chart.table.columns


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
        assert fig.layout.width is None  # the page gives the width
        assert isinstance(chart.table, pd.DataFrame)
    assert "lu2025 = Lu et al., Chin J Gen Surg 2025" in footnote(charts[0].figure)
    assert "primary = " in footnote(charts[3].figure)


def test_every_text_follows_the_figure_font_size(sample, trials):
    """update_layout(font_size=20) enlarges titles, legends, notes and ticks alike: no text
    has a size of its own, except the evidence map's cells."""
    evidence = combined(sample, trials)
    for chart in (
        plots.outcome_ranges(evidence, "PFS", references=REFERENCES),
        plots.two_arm_comparison(evidence, references=REFERENCES),
        plots.forest_plot(evidence, references=REFERENCES),
    ):
        assert _font_sizes(chart.figure.to_plotly_json()["data"]) == []
        layout = chart.figure.to_plotly_json()["layout"]
        assert _font_sizes({k: v for k, v in layout.items() if k != "font"}) == []


def test_presenter_mode_makes_room_for_larger_text(sample):
    normal = plots.outcome_ranges(sample, "PFS", references=REFERENCES).figure
    large = plots.outcome_ranges(sample, "PFS", references=REFERENCES, presenter=True).figure
    assert normal.layout.font.size == plots.FONT
    assert large.layout.font.size == plots.PRESENTER_FONT
    assert large.layout.height > normal.layout.height
    # The top holds title, notes and legends laid out for the wider plot a folded panel leaves.
    assert plots._style(True).min_width > plots._style(False).min_width


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


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_reach_4_5_to_1():
    for text, background in [
        (plots.TEXT_COLOUR, "#FFFFFF"),
        (plots.MUTED_TEXT, "#FFFFFF"),
        (plots.EXCLUDED_TEXT, "#FFFFFF"),
        *((text, colour) for text, (_, _, colour) in zip(plots.MAP_TEXT, plots.MAP_TIERS,
                                                         strict=True)),
    ]:  # fmt: skip
        assert _contrast(text, background) >= 4.5, (text, background)


# --- two-arm comparison ------------------------------------------------------------------------


def test_comparison_joins_both_arms_and_gives_the_p_value(sample):
    chart = plots.two_arm_comparison(sample, references=REFERENCES)
    fig = chart.figure
    assert sorted(ids(fig, "value")) == ["lu2025-001", "lu2025-007"]
    assert sorted(ids(fig, "comparator")) == ["lu2025-001", "lu2025-007"]
    connectors = [t for t in fig.data if t.name == "connector"]
    assert sum(x is None for t in connectors for x in t.x) == 2  # one line per pair
    assert side_texts(fig) == {"lu2025-001": "p = 0.027", "lu2025-007": "p &lt; 0.001"}
    assert "lu2025-008" not in {i for t in fig.data if t.customdata for i in t.customdata}
    assert "surgery alone" not in words(fig) and "no resection (5-y survival)" in words(fig)
    assert set(chart.table["Row"]) == {"lu2025-001", "lu2025-007", "lu2025-008"}


def test_comparison_puts_one_outcome_and_unit_on_each_axis(evidence):
    fig = plots.two_arm_comparison(evidence).figure
    facets: dict[str, set] = {}
    by_id = evidence.set_index("evidence_id")
    for t in fig.data:
        if t.customdata is not None and t.mode and "markers" in t.mode:
            for evidence_id in t.customdata:
                if evidence_id:
                    row = by_id.loc[evidence_id]
                    facets.setdefault(t.xaxis, set()).add((row.outcome, row.unit))
    assert len(facets) > 3 and all(len(found) == 1 for found in facets.values()), facets
    headings = [a.text for a in fig.layout.annotations if a.name == "panel heading"]
    assert len(headings) == len(facets)
    assert "<b>Progression-free survival (PFS), in percent (%)</b>" in headings
    netter = label_of(fig, "primary-021")  # PFS rate at month 20: outcome and timepoint named
    assert "estimated PFS rate at month 20" in netter and "primary analysis" in netter


def test_comparison_of_one_outcome(sample):
    chart = plots.two_arm_comparison(sample, "ORR", references=REFERENCES)
    assert ids(chart.figure, "value") == ["lu2025-007"]
    assert "Objective response rate" in chart.figure.layout.title.text
    empty = plots.two_arm_comparison(sample, "DCR", references=REFERENCES)
    assert any(plots.NO_EVIDENCE in t for t in annotation_texts(empty.figure))


def test_a_subgroup_contrast_is_not_drawn_as_a_control_arm(evidence):
    fig = plots.two_arm_comparison(evidence, "PFS").figure
    assert "primary-008" in ids(fig, "subgroup")  # CAPTEM: pancreatic vs non-pancreatic NEN
    assert "primary-008" not in ids(fig, "comparator")
    subgroup = trace(fig, "subgroup")
    assert subgroup.marker.color == plots.THERAPY_COLOUR
    assert all(s.endswith("-open") for s in subgroup.marker.symbol)
    assert "subgroup vs non-pancreatic NEN" in label_of(fig, "primary-008")
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert plots.COMPARATOR_KINDS["subgroup"] in legend
    assert "primary-014" in ids(fig, "comparator")  # SANET-ep's placebo arm is a control arm


# --- populations -------------------------------------------------------------------------------


def test_site_tags_on_non_pancreatic_trials_and_none_on_pancreatic_ones(evidence):
    pfs = plots.outcome_ranges(evidence, "PFS").figure
    comparison = plots.two_arm_comparison(evidence).figure
    forest = plots.forest_plot(evidence, "PFS").figure
    assert "[midgut]" in label_of(comparison, "primary-021")  # NETTER-1
    assert "[midgut]" in label_of(pfs, "primary-021")
    assert "[extrapancreatic]" in label_of(pfs, "primary-014")  # SANET-ep
    assert "extrapancreatic" in " ".join(labels(forest))
    for evidence_id in ("primary-026", "primary-028"):  # RADIANT-3, sunitinib: pNET trials
        assert "[" not in label_of(comparison, evidence_id), evidence_id
    radiant = [t for t in labels(forest) if "RADIANT-3" in t]
    assert radiant and not any("[" in t for t in radiant)
    table = plots.two_arm_comparison(evidence).table.set_index("Row")
    assert table.loc["primary-021", "Population"].endswith("[midgut]")


def test_pancreatic_only_keeps_pancreatic_populations(evidence):
    chart = plots.two_arm_comparison(evidence, pancreatic_only=True)
    sites = evidence.set_index("evidence_id")["tumour_site"]
    assert set(chart.table["Row"]) and set(sites[chart.table["Row"]]) == {"pancreatic"}
    assert "Pancreatic populations only." in chart.figure.layout.title.subtitle.text
    assert not any("[" in t for t in labels(chart.figure))
    for build in (
        lambda **k: plots.outcome_ranges(evidence, "PFS", **k),
        lambda **k: plots.forest_plot(evidence, "PFS", **k),
        lambda **k: plots.evidence_map(evidence, **k),
    ):
        assert len(build(pancreatic_only=True).table) < len(build().table)


def test_one_trial_assessed_two_ways_is_one_trial(evidence):
    chart = plots.forest_plot(evidence, "PFS")
    fig = chart.figure
    sanet = [t.replace("<br>", " ") for t in labels(fig) if "SANET-ep" in t]
    assert len(sanet) == 1 and "one trial assessed two ways" in sanet[0]
    assert "investigator-assessed" in label_of(fig, "primary-014")
    assert "independent radiology review" in label_of(fig, "primary-015")
    assert "SANET-ep" not in label_of(fig, "primary-014")  # named once, in its heading
    texts = side_texts(fig)
    assert texts["primary-014"] == "0.334 (0.223–0.499)"


# --- evidence map ------------------------------------------------------------------------------


def test_evidence_map_counts_rows_and_strongest_design(sample, trials):
    evidence = combined(sample, trials)
    chart = plots.evidence_map(evidence)
    cells = chart.table.set_index(["Therapy", "Outcome"])
    pfs = ("gamma drug", "Progression-free survival (PFS)")
    assert cells.loc[pfs, "Rows"] == 5  # 3 review rows + 2 trials
    assert cells.loc[pfs, "Strongest design"] == "Phase 3 RCT"
    assert cells.loc[pfs, "With figures"] == 4
    assert (chart.table["Rows"] > 0).all()  # the gaps are in the figure, not the table
    heat = trace(chart.figure, "evidence map")
    ticks = list(chart.figure.layout.xaxis.ticktext)
    assert ticks[:7] == ["PFS", "OS", "ORR", "DCR", "5-y survival", "Recurrence",
                         "Symptom resp."]  # fmt: skip
    rows = list(chart.figure.layout.yaxis.ticktext)
    counts = trace(chart.figure, "cell counts")
    grid = dict(zip(zip(counts.y, counts.x, strict=True), counts.text, strict=True))
    assert grid[(rows.index("gamma drug"), 0)] == "5"
    assert grid[(rows.index("beta ablation"), 1)] == "–"  # visibly empty
    hover = heat.hovertext[rows.index("beta ablation")][1]
    assert "evidence gap" in hover
    assert heat.z[rows.index("beta ablation")][1] == 0


def test_evidence_map_counts_excluded_rows_only_when_asked(sample):
    hidden = plots.evidence_map(sample).table
    assert "delta combo" not in set(hidden["Therapy"])  # its only row does not fit
    shown = plots.evidence_map(sample, show_excluded=True).table.set_index("Therapy")
    assert shown.loc["delta combo", "Rows"] == 1


def test_evidence_map_tags_therapies_studied_only_outside_the_pancreas(evidence):
    fig = plots.evidence_map(evidence).figure
    rows = [t.replace("\u00a0", " ") for t in fig.layout.yaxis.ticktext]
    assert any(t.startswith("octreotide LAR [midgut]") for t in rows), rows
    assert "everolimus" in rows  # RADIANT-3 is a pNET trial: no tag


# --- forest plot -------------------------------------------------------------------------------


def test_forest_plot_draws_hazard_ratios_on_a_log_axis(trials):
    chart = plots.forest_plot(trials, "PFS", references=REFERENCES)
    fig = chart.figure
    assert fig.layout.xaxis.type == "log"
    assert "hazard ratio" in fig.layout.xaxis.title.text
    assert "favours therapy" in fig.layout.xaxis.title.text
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
    assert side_texts(fig) == {
        "lu2025-002": "0.21 (0.13–0.33)",
        "lu2025-001": "0.35 (0.27–0.45)",
        "lu2025-003": "1.1 (no CI given)",
    }
    assert "TRIAL-X" in dict(zip(points.customdata, points.hovertext, strict=True))["lu2025-001"]
    assert list(chart.table["Row"]) == ["lu2025-002", "lu2025-001", "lu2025-003"]
    assert chart.table.loc[0, "Figure"].startswith("HR 0.21, 95% CI 0.13–0.33")


def test_forest_plot_of_an_outcome_without_hazard_ratios(trials, sample):
    chart = plots.forest_plot(sample, "ORR", references=REFERENCES)
    assert any(plots.NO_EVIDENCE in t for t in annotation_texts(chart.figure))
    ranges = plots.outcome_ranges(trials, "PFS", references=REFERENCES).figure
    assert "<b>Given only as a hazard ratio:</b>" in words(ranges)
    assert "HR 0.35, 95% CI 0.27–0.45" in words(ranges)


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
        assert not excluded & set(hidden.table["Row"])
        assert hidden.figure.layout.title.subtitle.text.startswith(profile.summary())
        shown = plots.outcome_ranges(matched, outcome, show_excluded=True)
        faded = set(ids(shown.figure, "value (excluded)", "range (excluded)"))
        assert faded <= excluded


def test_real_data_map_and_comparison(evidence):
    table = plots.evidence_map(evidence).table
    assert table["Rows"].sum() == len(evidence)
    assert len(table) < 150  # the cells that hold rows, not every therapy × outcome
    chart = plots.two_arm_comparison(evidence)
    with_arm = evidence[evidence["comparator"] != ""]
    assert set(chart.table["Row"]) <= set(with_arm["evidence_id"])


def test_hover_shows_the_primary_publication_check():
    """A review figure checked against its primary publication says so where people look."""
    chart = plots.outcome_ranges(load_evidence(), "PFS")
    hovers = [h for trace in chart.figure.data for h in (trace.hovertext or ()) if h]
    assert any("Primary publication: subgroup only" in h for h in hovers)


# --- in Chinese ----------------------------------------------------------------------------------

HAN = re.compile(r"[\u4e00-\u9fff]")
_WORD = r"[A-Za-z]*[a-z][A-Za-z]*"
ENGLISH_RUN = re.compile(rf"\b{_WORD}(?:[ -]{_WORD}){{2,}}\b")
"""Three English words in a row (abbreviations such as HAE do not count as words): a sentence or
phrase left untranslated."""


def shown_texts(figure) -> list[str]:
    """Every text a person reads in a figure: title, subtitle, legends, axes, row labels,
    annotations, hover text, tags stripped."""
    layout = figure.layout
    texts = [layout.title.text, layout.title.subtitle.text]
    texts += [t.name for t in figure.data if t.x == (None,)]  # legend entries
    for key in layout:
        if key.startswith(("xaxis", "yaxis")):
            texts += [layout[key].title.text or "", *(layout[key].ticktext or ())]
        if key.startswith("legend") and layout[key].title.text:
            texts.append(layout[key].title.text)
    for a in layout.annotations:
        texts += [a.text or "", a.hovertext or ""]
    for t in figure.data:
        hover = t.hovertext
        if isinstance(hover, str):
            texts.append(hover)
        for row in () if isinstance(hover, str) else hover or ():
            texts += row if isinstance(row, tuple | list) else [row]
    plain = (html.unescape(re.sub(r"<[^>]+>", " ", t or "")) for t in texts)
    return [re.sub(r"\s+", " ", t) for t in plain]


JOURNALS = ["Front Endocrinol (Lausanne)", "Chin J Gen Surg"]
"""Texts that stay as they are in every language (the sources' journals in the footnote)."""


def english_left(texts: list[str], data_words: list[str]) -> list[str]:
    left = []
    for text in texts:
        for word in data_words:
            text = text.replace(word, " ")
        left += ENGLISH_RUN.findall(text.replace("\u00a0", " "))
    return left


def numbers(texts) -> Counter:
    """The numbers of the texts as :func:`meaning` counts them (month names and full-width or
    superscript digits as numbers: 'June 2019' holds 6 and 2019, '¹⁷⁷Lu' 177)."""
    found = Counter()
    for text in texts:
        found.update({k: v for k, v in meaning(text).items() if k.startswith("number ")})
    return found


def charts(matched: pd.DataFrame) -> dict[str, plots.Chart]:
    return {
        "ranges PFS": plots.outcome_ranges(matched, "PFS", show_excluded=True),
        "ranges ORR": plots.outcome_ranges(matched, "ORR"),
        "ranges 5-y": plots.outcome_ranges(matched, "survival_5y", show_excluded=True),
        "two arms": plots.two_arm_comparison(matched, show_excluded=True),
        "forest": plots.forest_plot(matched, "PFS", show_excluded=True),
        "map": plots.evidence_map(matched),
    }


@pytest.fixture(scope="module", params=[0, 3, 5])
def case_matched(request) -> pd.DataFrame:
    """The evidence matched to three teaching cases (G2 resectable, G3 NET, insulinoma)."""
    from pnen_explorer.cases import TEACHING_CASES, teaching_case

    name = list(TEACHING_CASES)[request.param]
    return match_evidence(load_evidence(), teaching_case(name))


def test_figures_in_chinese_have_no_english_sentence(case_matched):
    data_words = JOURNALS
    with speaking("zh"):
        built = charts(case_matched)
        tables = {name: plots.readable(chart.table) for name, chart in built.items()}
    for name, chart in built.items():
        texts = shown_texts(chart.figure)
        assert HAN.search(chart.figure.layout.title.text), name
        assert english_left(texts, data_words) == [], name
        table = tables[name]
        assert all(HAN.search(str(c)) for c in table.columns if c != "Row"), name
        ids = [c for c in table.columns if c in ("行", "行编号")]
        cells = [str(v) for v in table.drop(columns=ids).to_numpy().ravel()]
        assert english_left(cells, data_words) == [], name


def test_figures_in_chinese_keep_every_number(case_matched):
    """The same numbers in both languages: figures, counts, p-values, CIs, references, years
    (a design's 'Phase 3' is the glossary's III期, so that label is left out)."""
    with speaking("zh"):
        chinese = charts(case_matched)
    english = charts(case_matched)
    for name in english:
        en_texts = [t.replace("Phase 3 RCT", "") for t in shown_texts(english[name].figure)]
        # the same numbers; how often may differ where a glossary name repeats one
        # ('177Lu-DOTATATE PRRT' is 镥-177(¹⁷⁷Lu))
        assert set(numbers(en_texts)) == set(numbers(shown_texts(chinese[name].figure))), name
        assert list(chinese[name].table.columns) == list(english[name].table.columns), name
        if "Figure" in english[name].table:
            for en, zh in zip(english[name].table["Figure"], chinese[name].table["Figure"],
                              strict=True):  # fmt: skip
                assert meaning(en) == meaning(zh), (en, zh)


def test_chinese_figures_use_a_cjk_font_and_english_ones_plotly_s(sample):
    with speaking("zh"):
        chinese = plots.outcome_ranges(sample, "PFS", references=REFERENCES).figure
        empty = plots.forest_plot(sample.iloc[:0], "PFS").figure
    family = chinese.layout.font.family
    assert family.startswith('"Noto Sans CJK SC"') and plots.FONT_FAMILY in family
    assert empty.layout.font.family == family
    assert plots.outcome_ranges(sample, "PFS").figure.layout.font.family is None


def test_a_chinese_figure_leaves_no_chinese_behind_in_the_english_one(sample):
    """The caches (wrapped lines, reference labels) hold no language: English after Chinese is
    the English it was."""
    before = plots.outcome_ranges(sample, "PFS", references=REFERENCES).figure.to_json()
    with speaking("zh"):
        chinese = plots.outcome_ranges(sample, "PFS", references=REFERENCES).figure.to_json()
    after = plots.outcome_ranges(sample, "PFS", references=REFERENCES).figure.to_json()
    assert before == after and chinese != before
    assert not HAN.search(json.loads(after)["layout"]["title"]["text"])


def test_readable_headings_are_the_english_keys_in_english(sample):
    table = plots.outcome_ranges(sample, "PFS", show_excluded=True).table
    assert plots.readable(table) is table
    with speaking("zh"):
        shown = plots.readable(plots.outcome_ranges(sample, "PFS", show_excluded=True).table)
    assert list(shown.columns) == [
        "治疗",
        "结局",
        "数据",
        "人群",
        "设计",
        "出处",
        "行",
        "不适用原因",
    ]


def test_chinese_lines_wrap_by_character_and_keep_site_tags_whole():
    text = "CAPTEM联合钇-90放射性栓塞，局部治疗与全身治疗联合的中位无进展生存期 [部位未说明]"
    lines = plots._lines(text, 20)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert lines[-1].endswith(" [部位未说明]")
    assert all(plots._width(line) <= 20 + plots.WIDE_CHAR for line in lines)
    assert not any(line.startswith(("，", "。", "）")) for line in lines)
    dated = plots._lines("合并中位PFS · 文献检索至2019年6月", 26)
    assert not any(line.startswith("月") for line in dated)
    english = "Median PFS by central review, primary analysis"
    assert plots._lines(english, 20) == textwrap.wrap(english, 20, break_long_words=False,
                                                      break_on_hyphens=False)  # fmt: skip


def test_design_labels_are_the_glossary_s_in_chinese():
    with speaking("zh"):
        labels_zh = plots.design_labels()
    assert labels_zh["meta_analysis"] == term("meta_analysis", "zh", "study_design")
    assert plots.design_labels() == plots.DESIGN_LABELS
    assert all(HAN.search(label) for label in labels_zh.values())


def test_figure_summary_and_p_text_in_chinese_keep_their_meaning():
    row = {"value": 22.0, "value_low": math.nan, "value_high": math.nan, "unit": "months",
           "comparator_value": 12.0, "hr": 0.35, "hr_ci_low": 0.2, "hr_ci_high": 0.6,
           "p_value": "0.027", "direction": "not_stated"}  # fmt: skip
    english = figure_summary(row)
    assert english == "22 months vs 12 months; HR 0.35, 95% CI 0.2–0.6 (p = 0.027)"
    with speaking("zh"):
        chinese = figure_summary(row)
        unstated = p_text("")
        words = figure_summary(row | {"value": math.nan, "comparator_value": math.nan,
                                      "hr": math.nan, "p_value": "",
                                      "direction": "favours_therapy"})  # fmt: skip
    assert chinese == "22个月 vs 12个月；HR 0.35，95% CI 0.2–0.6（p = 0.027）"
    assert meaning(english) == meaning(chinese)
    assert HAN.search(unstated) and HAN.search(words) and not ENGLISH_RUN.search(words)


def test_review_check_reads_in_chinese(evidence):
    checks = review_vs_primary(evidence)
    english = readable(checks)
    assert list(english.columns)[:3] == ["Row", "Section", "Therapy"]
    assert "subgroup only" in set(english["Checked against the primary publication"])
    with speaking("zh"):
        chinese_checks = review_vs_primary(evidence)
        chinese = readable(chinese_checks)
    assert list(checks.columns) == list(chinese_checks.columns)  # the keys code reads
    assert all(HAN.search(c) for c in chinese.columns if c != "行")
    assert set(chinese["与原始文献的核对"]) <= {_zh_word(w) for w in set(checks["agreement"])}
    for en, zh in zip(checks["review_figure"], chinese_checks["review_figure"], strict=True):
        assert meaning(en) == meaning(zh), (en, zh)
    data_words = JOURNALS
    cells = [str(v) for v in chinese.drop(columns=["行"]).to_numpy().ravel()]
    assert english_left(cells, data_words) == []


def _zh_word(agreement: str) -> str:
    from pnen_explorer.i18n import _
    from pnen_explorer.review_check import AGREEMENT_WORDS

    with speaking("zh"):
        return _(AGREEMENT_WORDS[agreement])
