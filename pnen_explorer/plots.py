"""Plotly figures of the evidence table, each with a readable table of what it draws.

Every builder is a pure function of an evidence frame as ``load_evidence()`` returns it, with or
without the ``match`` and ``why`` columns that ``match_evidence()`` adds, and returns a
``Chart(figure, table)`` so that a table can stand beside every figure:

- ``outcome_ranges``: one outcome, one row per reported figure, grouped by therapy class;
- ``two_arm_comparison``: rows with a comparator, both arms and the p-value, one outcome and
  unit per axis;
- ``evidence_map``: therapy × outcome, how many rows and of what strongest design;
- ``forest_plot``: hazard ratios with their confidence intervals on a log axis.

How the figures read at a glance:

- the legend and the x axis sit at the top, where the eye starts (a tall panel repeats its axis
  at the bottom); labels wrap, never cut;
- a finding the source states without a number is listed in words under the plot, never drawn
  on an axis of numbers; months and percent never share an axis;
- a population that is not pancreatic carries its site tag in the label (``[midgut]``,
  ``[extrapancreatic]``, ``[mixed sites]``: ``vocabulary.site_tag``), and
  ``pancreatic_only=True`` keeps only pancreatic populations;
- the comparator colour marks a real comparator arm only: a contrast between two subgroups on
  the same therapy is drawn in the therapy colour with an open symbol;
- text sizes follow ``layout.font.size`` (``figure.update_layout(font_size=20)`` enlarges every
  text); ``presenter=True`` also makes room for the larger text (rows, margins, wrapping).

Nothing is loaded at import time: plotly is imported by the builders, and the reference list is
read once, on first use.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from pnen_explorer import data
from pnen_explorer.grouping import ids_by_key
from pnen_explorer.vocabulary import CORE_OUTCOMES, OUTCOMES, TUMOUR_SITES, site_tag
from pnen_explorer.wording import DIRECTION_WORDS
from pnen_explorer.wording import figure_summary as _figure_summary
from pnen_explorer.wording import figure_text as _figure_text
from pnen_explorer.wording import first_author as _first_author
from pnen_explorer.wording import is_range as _is_range
from pnen_explorer.wording import missing as _missing
from pnen_explorer.wording import num as _num
from pnen_explorer.wording import p_text as _p_text
from pnen_explorer.wording import with_unit as _with_unit

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "DESIGN_ORDER",
    "NO_EVIDENCE",
    "OKABE_ITO",
    "PRESENTER_FONT",
    "Chart",
    "evidence_map",
    "forest_plot",
    "outcome_ranges",
    "outcome_units",
    "two_arm_comparison",
]


class Chart(NamedTuple):
    """A figure and a readable table of what it draws, to show side by side."""

    figure: go.Figure
    table: pd.DataFrame


# --- vocabulary and style ----------------------------------------------------------------------

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
"""The Okabe–Ito palette: eight colours that stay distinct under the common colour blindnesses."""

THERAPY_COLOUR = OKABE_ITO["blue"]
COMPARATOR_COLOUR = OKABE_ITO["vermillion"]
EXCLUDED_COLOUR = "#A6A6A6"
TEXT_COLOUR = "#262626"
MUTED_TEXT = "#595959"
"""Grey text on white: 7.0:1, above the 4.5:1 that WCAG asks of body text."""
FONT = 16
PRESENTER_FONT = 20
"""The base text size of a figure, and of one built with ``presenter=True``."""

DESIGN_ORDER = (
    "rct_phase3",
    "rct",
    "meta_analysis",
    "prospective",
    "retrospective",
    "guideline",
    "review",
    "case_report",
    "preclinical",
    "unknown",
)
"""Study designs from strongest to weakest, as the evidence map ranks them."""

DESIGN_LABELS = {
    "rct_phase3": "Phase 3 RCT",
    "rct": "RCT",
    "meta_analysis": "Meta-analysis",
    "prospective": "Prospective",
    "retrospective": "Retrospective",
    "guideline": "Guideline",
    "review": "Review",
    "case_report": "Case report",
    "preclinical": "Preclinical",
    "unknown": "Design unknown",
}
DESIGN_SHORT = {
    **DESIGN_LABELS,
    "rct_phase3": "RCT ph3",
    "meta_analysis": "Meta-an.",
    "prospective": "Prosp.",
    "retrospective": "Retro.",
    "case_report": "Case rep.",
    "preclinical": "Preclin.",
    "unknown": "Unknown",
}
DESIGN_SYMBOLS = {
    "rct_phase3": "star",
    "rct": "diamond",
    "meta_analysis": "hexagon",
    "prospective": "triangle-up",
    "retrospective": "square",
    "guideline": "bowtie",
    "review": "cross",
    "case_report": "x",
    "preclinical": "triangle-down",
    "unknown": "circle",
}

MAP_TIERS = (
    ("No rows", (), "#FFFFFF"),
    (
        "Guideline, review, case, lab, unknown",
        ("guideline", "review", "case_report", "preclinical", "unknown"),
        "#C6DBEF",
    ),
    ("Retrospective", ("retrospective",), "#6BAED6"),
    ("Meta-analysis or prospective", ("meta_analysis", "prospective"), "#2171B5"),
    ("Randomised trial", ("rct_phase3", "rct"), "#08306B"),
)
"""Evidence-map colours by strongest design: one blue, light to dark, readable in greyscale."""
MAP_TEXT = ("#000000", "#000000", "#000000", "#FFFFFF", "#FFFFFF")
"""The cell text on each tier's colour, every pair at 4.5:1 or more (a test computes them)."""
_CELL_EDGE = dict(color="#7F7F7F", width=1)

CLASS_ORDER = ("surgery", "local", "systemic", "multimodal", "none")
CLASS_LABELS = {
    "surgery": "Surgery",
    "local": "Local therapy",
    "systemic": "Systemic therapy",
    "multimodal": "Multimodal",
    "none": "No therapy (epidemiology)",
}
OUTCOME_LABELS = {code: o.label for code, o in OUTCOMES.items()}
OUTCOME_SHORT = {code: o.short for code, o in OUTCOMES.items()}

UNIT_TITLES = {"percent": "percent (%)"}
LOG_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
NO_EVIDENCE = "No evidence for this outcome in this profile"

COMPARATOR_KINDS = {
    "arm": "Comparator arm",
    "subgroup": "Other subgroup, same therapy (not a control arm)",
    "indirect": "Other therapy, separate studies (not a control arm)",
}
"""What the other figure of a comparison is, as the legend names it."""
SUBGROUP_WORDS = re.compile(r"subgroup|same regimen|sensitive disease|\bki-67\b", re.I)
"""A comparator that names patients, not a treatment: a contrast between subgroups."""
INDIRECT_WORDS = re.compile(r"separate stud", re.I)
"""A comparator from other studies than the therapy's figure: an indirect comparison."""
ASSESSMENT = re.compile(
    r"investigator[- ]assessed|by (?:the )?investigators?|"
    r"(?:blinded |independent )?(?:central|radiology|independent) (?:radiology )?review",
    re.I,
)
"""How a trial's figure was assessed, as its outcome detail says ('central review')."""

MIN_WIDTH = 640
"""The narrowest plot the layout is worked out for: a 1024 px screen with the patient panel
open leaves the plot about 650 px (measured in the dashboard). Text across the figure is
wrapped to it, so wider screens get a comfortable reading column rather than cut lines."""
PRESENTER_MIN_WIDTH = 1100
"""The narrowest plot in presenter mode, which folds the patient panel: a 1024 px screen gives
the plot about 960 px."""
CHAR_EM = 0.54
"""The mean width of a character in em, to turn characters into pixels (measured in Chromium)."""

BASE_COLUMNS = (
    "evidence_id",
    "source",
    "section",
    "ref_nos",
    "therapy",
    "therapy_class",
    "comparator",
    "population",
    "outcome",
    "outcome_detail",
    "value",
    "value_low",
    "value_high",
    "unit",
    "comparator_value",
    "p_value",
    "n_patients",
    "study_design",
    "direction",
    "statement",
    "note",
)
HR_COLUMNS = ("hr", "hr_ci_low", "hr_ci_high")
FIGURE_COLUMNS = ("value", "value_low", "value_high", "comparator_value")
NUMBER_COLUMNS = {*FIGURE_COLUMNS, "n_patients", *HR_COLUMNS}
OPTIONAL_COLUMNS = (
    *HR_COLUMNS,
    "study_name",
    "doi",
    "arm",
    "timepoint",
    "agreement",
    "agreement_note",
    "match",
    "why",
    "unknown",
    "tumour_site",
)
"""Columns used where present: primary-publication fields and what match_evidence() adds."""


