"""Plotly figures of the evidence table, each with the tidy table it draws.

Every builder is a pure function of an evidence frame as ``load_evidence()`` returns it, with or
without the ``match`` and ``why`` columns that ``match_evidence()`` adds, and returns a
``Chart(figure, table)`` so that a table can stand beside every figure:

- ``outcome_ranges``: one outcome, one row per reported figure, grouped by therapy class;
- ``two_arm_comparison``: rows with a comparator arm, both arms and the p-value;
- ``evidence_map``: therapy × outcome, how many rows and of what strongest design;
- ``forest_plot``: hazard ratios with their confidence intervals on a log axis.

A finding the source states without a number is written out in words, never drawn as a number.
Months and percent never share an axis. Nothing is loaded at import time: plotly is imported by
the builders, and the reference list is read once, on first use.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from pnen_explorer import data
from pnen_explorer.grouping import ids_by_key
from pnen_explorer.vocabulary import CORE_OUTCOMES, OUTCOMES
from pnen_explorer.wording import DIRECTION_WORDS
from pnen_explorer.wording import figure_text as _figure_text
from pnen_explorer.wording import first_author as _first_author
from pnen_explorer.wording import is_range as _is_range
from pnen_explorer.wording import missing as _missing
from pnen_explorer.wording import num as _num
from pnen_explorer.wording import p_text as _p_text
from pnen_explorer.wording import with_unit as _with_unit

if TYPE_CHECKING:
    from collections.abc import Callable

    import plotly.graph_objects as go

__all__ = [
    "DESIGN_ORDER",
    "NO_EVIDENCE",
    "OKABE_ITO",
    "Chart",
    "evidence_map",
    "forest_plot",
    "outcome_ranges",
    "outcome_units",
    "two_arm_comparison",
]


class Chart(NamedTuple):
    """A figure and the tidy table it draws, to show side by side."""

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
FONT = 16
SMALL_FONT = 14
TITLE_FONT = 22

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
        "Guideline, review, case, lab or unknown",
        ("guideline", "review", "case_report", "preclinical", "unknown"),
        "#C6DBEF",
    ),
    ("Retrospective", ("retrospective",), "#6BAED6"),
    ("Meta-analysis or prospective", ("meta_analysis", "prospective"), "#2171B5"),
    ("Randomised trial", ("rct_phase3", "rct"), "#08306B"),
)
"""Evidence-map colours by strongest design: one blue, light to dark, readable in greyscale."""
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

ROW_PX = 36
MAP_ROW_PX = 46
TOP_PX = 100
AXIS_PX = 66
LINE_PX = 20
LEGEND_LINE_PX = 26
LEGEND_PER_LINE = 5
LABEL_CHARS = 50
EM_SPACES = "\u2003\u2003"
"""Room between a marker and the words written beside it."""
WORDS_SHARE = 0.4
"""The share of an axis that 'comparator: no figure given' needs beside a mark."""
WRAP_CHARS = 110
SIDE_START = 0.84
"""Where the text column at the right (p-values, hazard ratios) starts, as a share of the width."""

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
    "agreement",
    "agreement_note",
    "match",
    "why",
    "unknown",
    "tumour_site",
)
"""Columns used where present: primary-publication fields and what match_evidence() adds."""


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
) -> Chart:
    """Every figure reported for one outcome, one row each, grouped by therapy class.

    A point is a single figure, a bar a range; the comparator arm sits just below its row.
    Marker size grows with the number of patients, marker shape is the study design. Rows in
    another unit than ``unit`` (default: the most frequent) are left out and the subtitle says
    so. Findings without a number are written in their row at the left edge of the axis.
    """
    _check_outcome(outcome)
    rows, hidden = _visible(_rows(evidence, references, outcome=outcome), show_excluded)
    rows, notes = _hazard_ratios_elsewhere(rows)
    units = _frequent_units(rows)
    unit = unit or (units[0] if units else None)
    for other in units:
        if other != unit:
            count = sum(r["unit"] == other for r in rows if r["_figures"])
            notes.append(
                f"{_plural(count, 'row')} in {other} left out"
                f" (unit={other!r} draws them): no axis mixes units."
            )
    rows = [r for r in rows if r["unit"] == unit or not r["_figures"]]
    title = f"{OUTCOME_LABELS[outcome]} by therapy" + (f", in {unit}" if unit else "")
    table = _row_table(rows)
    if not rows:
        return Chart(_empty_figure(title, subtitle, notes, hidden), table)
    panel = _panel(rows, unit, 1, _by_class, comparator_offset=0.3)
    return Chart(_compose([panel], title, subtitle, notes, rows, _arm_legend(rows)), table)


def two_arm_comparison(
    evidence: pd.DataFrame,
    outcome: str | None = None,
    *,
    subtitle: str = "",
    show_excluded: bool = False,
    references: pd.DataFrame | None = None,
) -> Chart:
    """Rows that compare the therapy with another arm: both arms joined by a line, and the
    p-value where the source states it. One panel per unit, so months and percent never share
    an axis; comparisons stated without figures get a panel of their own, in words."""
    if outcome is not None:
        _check_outcome(outcome)
    rows = _rows(evidence, references, outcome=outcome, comparator_only=True)
    rows, hidden = _visible(rows, show_excluded)
    rows, notes = _hazard_ratios_elsewhere(rows)
    title = f"{OUTCOME_LABELS[outcome] if outcome else 'All outcomes'}: therapy versus comparator"
    table = _row_table(rows)
    if not rows:
        return Chart(_empty_figure(title, subtitle, notes, hidden), table)
    mixed = outcome is None
    panels = []
    for unit in _frequent_units(rows):
        part = [r for r in rows if r["_figures"] and r["unit"] == unit]
        panels.append(_panel(part, unit, len(panels) + 1, _by_class, 0.0, mixed, side=True))
    words = [r for r in rows if not r["_figures"]]
    if words:
        panels.append(_panel(words, None, len(panels) + 1, _by_class, 0.0, mixed))
    return Chart(_compose(panels, title, subtitle, notes, rows, _arm_legend(rows)), table)


def forest_plot(
    evidence: pd.DataFrame,
    outcome: str = "PFS",
    *,
    subtitle: str = "",
    show_excluded: bool = False,
    references: pd.DataFrame | None = None,
) -> Chart:
    """Hazard ratios (therapy versus comparator) with their 95 % CI, grouped by therapy, on a
    log axis with a line at HR 1; the figures are written at the right of each row."""
    _check_outcome(outcome)
    _require(evidence, HR_COLUMNS)
    rows = [r for r in _rows(evidence, references, outcome=outcome) if not _missing(r["hr"])]
    rows, hidden = _visible(rows, show_excluded)
    title = f"{OUTCOME_LABELS[outcome]}: hazard ratios by therapy"
    table = _row_table(sorted(rows, key=_therapy_order), HR_COLUMNS)
    if not rows:
        return Chart(_empty_figure(title, subtitle, [], hidden), table)
    legend = _legend(rows, [("Hazard ratio, 95% CI", THERAPY_COLOUR)])
    return Chart(_compose([_forest_panel(rows)], title, subtitle, [], rows, legend), table)


def evidence_map(
    evidence: pd.DataFrame,
    *,
    subtitle: str = "",
    show_excluded: bool = False,
) -> Chart:
    """Therapy × outcome: how many rows each cell holds and the strongest design among them.

    Every therapy and the core outcomes always get a row and a column, so an empty cell is a
    visible gap (for the profile, when rows were matched to one). Rows without a number count.
    """

    _require(evidence, BASE_COLUMNS)
    excluded = _excluded_mask(evidence)
    table = _map_table(evidence, excluded, show_excluded)
    title = "Evidence map: therapies × outcomes"
    if table.empty:
        return Chart(_empty_figure(title, subtitle, [], 0), table)
    cells = table.to_dict("records")
    outcomes = list(dict.fromkeys(table["outcome"]))
    grid = [cells[i : i + len(outcomes)] for i in range(0, len(cells), len(outcomes))]
    tier = {design: i for i, (_, designs, _) in enumerate(MAP_TIERS) for design in designs}
    steps = len(MAP_TIERS)
    heatmap = dict(
        type="heatmap",
        name="evidence map",
        z=[[tier.get(c["strongest_design"], 0) for c in line] for line in grid],
        x=[OUTCOME_SHORT[o] for o in outcomes],
        y=[_therapy_label(line[0]) for line in grid],
        text=[[_cell_text(c) for c in line] for line in grid],
        texttemplate="%{text}",
        textfont=dict(size=SMALL_FONT),
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
    legend = [
        _legend_marker(label, symbol="square", size=18, color=colour, line=_CELL_EDGE)
        for label, _, colour in reversed(MAP_TIERS)
    ]
    sources = evidence["source"] if show_excluded else evidence["source"][~excluded]
    left_out = 0 if show_excluded else int(excluded.sum())
    notes = [f"{_plural(left_out, 'row')} not for this profile not counted"] if left_out else []
    layout = _layout(
        title,
        subtitle,
        notes,
        len(grid) * MAP_ROW_PX,
        sources={str(s) for s in sources.unique()},
        top_extra=40,
        axis_px=12,
        legend_lines=4,
    )
    layout["xaxis"] = dict(side="top", showgrid=False, fixedrange=True, ticks="")
    layout["yaxis"] = dict(autorange="reversed", showgrid=False, fixedrange=True, ticks="")
    layout["yaxis"]["automargin"] = True
    layout["plot_bgcolor"] = "#BFBFBF"  # shows through the cell gaps as a grid
    layout["margin"]["r"] = 150
    shapes, brackets = _class_brackets([line[0]["therapy_class"] for line in grid])
    layout["shapes"] = shapes
    layout["annotations"] += brackets
    return Chart(_figure([heatmap, *legend], layout), table)


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
        row["citation"] = _citation(row, labels) if cite else ""
        rows.append(row)
    return sorted(rows, key=_class_order)


def _class_order(row: dict) -> tuple:
    return _class_rank(row["therapy_class"]), row["therapy"].casefold(), row["evidence_id"]


def _class_rank(therapy_class: str) -> int:
    return CLASS_ORDER.index(therapy_class) if therapy_class in CLASS_ORDER else len(CLASS_ORDER)


def _therapy_order(row: dict) -> tuple:
    return row["therapy"].casefold(), row["evidence_id"]


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


def _hazard_ratios_elsewhere(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """Leave out rows whose only figure is a hazard ratio (the forest plot draws them); say so."""
    kept = [r for r in rows if not r["_hr_only"]]
    count = len(rows) - len(kept)
    note = f"{_plural(count, 'row')} giving only a hazard ratio: see the forest plot."
    return kept, [note] if count else []


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


def _esc(text: str) -> str:
    """Plotly reads a subset of HTML: '<0.001' must not open a tag."""
    return html.escape(text, quote=False)


@lru_cache(maxsize=8192)  # the same statements are wrapped again on every redraw
def _wrap(text: str, width: int = 70) -> str:
    return "<br>".join(_esc(line) for line in textwrap.wrap(text, width)) if text else ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


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


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return _esc(text if len(text) <= limit else text[: limit - 1].rstrip() + "…")


def _size(n: float) -> float:
    """Marker diameter: area grows with n up to 1000 patients; unknown n gets the smallest."""
    if _missing(n):
        return 11.0
    return 12.0 + 20.0 * math.sqrt(min(max(n, 0.0), 1000.0) / 1000.0)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


# --- one panel: rows on a y axis, with their own x axis ----------------------------------------


@dataclass
class _Panel:
    """One axis pair: traces, annotations, tick labels, and an optional text column at right."""

    axis: int
    x_title: str | None
    traces: list[dict] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)
    tickvals: list[float] = field(default_factory=list)
    ticktext: list[str] = field(default_factory=list)
    x_range: list[float] = field(default_factory=lambda: [0.0, 1.0])
    log_x: bool = False
    side: bool = False

    @property
    def x(self) -> str:
        return "x" if self.axis == 1 else f"x{self.axis}"

    @property
    def y(self) -> str:
        return "y" if self.axis == 1 else f"y{self.axis}"

    @property
    def side_x(self) -> str:
        return f"x{self.axis + 10}"


def _by_class(row: dict) -> tuple[str, str]:
    return row["therapy_class"], CLASS_LABELS.get(row["therapy_class"], row["therapy_class"])


def _by_therapy(row: dict) -> tuple[str, str]:
    return row["therapy"], row["therapy"] or "no therapy named"


def _place_rows(panel: _Panel, rows: list[dict], group: Callable, label: Callable) -> None:
    """Give each row a y position under a bold heading for its group. Rows whose labels would
    read the same get their evidence id, so no two rows look like one."""
    labels = [_short(label(row)) for row in rows]
    repeated = {text for text, count in Counter(labels).items() if count > 1}
    current = None
    for row, text in zip(rows, labels, strict=True):
        key, heading = group(row)
        if key != current:
            current = key
            panel.tickvals.append(len(panel.tickvals))
            panel.ticktext.append(f"<b>{_esc(heading)}</b>")
        row["_y"] = float(len(panel.tickvals))
        if text in repeated:
            suffix = f" · {row['evidence_id']}"
            text = _short(label(row), LABEL_CHARS - len(suffix)) + _esc(suffix)
        if row["_excluded"]:
            text = f'<span style="color:{EXCLUDED_COLOUR}">{text}</span>'
        panel.tickvals.append(row["_y"])
        panel.ticktext.append(text)


def _row_label(row: dict, with_outcome: bool) -> str:
    name = row["therapy"] or row["outcome_detail"] or row["population"]
    if row["comparator"]:
        name += f" vs {row['comparator']}"
    detail = row["outcome_detail"] if name != row["outcome_detail"] else ""
    if with_outcome:
        detail = " ".join(x for x in (OUTCOME_SHORT[row["outcome"]], detail) if x)
    return f"{name} · {detail}" if detail else name


def _panel(
    rows: list[dict],
    unit: str | None,
    axis: int,
    group: Callable,
    comparator_offset: float,
    with_outcome: bool = False,
    side: bool = False,
) -> _Panel:
    """Rows of one unit: therapy points and ranges, comparator points, and words for findings
    without a number. A zero offset draws both arms on one row, joined (the two-arm view);
    ``side`` writes each row's p-value in a column at the right."""
    panel = _Panel(axis=axis, x_title=UNIT_TITLES.get(unit, unit) if unit else None, side=side)
    _place_rows(panel, rows, group, lambda r: _row_label(r, with_outcome))
    for row in rows:
        row["_hover"] = _hover(row)
    if unit is not None:
        top = max((_top(r) for r in rows), default=1.0) or 1.0
        top = 100.0 if unit == "percent" else top * 1.08
        panel.x_range = [-0.02 * top, top * 1.02]
    for excluded in (False, True):
        part = [r for r in rows if r["_excluded"] == excluded and r["_figures"]]
        if part:
            panel.traces += _arm_traces(part, panel, excluded, comparator_offset)
    words = [(row, _words(row, panel.x_range)) for row in rows]
    words = [(row, said) for row, said in words if said]
    if words:
        panel.traces.append(_text_trace("words", *zip(*words, strict=True), panel.x, panel.y))
    if side:
        said = [(_esc(_p_text(r["p_value"])), 0.0, "middle right") for r in rows]
        panel.traces.append(_text_trace("p-values", rows, said, panel.side_x, panel.y))
    return panel


