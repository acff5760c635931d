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
  ``[extrapancreatic]``, ``[mixed sites]``: ``translations.site_tag``), and
  ``pancreatic_only=True`` keeps only pancreatic populations;
- the comparator colour marks a real comparator arm only: a contrast between two subgroups on
  the same therapy is drawn in the therapy colour with an open symbol;
- text sizes follow ``layout.font.size`` (``figure.update_layout(font_size=20)`` enlarges every
  text); ``presenter=True`` also makes room for the larger text (rows, margins, wrapping).

Every text a figure or its table shows is written in the context's language
(:func:`pnen_explorer.i18n.current`): the interface's words through gettext, the glossary's terms
(therapies, outcomes, designs, site tags) and the evidence texts through
:mod:`pnen_explorer.translations`. A table's column keys stay English (code reads them);
:func:`readable` gives its headings in words.

Nothing is loaded at import time: plotly is imported by the builders, and the reference list is
read once, on first use.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from pnen_explorer import data, translations
from pnen_explorer.grouping import ids_by_key
from pnen_explorer.i18n import N_, _, current, ngettext
from pnen_explorer.review_check import AGREEMENT_WORDS, source_place
from pnen_explorer.vocabulary import CORE_OUTCOMES, FIELDS, OUTCOMES, TUMOUR_SITES
from pnen_explorer.wording import DIRECTION_WORDS, direction_words, joined, outcome_name
from pnen_explorer.wording import figure_summary as _figure_summary
from pnen_explorer.wording import figure_words as _figure_text
from pnen_explorer.wording import first_author as _first_author
from pnen_explorer.wording import is_range as _is_range
from pnen_explorer.wording import missing as _missing
from pnen_explorer.wording import num as _num
from pnen_explorer.wording import p_text as _p_text
from pnen_explorer.wording import unit_text as _with_unit

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "DESIGN_ORDER",
    "NO_EVIDENCE",
    "OKABE_ITO",
    "PRESENTER_FONT",
    "Chart",
    "design_label",
    "evidence_map",
    "forest_plot",
    "outcome_ranges",
    "outcome_units",
    "readable",
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
FONT_FAMILY = '"Open Sans", verdana, arial, sans-serif'
"""The figures' typeface: plotly's own default."""
CJK_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC"'
"""Typefaces with Simplified Chinese, put before :data:`FONT_FAMILY` on a Chinese page (Linux,
Windows, macOS; Debian's ``fonts-noto-cjk`` for screenshots and browser tests)."""


def font_family(lang: str | None = None) -> str | None:
    """The font stack of a figure in ``lang`` (the context's language by default); None in
    English, where plotly's default is the figures' typeface."""
    if (lang or current()) == "en":
        return None
    return f"{CJK_FONTS}, {FONT_FAMILY}"


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


def design_label(code: str) -> str:
    """A study design in words ('Phase 3 RCT'), in the context's language (the glossary's)."""
    lang = current()
    if lang == "en":
        return DESIGN_LABELS.get(code, code)
    return translations.term(code, lang, "study_design")


def design_labels() -> dict[str, str]:
    """Every study design code -> its words in the context's language (for tables)."""
    return {code: design_label(code) for code in DESIGN_LABELS}


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
    (N_("No rows"), (), "#FFFFFF"),
    (
        N_("Guideline, review, case, lab, unknown"),
        ("guideline", "review", "case_report", "preclinical", "unknown"),
        "#C6DBEF",
    ),
    (N_("Retrospective"), ("retrospective",), "#6BAED6"),
    (N_("Meta-analysis or prospective"), ("meta_analysis", "prospective"), "#2171B5"),
    (N_("Randomised trial"), ("rct_phase3", "rct"), "#08306B"),
)
"""Evidence-map colours by strongest design: one blue, light to dark, readable in greyscale."""
MAP_TEXT = ("#000000", "#000000", "#000000", "#FFFFFF", "#FFFFFF")
"""The cell text on each tier's colour, every pair at 4.5:1 or more (a test computes them)."""
_CELL_EDGE = dict(color="#7F7F7F", width=1)

CLASS_ORDER = ("surgery", "local", "systemic", "multimodal", "none")
CLASS_LABELS = {
    "surgery": N_("Surgery"),
    "local": N_("Local therapy"),
    "systemic": N_("Systemic therapy"),
    "multimodal": N_("Multimodal"),
    "none": N_("No therapy (epidemiology)"),
}
OUTCOME_LABELS = {code: o.label for code, o in OUTCOMES.items()}
OUTCOME_SHORT = {code: o.short for code, o in OUTCOMES.items()}
"""The outcomes in English (codes and order); a figure shows :func:`outcome_name`'s words."""

