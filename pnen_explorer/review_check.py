"""Review figures beside the primary-publication figures that check them.

A narrative review compresses: a figure can come from a subgroup or lose its comparator. This
view puts each checked review row next to what the primary publication itself reports.
"""

from __future__ import annotations

import pandas as pd

from pnen_explorer.wording import figure_summary


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
                "review_figure": figure_summary(row),
                "agreement": row["agreement"],
                "agreement_note": row["agreement_note"],
                "primary_ids": () if found is None else tuple(found["evidence_id"]),
                "primary_figures": ""
                if found is None
                else "; ".join(
                    f"{p['study_name']}: {figure_summary(p)}" for _, p in found.iterrows()
                ),
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
    return "; ".join(f"{p['study_name']}: {figure_summary(p)}" for _, p in found.iterrows())