def _words(row: dict, x_range: list[float]) -> tuple[str, float, str] | None:
    """What a row cannot show as a mark, in words: (text, x, textposition), or None.

    A finding without a number is written at the left edge of the axis; an arm without a
    figure is named beside the other arm's mark, where there is room (over a wide range bar
    when neither side has it)."""
    low, high = x_range
    if not row["_figures"]:
        direction = DIRECTION_WORDS.get(row["direction"], "direction not stated")
        return f"<i>◇ no figure given: {direction}</i>", low + 0.01 * (high - low), "middle right"
    therapy = [x for x in (_point(row), row["value_low"], row["value_high"]) if x is not None]
    therapy = [x for x in therapy if not _missing(x)]
    if not therapy:
        text, marks = "therapy arm: no figure given", [row["comparator_value"]]
    elif row["comparator"] and _missing(row["comparator_value"]):
        text, marks = "comparator: no figure given", therapy
    else:
        return None
    room = WORDS_SHARE * (high - low)
    if high - max(marks) >= room:
        return f"{EM_SPACES}<i>◇ {text}</i>", max(marks), "middle right"
    if min(marks) - low >= room:
        return f"<i>◇ {text}</i>{EM_SPACES}", min(marks), "middle left"
    return f"<i>◇ {text}</i>", (min(marks) + max(marks)) / 2, "middle center"  # over a wide bar


