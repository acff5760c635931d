"""Review figures beside the primary-publication figures that check them.

A narrative review compresses: a figure can come from a subgroup or lose its comparator. This
view puts each checked review row next to what the primary publication itself reports.
"""

from __future__ import annotations

import pandas as pd


def figure_text(row: pd.Series) -> str:
    """A row's figure in words: '22 months vs 12 (p 0.027)', '30–80 %', or 'no figure'."""

    def fmt(x: float) -> str:
        return f"{x:g}"

    unit = {"percent": " %", "months": " months", "years": " years", "mg/day": " mg/day"}.get(
        str(row.get("unit")), ""
    )
    if pd.notna(row.get("value")):
        text = fmt(row["value"]) + unit
    elif pd.notna(row.get("value_low")):
        text = f"{fmt(row['value_low'])}–{fmt(row['value_high'])}{unit}"
    else:
        text = ""
    if pd.notna(row.get("comparator_value")):
        text += f" vs {fmt(row['comparator_value'])}"
    if pd.notna(row.get("hr")):
        ci = ""
        if pd.notna(row.get("hr_ci_low")):
            ci = f", 95% CI {fmt(row['hr_ci_low'])}–{fmt(row['hr_ci_high'])}"
        text += f"{'; ' if text else ''}HR {fmt(row['hr'])}{ci}"
    if row.get("p_value"):
        text += f" (p {row['p_value']})"
    return text or "no figure (finding in words)"


def review_vs_primary(evidence: pd.DataFrame) -> pd.DataFrame:
    """One line per review row that was checked: its figure, the agreement, and the primary
    figures (with study and DOI/PMID) that check it."""
    review = evidence[(evidence["source"] != "primary") & evidence["agreement"].notna()]
    review = review[review["agreement"] != "not_checked"]
    primary = evidence[evidence["checks_evidence_id"] != ""]
    checks = primary.groupby("checks_evidence_id")
    lines = []
    for _, row in review.iterrows():
        found = (
            checks.get_group(row["evidence_id"]) if row["evidence_id"] in checks.groups else None
        )
        lines.append(
            {
                "evidence_id": row["evidence_id"],
                "section": row["section"],
                "therapy": row["therapy"],
                "outcome": row["outcome"],
                "review_figure": figure_text(row),
                "agreement": row["agreement"],
                "agreement_note": row["agreement_note"],
                "primary_ids": () if found is None else tuple(found["evidence_id"]),
                "primary_figures": ""
                if found is None
                else "; ".join(f"{p['study_name']}: {figure_text(p)}" for _, p in found.iterrows()),
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