@dataclass(frozen=True)
class _Style:
    """Sizes in pixels for one base font size: everything scales with it."""

    font: float = FONT

    def px(self, n: float) -> int:
        return round(n * self.font / FONT)

    @property
    def line(self) -> int:
        """The height of one line of text."""
        return round(self.font * 1.3)

    @property
    def label_line(self) -> int:
        """The room a line of a row label takes (measured: plotly spaces tick lines widely)."""
        return round(self.font * 1.5)

    @property
    def row(self) -> int:
        """The height of a one-line row."""
        return self.px(34)

    @property
    def label_chars(self) -> int:
        """Characters per line of a row label."""
        return 26 if self.font <= FONT else 22

    @property
    def wrap_chars(self) -> int:
        """Characters per line of text across the figure (subtitle, lists, footnote)."""
        return int((self.min_width - 60) / (1.1 * CHAR_EM * self.font))

    @property
    def min_width(self) -> int:
        """The narrowest plot this style is laid out for."""
        return MIN_WIDTH if self.font <= FONT else PRESENTER_MIN_WIDTH

    def text_px(self, chars: int) -> int:
        return math.ceil(chars * CHAR_EM * self.font)


def _style(presenter: bool) -> _Style:
    return _Style(PRESENTER_FONT if presenter else FONT)


# --- public builders ---------------------------------------------------------------------------


def outcome_units(
    evidence: pd.DataFrame, outcome: str, *, show_excluded: bool = False
) -> list[str]:
    """The units an outcome's figures are given in, the most frequent first: one figure each."""
    _check_outcome(outcome)
    rows, _ = _visible(_rows(evidence, None, outcome=outcome, cite=False), show_excluded)
    return _frequent_units(rows)


def outcome_ranges(
    evidence: pd.DataFrame,
    outcome: str,
    *,
    unit: str | None = None,
    subtitle: str = "",
    show_excluded: bool = False,
    references: pd.DataFrame | None = None,
    pancreatic_only: bool = False,
    presenter: bool = False,
) -> Chart:
    """Every figure reported for one outcome, one row each, grouped by therapy class.

    A point is a single figure, a bar a range; the comparator sits just below its row. Marker
    size grows with the number of patients, marker shape is the study design. Each unit gets
    its own axis (``unit`` draws only that one). Findings without a number, and figures given
    only as a hazard ratio, are listed in words under the plot.
    """
    _check_outcome(outcome)
    st = _style(presenter)
    evidence = _scope(evidence, pancreatic_only)
    rows, hidden = _visible(_rows(evidence, references, outcome=outcome), show_excluded)
    drawn = [r for r in rows if r["_figures"] and (unit is None or r["unit"] == unit)]
    units = _frequent_units(drawn)
    title = f"{OUTCOME_LABELS[outcome]} by therapy" + (f", in {unit}" if unit else "")
    notes = _scope_notes(hidden, pancreatic_only)
    if unit is not None:
        others = [r for r in rows if r["_figures"] and r["unit"] != unit]
        if others:
            notes.append(f"Also given in another unit: {_figures(len(others))}, not drawn here.")
    words = [r for r in rows if not r["_figures"]]
    shown = drawn + words
    table = _row_table(shown)
    if not shown:
        return Chart(_empty_figure(st, title, subtitle, notes, hidden), table)
    panels = [
        _panel(
            st,
            [r for r in drawn if r["unit"] == u],
            u,
            i + 1,
            comparator_offset=0.3,
            heading=f"Given in {UNIT_TITLES.get(u, u)}" if len(units) > 1 else "",
        )
        for i, u in enumerate(units)
    ]
    return Chart(
        _compose(st, panels, title, subtitle, notes, shown, _arm_legend(drawn), words), table
    )


def two_arm_comparison(
    evidence: pd.DataFrame,
    outcome: str | None = None,
    *,
    subtitle: str = "",
    show_excluded: bool = False,
    references: pd.DataFrame | None = None,
    pancreatic_only: bool = False,
    presenter: bool = False,
) -> Chart:
    """Rows that compare the therapy with another arm: both arms joined by a line, and the
    p-value where the source states it, at the right. One panel per outcome and unit, so no
    axis mixes outcomes or units; each row names its outcome detail and timepoint.
    Comparisons stated without figures are listed in words under the plot."""
    if outcome is not None:
        _check_outcome(outcome)
    st = _style(presenter)
    evidence = _scope(evidence, pancreatic_only)
    rows = _rows(evidence, references, outcome=outcome, comparator_only=True)
    rows, hidden = _visible(rows, show_excluded)
    title = (
        f"{OUTCOME_LABELS[outcome]}: therapy versus comparator"
        if outcome
        else "Therapy versus comparator, one outcome per axis"
    )
    notes = _scope_notes(hidden, pancreatic_only)
    table = _row_table(rows)
    if not rows:
        return Chart(_empty_figure(st, title, subtitle, notes, hidden), table)
    drawn = [r for r in rows if r["_figures"]]
    words = [r for r in rows if not r["_figures"]]
    facets = Counter((r["outcome"], r["unit"]) for r in drawn)
    order = [o for o in OUTCOME_LABELS if any(k[0] == o for k in facets)]
    panels = []
    for name in order:
        for unit in _frequent_units([r for r in drawn if r["outcome"] == name]):
            part = [r for r in drawn if r["outcome"] == name and r["unit"] == unit]
            heading = f"{OUTCOME_LABELS[name]}, in {UNIT_TITLES.get(unit, unit)}"
            panel = _panel(st, part, unit, len(panels) + 1, 0.0, heading=heading, side=True)
            panel.x_title = ""  # the heading names the unit
            panels.append(panel)
    table = _row_table([r for p in panels for r in p.rows] + words)
    return Chart(
        _compose(st, panels, title, subtitle, notes, rows, _arm_legend(drawn), words, True),
        table,
    )


def forest_plot(
    evidence: pd.DataFrame,
    outcome: str = "PFS",
    *,
    subtitle: str = "",
    show_excluded: bool = False,
    references: pd.DataFrame | None = None,
    pancreatic_only: bool = False,
    presenter: bool = False,
) -> Chart:
    """Hazard ratios (therapy versus comparator) with their 95 % CI, grouped by therapy, on a
    log axis with a line at HR 1; the figures are written at the right of each row. One trial
    assessed two ways (investigators, central review) is one trial with both rows named."""
    _check_outcome(outcome)
    _require(evidence, HR_COLUMNS)
    st = _style(presenter)
    evidence = _scope(evidence, pancreatic_only)
    rows = [r for r in _rows(evidence, references, outcome=outcome) if not _missing(r["hr"])]
    rows, hidden = _visible(rows, show_excluded)
    title = f"{OUTCOME_LABELS[outcome]}: hazard ratios by therapy"
    notes = _scope_notes(hidden, pancreatic_only)
    if not rows:
        return Chart(_empty_figure(st, title, subtitle, notes, hidden), _row_table(rows))
    panel = _forest_panel(st, rows)
    legend = _legend(panel.rows, [("Hazard ratio, 95% CI", THERAPY_COLOUR, "circle")])
    chart_rows = panel.rows
    figure = _compose(st, [panel], title, subtitle, notes, chart_rows, legend, [], True)
    return Chart(figure, _row_table(chart_rows))