def _text_trace(
    name: str,
    rows: list[dict],
    said: list[tuple[str, float, str]],
    x: str,
    y: str,
) -> dict:
    """Words written in their rows: (text, x, textposition) each; hover gives the row."""
    return dict(
        type="scatter",
        mode="text",
        name=name,
        xaxis=x,
        yaxis=y,
        x=[at for _, at, _ in said],
        y=[r["_y"] for r in rows],
        text=[text for text, _, _ in said],
        textposition=[position for _, _, position in said],
        textfont=dict(
            size=SMALL_FONT if name == "words" else FONT,
            color=[EXCLUDED_COLOUR if r["_excluded"] else TEXT_COLOUR for r in rows],
        ),
        hovertext=[r["_hover"] for r in rows],
        hoverinfo="text",
        customdata=[r["evidence_id"] for r in rows],
        cliponaxis=False,
        showlegend=False,
    )


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


def _markers(rows: list[dict], colour: str, excluded: bool, sizes=None) -> dict:
    return dict(
        symbol=[DESIGN_SYMBOLS.get(r["study_design"], "circle") for r in rows],
        size=sizes if sizes is not None else [_size(r["n_patients"]) for r in rows],
        color=colour,
        opacity=0.45 if excluded else 1.0,
        line=dict(color="#FFFFFF", width=1),
    )


