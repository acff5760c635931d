"""How the project says a figure, a p-value and a first author in words: one place for each.

Plots, tables and the review check all read a row through these, so "30–80%" is written the
same way wherever it appears. Rows are dicts or pandas rows with the contract's columns;
missing numbers are NaN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

DIRECTION_WORDS = {
    "favours_therapy": "favours the therapy",
    "favours_comparator": "favours the comparator",
    "no_difference": "no difference",
    "not_stated": "direction not stated",
}


def num(x: float) -> str:
    """A number as printed in the sources: 22, 0.35, 7334 (no trailing zeros)."""
    return f"{x:g}"


def with_unit(x: float, unit: str) -> str:
    """'74%' for percent, '22 months' for the other units, the bare number without one."""
    return f"{num(x)}%" if unit == "percent" else f"{num(x)} {unit}".strip()


def missing(x: float) -> bool:
    return math.isnan(x)


def is_range(row: Mapping[str, Any]) -> bool:
    """The row gives a span (low below high), not one figure."""
    low, high = row["value_low"], row["value_high"]
    return not missing(low) and not missing(high) and low < high


def figure_text(row: Mapping[str, Any]) -> str:
    """The figure as the source gives it: '22 months', '65–70%', '≥ 20 months', or words.

    >>> figure_text({"value": math.nan, "value_low": 30.0, "value_high": 80.0,
    ...              "unit": "percent", "hr": math.nan, "direction": "not_stated"})
    '30–80%'
    """
    value, low, high, unit = row["value"], row["value_low"], row["value_high"], row["unit"]
    if is_range(row):
        span = f"{num(low)}–{with_unit(high, unit)}"
        return span if missing(value) else f"{with_unit(value, unit)} (range {span})"
    if not missing(value):
        return with_unit(value, unit)
    if not missing(low) and missing(high):
        return f"≥ {with_unit(low, unit)}"
    if not missing(high):
        return f"≤ {with_unit(high, unit)}"
    if not missing(row["hr"]):
        return f"HR {num(row['hr'])}"
    return f"no figure given: {DIRECTION_WORDS.get(row['direction'], 'direction not stated')}"


def p_text(p: str) -> str:
    """'p = 0.027', 'p < 0.001', or 'p not stated'."""
    p = p.strip()
    if not p:
        return "p not stated"
    return f"p {p[0]} {p[1:].strip()}" if p[0] in "<>=≤≥" else f"p = {p}"


def figure_summary(row: Mapping[str, Any]) -> str:
    """The figure with its comparator, hazard ratio and p-value, for tables.

    '22 months vs 12 months (p = 0.027)'; 'HR 0.35, 95% CI 0.2–0.6'.
    """
    text = figure_text(row)
    cv = row.get("comparator_value", math.nan)
    if not missing(cv):
        text += f" vs {with_unit(cv, row['unit'])}"
    hr = row.get("hr", math.nan)
    if not missing(hr) and not text.startswith("HR "):
        text += f"; HR {num(hr)}"
    if not missing(hr) and not missing(row.get("hr_ci_low", math.nan)):
        text += f", 95% CI {num(row['hr_ci_low'])}–{num(row['hr_ci_high'])}"
    if row.get("p_value"):
        text += f" ({p_text(row['p_value'])})"
    return text


def first_author(authors: str) -> str:
    """'Yuan CH, Wang J, et al' -> 'Yuan': the first family name without its initials."""
    first = authors.split(",")[0].strip()
    words = first.split()
    if len(words) > 1 and words[-1].isupper() and len(words[-1]) <= 3:
        words = words[:-1]
    return " ".join(words) or first
