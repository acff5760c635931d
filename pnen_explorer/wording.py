"""How the project says a figure, a p-value and a first author in words: one place for each.

Plots, tables and the review check all read a row through these, so "30–80%" is written the
same way wherever it appears. Rows are dicts or pandas rows with the contract's columns;
missing numbers are NaN.

:func:`figure_text` and :func:`with_unit` write English (the Chinese of a figure is
:func:`pnen_explorer.translations.figure_text`, built beside it); :func:`figure_summary`,
:func:`p_text` and :func:`direction_words` speak the language of the context
(:func:`pnen_explorer.i18n.current`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pnen_explorer import translations
from pnen_explorer.i18n import _, current

DIRECTION_WORDS = {
    "favours_therapy": "favours the therapy",
    "favours_comparator": "favours the comparator",
    "no_difference": "no difference",
    "not_stated": "direction not stated",
}
"""The contract's ``direction`` in English words (the Chinese are the glossary's)."""


def direction_words(direction: str) -> str:
    """'favours the therapy' for 'favours_therapy', in the context's language."""
    lang = current()
    if lang == "en":
        return DIRECTION_WORDS.get(direction, DIRECTION_WORDS["not_stated"])
    code = direction if direction in DIRECTION_WORDS else "not_stated"
    return translations.term(code, lang, "direction")


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


def joined(parts) -> str:
    """Parts of a list in one line: '; ' between them in English, '；' in Chinese."""
    return ("; " if current() == "en" else "；").join(parts)


def outcome_name(code: str, short: bool = False) -> str:
    """An outcome's label ('Progression-free survival (PFS)') or short form ('PFS', '5-y
    survival'), in the context's language (the glossary's words)."""
    from pnen_explorer.vocabulary import OUTCOMES

    outcome = OUTCOMES.get(code)
    if outcome is None:
        return code
    lang = current()
    if not short:
        return translations.term(outcome.label, lang, "outcome")
    found = translations.term(outcome.short, lang, "outcome_short")
    if found == outcome.short:
        found = translations.term(outcome.short, lang, "outcome")
    return found


def unit_text(x: float, unit: str) -> str:
    """:func:`with_unit` in the context's language: '22 months' reads '22个月' in Chinese."""
    lang = current()
    if lang == "en":
        return with_unit(x, unit)
    return translations.figure_text({"value": x, "unit": unit}, lang)


def figure_words(row: Mapping[str, Any]) -> str:
    """:func:`figure_text` in the context's language."""
    lang = current()
    return figure_text(row) if lang == "en" else translations.figure_text(row, lang)


def p_text(p: str) -> str:
    """'p = 0.027', 'p < 0.001', or 'p not stated' (in the context's language)."""
    p = p.strip()
    if not p:
        return _("p not stated")
    return f"p {p[0]} {p[1:].strip()}" if p[0] in "<>=≤≥" else f"p = {p}"


def figure_summary(row: Mapping[str, Any]) -> str:
    """The figure with its comparator, hazard ratio and p-value, for tables, in the context's
    language.

    '22 months vs 12 months (p = 0.027)'; 'HR 0.35, 95% CI 0.2–0.6'.
    """
    text = figure_words(row)
    cv = row.get("comparator_value", math.nan)
    if not missing(cv):
        text = _("{figure} vs {other}").format(figure=text, other=unit_text(cv, row["unit"]))
    hr = row.get("hr", math.nan)
    if not missing(hr) and not text.startswith("HR "):
        text = _("{figure}; HR {hr}").format(figure=text, hr=num(hr))
    if not missing(hr) and not missing(row.get("hr_ci_low", math.nan)):
        text = _("{figure}, 95% CI {low}–{high}").format(
            figure=text, low=num(row["hr_ci_low"]), high=num(row["hr_ci_high"])
        )
    if row.get("p_value"):
        text = _("{figure} ({p})").format(figure=text, p=p_text(row["p_value"]))
    return text


def first_author(authors: str) -> str:
    """'Yuan CH, Wang J, et al' -> 'Yuan': the first family name without its initials."""
    first = authors.split(",")[0].strip()
    words = first.split()
    if len(words) > 1 and words[-1].isupper() and len(words[-1]) <= 3:
        words = words[:-1]
    return " ".join(words) or first


def source_name(source: str) -> str:
    """A source as a citation names it: its id ('lu2025'), the primary publications in words
    on a Chinese page."""
    if source == "primary" and current() != "en":
        return _("primary publication")
    return source