def _arm_traces(rows: list[dict], panel: _Panel, excluded: bool, offset: float) -> list[dict]:
    """Range bars, single figures, the comparator arm and (two-arm view) the joining lines."""
    therapy = EXCLUDED_COLOUR if excluded else THERAPY_COLOUR
    comparator = EXCLUDED_COLOUR if excluded else COMPARATOR_COLOUR
    suffix = " (excluded)" if excluded else ""
    common = dict(type="scatter", xaxis=panel.x, yaxis=panel.y, showlegend=False, hoverinfo="text")
    traces = []
    arms = [r for r in rows if not _missing(r["comparator_value"])]
    if arms and offset == 0.0:
        x, y = [], []
        for r in arms:
            if _point(r) is not None:
                x += [_point(r), r["comparator_value"], None]
                y += [r["_y"], r["_y"], None]
        line = dict(color="#7F7F7F", width=3)
        traces.append(
            dict(common, name="connector" + suffix, mode="lines", x=x, y=y, line=line,
                 hoverinfo="skip")
        )  # fmt: skip
    spans = [r for r in rows if _is_range(r)]
    if spans:
        x, y, hover, ids, ends, sizes = [], [], [], [], [], []
        for r in spans:
            # a range with a value carries its marker at the value; a bare range at its ends
            end = 0.0 if _point(r) is not None else _size(r["n_patients"])
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
                line=dict(color=_rgba(therapy, 0.25 if excluded else 0.55), width=9),
                marker=_markers(ends, therapy, excluded, sizes),
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
                marker=_markers(points, therapy, excluded),
            )
        )
    if arms:
        traces.append(
            dict(
                common,
                name="comparator" + suffix,
                mode="markers",
                x=[r["comparator_value"] for r in arms],
                y=[r["_y"] + offset for r in arms],
                hovertext=[r["_hover"] for r in arms],
                customdata=[r["evidence_id"] for r in arms],
                marker=_markers(arms, comparator, excluded),
            )
        )
    return traces