def evidence_map(
    evidence: pd.DataFrame,
    *,
    subtitle: str = "",
    show_excluded: bool = False,
    pancreatic_only: bool = False,
    presenter: bool = False,
) -> Chart:
    """Therapy × outcome: how many rows each cell holds and the strongest design among them.

    Every therapy and the core outcomes always get a row and a column, so an empty cell is a
    visible gap (for the profile, when rows were matched to one). Rows without a number count.
    A therapy whose rows are all about other primary sites than the pancreas carries their site
    tag. The table lists the cells that hold rows.
    """

    _require(evidence, BASE_COLUMNS)
    st = _style(presenter)
    evidence = _scope(evidence, pancreatic_only)
    excluded = _excluded_mask(evidence)
    cells_table = _map_table(evidence, excluded, show_excluded)
    title = "Evidence map: therapies × outcomes"
    left_out = 0 if show_excluded else int(excluded.sum())
    notes = _scope_notes(0, pancreatic_only)
    if left_out:
        notes.append(f"{_figures(left_out, 'row')} about other patients than this one not counted.")
    if cells_table.empty:
        return Chart(_empty_figure(st, title, subtitle, notes, 0), _map_readable(cells_table))
    cells = cells_table.to_dict("records")
    outcomes = list(dict.fromkeys(cells_table["outcome"]))
    grid = [cells[i : i + len(outcomes)] for i in range(0, len(cells), len(outcomes))]
    tier = {design: i for i, (_, designs, _) in enumerate(MAP_TIERS) for design in designs}
    steps = len(MAP_TIERS)
    labels = [_map_label(st, line) for line in grid]
    z = [[tier.get(c["strongest_design"], 0) for c in line] for line in grid]
    columns, lines = list(range(len(outcomes))), list(range(len(grid)))
    heatmap = dict(
        type="heatmap",
        name="evidence map",
        z=z,
        x=columns,
        y=lines,
        hovertext=[[_cell_hover(c) for c in line] for line in grid],
        hoverinfo="text",
        colorscale=[
            [edge, colour]
            for i, (_, _, colour) in enumerate(MAP_TIERS)
            for edge in (i / steps, (i + 1) / steps)
        ],
        zmin=-0.5,
        zmax=steps - 0.5,
        showscale=False,
        xgap=2,
        ygap=2,
    )
    # the counts as text, each in the colour that reads on its cell (4.5:1 or more)
    texts = dict(
        type="scatter",
        mode="text",
        name="cell counts",
        x=[j for _ in grid for j in columns],
        y=[i for i in lines for _ in columns],
        text=[_cell_text(c) for line in grid for c in line],
        textfont=dict(color=[MAP_TEXT[v] for line in z for v in line]),
        hoverinfo="skip",
        showlegend=False,
    )
    legend = [
        _legend_marker(label, symbol="square", size=st.px(18), color=colour, line=_CELL_EDGE)
        for label, _, colour in reversed(MAP_TIERS)
    ]
    sources = evidence["source"] if show_excluded else evidence["source"][~excluded]
    row_px = st.px(40) if max(label.count("<br>") for label in labels) == 0 else st.px(52)
    plot_px = len(grid) * row_px
    ticks = [_esc(OUTCOME_SHORT[o]) for o in outcomes]  # upright: the columns are narrow
    top_axis = st.text_px(max(len(OUTCOME_SHORT[o]) for o in outcomes)) + st.px(12)
    label_px = _label_px(st, labels)
    groups = [("legend", "Strongest design in the cell:", [e["name"] for e in legend])]
    frame = _Frame(st, title, subtitle, notes, _legend_px(st, groups, label_px + st.px(100)),
                   {str(s) for s in sources.unique()})  # fmt: skip
    classes = [line[0]["therapy_class"] for line in grid]
    side_px = _label_px(st, [f"<b>{_class_name(c)}</b>" for c in set(classes)])
    layout = frame.layout(plot_px + top_axis, label_px=label_px, side_px=side_px + st.px(10))
    layout["legend"]["title"] = dict(text=groups[0][1])
    layout["xaxis"] = dict(
        side="top", showgrid=False, fixedrange=True, ticks="", tickvals=columns, ticktext=ticks,
        range=[-0.5, len(outcomes) - 0.5], tickangle=-90, zeroline=False,
    )  # fmt: skip
    layout["yaxis"] = dict(
        range=[len(grid) - 0.5, -0.5],
        tickvals=lines,
        ticktext=labels,
        showgrid=False,
        fixedrange=True,
        ticks="",
        zeroline=False,
        automargin=True,
        domain=[0, plot_px / (plot_px + top_axis)],
    )
    layout["plot_bgcolor"] = "#BFBFBF"  # shows through the cell gaps as a grid
    layout["shapes"], brackets = _class_brackets(st, classes)
    layout["annotations"] += brackets
    return Chart(_figure([heatmap, texts, *legend], layout), _map_readable(cells_table))


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """A Figure from trace and layout dicts this module built and its tests check.

    Plotly's per-property validation would cost most of a figure's build time (the dashboard
    rebuilds one per change); the builders' output is checked by the tests instead.
    """
    import plotly.graph_objects as go

    return go.Figure(dict(data=data, layout=layout), _validate=False)


# --- preparing rows ----------------------------------------------------------------------------


def _require(evidence: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in evidence.columns]
    if missing:
        raise ValueError(
            f"the evidence table lacks column(s) {', '.join(missing)}; "
            "expected a table as load_evidence() returns it"
        )


def _check_outcome(outcome: str) -> None:
    if outcome not in OUTCOME_LABELS:
        raise ValueError(
            f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOME_LABELS)}"
        )


def _scope(evidence: pd.DataFrame, pancreatic_only: bool) -> pd.DataFrame:
    """The rows about pancreatic populations only, when asked (``matching.pancreatic_only``)."""
    if not pancreatic_only:
        return evidence
    from pnen_explorer.matching import pancreatic_only as pancreatic

    return pancreatic(evidence)


def _scope_notes(hidden: int, pancreatic_only: bool) -> list[str]:
    """What the figure leaves out, in a clinician's words."""
    notes = []
    if pancreatic_only:
        notes.append("Pancreatic populations only.")
    if hidden:
        notes.append(f"{_figures(hidden, 'row')} about other patients than this one left out.")
    return notes


def _rows(
    evidence: pd.DataFrame,
    references: pd.DataFrame | None,
    *,
    outcome: str | None = None,
    comparator_only: bool = False,
    cite: bool = True,
) -> list[dict]:
    """The evidence rows as plain dicts (text "" and numbers NaN when empty), in drawing order:
    therapy class, therapy, id. Derived keys start with '_'."""
    _require(evidence, BASE_COLUMNS)
    keep = pd.Series(True, index=evidence.index)
    if outcome is not None:
        keep &= evidence["outcome"] == outcome
    if comparator_only:
        keep &= evidence["comparator"].notna() & (evidence["comparator"] != "")
    part = evidence[keep]
    columns = [c for c in (*BASE_COLUMNS, *OPTIONAL_COLUMNS) if c in part.columns]
    values = [part[c].tolist() for c in columns]
    labels = {}
    if cite:
        labels = (
            _curated_reference_labels() if references is None else _reference_labels(references)
        )
    rows = []
    for cells in zip(*values, strict=True):
        row = dict.fromkeys(OPTIONAL_COLUMNS, "") | dict.fromkeys(HR_COLUMNS, math.nan)
        row["unknown"] = ()
        for name, cell in zip(columns, cells, strict=True):
            if name in NUMBER_COLUMNS:
                row[name] = math.nan if cell is None else float(cell)
            elif name == "ref_nos":
                row[name] = _ref_numbers(cell)
            elif name == "unknown":
                row[name] = tuple(cell) if isinstance(cell, tuple | list) else ()
            else:
                row[name] = cell if isinstance(cell, str) else ""
        row["study_design"] = row["study_design"] or "unknown"
        row["_excluded"] = row["match"] == "excluded"
        row["_figures"] = any(not math.isnan(row[c]) for c in FIGURE_COLUMNS)
        row["_hr_only"] = not row["_figures"] and not math.isnan(row["hr"])
        row["_tag"] = site_tag(row["tumour_site"])
        row["_kind"] = _comparator_kind(row["comparator"])
        found = ASSESSMENT.search(row["outcome_detail"])
        row["_assessment"] = found.group(0) if found else ""
        row["citation"] = _citation(row, labels) if cite else ""
        rows.append(row)
    return sorted(rows, key=_class_order)


def _comparator_kind(comparator: str) -> str:
    """'arm' for a control arm, 'subgroup' for other patients on the same therapy, 'indirect'
    for another therapy from separate studies, '' without a comparator."""
    if not comparator:
        return ""
    if SUBGROUP_WORDS.search(comparator):
        return "subgroup"
    return "indirect" if INDIRECT_WORDS.search(comparator) else "arm"


def _class_order(row: dict) -> tuple:
    return _class_rank(row["therapy_class"]), row["therapy"].casefold(), row["evidence_id"]


def _class_rank(therapy_class: str) -> int:
    return CLASS_ORDER.index(therapy_class) if therapy_class in CLASS_ORDER else len(CLASS_ORDER)


def _ref_numbers(cell) -> tuple[int, ...]:
    """ref_nos as load_evidence() parses them (a tuple), or as written by hand ('43;44')."""
    if isinstance(cell, str):
        return tuple(int(n) for n in cell.split(";") if n.strip())
    return tuple(cell) if isinstance(cell, tuple | list) else ()


def _visible(rows: list[dict], show_excluded: bool) -> tuple[list[dict], int]:
    """The rows to draw, and how many were hidden because they do not fit the profile."""
    if show_excluded:
        return rows, 0
    shown = [r for r in rows if not r["_excluded"]]
    return shown, len(rows) - len(shown)


def _frequent_units(rows: list[dict]) -> list[str]:
    counts = Counter(r["unit"] for r in rows if r["_figures"] and r["unit"])
    return [unit for unit, _ in counts.most_common()]


@cache
def _curated_reference_labels() -> dict[int, str]:
    """``{ref_no: "Author year"}`` for the curated reference list, read on first use."""
    return _reference_labels(data.load_references())


def _reference_labels(references: pd.DataFrame) -> dict[int, str]:
    return {
        int(n): f"{_first_author(str(a))} {int(y)}"
        for n, a, y in zip(
            references["ref_no"], references["authors"], references["year"], strict=True
        )
    }


def _citation(row: dict, labels: dict[int, str]) -> str:
    """'Yuan 2019 [12] (lu2025 §1)'; the source and section alone for rows without refs."""
    section = row["section"]
    where = row["source"]
    if section:
        where += f" §{section}" if section[:1].isdigit() else f", {section}"
    refs = "; ".join(f"{labels.get(n, 'ref.')} [{n}]" for n in row["ref_nos"])
    if refs:
        return f"{refs} ({where})"
    primary = row["study_name"] or (f"doi:{row['doi']}" if row["doi"] else "")
    return f"{primary} ({where})" if primary else where


