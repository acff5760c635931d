"""Review figures beside the primary-publication figures that check them.

A narrative review compresses: a figure can come from a subgroup or lose its comparator. This
view puts each checked review row next to what the primary publication itself reports.

:func:`review_vs_primary` keeps the contract's codes in its columns (code reads them); its
figures are written in the context's language. :func:`readable` is the same table as a person
reads it: headings, therapy, outcome, the check and its note in the context's language.
"""

from __future__ import annotations

import pandas as pd

from pnen_explorer import translations
from pnen_explorer.i18n import N_, _, current
from pnen_explorer.wording import figure_summary, joined, outcome_name, source_name

AGREEMENT_WORDS = {
    "agrees": N_("agrees"),
    "partly_agrees": N_("partly agrees"),
    "differs": N_("differs"),
    "subgroup_only": N_("subgroup only"),
    "not_in_primary_abstract": N_("not in the primary abstract"),
    "primary_not_found": N_("primary publication not found"),
    "not_checked": N_("not checked"),
}
"""What the check against the primary publication found, in words."""

READABLE_COLUMNS = (
    ("evidence_id", N_("Row")),
    ("section", N_("Section")),
    ("therapy", N_("Therapy")),
    ("outcome", N_("Outcome")),
    ("review_figure", N_("Review figure")),
    ("agreement", N_("Checked against the primary publication")),
    ("agreement_note", N_("What the check found")),
    ("primary_figures", N_("Primary publications")),
)
"""The columns :func:`readable` shows, and their headings."""


def review_vs_primary(evidence: pd.DataFrame) -> pd.DataFrame:
    """One line per review row that was checked: its figure, the agreement, and the primary
    figures (with study and DOI/PMID) that check it."""
    review = evidence[(evidence["source"] != "primary") & evidence["agreement"].notna()]
    review = review[review["agreement"] != "not_checked"]
    primary = evidence[evidence["checks_evidence_id"] != ""]
    checks = primary.groupby("checks_evidence_id")
    lines = []
    for _i, row in review.iterrows():
        found = (
            checks.get_group(row["evidence_id"]) if row["evidence_id"] in checks.groups else None
        )
        lines.append(
            {
                "evidence_id": row["evidence_id"],
                "section": row["section"],
                "therapy": row["therapy"],
                "outcome": row["outcome"],
                "review_figure": figure_summary(row),
                "agreement": row["agreement"],
                "agreement_note": row["agreement_note"],
                "primary_ids": () if found is None else tuple(found["evidence_id"]),
                "primary_figures": _primary_figures(found),
            }
        )
    return pd.DataFrame(
        lines,
        columns=[
            "evidence_id",
            "section",
            "therapy",
            "outcome",
            "review_figure",
            "agreement",
            "agreement_note",
            "primary_ids",
            "primary_figures",
        ],
    )


def _primary_figures(found: pd.DataFrame | None) -> str:
    """'NETTER-1: 65% (p < 0.001); …': each checking row's study and figure."""
    if found is None:
        return ""
    return joined(
        _("{study}: {figure}").format(
            study=translations.evidence_text(p, "study_name", current()), figure=figure_summary(p)
        )
        for _i, p in found.iterrows()
    )


def readable(checks: pd.DataFrame) -> pd.DataFrame:
    """:func:`review_vs_primary`'s table as a person reads it, in the context's language:
    headings in words, the check in words (not its code), the note in the reader's language."""
    lang = current()
    frame = pd.DataFrame(
        {
            "evidence_id": checks["evidence_id"].astype(object),
            "section": [section_words(s) for s in checks["section"]],
            "therapy": [translations.term(t, lang, "therapy") for t in checks["therapy"]],
            "outcome": [outcome_name(o, short=True) for o in checks["outcome"].astype(object)],
            "review_figure": checks["review_figure"].astype(object),
            "agreement": [
                _(AGREEMENT_WORDS[a]) if a in AGREEMENT_WORDS else a for a in checks["agreement"]
            ],
            "agreement_note": [
                translations.evidence_text(
                    {"evidence_id": i, "agreement_note": n}, "agreement_note", lang
                )
                for i, n in zip(checks["evidence_id"], checks["agreement_note"], strict=True)
            ],
            "primary_figures": checks["primary_figures"].astype(object),
        },
        columns=[key for key, _label in READABLE_COLUMNS],
    )
    return frame.rename(columns={key: _(label) for key, label in READABLE_COLUMNS})


SECTION_WORDS = {"abstract": N_("abstract"), "intro": N_("introduction"), "results": N_("results")}
"""The review's sections that are not numbered, in words."""


def section_words(section: object) -> str:
    """A section as the reader says it: '3.4' as it is, 'abstract' in words."""
    text = "" if section is None or section != section else str(section)
    word = SECTION_WORDS.get(text)
    if word is None or current() == "en":
        return text
    return _(word)


def source_place(source: str, section: object) -> str:
    """Where a row comes from, as a citation says it: 'lu2025 §1.1', 'lu2025, abstract'."""
    where, text = source_name(source), section_words(section)
    if not text:
        return where
    if text[:1].isdigit():
        return f"{where} §{text}"
    return _("{source}, {section}").format(source=where, section=text)
