"""HTML for the explorer's views: pure functions from library values to escaped markup.

Every value that reaches HTML goes through :func:`esc`: data and user input are shown as
text, never run.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd

VERDICT_COLOURS = {  # Okabe–Ito, with the verdict also written out (never colour alone)
    "recommended": "#009E73",
    "consider": "#0072B2",
    "controversial": "#E69F00",
    "investigational": "#CC79A7",
    "not_recommended": "#D55E00",
}
AGREEMENT_COLOURS = {
    "agrees": "#009E73",
    "differs": "#D55E00",
    "subgroup_only": "#E69F00",
    "not_in_primary_abstract": "#56B4E9",
    "primary_not_found": "#999999",
    "not_checked": "#BBBBBB",
}
HEADER = (
    "<h2 class='pnen-title'>pnen-explorer</h2><div class='pnen-muted'>Evidence on treating "
    "pancreatic neuroendocrine neoplasms with liver metastases, as two 2025 reviews report it. "
    "For research and teaching; <b>not clinical decision support</b>.</div>"
)


def esc(value: object) -> str:
    """Escape any value for HTML; ``None`` and NaN become empty.

    >>> esc("<script>")
    '&lt;script&gt;'
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def badge(text: str, colour: str, kind: str = "") -> str:
    """A coloured label that also says its meaning in words."""
    classes = f"pnen-badge {kind}".strip()
    return (
        f'<span class="{classes}" style="background:{colour}">{esc(text.replace("_", " "))}</span>'
    )


def verdict_badge(verdict: str) -> str:
    return badge(verdict, VERDICT_COLOURS.get(verdict, "#666"), "pnen-verdict")


def agreement_badge(agreement: str) -> str:
    return badge(agreement, AGREEMENT_COLOURS.get(agreement, "#666"))


def doi_link(doi: object) -> str:
    """A DOI as a link that opens in a new tab; empty for no DOI."""
    if not isinstance(doi, str) or not doi:
        return ""
    return f"<a href='https://doi.org/{esc(doi)}' target='_blank' rel='noopener'>{esc(doi)}</a>"


def notices(errors: Iterable[str] = (), notes: Iterable[str] = ()) -> str:
    """Errors (role=alert) above notes (role=status)."""
    return "".join(
        [f'<div class="pnen-error" role="alert">{esc(t)}</div>' for t in errors]
        + [f'<div class="pnen-notice" role="status">{esc(t)}</div>' for t in notes]
    )


def grade_line(grade: str | None) -> str:
    return (
        "<div class='pnen-grade-line'>WHO 2022 grade: <b class='pnen-grade'>"
        f"{esc(grade) if grade else 'unknown'}</b></div>"
    )


def help_text(text: str) -> str:
    return f"<div class='pnen-help'>{esc(text)}</div>"


def case_link(query: str, summary: str) -> str:
    return (
        f"<a href='{esc(query)}' target='_blank' class='pnen-share'>Link to this case</a> "
        f"<span class='pnen-muted'>{esc(summary)}</span>"
    )


def _cell(column: str, value: object) -> str:
    if column == "doi":
        return doi_link(value)
    if column == "agreement" and isinstance(value, str) and value:
        return agreement_badge(value)
    if isinstance(value, tuple):
        value = ", ".join(map(str, value))
    elif isinstance(value, float):
        value = "" if pd.isna(value) else f"{value:g}"
    return esc(value)


def table(frame: pd.DataFrame | None, empty: str = "No rows for this patient.") -> str:
    """An HTML table of any frame, every cell escaped; DOIs become links."""
    if frame is None or frame.empty:
        return f"<p class='pnen-muted'>{esc(empty)}</p>"
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{_cell(c, v)}</td>" for c, v in zip(frame.columns, row, strict=True))
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<div class='pnen-scroll'><table class='pnen'><tr>{head}</tr>{body}</table></div>"


def treatments(guidance: pd.DataFrame, summary: str) -> str:
    """The guidance as a table: therapy, verdict, reasons with their citations, row count."""
    rows = []
    for item in guidance.itertuples():
        reasons = "".join(
            f"<li>{esc(reason)} <span class='pnen-cite'>{esc(cite)}</span></li>"
            for reason, cite in zip(item.reasons, item.citations, strict=False)
        )
        rows.append(
            f"<tr class='pnen-therapy' data-therapy='{esc(item.therapy)}'>"
            f"<td><b>{esc(item.therapy)}</b></td><td>{verdict_badge(item.verdict)}</td>"
            f"<td><ul>{reasons}</ul></td><td>{len(item.evidence_ids)}</td></tr>"
        )
    return (
        f"<p class='pnen-muted'>What the reviews support for: <b>{esc(summary)}</b>. Open the "
        "Evidence tab and pick a therapy to see its rows.</p><table class='pnen "
        "pnen-treatments'><tr><th>Therapy</th><th>Verdict</th><th>Why (section, references)</th>"
        "<th>Evidence rows</th></tr>" + "".join(rows) + "</table>"
    )


def references(cited: pd.DataFrame) -> str:
    """The cited references with links to their DOIs."""
    rows = "".join(
        f"<tr><td>{r.ref_no}</td><td>{esc(r.authors)}</td><td>{r.year}</td>"
        f"<td>{esc(r.title)}</td><td>{esc(r.journal)}</td><td>{doi_link(r.doi)}</td></tr>"
        for r in cited.itertuples()
    )
    return (
        f"<p class='pnen-muted'>{len(cited)} references cited by the evidence that fits "
        "this patient.</p><table class='pnen'><tr><th>No.</th><th>Authors</th>"
        f"<th>Year</th><th>Title</th><th>Journal</th><th>DOI</th></tr>{rows}</table>"
    )