UNIT_TITLES = {"percent": "percent (%)"}
"""Units as an English axis names them (others by their code); Chinese: :func:`_unit_title`."""
LOG_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
NO_EVIDENCE = N_("No evidence for this outcome in this profile")

COMPARATOR_KINDS = {
    "arm": N_("Comparator arm"),
    "subgroup": N_("Other subgroup, same therapy (not a control arm)"),
    "indirect": N_("Other therapy, separate studies (not a control arm)"),
}
"""What the other figure of a comparison is, as the legend names it."""
COMPARATOR_SHORT = {
    "arm": N_("comparator arm"),
    "subgroup": N_("other subgroup, same therapy"),
    "indirect": N_("other therapy, separate studies"),
}
"""The same, in a table's therapy cell."""
ASSESSMENT_WORDS = {
    "investigator-assessed": N_("investigator-assessed"),
    "central review": N_("central review"),
    "blinded central review": N_("blinded central review"),
    "independent radiology review": N_("independent radiology review"),
}
"""How a trial's figure was assessed, in words (others are shown as the source writes them)."""
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
    rows, _hidden = _visible(_rows(evidence, None, outcome=outcome, cite=False), show_excluded)
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
    title = (
        _("{outcome} by therapy, in {unit}").format(
            outcome=outcome_name(outcome), unit=_unit_title(unit)
        )
        if unit
        else _("{outcome} by therapy").format(outcome=outcome_name(outcome))
    )
    notes = _scope_notes(hidden, pancreatic_only)
    if unit is not None:
        others = [r for r in rows if r["_figures"] and r["unit"] != unit]
        if others:
            notes.append(
                ngettext(
                    "Also given in another unit: {count} figure, not drawn here.",
                    "Also given in another unit: {count} figures, not drawn here.",
                    len(others),
                ).format(count=len(others))
            )
    words = [r for r in rows if not r["_figures"]]
    shown = drawn + words
    table = _row_table(shown)
    if not shown:
        return Chart(_empty_figure(st, title, subtitle, notes), table)
    panels = [
        _panel(
            st,
            [r for r in drawn if r["unit"] == u],
            u,
            i + 1,
            comparator_offset=0.3,
            heading=_("Given in {unit}").format(unit=_unit_title(u)) if len(units) > 1 else "",
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
        _("{outcome}: therapy versus comparator").format(outcome=outcome_name(outcome))
        if outcome
        else _("Therapy versus comparator, one outcome per axis")
    )
    notes = _scope_notes(hidden, pancreatic_only)
    table = _row_table(rows)
    if not rows:
        return Chart(_empty_figure(st, title, subtitle, notes), table)
    drawn = [r for r in rows if r["_figures"]]
    words = [r for r in rows if not r["_figures"]]
    facets = Counter((r["outcome"], r["unit"]) for r in drawn)
    order = [o for o in OUTCOME_LABELS if any(k[0] == o for k in facets)]
    panels = []
    for name in order:
        for unit in _frequent_units([r for r in drawn if r["outcome"] == name]):
            part = [r for r in drawn if r["outcome"] == name and r["unit"] == unit]
            heading = _("{outcome}, in {unit}").format(
                outcome=outcome_name(name), unit=_unit_title(unit)
            )
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
    title = _("{outcome}: hazard ratios by therapy").format(outcome=outcome_name(outcome))
    notes = _scope_notes(hidden, pancreatic_only)
    if not rows:
        return Chart(_empty_figure(st, title, subtitle, notes), _row_table(rows))
    panel = _forest_panel(st, rows)
    legend = _legend(panel.rows, [(_("Hazard ratio, 95% CI"), THERAPY_COLOUR, "circle")])
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
    title = _("Evidence map: therapies × outcomes")
    left_out = 0 if show_excluded else int(excluded.sum())
    notes = _scope_notes(0, pancreatic_only)
    if left_out:
        notes.append(
            ngettext(
                "{count} row about other patients than this one not counted.",
                "{count} rows about other patients than this one not counted.",
                left_out,
            ).format(count=left_out)
        )
    if cells_table.empty:
        return Chart(_empty_figure(st, title, subtitle, notes), _map_readable(cells_table))
    cells = cells_table.to_dict("records")
    outcomes = list(dict.fromkeys(cells_table["outcome"]))
    grid = [cells[i : i + len(outcomes)] for i in range(0, len(cells), len(outcomes))]
    tier = {design: i for i, (_label, designs, _c) in enumerate(MAP_TIERS) for design in designs}
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
            for i, (_label, _designs, colour) in enumerate(MAP_TIERS)
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
        x=[j for _line in grid for j in columns],
        y=[i for i in lines for _column in columns],
        text=[_cell_text(c) for line in grid for c in line],
        textfont=dict(color=[MAP_TEXT[v] for line in z for v in line]),
        hoverinfo="skip",
        showlegend=False,
    )
    legend = [
        _legend_marker(_(label), symbol="square", size=st.px(18), color=colour, line=_CELL_EDGE)
        for label, _designs, colour in reversed(MAP_TIERS)
    ]
    sources = evidence["source"] if show_excluded else evidence["source"][~excluded]
    row_px = st.px(40) if max(label.count("<br>") for label in labels) == 0 else st.px(52)
    plot_px = len(grid) * row_px
    shorts = [outcome_name(o, short=True) for o in outcomes]
    ticks = [_esc(short) for short in shorts]  # upright: the columns are narrow
    top_axis = st.text_px(max(_width(short) for short in shorts)) + st.px(12)
    label_px = _label_px(st, labels)
    groups = [("legend", _("Strongest design in the cell:"), [e["name"] for e in legend])]
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
        notes.append(_("Pancreatic populations only."))
    if hidden:
        notes.append(
            ngettext(
                "{count} row about other patients than this one left out.",
                "{count} rows about other patients than this one left out.",
                hidden,
            ).format(count=hidden)
        )
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
        row["_tag"] = translations.site_tag(row["tumour_site"], current())
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
    """``{ref_no: "Author year"}`` for the curated reference list, read on first use (names
    and years only: the same in every language, so the cache needs no language key)."""
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
    where = source_place(row["source"], row["section"])
    ref_word = _("ref.")
    refs = joined(f"{labels.get(n) or ref_word} [{n}]" for n in row["ref_nos"])
    if refs:
        return _("{cited} ({where})").format(cited=refs, where=where)
    primary = _text(row, "study_name") or (f"doi:{row['doi']}" if row["doi"] else "")
    return _("{cited} ({where})").format(cited=primary, where=where) if primary else where