# --- formatting --------------------------------------------------------------------------------

NBSP = "\u00a0"


def _esc(text: str) -> str:
    """Plotly reads a subset of HTML: '<0.001' must not open a tag."""
    return html.escape(text, quote=False)


@lru_cache(maxsize=8192)  # the same statements are wrapped again on every redraw
def _wrap(text: str, width: int = 70) -> str:
    return "<br>".join(_esc(line) for line in _lines(text, width)) if text else ""


def _lines(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, words whole (a long word gets a line of its own)."""
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _figures(count: int, noun: str = "figure") -> str:
    return _plural(count, noun)


def _muted(text: str) -> str:
    return f'<span style="color:{MUTED_TEXT}">{text}</span>'


def _tagged(name: str, tag: str) -> str:
    """The name and its site tag, the tag kept on one line (non-breaking spaces)."""
    return f"{name} {tag.replace(' ', NBSP)}" if tag else name


def _row_name(row: dict) -> str:
    """'NETTER-1: 177Lu-DOTATATE PRRT vs octreotide LAR … [midgut]': what the row is about."""
    name = row["therapy"] or row["outcome_detail"] or row["population"] or "no therapy named"
    if row["_kind"] == "subgroup":
        name += f": subgroup vs {row['comparator']}"
    elif row["comparator"]:
        name += f" vs {row['comparator']}"
    study = row["study_name"]
    if study and len(study) <= 18:  # a trial's short name, as clinicians know it
        name = f"{study}: {name}"
    return _tagged(name, row["_tag"])


def _detail(row: dict, with_timepoint: bool) -> str:
    """The outcome detail (and timepoint): which figure of the study the row is."""
    detail = row["outcome_detail"] if row["outcome_detail"] != row["therapy"] else ""
    if with_timepoint and row["timepoint"]:
        detail = f"{detail} · {row['timepoint']}" if detail else row["timepoint"]
    return detail


def _hover(row: dict) -> str:
    head = f"<b>{_therapy_label(row)}</b>"
    if row["outcome_detail"]:
        head += f" · {_esc(row['outcome_detail'])}"
    figure = _figure_text(row)
    if row["comparator"]:
        cv = row["comparator_value"]
        versus = _with_unit(cv, row["unit"]) if not _missing(cv) else "no figure"
        figure += f" vs {row['comparator']}: {versus} ({_p_text(row['p_value'])})"
    n = row["n_patients"]
    design = DESIGN_LABELS.get(row["study_design"], row["study_design"])
    lines = [
        head,
        _wrap(figure),
        _wrap(row["statement"]),
        "Population: " + _wrap(row["population"] + _site_words(row["tumour_site"])),
        f"{design} · " + (f"n = {_num(n)}" if not _missing(n) else "n not stated"),
        "Source: " + _wrap(row["citation"]),
    ]
    if row["timepoint"]:
        lines.insert(2, "When: " + _wrap(row["timepoint"]))
    if row["_kind"] in ("subgroup", "indirect"):
        lines.append(_esc(COMPARATOR_KINDS[row["_kind"]]))
    if row["note"]:
        lines.append("Note: " + _wrap(row["note"]))
    if row["agreement"] and row["agreement"] != "not_checked":
        checked = f"Primary publication: {row['agreement'].replace('_', ' ')}"
        lines.append(_wrap(f"{checked}. {row['agreement_note']}"))
    if row["_excluded"]:
        lines.append("<i>Not for this profile: " + _wrap(row["why"] or "excluded") + "</i>")
    elif row["unknown"]:
        open_fields = ", ".join(str(f) for f in row["unknown"])
        lines.append(f"<i>Depends on what this profile leaves open: {_esc(open_fields)}</i>")
    return "<br>".join(lines)


TUMOUR_SITE_WORDS = {
    "pancreatic": "pancreatic primaries",
    "gep_mixed": "gastroenteropancreatic primaries, pancreas among them",
    "mixed": "mixed primary sites, not only gastroenteropancreatic",
    "midgut": "midgut primaries, not pancreatic",
    "extrapancreatic": "primaries outside the pancreas",
    "all_nen": "all primary sites (registry)",
    "not_stated": "primary site not stated",
}
"""How the hover text names the population's tumour site (the contract's ``tumour_site``)."""


def _site_words(site: str) -> str:
    """' [tumour site: midgut primaries, not pancreatic]', or '' when the table has no site."""
    words = TUMOUR_SITE_WORDS.get(site)
    return f" [tumour site: {words}]" if words else ""


def _therapy_label(row: dict) -> str:
    return _esc(row["therapy"] or CLASS_LABELS.get(row["therapy_class"], "no therapy named"))


def _size(n: float, st: _Style) -> float:
    """Marker diameter: area grows with n up to 1000 patients; unknown n gets the smallest."""
    if _missing(n):
        return st.px(11.0)
    return st.px(12.0 + 20.0 * math.sqrt(min(max(n, 0.0), 1000.0) / 1000.0))


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


# --- one panel: rows on a y axis, with their own x axis ----------------------------------------


@dataclass
class _Panel:
    """One axis pair: rows placed top to bottom (y in pixels), traces, texts at the right."""

    axis: int
    x_title: str | None
    heading: str = ""
    rows: list[dict] = field(default_factory=list)
    traces: list[dict] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)
    tickvals: list[float] = field(default_factory=list)
    ticktext: list[str] = field(default_factory=list)
    x_range: list[float] = field(default_factory=lambda: [0.0, 1.0])
    log_x: bool = False
    side: list[tuple[dict, str]] = field(default_factory=list)
    """(row, text) written in the column at the right of the plot: p-values, hazard ratios."""
    side_heading: str = ""
    height: float = 0.0

    @property
    def x(self) -> str:
        return "x" if self.axis == 1 else f"x{self.axis}"

    @property
    def y(self) -> str:
        return "y" if self.axis == 1 else f"y{self.axis}"

    def add_heading(self, st: _Style, text: str, bold: bool = True) -> None:
        """A line between rows: a therapy class, a therapy, a trial."""
        lines = _lines(text, st.label_chars)
        body = "<br>".join(_esc(line) for line in lines)
        self._slot(st, len(lines), f"<b>{body}</b>" if bold else body)

    def add_row(self, st: _Style, row: dict, name: str, detail: str, extra: str = "") -> None:
        """A row's label: its name, then its detail (muted) and any remark (italic) below."""
        lines = [_esc(line) for line in _lines(name, st.label_chars)]
        if detail:
            lines += [_muted(_esc(line)) for line in _lines(detail, st.label_chars + 4)]
        if extra:
            lines.append(f"<i>{_esc(extra)}</i>")
        if row["_excluded"]:
            lines = [f'<span style="color:{EXCLUDED_TEXT}">{line}</span>' for line in lines]
        row["_y"] = self._slot(st, len(lines), "<br>".join(lines))
        self.rows.append(row)

    def _slot(self, st: _Style, lines: int, text: str) -> float:
        slot = max(st.row, lines * st.label_line + st.px(12))
        middle = self.height + slot / 2
        self.height += slot
        self.tickvals.append(middle)
        self.ticktext.append(text)
        return middle


EXCLUDED_TEXT = "#767676"
"""Labels of rows that do not fit the profile: grey, still 4.5:1 on white."""


def _missing_arm(row: dict) -> str:
    """'comparator: no figure given' when one arm of a comparison has no figure."""
    if not row["_figures"] or not row["comparator"]:
        return ""
    therapy = [x for x in (_point(row), row["value_low"], row["value_high"]) if x is not None]
    if not any(not _missing(x) for x in therapy):
        return "therapy arm: no figure given"
    if _missing(row["comparator_value"]):
        other = "other subgroup" if row["_kind"] == "subgroup" else "comparator"
        return f"{other}: no figure given"
    return ""


def _place_by_class(st: _Style, panel: _Panel, rows: list[dict], with_timepoint: bool) -> None:
    """Rows under a bold heading per therapy class; rows that would read the same get their
    evidence id, so no two rows look like one."""
    labels = [(_row_name(r), _detail(r, with_timepoint)) for r in rows]
    repeated = {label for label, count in Counter(labels).items() if count > 1}
    current = None
    for row, (name, detail) in zip(rows, labels, strict=True):
        if row["therapy_class"] != current:
            current = row["therapy_class"]
            panel.add_heading(st, CLASS_LABELS.get(current, current))
        if (name, detail) in repeated:
            detail = f"{detail} · {row['evidence_id']}" if detail else row["evidence_id"]
        panel.add_row(st, row, name, detail, _missing_arm(row))