def _forest_panel(rows: list[dict]) -> _Panel:
    """Hazard ratios grouped by therapy, CI as lines, HR 1 dashed, figures in a right column."""
    rows = sorted(rows, key=_therapy_order)
    panel = _Panel(axis=1, x_title="hazard ratio (log scale)", log_x=True, side=True)

    def label(row: dict) -> str:
        name = row["study_name"] or row["arm"] or row["citation"]
        return f"{name} vs {row['comparator']}" if row["comparator"] else name

    _place_rows(panel, rows, _by_therapy, label)
    texts, values = [], [1.0]
    for row in rows:
        hr, low, high = row["hr"], row["hr_ci_low"], row["hr_ci_high"]
        has_ci = not (_missing(low) or _missing(high))
        ci = f"{_num(low)}–{_num(high)}" if has_ci else "no CI given"
        row["_hover"] = f"<b>HR {_num(hr)}</b> (95% CI {ci})<br>" + _hover(row)
        texts.append(f"{_num(hr)} ({ci})")
        values += [v for v in (hr, low, high) if not _missing(v) and v > 0]
    # symmetric about HR 1, so both 'favours' labels have room and neither side looks bigger
    reach = max(-math.log10(min(values) / 1.3), math.log10(max(values) * 1.3))
    panel.x_range = [-reach, reach]
    common = dict(type="scatter", xaxis=panel.x, yaxis=panel.y, showlegend=False)
    panel.traces.append(
        dict(common, name="HR = 1", mode="lines", x=[1, 1], y=[-0.5, len(panel.tickvals) - 0.5],
             hoverinfo="skip", line=dict(color="#404040", width=2, dash="dash"))
    )  # fmt: skip
    for excluded in (False, True):
        part = [r for r in rows if r["_excluded"] == excluded]
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
                 line=dict(color=colour, width=3))
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
                marker=_markers(part, colour, excluded),
            )
        )
    said = [(_esc(text), 0.0, "middle right") for text in texts]
    panel.traces.append(_text_trace("hazard ratios", rows, said, panel.side_x, panel.y))
    headings = (
        (panel.x, 0.49, "right", "← favours therapy"),
        (panel.x, 0.51, "left", "favours comparator →"),
        (panel.side_x, 0.0, "left", "HR (95% CI)"),
    )
    for axis, x, anchor, text in headings:
        panel.annotations.append(
            dict(xref=f"{axis} domain", yref=f"{panel.y} domain", x=x, y=1, yanchor="bottom",
                 xanchor=anchor, showarrow=False, text=text,
                 font=dict(size=SMALL_FONT, color=MUTED_TEXT))
        )  # fmt: skip
    return panel