# --- formatting --------------------------------------------------------------------------------

NBSP = "\u00a0"


def _esc(text: str) -> str:
    """Plotly reads a subset of HTML: '<0.001' must not open a tag."""
    return html.escape(text, quote=False)


@lru_cache(maxsize=8192)  # the same statements are wrapped again on every redraw
def _wrap(text: str, width: int = 70) -> str:
    return "<br>".join(_esc(line) for line in _lines(text, width)) if text else ""


WIDE_CHAR = 1.85
"""A Chinese character's width in mean Latin characters (1 em against :data:`CHAR_EM`)."""
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKEN = re.compile(rf"\[[^\]\n]{{1,24}}\]|\s+|[^\s{_WIDE}]+|.", re.S)
"""A line breaks between tokens: a site tag (kept whole), spaces, a Latin word, a character."""
_NO_LINE_START = frozenset("，。；：、）》」』！？%…·,.;:)]")
_NO_LINE_END = frozenset("（《「『([")


def _width(text: str) -> float:
    """How many mean Latin characters ``text`` is wide: a Chinese character counts
    :data:`WIDE_CHAR`."""
    if text.isascii():
        return len(text)
    return sum(WIDE_CHAR if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _lines(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, words whole (a long word gets a line of its own).

    Chinese text breaks between any two characters (never before a closing mark or after an
    opening one, nor between a number and the character beside it), each character counting
    :data:`WIDE_CHAR`."""
    if not re.search(f"[{_WIDE}]", text):
        return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]
    lines, line, used = [], "", 0.0
    for token in _TOKEN.findall(text):
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        size = _width(token)
        glued = not line.endswith(" ") and (line[-1:].isdigit() or token[0].isdigit())
        if (
            line.strip()
            and used + size > width
            and not glued  # a number stays with its unit: '6月', '20例'
            and token[0] not in _NO_LINE_START
            and line.rstrip()[-1] not in _NO_LINE_END
        ):
            lines.append(line.rstrip())
            line, used = "", 0.0
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _unit_title(unit: str) -> str:
    """A unit as an axis names it: 'percent (%)', 'months' (the glossary's word in Chinese)."""
    lang = current()
    if lang == "en":
        return UNIT_TITLES.get(unit, unit)
    if unit == "percent":  # the sign as a placeholder: "percent" itself counts as one
        return _("proportion ({sign})").format(sign="%")
    return translations.term(unit, lang, "unit")


def _therapy(name: str) -> str:
    """A therapy's name in the context's language (the glossary's term)."""
    return translations.term(name, current(), "therapy") if name else name


def _comparator(row: dict) -> str:
    """The comparator in the context's language: the row's own translation where the table
    holds one, else the glossary's therapy term, else as the source writes it."""
    english = row["comparator"]
    lang = current()
    if lang == "en" or not english:
        return english
    held = translations.evidence_text(row, "comparator", lang)
    return held if held != english else translations.term(english, lang, "therapy")


def _text(row: dict, column: str) -> str:
    """An evidence text (statement, population, note ...) in the context's language."""
    return translations.evidence_text(row, column, current())


def _class_label(therapy_class: str) -> str:
    label = CLASS_LABELS.get(therapy_class)
    return _(label) if label else therapy_class


def _assessment_words(assessment: str) -> str:
    """'central review' in the context's language."""
    words = ASSESSMENT_WORDS.get(assessment.casefold())
    return _(words) if words and current() != "en" else assessment


def _muted(text: str) -> str:
    return f'<span style="color:{MUTED_TEXT}">{text}</span>'


def _tagged(name: str, tag: str) -> str:
    """The name and its site tag, the tag kept on one line (non-breaking spaces)."""
    return f"{name} {tag.replace(' ', NBSP)}" if tag else name


def _row_name(row: dict) -> str:
    """'NETTER-1: 177Lu-DOTATATE PRRT vs octreotide LAR … [midgut]': what the row is about."""
    name = (
        _therapy(row["therapy"])
        or _text(row, "outcome_detail")
        or _text(row, "population")
        or _("no therapy named")
    )
    if row["_kind"] == "subgroup":
        name = _("{name}: subgroup vs {comparator}").format(name=name, comparator=_comparator(row))
    elif row["comparator"]:
        name = _("{name} vs {comparator}").format(name=name, comparator=_comparator(row))
    if row["study_name"] and len(row["study_name"]) <= 18:  # a trial's name, as clinicians say it
        name = _("{study}: {name}").format(study=_text(row, "study_name"), name=name)
    return _tagged(name, row["_tag"])


def _detail(row: dict, with_timepoint: bool) -> str:
    """The outcome detail (and timepoint): which figure of the study the row is."""
    detail = _text(row, "outcome_detail") if row["outcome_detail"] != row["therapy"] else ""
    if with_timepoint and row["timepoint"]:
        timepoint = _text(row, "timepoint")
        detail = f"{detail} · {timepoint}" if detail else timepoint
    return detail


def _open_fields(fields: tuple) -> str:
    """The profile fields a row depends on, as the reader names them."""
    lang = current()
    if lang == "en":
        return ", ".join(str(f) for f in fields)
    words = []
    for name in map(str, fields):
        field_ = FIELDS.get(name)
        words.append(
            translations.term(field_.phrase, lang, "field_phrase")
            if field_
            else translations.term(name, lang)
        )
    return "、".join(words)


def _agreement_words(agreement: str) -> str:
    if current() == "en":
        return agreement.replace("_", " ")
    return _(AGREEMENT_WORDS[agreement]) if agreement in AGREEMENT_WORDS else agreement


def _hover(row: dict) -> str:
    head = f"<b>{_therapy_label(row)}</b>"
    if row["outcome_detail"]:
        head += f" · {_esc(_text(row, 'outcome_detail'))}"
    figure = _figure_text(row)
    if row["comparator"]:
        cv = row["comparator_value"]
        versus = _with_unit(cv, row["unit"]) if not _missing(cv) else _("no figure")
        figure = _("{figure} vs {comparator}: {other} ({p})").format(
            figure=figure, comparator=_comparator(row), other=versus, p=_p_text(row["p_value"])
        )
    n = row["n_patients"]
    population = _text(row, "population") + _site_words(row["tumour_site"])
    lines = [
        head,
        _wrap(figure),
        _wrap(_text(row, "statement")),
        _("Population: {population}").format(population=_wrap(population)),
        f"{design_label(row['study_design'])} · "
        + (f"n = {_num(n)}" if not _missing(n) else _("n not stated")),
        _("Source: {source}").format(source=_wrap(row["citation"])),
    ]
    if row["timepoint"]:
        lines.insert(2, _("When: {timepoint}").format(timepoint=_wrap(_text(row, "timepoint"))))
    if row["_kind"] in ("subgroup", "indirect"):
        lines.append(_esc(_(COMPARATOR_KINDS[row["_kind"]])))
    if row["note"]:
        lines.append(_("Note: {note}").format(note=_wrap(_text(row, "note"))))
    if row["agreement"] and row["agreement"] != "not_checked":
        checked = _("Primary publication: {agreement}. {note}").format(
            agreement=_agreement_words(row["agreement"]), note=_text(row, "agreement_note")
        )
        lines.append(_wrap(checked))
    if row["_excluded"]:
        why = translations.content(row["why"], current()) if row["why"] else _("excluded")
        lines.append("<i>" + _("Not for this profile: {why}").format(why=_wrap(why)) + "</i>")
    elif row["unknown"]:
        open_fields = _esc(_open_fields(row["unknown"]))
        said = _("Depends on what this profile leaves open: {fields}").format(fields=open_fields)
        lines.append(f"<i>{said}</i>")
    return "<br>".join(lines)


TUMOUR_SITE_WORDS = {
    "pancreatic": N_("pancreatic primaries"),
    "gep_mixed": N_("gastroenteropancreatic primaries, pancreas among them"),
    "mixed": N_("mixed primary sites, not only gastroenteropancreatic"),
    "midgut": N_("midgut primaries, not pancreatic"),
    "extrapancreatic": N_("primaries outside the pancreas"),
    "all_nen": N_("all primary sites (registry)"),
    "not_stated": N_("primary site not stated"),
}
"""How the hover text names the population's tumour site (the contract's ``tumour_site``)."""


def _site_words(site: str) -> str:
    """' [tumour site: midgut primaries, not pancreatic]', or '' when the table has no site."""
    words = TUMOUR_SITE_WORDS.get(site)
    return " " + _("[tumour site: {words}]").format(words=_(words)) if words else ""


def _therapy_label(row: dict) -> str:
    if row["therapy"]:
        return _esc(_therapy(row["therapy"]))
    label = CLASS_LABELS.get(row["therapy_class"])
    return _esc(_(label) if label else _("no therapy named"))


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
        return _("therapy arm: no figure given")
    if _missing(row["comparator_value"]):
        if row["_kind"] == "subgroup":
            return _("other subgroup: no figure given")
        return _("comparator: no figure given")
    return ""


def _place_by_class(st: _Style, panel: _Panel, rows: list[dict], with_timepoint: bool) -> None:
    """Rows under a bold heading per therapy class; rows that would read the same get their
    evidence id, so no two rows look like one."""
    labels = [(_row_name(r), _detail(r, with_timepoint)) for r in rows]
    repeated = {label for label, count in Counter(labels).items() if count > 1}
    shown = None
    for row, (name, detail) in zip(rows, labels, strict=True):
        if row["therapy_class"] != shown:
            shown = row["therapy_class"]
            panel.add_heading(st, _class_label(shown))
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
    panel = _Panel(axis=axis, x_title=_unit_title(unit) if unit else "", heading=heading)
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
        panel.side_heading = _("p-value")
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
        for kind, (_name, _colour, _open, dash) in OTHER_ARM.items():
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
    for kind, (name, colour, open_, _dash) in OTHER_ARM.items():
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
            panel.add_heading(st, _therapy(therapy) or _("no therapy named"))
        name = _forest_name(row)
        if _trial_key(row) in twice:
            if _trial_key(row) != trial:
                trial = _trial_key(row)
                heading = _("{name}, one trial assessed two ways:").format(name=name)
                panel.add_heading(st, heading, bold=False)
            panel.add_row(st, row, f"– {_assessment_words(row['_assessment'])}", "")
        else:
            panel.add_row(st, row, name, _detail(row, with_timepoint=False))
    values = [1.0]
    for row in panel.rows:
        hr, low, high = row["hr"], row["hr_ci_low"], row["hr_ci_high"]
        has_ci = not (_missing(low) or _missing(high))
        ci = f"{_num(low)}–{_num(high)}" if has_ci else _("no CI given")
        interval = _("(95% CI {ci})").format(ci=_esc(ci))
        row["_hover"] = f"<b>HR {_num(hr)}</b> {interval}<br>" + _hover(row)
        panel.side.append((row, f"{_num(hr)} ({ci})"))
        values += [v for v in (hr, low, high) if not _missing(v) and v > 0]
    panel.side_heading = "HR (95% CI)"
    # symmetric about HR 1, so both 'favours' sides have room and neither looks bigger
    reach = max(-math.log10(min(values) / 1.3), math.log10(max(values) * 1.3))
    panel.x_range = [-reach, reach]
    panel.x_title = _("← favours therapy · hazard ratio (log scale) · favours comparator →")
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
    name = _text(row, "study_name") or _text(row, "arm") or row["citation"]
    if row["comparator"]:
        name = _("{name} vs {comparator}").format(name=name, comparator=_comparator(row))
    return _tagged(name, row["_tag"])


# --- legends -----------------------------------------------------------------------------------

COLOUR_LEGEND = N_("Colour:")
SHAPE_LEGEND = N_("Design:")


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
    arms = [(_("Therapy arm"), THERAPY_COLOUR, "circle")]
    kinds = {r["_kind"] for r in rows if not _missing(r["comparator_value"])}
    for kind, (_name, colour, open_, _dash) in OTHER_ARM.items():
        if kind in kinds:
            arms.append((_(COMPARATOR_KINDS[kind]), colour, "circle-open" if open_ else "circle"))
    return _legend(rows, arms)


def _legend(marked: list[dict], arms: list[tuple[str, str, str]]) -> list[dict]:
    """Colours of the arms drawn, 'not for this profile' if shown, and the designs present."""
    entries = [
        _legend_marker(name, color=colour, symbol=symbol,
                       line=dict(color=colour if symbol.endswith("-open") else "#FFFFFF", width=2))
        for name, colour, symbol in arms
    ]  # fmt: skip
    if any(r["_excluded"] for r in marked):
        entries.append(_legend_marker(_("Not for this profile"), color=EXCLUDED_COLOUR))
    present = {r["study_design"] for r in marked}
    entries += [
        _legend_marker(design_label(d), "legend2", symbol=DESIGN_SYMBOLS[d])
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
            groups.append((legend, _(title), names))
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
        line_room = room - st.text_px(_width(title)) - st.px(10)  # lines start after the title
        lines, used = 1, 0
        for width in (st.text_px(_width(name)) * 1.05 + st.px(56) for name in names):
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
            authors, _dot, rest = source["title"].partition(". ")
            journal = rest.rstrip(".").rsplit(". ", 1)[-1].split(";")[0]
            parts.append(
                _("{source} = {author} et al., {journal}").format(
                    source=source["id"], author=_first_author(authors), journal=journal
                )
            )
    if "primary" in sources:
        parts.append(_("primary = the trial publications (DOI in the hover text)"))
    return joined(parts)


def _footnote(st: _Style, sources: set[str], encoding: bool) -> list[str]:
    parts = [_("Data v{version}.").format(version=data.data_version())]
    if sources:
        parts.append(_("Sources: {sources}.").format(sources=_sources_text(sources)))
    if encoding:
        parts.append(_("Marker area grows with the number of patients (smallest: not stated)."))
    parts.append(_("Summarises published evidence; not clinical decision support."))
    text = (" " if current() == "en" else "").join(parts)
    return _lines(text, st.wrap_chars)


def _words_blocks(st: _Style, rows: list[dict], with_outcome: bool) -> list[dict]:
    """Rows without a figure, listed in words under the plot: a paragraph per direction (and
    one for figures given only as a hazard ratio), hover giving each row's statement."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        key = "hr_only" if row["_hr_only"] else row["direction"]
        key = key if key in DIRECTION_WORDS or key == "hr_only" else "not_stated"
        groups.setdefault(key, []).append(row)
    order = [*DIRECTION_WORDS, "hr_only"]
    english = current() == "en"
    colon, end = (": ", ".") if english else ("：", "。")
    blocks = []
    for key in sorted(groups, key=order.index):
        if key == "hr_only":
            label = _("Given only as a hazard ratio")
        else:
            label = direction_words(key)
            label = label[:1].upper() + label[1:]
        items = []
        for row in groups[key]:
            item = _row_name(row)
            if with_outcome:
                item = _("{item} ({outcome})").format(
                    item=item, outcome=outcome_name(row["outcome"], short=True)
                )
            if row["_hr_only"]:
                item = _("{item}: HR {hr}").format(item=item, hr=_num(row["hr"]))
                if not (_missing(row["hr_ci_low"]) or _missing(row["hr_ci_high"])):
                    item = _("{item}, 95% CI {low}–{high}").format(
                        item=item, low=_num(row["hr_ci_low"]), high=_num(row["hr_ci_high"])
                    )
                if row["_assessment"]:
                    item = _("{item}, {assessment}").format(
                        item=item, assessment=_assessment_words(row["_assessment"])
                    )
            items.append(item)
        lines = _lines(label + colon + joined(items) + end, st.wrap_chars)
        lines = [_esc(line) for line in lines]
        head = _esc(label + colon.rstrip())
        lines[0] = f"<b>{head}</b>" + lines[0][len(head) :]
        hover = [f"<b>{_row_name(r)}</b><br>{_wrap(_text(r, 'statement'))}<br>"
                 f"{_wrap(r['citation'])}" for r in groups[key][:8]]  # fmt: skip
        if len(groups[key]) > 8:
            more = len(groups[key]) - 8
            hover.append(
                ngettext(
                    "… and {count} more in the table below",
                    "… and {count} more in the table below",
                    more,
                ).format(count=more)
            )
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
            font=_font(st),
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


def _font(st: _Style) -> dict:
    """The figure's font: its size and colour, and the Chinese typefaces on a Chinese page
    (the one place they are set)."""
    font = dict(size=st.font, color=TEXT_COLOUR)
    family = font_family()
    if family:
        font["family"] = family
    return font


def _label_px(st: _Style, ticktext: list[str]) -> int:
    """The width the longest line of the row labels needs."""
    longest = max(
        (_width(html.unescape(re.sub(r"<[^>]+>", "", line))) for text in ticktext
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
    sides = [text for p in panels for _row, text in p.side] + [p.side_heading for p in panels]
    side_px = st.text_px(max(map(_width, sides))) + st.px(12) if any(p.side for p in panels) else 0
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
    for i, (legend_id, _title, _names) in enumerate(groups):  # entries follow their legend's slot
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


def _empty_figure(st: _Style, title: str, subtitle: str, notes: list[str]):
    """A titled figure that says there is nothing to show (its notes say what was left out)."""

    message = _esc(_(NO_EVIDENCE))
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

TABLE_COLUMNS = (
    N_("Therapy"),
    N_("Outcome"),
    N_("Figure"),
    N_("Population"),
    N_("Design"),
    N_("Source"),
    N_("Row"),
)
"""What a person reads first about each row a figure draws; 'Why not' is added for rows that
do not fit the profile, when they are shown. The keys stay English (code reads them); the
cells are in the context's language, and :func:`readable` puts the headings in it too."""
WHY_NOT = N_("Why not")


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """A chart's table with its headings in the context's language, to show to a person
    (``Chart.table`` keeps English keys for code)."""
    if current() == "en":
        return table
    return table.rename(columns={c: _(c) for c in table.columns if isinstance(c, str) and c})


def _row_table(rows: list[dict]) -> pd.DataFrame:
    """One line per row the figure draws or lists, in drawing order, in words."""
    columns = list(TABLE_COLUMNS)
    excluded = any(r["_excluded"] for r in rows)
    if excluded:
        columns.append(WHY_NOT)
    lang = current()
    records = []
    for r in rows:
        therapy = _therapy(r["therapy"]) or (
            _class_label(r["therapy_class"]) if r["therapy_class"] in CLASS_LABELS else ""
        )
        if r["comparator"]:
            therapy = _("{name} vs {comparator}").format(name=therapy, comparator=_comparator(r))
        if r["_kind"] in ("subgroup", "indirect"):
            therapy = _("{item} ({kind})").format(
                item=therapy, kind=_(COMPARATOR_SHORT[r["_kind"]])
            )
        outcome = outcome_name(r["outcome"], short=True)
        detail = _detail(r, with_timepoint=True)
        record = {
            "Therapy": therapy,
            "Outcome": _("{outcome}: {detail}").format(outcome=outcome, detail=detail)
            if detail
            else outcome,
            "Figure": _figure_summary(r),
            "Population": _tagged(_text(r, "population"), r["_tag"]).replace(NBSP, " "),
            "Design": design_label(r["study_design"]),
            "Source": r["citation"],
            "Row": r["evidence_id"],
        }
        if excluded:
            record[WHY_NOT] = translations.content(r["why"], lang) if r["_excluded"] else ""
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
        for outcome_code_name in outcomes:
            code = (
                therapy_code[name] * len(outcomes_seen) + outcome_code[outcome_code_name]
                if outcome_code_name in outcome_code
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
                    outcome=outcome_code_name,
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
    N_("Therapy"),
    N_("Outcome"),
    N_("Rows"),
    N_("With figures"),
    N_("Strongest design"),
    N_("Primary sites"),
    N_("Row ids"),
)


def _map_readable(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells that hold rows, in words: the empty ones are the figure's '–' gaps."""
    if cells.empty:
        return pd.DataFrame(columns=MAP_COLUMNS)
    full = cells[cells["n_rows"] > 0]
    return pd.DataFrame(
        {
            "Therapy": [_therapy(t) for t in full["therapy"]],
            "Outcome": [outcome_name(o) for o in full["outcome"]],
            "Rows": full["n_rows"],
            "With figures": full["n_with_figures"],
            "Strongest design": [design_label(d) for d in full["strongest_design"]],
            "Primary sites": [_sites_text(s) for s in full["sites"]],
            "Row ids": [", ".join(i) for i in full["evidence_ids"]],
        },
        columns=MAP_COLUMNS,
    ).reset_index(drop=True)


def _sites_text(sites: tuple[str, ...]) -> str:
    lang = current()
    if lang == "en":
        return ", ".join(TUMOUR_SITES[s] or "pancreatic" for s in sites if s in TUMOUR_SITES)
    return "、".join(_site_word(s) for s in sites if s in TUMOUR_SITES)


def _site_word(site: str) -> str:
    """A site's short word in Chinese (the glossary's site tag; 'pancreatic' for none)."""
    lang = current()
    tag = TUMOUR_SITES.get(site, "")
    if tag:
        return translations.term(tag, lang, "site_tag")
    return translations.term("pancreatic", lang, "tumour_site")


def _map_label(st: _Style, line: list[dict]) -> str:
    """The therapy's name; with the sites' tags when none of its rows is about pancreatic
    primaries and some name their site (e.g. 'octreotide LAR [midgut]')."""
    sites = {s for cell in line for s in cell["sites"]}
    name = _therapy(line[0]["therapy"]) or (
        _class_label(line[0]["therapy_class"])
        if line[0]["therapy_class"] in CLASS_LABELS
        else _("no therapy named")
    )
    known = [TUMOUR_SITES[s] for s in TUMOUR_SITES if s in sites and s != "not_stated"]
    if "pancreatic" not in sites and any(known):
        if current() == "en":
            name = _tagged(name, f"[{', '.join(known)}]")
        else:
            words = [_site_word(s) for s in TUMOUR_SITES if s in sites and s != "not_stated"]
            name = _tagged(name, f"[{'、'.join(w for w in words if w)}]")
    return "<br>".join(_esc(text) for text in _lines(name, st.label_chars + 6))


def _cell_text(cell: dict) -> str:
    """The number of rows (the colour gives the strongest design); '–' for a gap."""
    return str(cell["n_rows"]) if cell["n_rows"] else "–"


def _cell_hover(cell: dict) -> str:
    lines = [f"<b>{_therapy_label(cell)}</b> · {_esc(outcome_name(cell['outcome']))}"]
    if cell["n_rows"] == 0:
        lines.append(_("No rows: an evidence gap"))
    else:
        comma = ", " if current() == "en" else "、"
        designs = comma.join(design_label(d) for d in cell["designs"])
        n = cell["n_rows"]
        lines += [
            ngettext(
                "{count} row: {with_figures} with figures, {without} without",
                "{count} rows: {with_figures} with figures, {without} without",
                n,
            ).format(
                count=n, with_figures=cell["n_with_figures"], without=cell["n_without_figures"]
            ),
            _("Designs: {designs}").format(designs=_esc(designs)),
            _("Primary sites: {sites}").format(sites=_esc(_sites_text(cell["sites"]))),
            _("Rows: {ids}").format(ids=_wrap(_first_ids(cell["evidence_ids"]))),
        ]
    if cell["n_excluded"]:
        lines.append(
            ngettext(
                "{count} row not for this profile", "{count} rows not for this profile",
                cell["n_excluded"],
            ).format(count=cell["n_excluded"])
        )  # fmt: skip
    return "<br>".join(lines)


def _first_ids(ids: tuple[str, ...], limit: int = 12) -> str:
    """The first few ids of a cell, and how many more: hover text stays readable."""
    shown = ", ".join(ids[:limit])
    if len(ids) <= limit:
        return shown
    return _("{ids} and {count} more").format(ids=shown, count=len(ids) - limit)


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
    return _wrap(_class_label(therapy_class), 10)