def _panel(
    st: _Style,
    rows: list[dict],
    unit: str | None,
    axis: int,
    comparator_offset: float,
    *,
    heading: str = "",
    side: bool = False,
) -> _Panel:
    """Rows of one unit: therapy points and ranges, and the comparator's points. A zero offset
    draws both arms on one row, joined (the two-arm view); ``side`` writes each row's p-value in
    the column at the right."""
    panel = _Panel(axis=axis, x_title=UNIT_TITLES.get(unit, unit) if unit else "", heading=heading)
    _place_by_class(st, panel, rows, with_timepoint=side)
    for row in rows:
        row["_hover"] = _hover(row)
    top = max((_top(r) for r in rows), default=1.0) or 1.0
    top = 100.0 if unit == "percent" and top <= 100 else top * 1.08
    panel.x_range = [-0.02 * top, top * 1.02]
    for excluded in (False, True):
        part = [r for r in rows if r["_excluded"] == excluded]
        if part:
            panel.traces += _arm_traces(st, part, panel, excluded, comparator_offset)
    if side:
        panel.side = [(r, _p_text(r["p_value"])) for r in rows]
        panel.side_heading = "p-value"
    return panel


def _top(row: dict) -> float:
    values = [row[c] for c in FIGURE_COLUMNS]
    return max((v for v in values if not _missing(v)), default=0.0)


def _point(row: dict) -> float | None:
    """Where a single figure sits: the value, or a one-sided bound as printed."""
    if not _missing(row["value"]):
        return row["value"]
    low, high = row["value_low"], row["value_high"]
    if _missing(low) or _missing(high):
        return None if _missing(low) and _missing(high) else (high if _missing(low) else low)
    return low if low == high else None


def _markers(st: _Style, rows: list[dict], colour: str, excluded: bool, sizes=None, open_=False):
    return dict(
        symbol=[
            DESIGN_SYMBOLS.get(r["study_design"], "circle") + ("-open" if open_ else "")
            for r in rows
        ],
        size=sizes if sizes is not None else [_size(r["n_patients"], st) for r in rows],
        color=colour,
        opacity=0.45 if excluded else 1.0,
        line=dict(color=colour if open_ else "#FFFFFF", width=st.px(2.5) if open_ else 1),
    )


OTHER_ARM = {
    "arm": ("comparator", COMPARATOR_COLOUR, False, "solid"),
    "subgroup": ("subgroup", THERAPY_COLOUR, True, "dot"),
    "indirect": ("indirect comparator", COMPARATOR_COLOUR, True, "dash"),
}
"""How the other figure of a comparison is drawn: trace name, colour, open symbol, line dash."""


def _arm_traces(
    st: _Style, rows: list[dict], panel: _Panel, excluded: bool, offset: float
) -> list[dict]:
    """Range bars, single figures, the comparator's figures and (two-arm view) joining lines."""
    therapy = EXCLUDED_COLOUR if excluded else THERAPY_COLOUR
    suffix = " (excluded)" if excluded else ""
    common = dict(type="scatter", xaxis=panel.x, yaxis=panel.y, showlegend=False, hoverinfo="text")
    shift = offset * st.row
    traces = []
    others = [r for r in rows if not _missing(r["comparator_value"])]
    if others and offset == 0.0:
        for kind, (_, _, _, dash) in OTHER_ARM.items():
            x, y = [], []
            for r in others:
                if r["_kind"] == kind and _point(r) is not None:
                    x += [_point(r), r["comparator_value"], None]
                    y += [r["_y"], r["_y"], None]
            if x:
                name = "connector" + ("" if kind == "arm" else f" ({kind})") + suffix
                line = dict(color="#7F7F7F", width=st.px(3), dash=dash)
                traces.append(
                    dict(common, name=name, mode="lines", x=x, y=y, line=line, hoverinfo="skip")
                )
    spans = [r for r in rows if _is_range(r)]
    if spans:
        x, y, hover, ids, ends, sizes = [], [], [], [], [], []
        for r in spans:
            # a range with a value carries its marker at the value; a bare range at its ends
            end = 0.0 if _point(r) is not None else _size(r["n_patients"], st)
            x += [r["value_low"], r["value_high"], None]
            y += [r["_y"], r["_y"], None]
            hover += [r["_hover"], r["_hover"], ""]
            ids += [r["evidence_id"], r["evidence_id"], None]
            ends += [r, r, r]
            sizes += [end, end, 0.0]
        traces.append(
            dict(
                common,
                name="range" + suffix,
                mode="lines+markers",
                x=x,
                y=y,
                hovertext=hover,
                customdata=ids,
                line=dict(color=_rgba(therapy, 0.25 if excluded else 0.55), width=st.px(9)),
                marker=_markers(st, ends, therapy, excluded, sizes),
            )
        )
    points = [r for r in rows if _point(r) is not None]
    if points:
        traces.append(
            dict(
                common,
                name="value" + suffix,
                mode="markers",
                x=[_point(r) for r in points],
                y=[r["_y"] for r in points],
                hovertext=[r["_hover"] for r in points],
                customdata=[r["evidence_id"] for r in points],
                marker=_markers(st, points, therapy, excluded),
            )
        )
    for kind, (name, colour, open_, _) in OTHER_ARM.items():
        part = [r for r in others if r["_kind"] == kind]
        if not part:
            continue
        traces.append(
            dict(
                common,
                name=name + suffix,
                mode="markers",
                x=[r["comparator_value"] for r in part],
                y=[r["_y"] + shift for r in part],
                hovertext=[r["_hover"] for r in part],
                customdata=[r["evidence_id"] for r in part],
                marker=_markers(st, part, EXCLUDED_COLOUR if excluded else colour, excluded,
                                open_=open_),
            )
        )  # fmt: skip
    return traces


def _trial_key(row: dict) -> tuple:
    return row["study_name"], row["therapy"], row["comparator"], row["outcome"], row["tumour_site"]


def _assessed_two_ways(rows: list[dict]) -> set[tuple]:
    """Trials with rows of one outcome assessed in different ways (investigators, central
    review): one trial, not two."""
    ways: dict[tuple, set[str]] = {}
    for row in rows:
        if row["study_name"] and row["_assessment"]:
            ways.setdefault(_trial_key(row), set()).add(row["_assessment"].casefold())
    return {key for key, found in ways.items() if len(found) > 1}


def _forest_panel(st: _Style, rows: list[dict]) -> _Panel:
    """Hazard ratios grouped by therapy, CI as lines, HR 1 dashed, figures in a right column.
    A trial assessed two ways gets one heading and a row per assessment."""
    rows = sorted(rows, key=lambda r: (r["therapy"].casefold(), _trial_key(r), r["evidence_id"]))
    panel = _Panel(axis=1, x_title="", log_x=True)
    twice = _assessed_two_ways(rows)
    therapy, trial = None, None
    for row in rows:
        if row["therapy"] != therapy:
            therapy, trial = row["therapy"], None
            panel.add_heading(st, therapy or "no therapy named")
        name = _forest_name(row)
        if _trial_key(row) in twice:
            if _trial_key(row) != trial:
                trial = _trial_key(row)
                panel.add_heading(st, f"{name}, one trial assessed two ways:", bold=False)
            panel.add_row(st, row, f"– {row['_assessment']}", "")
        else:
            panel.add_row(st, row, name, _detail(row, with_timepoint=False))
    values = [1.0]
    for row in panel.rows:
        hr, low, high = row["hr"], row["hr_ci_low"], row["hr_ci_high"]
        has_ci = not (_missing(low) or _missing(high))
        ci = f"{_num(low)}–{_num(high)}" if has_ci else "no CI given"
        row["_hover"] = f"<b>HR {_num(hr)}</b> (95% CI {ci})<br>" + _hover(row)
        panel.side.append((row, f"{_num(hr)} ({ci})"))
        values += [v for v in (hr, low, high) if not _missing(v) and v > 0]
    panel.side_heading = "HR (95% CI)"
    # symmetric about HR 1, so both 'favours' sides have room and neither looks bigger
    reach = max(-math.log10(min(values) / 1.3), math.log10(max(values) * 1.3))
    panel.x_range = [-reach, reach]
    panel.x_title = "← favours therapy · hazard ratio (log scale) · favours comparator →"
    common = dict(type="scatter", xaxis=panel.x, yaxis=panel.y, showlegend=False)
    panel.traces.append(
        dict(common, name="HR = 1", mode="lines", x=[1, 1], y=[0, panel.height],
             hoverinfo="skip", line=dict(color="#404040", width=st.px(2), dash="dash"))
    )  # fmt: skip
    for excluded in (False, True):
        part = [r for r in panel.rows if r["_excluded"] == excluded]
        if not part:
            continue
        colour = EXCLUDED_COLOUR if excluded else THERAPY_COLOUR
        suffix = " (excluded)" if excluded else ""
        x, y = [], []
        for r in part:
            if not (_missing(r["hr_ci_low"]) or _missing(r["hr_ci_high"])):
                x += [r["hr_ci_low"], r["hr_ci_high"], None]
                y += [r["_y"], r["_y"], None]
        panel.traces.append(
            dict(common, name="ci" + suffix, mode="lines", x=x, y=y, hoverinfo="skip",
                 line=dict(color=colour, width=st.px(3)))
        )  # fmt: skip
        panel.traces.append(
            dict(
                common,
                name="hr" + suffix,
                mode="markers",
                x=[r["hr"] for r in part],
                y=[r["_y"] for r in part],
                hovertext=[r["_hover"] for r in part],
                hoverinfo="text",
                customdata=[r["evidence_id"] for r in part],
                marker=_markers(st, part, colour, excluded),
            )
        )
    return panel