# --- legends -----------------------------------------------------------------------------------


def _legend_marker(name: str, **marker) -> dict:
    """A legend entry only: no data, no hover."""
    style = dict(size=13, color="#404040", line=dict(color="#FFFFFF", width=1)) | marker
    return dict(
        type="scatter", x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
        marker=style,
    )  # fmt: skip


def _arm_legend(rows: list[dict]) -> list[dict]:
    """The legend of the marks drawn: none when every row is words."""
    marked = [r for r in rows if r["_figures"]]
    if not marked:
        return []
    arms = [("Therapy arm", THERAPY_COLOUR)]
    if any(not _missing(r["comparator_value"]) for r in marked):
        arms.append(("Comparator arm", COMPARATOR_COLOUR))
    return _legend(marked, arms)


def _legend(marked: list[dict], arms: list[tuple[str, str]]) -> list[dict]:
    """Colours of the arms drawn, 'not for this profile' if shown, and the designs present."""
    entries = [_legend_marker(name, color=colour) for name, colour in arms]
    if any(r["_excluded"] for r in marked):
        entries.append(_legend_marker("Not for this profile", color=EXCLUDED_COLOUR))
    present = {r["study_design"] for r in marked}
    entries += [
        _legend_marker(DESIGN_LABELS[d], symbol=DESIGN_SYMBOLS[d])
        for d in DESIGN_ORDER
        if d in present
    ]
    return entries


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


def _footnote(sources: set[str], encoding: bool) -> list[str]:
    text = f"Data v{data.data_version()}."
    if sources:
        text += f" Sources: {_sources_text(sources)}."
    if encoding:
        text += " Marker area grows with the number of patients (smallest: not stated)."
    text += " Summarises published evidence; not clinical decision support."
    return textwrap.wrap(text, WRAP_CHARS)


def _layout(
    title: str,
    subtitle: str,
    notes: list[str],
    plot_px: float,
    *,
    sources: set[str],
    top_extra: int = 0,
    encoding: bool = False,
    legend_lines: int = 1,
    axis_px: int = AXIS_PX,
) -> dict:
    """Title, subtitle, legend, footnote, fonts and margins around a plot area ``plot_px`` tall.

    Heights are worked out in pixels so that the legend and footnote sit below the axis
    whatever the number of rows."""
    sub = [line for text in (subtitle, *notes) if text for line in textwrap.wrap(text, WRAP_CHARS)]
    foot = _footnote(sources, encoding)
    top = TOP_PX + LINE_PX * max(len(sub) - 1, 0) + top_extra
    legend_px = 16 + LEGEND_LINE_PX * legend_lines if legend_lines else 0
    bottom = axis_px + legend_px + LINE_PX * len(foot) + 16
    height = top + plot_px + bottom
    return dict(
        template="none",  # a named template costs ~20 ms per figure; the style is set here
        title=dict(
            text=_esc(title),
            x=0.01,
            xref="container",
            xanchor="left",
            y=1 - 16 / height,
            yref="container",
            yanchor="top",
            font=dict(size=TITLE_FONT),
            subtitle=dict(text="<br>".join(_esc(s) for s in sub), font=dict(size=FONT)),
        ),
        font=dict(size=FONT, color=TEXT_COLOUR),
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        height=round(height),
        margin=dict(t=top, b=bottom, l=20, r=40),
        hoverlabel=dict(font=dict(size=SMALL_FONT), align="left", bgcolor="#FFFFFF"),
        showlegend=bool(legend_lines),
        legend=dict(
            orientation="h",
            x=0,
            y=-axis_px / plot_px,
            yanchor="top",
            xanchor="left",
            font=dict(size=SMALL_FONT),
        ),
        annotations=[
            dict(
                xref="paper",
                yref="paper",
                x=0,
                y=-(axis_px + legend_px) / plot_px,
                xanchor="left",
                yanchor="top",
                align="left",
                showarrow=False,
                text="<br>".join(_esc(line) for line in foot),
                font=dict(size=SMALL_FONT, color=MUTED_TEXT),
                name="footnote",
            )
        ],
    )


def _compose(
    panels: list[_Panel],
    title: str,
    subtitle: str,
    notes: list[str],
    rows: list[dict],
    legend: list[dict],
) -> go.Figure:
    """Stack panels top to bottom, each with its own x axis, under one legend and footnote."""

    heights = [len(p.tickvals) * ROW_PX for p in panels]
    plot_px = sum(heights) + AXIS_PX * (len(panels) - 1)
    layout = _layout(
        title,
        subtitle,
        notes,
        plot_px,
        sources={r["source"] for r in rows},
        encoding=True,
        axis_px=AXIS_PX if panels[-1].x_title else 12,
        legend_lines=math.ceil(len(legend) / LEGEND_PER_LINE),
    )
    width = [0.0, SIDE_START - 0.02] if any(p.side for p in panels) else [0.0, 1.0]
    traces = list(legend)
    top = plot_px
    for panel, height in zip(panels, heights, strict=True):
        x_name, y_name = "xaxis" + panel.x[1:], "yaxis" + panel.y[1:]
        layout[x_name] = dict(
            domain=width,
            anchor=panel.y,
            title=dict(text=_esc(panel.x_title or ""), standoff=8),
            range=panel.x_range,
            type="log" if panel.log_x else "linear",
            visible=panel.x_title is not None,
            showline=True,
            linecolor="#404040",
            gridcolor="#E6E6E6",
            zeroline=False,
            ticks="outside",
        )
        if panel.log_x:
            low, high = (10**end for end in panel.x_range)
            ticks = [v for v in LOG_TICKS if low <= v <= high]
            layout[x_name].update(tickvals=ticks, ticktext=[_num(v) for v in ticks])
        if panel.side:
            layout["xaxis" + panel.side_x[1:]] = dict(
                domain=[SIDE_START, 1.0], anchor=panel.y, range=[0, 1], visible=False,
                fixedrange=True,
            )  # fmt: skip
        layout[y_name] = dict(
            domain=[(top - height) / plot_px, top / plot_px],
            range=[len(panel.tickvals) - 0.5, -0.5],
            tickvals=panel.tickvals,
            ticktext=panel.ticktext,
            anchor=panel.x,
            automargin=True,
            showgrid=False,
            zeroline=False,
            ticks="",
        )
        if panel.x_title is None and len(panels) > 1:
            layout["annotations"].append(_panel_heading("Reported without figures", panel.y))
        top -= height + AXIS_PX
        traces += panel.traces
        layout["annotations"] += panel.annotations
    return _figure(traces, layout)