def _forest_name(row: dict) -> str:
    """'SANET-ep vs placebo [extrapancreatic]': the trial (or arm, or citation) and comparator."""
    name = row["study_name"] or row["arm"] or row["citation"]
    if row["comparator"]:
        name += f" vs {row['comparator']}"
    return _tagged(name, row["_tag"])


# --- legends -----------------------------------------------------------------------------------

COLOUR_LEGEND = "Colour:"
SHAPE_LEGEND = "Design:"


def _legend_marker(name: str, legend: str = "legend", **marker) -> dict:
    """A legend entry only: no data, no hover."""
    style = dict(size=13, color="#404040", line=dict(color="#FFFFFF", width=1)) | marker
    return dict(
        type="scatter", x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
        marker=style, legend=legend,
    )  # fmt: skip


def _arm_legend(rows: list[dict]) -> list[dict]:
    """The legend of the marks drawn: none when nothing is drawn."""
    if not rows:
        return []
    arms = [("Therapy arm", THERAPY_COLOUR, "circle")]
    kinds = {r["_kind"] for r in rows if not _missing(r["comparator_value"])}
    for kind, (_, colour, open_, _) in OTHER_ARM.items():
        if kind in kinds:
            arms.append((COMPARATOR_KINDS[kind], colour, "circle-open" if open_ else "circle"))
    return _legend(rows, arms)


def _legend(marked: list[dict], arms: list[tuple[str, str, str]]) -> list[dict]:
    """Colours of the arms drawn, 'not for this profile' if shown, and the designs present."""
    entries = [
        _legend_marker(name, color=colour, symbol=symbol,
                       line=dict(color=colour if symbol.endswith("-open") else "#FFFFFF", width=2))
        for name, colour, symbol in arms
    ]  # fmt: skip
    if any(r["_excluded"] for r in marked):
        entries.append(_legend_marker("Not for this profile", color=EXCLUDED_COLOUR))
    present = {r["study_design"] for r in marked}
    entries += [
        _legend_marker(DESIGN_LABELS[d], "legend2", symbol=DESIGN_SYMBOLS[d])
        for d in DESIGN_ORDER
        if d in present
    ]
    return entries


def _legend_groups(entries: list[dict]) -> list[tuple[str, str, list[str]]]:
    """(legend id, title, entry names) of each legend that has entries."""
    groups = []
    for legend, title in (("legend", COLOUR_LEGEND), ("legend2", SHAPE_LEGEND)):
        names = [e["name"] for e in entries if e.get("legend", "legend") == legend]
        if names:
            groups.append((legend, title, names))
    return groups


def _legend_px(
    st: _Style, groups: list[tuple[str, str, list[str]]], beside: float = 0
) -> list[int]:
    """The height of each legend, its entries wrapped as on the narrowest plot worked out for
    (plotly wraps a horizontal legend to the plot area: the figure less ``beside`` pixels)."""
    room = st.min_width - beside - st.px(40)
    heights = []
    for legend, title, names in groups:
        if legend == "legend" and len(names) > 2:  # the colours, one a line: no guessing
            heights.append(len(names) * round(st.font * 1.6) + st.px(14))
            continue
        line_room = room - st.text_px(len(title)) - st.px(10)  # lines start after the title
        lines, used = 1, 0
        for width in (st.text_px(len(name)) * 1.05 + st.px(56) for name in names):
            if used and used + width > line_room:
                lines, used = lines + 1, 0
            used += width
        heights.append(lines * (st.line + st.px(10)) + st.px(8))
    return heights


# --- whole figures -----------------------------------------------------------------------------


def _sources_text(sources: set[str]) -> str:
    """'lu2025 = Lu et al., Chin J Gen Surg 2025' for each source among the rows."""
    parts = []
    for source in data.package_descriptor().get("sources", []):
        if source["id"] in sources:
            authors, _, rest = source["title"].partition(". ")
            journal = rest.rstrip(".").rsplit(". ", 1)[-1].split(";")[0]
            parts.append(f"{source['id']} = {_first_author(authors)} et al., {journal}")
    if "primary" in sources:
        parts.append("primary = the trial publications (DOI in the hover text)")
    return "; ".join(parts)


def _footnote(st: _Style, sources: set[str], encoding: bool) -> list[str]:
    text = f"Data v{data.data_version()}."
    if sources:
        text += f" Sources: {_sources_text(sources)}."
    if encoding:
        text += " Marker area grows with the number of patients (smallest: not stated)."
    text += " Summarises published evidence; not clinical decision support."
    return _lines(text, st.wrap_chars)