def _panel_heading(text: str, y: str) -> dict:
    return dict(
        xref="paper",
        yref=f"{y} domain",
        x=0,
        y=1,
        yanchor="bottom",
        xanchor="left",
        showarrow=False,
        text=f"<b>{_esc(text)}</b>",
        font=dict(size=FONT),
    )


def _empty_figure(title: str, subtitle: str, notes: list[str], hidden: int) -> go.Figure:
    """A titled figure that says there is nothing to show, and why where known."""

    message = NO_EVIDENCE
    if hidden:
        message += f"<br>({_plural(hidden, 'row')} not for this profile hidden;"
        message += " show_excluded=True shows them)"
    layout = _layout(title, subtitle, notes, 200, sources=set(), legend_lines=0)
    layout["annotations"].append(
        dict(
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
            text=message,
            font=dict(size=FONT + 2, color=MUTED_TEXT),
            name="empty",
        )
    )
    layout["xaxis"] = dict(visible=False)
    layout["yaxis"] = dict(visible=False)
    return _figure([], layout)


# --- tables ------------------------------------------------------------------------------------

ROW_TABLE_COLUMNS = (
    "evidence_id",
    "therapy_class",
    "therapy",
    "comparator",
    "outcome",
    "outcome_detail",
    "figure",
    "value",
    "value_low",
    "value_high",
    "comparator_value",
    "unit",
    "p_value",
    "n_patients",
    "study_design",
    "direction",
    "population",
    "citation",
    "statement",
    "note",
)


def _row_table(rows: list[dict], extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per plotted evidence row, in drawing order, with the figure as printed."""
    columns = [*ROW_TABLE_COLUMNS[:10], *extra, *ROW_TABLE_COLUMNS[10:]]
    if any(r["match"] for r in rows):
        columns += ["match", "why"]
    records = [{c: _figure_text(r) if c == "figure" else r[c] for c in columns} for r in rows]
    return pd.DataFrame.from_records(records, columns=columns)


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
                    evidence_ids=tuple(sorted(ids[code])) if found else (),
                )
            )
    return pd.DataFrame.from_records(records)


def _cell_text(cell: dict) -> str:
    if cell["n_rows"] == 0:
        return "–"
    return f"{cell['n_rows']}<br>{_esc(DESIGN_SHORT[cell['strongest_design']])}"


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
            "Rows: " + _wrap(_first_ids(cell["evidence_ids"])),
        ]
    if cell["n_excluded"]:
        lines.append(f"{_plural(cell['n_excluded'], 'row')} not for this profile")
    return "<br>".join(lines)


def _first_ids(ids: tuple[str, ...], limit: int = 12) -> str:
    """The first few ids of a cell, and how many more: hover text stays readable."""
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _class_heading(therapy_class: str) -> str:
    """The class name in bold, its bracketed part on a second line (the margin is narrow)."""
    name = _esc(CLASS_LABELS.get(therapy_class, therapy_class)).replace(" (", "<br>(")
    return f"<b>{name}</b>"


def _class_brackets(classes: list[str]) -> tuple[list[dict], list[dict]]:
    """Lines between therapy classes, and each class's name at the right of its block."""
    shapes, annotations = [], []
    start = 0
    for i in range(1, len(classes) + 1):
        if i < len(classes) and classes[i] == classes[start]:
            continue
        if i < len(classes):
            shapes.append(
                dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=i - 0.5, y1=i - 0.5,
                     line=dict(color="#404040", width=2))
            )  # fmt: skip
        annotations.append(
            dict(xref="paper", yref="y", x=1.01, y=(start + i - 1) / 2, xanchor="left",
                 showarrow=False, align="left", text=_class_heading(classes[start]),
                 font=dict(size=SMALL_FONT))
        )  # fmt: skip
        start = i
    return shapes, annotations