def _words_blocks(st: _Style, rows: list[dict], with_outcome: bool) -> list[dict]:
    """Rows without a figure, listed in words under the plot: a paragraph per direction (and
    one for figures given only as a hazard ratio), hover giving each row's statement."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        if row["_hr_only"]:
            key = "Given only as a hazard ratio"
        else:
            key = DIRECTION_WORDS.get(row["direction"], "direction not stated").capitalize()
        groups.setdefault(key, []).append(row)
    order = [*(w.capitalize() for w in DIRECTION_WORDS.values()), "Given only as a hazard ratio"]
    blocks = []
    for key in sorted(groups, key=lambda k: order.index(k) if k in order else len(order)):
        items = []
        for row in groups[key]:
            item = _row_name(row)
            if with_outcome:
                item += f" ({OUTCOME_SHORT[row['outcome']]})"
            if row["_hr_only"]:
                has_ci = not (_missing(row["hr_ci_low"]) or _missing(row["hr_ci_high"]))
                ci = f", 95% CI {_num(row['hr_ci_low'])}–{_num(row['hr_ci_high'])}"
                item += f": HR {_num(row['hr'])}{ci if has_ci else ''}"
                if row["_assessment"]:
                    item += f", {row['_assessment']}"
            items.append(item)
        lines = _lines(f"{key}: " + "; ".join(items) + ".", st.wrap_chars)
        lines = [_esc(line) for line in lines]
        head = _esc(key) + ":"
        lines[0] = f"<b>{head}</b>" + lines[0][len(head) :]
        hover = [f"<b>{_row_name(r)}</b><br>{_wrap(r['statement'])}<br>{_wrap(r['citation'])}"
                 for r in groups[key][:8]]  # fmt: skip
        if len(groups[key]) > 8:
            hover.append(f"… and {len(groups[key]) - 8} more in the table below")
        blocks.append(
            dict(text="<br>".join(lines), lines=len(lines), hovertext="<br><br>".join(hover),
                 ids=[r["evidence_id"] for r in groups[key]])
        )  # fmt: skip
    return blocks


class _Frame:
    """What surrounds the plot area, worked out in pixels: title, subtitle and legends at the
    top (where the eye starts), the rows without figures and the footnote at the bottom."""

    def __init__(
        self,
        st: _Style,
        title: str,
        subtitle: str,
        notes: list[str],
        legend_px: list[int],
        sources: set[str],
        *,
        words: list[dict] | None = None,
        encoding: bool = False,
    ):
        self.st, self.title = st, title
        self.sub = [
            line for text in (subtitle, *notes) if text for line in _lines(text, st.wrap_chars)
        ]
        self.legend_tops, self.legend_px = [], legend_px
        y = st.px(14) + round(st.font * 1.4 * 1.35) + len(self.sub) * st.label_line + st.px(24)
        for height in legend_px:
            self.legend_tops.append(y)
            y += height
        self.top = y + st.px(6)
        self.words = words or []
        self.foot = _footnote(st, sources, encoding)
        self.height = 0

    def layout(self, plot_px: float, *, label_px: float, side_px: float = 0) -> dict:
        st = self.st
        gap = st.px(14)
        below = gap
        annotations = []
        left = label_px + st.px(16)
        for block in self.words:
            annotations.append(
                dict(xref="paper", yref="paper", x=0, xshift=-left + st.px(8),
                     y=-below / plot_px, xanchor="left", yanchor="top", align="left",
                     showarrow=False, text=block["text"], hovertext=block["hovertext"],
                     name="without figures", font=dict(color=TEXT_COLOUR))
            )  # fmt: skip
            below += block["lines"] * round(st.font * 1.6) + st.px(14)
        annotations.append(
            dict(xref="paper", yref="paper", x=0, xshift=-left + st.px(8), y=-below / plot_px,
                 xanchor="left", yanchor="top", align="left", showarrow=False,
                 text="<br>".join(_esc(line) for line in self.foot),
                 font=dict(color=MUTED_TEXT), name="footnote")
        )  # fmt: skip
        bottom = below + len(self.foot) * st.label_line + st.px(16)
        self.height = round(self.top + plot_px + bottom)
        layout = dict(
            template="none",  # a named template costs ~20 ms per figure; the style is set here
            title=dict(
                text=_esc(self.title),
                x=0,
                xref="container",
                xanchor="left",
                y=1,
                yref="container",
                yanchor="top",
                pad=dict(t=st.px(14), l=st.px(10)),
                subtitle=dict(text="<br>".join(_esc(s) for s in self.sub)),
            ),
            font=dict(size=st.font, color=TEXT_COLOUR),
            paper_bgcolor="#FFFFFF",
            plot_bgcolor="#FFFFFF",
            height=self.height,
            # margins worked out here: a legend above the plot must not push the plot aside
            margin=dict(t=self.top, b=bottom, l=left, r=side_px + st.px(24), autoexpand=False),
            hoverlabel=dict(align="left", bgcolor="#FFFFFF"),
            showlegend=bool(self.legend_tops),
            annotations=annotations,
        )
        for i, top in enumerate(self.legend_tops):
            layout["legend" if i == 0 else f"legend{i + 1}"] = dict(
                orientation="h",
                xref="container",
                yref="container",
                x=0,
                y=1 - top / self.height,
                xanchor="left",
                yanchor="top",
                itemclick=False,
                itemdoubleclick=False,
            )
        return layout


def _label_px(st: _Style, ticktext: list[str]) -> int:
    """The width the longest line of the row labels needs."""
    longest = max(
        (len(html.unescape(re.sub(r"<[^>]+>", "", line))) for text in ticktext
         for line in text.split("<br>")),
        default=10,
    )  # fmt: skip
    return round(st.text_px(longest) * 1.18)


def _axis_px(st: _Style, titled: bool) -> int:
    """The band an x axis needs: tick labels, and its title."""
    return st.line + st.px(10) + (st.line + st.px(6) if titled else 0)


def _compose(
    st: _Style,
    panels: list[_Panel],
    title: str,
    subtitle: str,
    notes: list[str],
    rows: list[dict],
    legend: list[dict],
    words: list[dict],
    with_outcome: bool = False,
) -> go.Figure:
    """Stack panels top to bottom, each with its heading and its x axis at the top (repeated
    at the bottom of a tall panel), under the legends; rows without figures listed below."""
    groups = _legend_groups(legend)
    blocks = _words_blocks(st, words, with_outcome)
    ticks = [t for p in panels for t in p.ticktext]
    label_px = max(_label_px(st, ticks), st.text_px(12)) if ticks else st.text_px(12)
    sides = [text for p in panels for _, text in p.side] + [p.side_heading for p in panels]
    side_px = st.text_px(max(map(len, sides))) + st.px(12) if any(p.side for p in panels) else 0
    legend_px = _legend_px(st, groups, label_px + side_px + st.px(40))
    frame = _Frame(st, title, subtitle, notes, legend_px, {r["source"] for r in rows},
                   words=blocks, encoding=True)  # fmt: skip
    places, y = [], 0.0
    for panel in panels:
        heading = st.line + st.px(10) if panel.heading else 0
        axis = _axis_px(st, bool(panel.x_title))
        repeat = panel.height > st.px(440)
        places.append((y, y + heading + axis, repeat))
        y += heading + axis + panel.height + (axis if repeat else 0) + st.px(22)
    plot_px = max(y - st.px(22), 1.0)
    layout = frame.layout(plot_px, label_px=label_px, side_px=side_px)
    for i, (legend_id, title_text, names) in enumerate(groups):
        box = layout["legend" if i == 0 else f"legend{i + 1}"]
        box["title"] = dict(text=title_text)
        if legend_id == "legend" and len(names) > 2:
            box.update(orientation="v", title=dict(text=title_text, side="left"),
                       maxheight=frame.legend_px[i] + st.px(20))  # fmt: skip
    for i, (legend_id, _, _) in enumerate(groups):  # entries follow their legend's slot
        for entry in legend:
            if entry.get("legend", "legend") == legend_id:
                entry["legend"] = "legend" if i == 0 else f"legend{i + 1}"
    traces = list(legend)
    for panel, (start, top, repeat) in zip(panels, places, strict=True):
        x_name, y_name = "xaxis" + panel.x[1:], "yaxis" + panel.y[1:]
        domain = [1 - (top + panel.height) / plot_px, 1 - top / plot_px]
        axis = dict(
            domain=[0.0, 1.0],
            anchor=panel.y,
            side="top",
            title=dict(text=_esc(panel.x_title or ""), standoff=st.px(6)),
            range=panel.x_range,
            type="log" if panel.log_x else "linear",
            showline=True,
            linecolor="#404040",
            gridcolor="#E6E6E6",
            zeroline=False,
            ticks="outside",
            automargin=False,
        )
        if panel.log_x:
            low, high = (10**end for end in panel.x_range)
            ticks = [v for v in LOG_TICKS if low <= v <= high]
            axis.update(tickvals=ticks, ticktext=[_num(v) for v in ticks])
        layout[x_name] = axis
        if repeat:
            mirror = f"x{panel.axis + 20}"
            layout["xaxis" + mirror[1:]] = dict(
                axis, side="bottom", overlaying=panel.x, matches=panel.x, showgrid=False
            )
            placeholder = dict(type="scatter", x=[None], y=[None], showlegend=False)
            traces.append(
                dict(
                    placeholder, xaxis=mirror, yaxis=panel.y, hoverinfo="skip", name="axis repeated"
                )
            )
        layout[y_name] = dict(
            domain=domain,
            range=[panel.height, 0],
            tickvals=panel.tickvals,
            ticktext=panel.ticktext,
            anchor=panel.x,
            automargin=True,
            showgrid=False,
            zeroline=False,
            ticks="",
            fixedrange=True,
        )
        if panel.heading:
            layout["annotations"].append(
                dict(xref="paper", yref="paper", x=0, xshift=-layout["margin"]["l"] + st.px(8),
                     y=1 - start / plot_px, xanchor="left", yanchor="top", showarrow=False,
                     text=f"<b>{_esc(panel.heading)}</b>", name="panel heading")
            )  # fmt: skip
        if panel.side_heading and panel.side:
            layout["annotations"].append(
                dict(xref="paper", yref="paper", x=1, xshift=st.px(12), y=domain[1],
                     yshift=st.px(6), xanchor="left", yanchor="bottom", showarrow=False,
                     text=f"<b>{_esc(panel.side_heading)}</b>", name="column heading")
            )  # fmt: skip
        for row, text in panel.side:
            layout["annotations"].append(
                dict(xref="paper", yref=panel.y, x=1, xshift=st.px(12), y=row["_y"],
                     xanchor="left", yanchor="middle", showarrow=False, text=_esc(text),
                     hovertext=row["_hover"], name=f"side {row['evidence_id']}",
                     font=dict(color=EXCLUDED_TEXT if row["_excluded"] else TEXT_COLOUR))
            )  # fmt: skip
        traces += panel.traces
        layout["annotations"] += panel.annotations
    return _figure(traces, layout)


def _empty_figure(st: _Style, title: str, subtitle: str, notes: list[str], hidden: int):
    """A titled figure that says there is nothing to show, and why where known."""

    message = NO_EVIDENCE
    if hidden:
        message += f"<br>({_plural(hidden, 'row')} not for this profile hidden;"
        message += " show_excluded=True shows them)"
    frame = _Frame(st, title, subtitle, notes, [], set())
    layout = frame.layout(st.px(200), label_px=0)
    layout["annotations"].append(
        dict(
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
            text=message,
            font=dict(color=MUTED_TEXT),
            name="empty",
        )
    )
    layout["xaxis"] = dict(visible=False)
    layout["yaxis"] = dict(visible=False)
    return _figure([], layout)


# --- tables ------------------------------------------------------------------------------------

TABLE_COLUMNS = ("Therapy", "Outcome", "Figure", "Population", "Design", "Source", "Row")
"""What a person reads first about each row a figure draws; 'Why not' is added for rows that
do not fit the profile, when they are shown."""


def _row_table(rows: list[dict]) -> pd.DataFrame:
    """One line per row the figure draws or lists, in drawing order, in words."""
    columns = list(TABLE_COLUMNS)
    excluded = any(r["_excluded"] for r in rows)
    if excluded:
        columns.append("Why not")
    records = []
    for r in rows:
        therapy = r["therapy"] or CLASS_LABELS.get(r["therapy_class"], "")
        if r["comparator"]:
            therapy += f" vs {r['comparator']}"
        if r["_kind"] in ("subgroup", "indirect"):
            therapy += f" ({COMPARATOR_KINDS[r['_kind']].split(' (')[0].lower()})"
        outcome = OUTCOME_SHORT.get(r["outcome"], r["outcome"])
        detail = _detail(r, with_timepoint=True)
        record = {
            "Therapy": therapy,
            "Outcome": f"{outcome}: {detail}" if detail else outcome,
            "Figure": _figure_summary(r),
            "Population": _tagged(r["population"], r["_tag"]).replace(NBSP, " "),
            "Design": DESIGN_LABELS.get(r["study_design"], r["study_design"]),
            "Source": r["citation"],
            "Row": r["evidence_id"],
        }
        if excluded:
            record["Why not"] = r["why"] if r["_excluded"] else ""
        records.append(record)
    return pd.DataFrame.from_records(records, columns=columns)


# --- the evidence map --------------------------------------------------------------------------


def _excluded_mask(evidence: pd.DataFrame) -> pd.Series:
    if "match" not in evidence:
        return pd.Series(False, index=evidence.index)
    return evidence["match"].astype(object).eq("excluded")


def _map_table(evidence: pd.DataFrame, excluded: pd.Series, show_excluded: bool) -> pd.DataFrame:
    """One row per therapy × outcome cell, empty cells included (``n_rows`` 0).

    Counted on integer codes with numpy, not row by row, so that 10^5 rows take milliseconds.
    """

    def codes(name: str, empty: str) -> tuple[np.ndarray, np.ndarray]:
        return pd.factorize(evidence[name].astype(object).fillna(empty).to_numpy(dtype=object))

    therapy, therapies = codes("therapy", "")
    outcome, outcomes_seen = codes("outcome", "")
    design, designs_seen = codes("study_design", "unknown")
    classes_all = evidence["therapy_class"].astype(object).to_numpy(dtype=object)
    numbers = [c for c in (*FIGURE_COLUMNS, "hr") if c in evidence]
    numeric = evidence[numbers].notna().any(axis=1).to_numpy()
    left_out = excluded.to_numpy()
    counted = np.ones(len(evidence), bool) if show_excluded else ~left_out
    cell = therapy * len(outcomes_seen) + outcome
    size = len(therapies) * len(outcomes_seen)
    n_rows = np.bincount(cell[counted], minlength=size)
    n_numeric = np.bincount(cell[counted], weights=numeric[counted], minlength=size)
    n_excluded = np.bincount(cell[left_out], minlength=size)
    ids = ids_by_key(cell[counted], evidence["evidence_id"].to_numpy(dtype=object)[counted])
    designs: dict[int, list[str]] = {}
    for pair in np.unique(cell[counted] * len(designs_seen) + design[counted]):
        designs.setdefault(int(pair // len(designs_seen)), []).append(
            designs_seen[pair % len(designs_seen)]
        )
    site_codes, sites_seen = (
        codes("tumour_site", "")
        if "tumour_site" in evidence
        else (np.zeros(len(evidence), int), np.array([""]))
    )
    sites: dict[int, set[str]] = {}
    for pair in np.unique(cell[counted] * len(sites_seen) + site_codes[counted]):
        sites.setdefault(int(pair // len(sites_seen)), set()).add(
            sites_seen[pair % len(sites_seen)]
        )
    first = np.unique(therapy, return_index=True)[1]
    classes = {therapies[therapy[i]]: classes_all[i] for i in first}
    therapy_code = {name: i for i, name in enumerate(therapies)}
    outcome_code = {name: i for i, name in enumerate(outcomes_seen)}
    outcomes = [o for o in OUTCOME_LABELS if o in CORE_OUTCOMES or o in outcome_code]
    order = sorted(classes, key=lambda t: (_class_rank(classes[t]), t.casefold()))
    records = []
    for name in order:
        for outcome_name in outcomes:
            code = (
                therapy_code[name] * len(outcomes_seen) + outcome_code[outcome_name]
                if outcome_name in outcome_code
                else None
            )
            found = code is not None and n_rows[code] > 0
            kinds = tuple(sorted(designs.get(code, ()), key=DESIGN_ORDER.index)) if found else ()
            rows = int(n_rows[code]) if found else 0
            with_figures = int(n_numeric[code]) if found else 0
            records.append(
                dict(
                    therapy_class=classes[name],
                    therapy=name,
                    outcome=outcome_name,
                    n_rows=rows,
                    n_with_figures=with_figures,
                    n_without_figures=rows - with_figures,
                    n_excluded=int(n_excluded[code]) if code is not None else 0,
                    strongest_design=kinds[0] if kinds else "",
                    designs=kinds,
                    sites=tuple(s for s in TUMOUR_SITES if s in sites.get(code, ()))
                    if found
                    else (),
                    evidence_ids=tuple(sorted(ids[code])) if found else (),
                )
            )
    return pd.DataFrame.from_records(records)


MAP_COLUMNS = (
    "Therapy",
    "Outcome",
    "Rows",
    "With figures",
    "Strongest design",
    "Primary sites",
    "Row ids",
)


def _map_readable(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells that hold rows, in words: the empty ones are the figure's '–' gaps."""
    if cells.empty:
        return pd.DataFrame(columns=MAP_COLUMNS)
    full = cells[cells["n_rows"] > 0]
    return pd.DataFrame(
        {
            "Therapy": full["therapy"],
            "Outcome": [OUTCOME_LABELS[o] for o in full["outcome"]],
            "Rows": full["n_rows"],
            "With figures": full["n_with_figures"],
            "Strongest design": [DESIGN_LABELS.get(d, d) for d in full["strongest_design"]],
            "Primary sites": [_sites_text(s) for s in full["sites"]],
            "Row ids": [", ".join(i) for i in full["evidence_ids"]],
        },
        columns=MAP_COLUMNS,
    ).reset_index(drop=True)


def _sites_text(sites: tuple[str, ...]) -> str:
    return ", ".join(TUMOUR_SITES[s] or "pancreatic" for s in sites if s in TUMOUR_SITES)


def _map_label(st: _Style, line: list[dict]) -> str:
    """The therapy's name; with the sites' tags when none of its rows is about pancreatic
    primaries and some name their site (e.g. 'octreotide LAR [midgut]')."""
    sites = {s for cell in line for s in cell["sites"]}
    name = line[0]["therapy"] or CLASS_LABELS.get(line[0]["therapy_class"], "no therapy named")
    known = [TUMOUR_SITES[s] for s in TUMOUR_SITES if s in sites and s != "not_stated"]
    if "pancreatic" not in sites and any(known):
        name = _tagged(name, f"[{', '.join(known)}]")
    return "<br>".join(_esc(text) for text in _lines(name, st.label_chars + 6))


def _cell_text(cell: dict) -> str:
    """The number of rows (the colour gives the strongest design); '–' for a gap."""
    return str(cell["n_rows"]) if cell["n_rows"] else "–"


def _cell_hover(cell: dict) -> str:
    lines = [f"<b>{_therapy_label(cell)}</b> · {_esc(OUTCOME_LABELS[cell['outcome']])}"]
    if cell["n_rows"] == 0:
        lines.append("No rows: an evidence gap")
    else:
        designs = ", ".join(DESIGN_LABELS[d] for d in cell["designs"])
        lines += [
            f"{_plural(cell['n_rows'], 'row')}: {cell['n_with_figures']} with figures, "
            f"{cell['n_without_figures']} without",
            f"Designs: {_esc(designs)}",
            f"Primary sites: {_esc(_sites_text(cell['sites']))}",
            "Rows: " + _wrap(_first_ids(cell["evidence_ids"])),
        ]
    if cell["n_excluded"]:
        lines.append(f"{_plural(cell['n_excluded'], 'row')} not for this profile")
    return "<br>".join(lines)


def _first_ids(ids: tuple[str, ...], limit: int = 12) -> str:
    """The first few ids of a cell, and how many more: hover text stays readable."""
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _class_brackets(st: _Style, classes: list[str]) -> tuple[list[dict], list[dict]]:
    """Lines between therapy classes, and each class's name at the right of its block."""
    shapes, annotations = [], []
    start = 0
    for i in range(1, len(classes) + 1):
        if i < len(classes) and classes[i] == classes[start]:
            continue
        if i < len(classes):
            shapes.append(
                dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=i - 0.5, y1=i - 0.5,
                     line=dict(color="#404040", width=st.px(3)))
            )  # fmt: skip
        annotations.append(
            dict(xref="paper", yref="y", x=1, xshift=st.px(8), y=(start + i - 1) / 2,
                 xanchor="left", showarrow=False, align="left",
                 text=f"<b>{_class_name(classes[start])}</b>", name="class")
        )  # fmt: skip
        start = i
    return shapes, annotations


def _class_name(therapy_class: str) -> str:
    """The class's name in lines of one or two words: the column at the right is narrow."""
    return _wrap(CLASS_LABELS.get(therapy_class, therapy_class), 10)
