"""HTML for the explorer's views: pure functions from library values to escaped markup.

Every value that reaches HTML goes through :func:`esc`: data and user input are shown as
text, never run.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

import pandas as pd

from pnen_explorer.i18n import N_, _, current
from pnen_explorer.review_check import source_place
from pnen_explorer.translations import content, evidence_text, site_tag, term

BADGE_TEXT = "#FFFFFF"
VERDICT_COLOURS = {  # Okabe–Ito hues, darkened to carry white text at 4.5:1 or more
    "recommended": "#00704F",
    "consider": "#0069A6",
    "controversial": "#8A5A00",
    "investigational": "#9B3F78",
    "not_recommended": "#B3361F",
}
"""The verdict's background; the verdict is always written out too (never colour alone)."""
AGREEMENT_COLOURS = {
    "agrees": "#00704F",
    "partly_agrees": "#5F6B00",
    "differs": "#B3361F",
    "subgroup_only": "#8A5A00",
    "not_in_primary_abstract": "#0069A6",
    "primary_not_found": "#595959",
    "not_checked": "#6B6B6B",
}
AGREEMENT_WORDS = {
    "agrees": N_("agrees"),
    "partly_agrees": N_("partly agrees"),
    "differs": N_("differs"),
    "subgroup_only": N_("subgroup only"),
    "not_in_primary_abstract": N_("not in the primary abstract"),
    "primary_not_found": N_("primary publication not found"),
    "not_checked": N_("not checked"),
}
"""How the check against the primary publication reads in a badge."""


def header() -> str:
    """The page's heading; in presenter mode only its first line shows (the plots need the
    room)."""
    return (
        "<h2 class='pnen-title'>pnen-explorer <span class='pnen-caution'>· "
        + esc(_("for research and teaching, not clinical decision support"))
        + "</span></h2><div class='pnen-muted pnen-intro'>"
        + esc(
            _(
                "Evidence on treating pancreatic neuroendocrine neoplasms with liver metastases,"
                " as two 2025 reviews report it."
            )
        )
        + "</div>"
    )


def english(text: str) -> str:
    """Text that stays in English whatever the page's language (a paper's title, its
    authors, a study's name), marked so for screen readers and translation checks."""
    return f"<span lang='en'>{esc(text)}</span>" if text else ""


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two '#RRGGBB' colours (1 to 21; text needs 4.5).

    >>> round(contrast_ratio("#FFFFFF", "#000000"), 1)
    21.0
    """

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


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
        f'<span class="{classes}" style="background:{colour};color:{BADGE_TEXT}">'
        f"{esc(text.replace('_', ' '))}</span>"
    )


def verdict_badge(verdict: str) -> str:
    """A verdict as a coloured label, in the page's language (the glossary's word)."""
    colour = VERDICT_COLOURS.get(verdict, "#666")
    return badge(term(verdict, current(), "verdict"), colour, "pnen-verdict")


def agreement_badge(agreement: str) -> str:
    word = AGREEMENT_WORDS.get(agreement)
    return badge(_(word) if word else agreement, AGREEMENT_COLOURS.get(agreement, "#666"))


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
    said, shown = _("WHO 2022 grade:"), grade or _("unknown")
    return f"<div class='pnen-grade-line'>{esc(said)} <b class='pnen-grade'>{esc(shown)}</b></div>"


def help_text(text: str) -> str:
    return f"<div class='pnen-help'>{esc(text)}</div>"


def case_link(query: str, summary: str) -> str:
    link = _("Link to this case")
    return (
        f"<a href='{esc(query)}' target='_blank' class='pnen-share'>"
        f"{esc(link)}</a> "
        f"<span class='pnen-muted pnen-share-summary'>{esc(summary)}</span>"
    )


SHORT = 6
"""A cell of at most this many characters is kept on one line: a table squeezed by a long
note must not break a two-character Chinese word such as 引言 into one character a line."""


def _fit(value: object) -> str:
    return " class='pnen-nowrap'" if isinstance(value, str) and len(value) <= SHORT else ""


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


def muted(text: str) -> str:
    """A quiet paragraph (an empty result, an aside), escaped."""
    return f"<p class='pnen-muted'>{esc(text)}</p>"


def table(
    frame: pd.DataFrame | None, empty: str | None = None, kinds: Mapping[str, str] | None = None
) -> str:
    """An HTML table of any frame, every cell escaped; DOIs become links, agreement codes
    badges. ``kinds`` names the kind of a column whose heading is in words (heading -> key)."""
    if frame is None or frame.empty:
        return muted(empty or _(NO_ROWS))
    region = _("table")
    keys = [(kinds or {}).get(c, c) for c in frame.columns]
    head = "".join(f"<th{_fit(c)}>{esc(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td{_fit(v)}>{_cell(k, v)}</td>" for k, v in zip(keys, row, strict=True))
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (
        f"<div class='pnen-scroll' tabindex='0' role='region' aria-label='{esc(region)}'>"
        f"<table class='pnen'><tr>{head}</tr>{body}</table></div>"
    )


EVIDENCE_DETAILS = (
    ("statement", N_("Statement")),
    ("note", N_("Note")),
    ("evidence_id", N_("Row")),
    ("section", N_("Section")),
    ("ref_nos", N_("References")),
    ("study_name", N_("Study")),
    ("doi", "DOI"),
    ("pmid", "PMID"),
    ("agreement", N_("Checked against the primary publication")),
    ("agreement_note", N_("What the check found")),
    ("origin", N_("Origin")),
)
NO_ROWS = N_("No rows for this patient.")
ORIGINS = {"curated": N_("curated"), "user": N_("yours")}
"""Where an Evidence row comes from, in words."""
"""What an Evidence row shows when opened: everything a reader may want after the first look."""


def _detail(row: dict, column: str) -> str:
    """One line of an opened Evidence row, in the page's language."""
    if column in ("statement", "note", "agreement_note"):
        return esc(evidence_text(row, column, current()))
    if column == "study_name":  # a trial's name stays as it is: marked English
        name = evidence_text(row, column, current())
        return english(name) if name == (row.get(column) or "") else esc(name)
    if column == "origin":
        word = ORIGINS.get(row.get("origin") or "")
        return esc(_(word)) if word else _cell(column, row.get(column))
    return _cell(column, row.get(column))


def evidence_table(rows: pd.DataFrame, designs: dict[str, str]) -> str:
    """The Evidence tab's table: what a person reads first, the rest one click away.

    Columns: therapy, the figure in words, population with its site tag, design, source, and
    for rows that do not fit the patient, why. ``rows`` carries a ``figure`` column.
    """
    if rows.empty:
        return muted(_(NO_ROWS))
    lang, no_therapy, more = current(), _("no therapy (epidemiology)"), _("more")
    why = bool((rows["match"] == "excluded").any())
    widths = (15, 24, 29, 13, 19) if not why else (13, 20, 22, 11, 15, 19)
    titles = (_("Therapy"), _("Figure"), _("Population"), _("Design"), _("Source"), _("Why not"))
    head = "".join(
        f"<th scope='col' style='width:{w}%'>{esc(t)}</th>"
        for t, w in zip(titles, widths, strict=False)
    )
    body = []
    for row in rows.to_dict("records"):
        tag = site_tag(row.get("tumour_site", ""), lang)
        refs = ", ".join(map(str, row["ref_nos"]))
        source = source_place(row["source"], row["section"]) + (
            _(", refs {refs}").format(refs=refs) if refs else ""
        )
        details = "".join(
            f"<dt>{esc(heading)}</dt><dd>{_detail(row, column)}</dd>"
            for column, heading in ((c, _(label)) for c, label in EVIDENCE_DETAILS)
            if _cell(column, row.get(column))
        )
        cells = [
            f"<b>{esc(term(row['therapy'], lang, 'therapy'))}</b>"
            if row["therapy"]
            else f"<span class='pnen-muted'>{esc(no_therapy)}</span>",
            f"{esc(row['figure'])}<details><summary>{esc(more)}</summary>"
            f"<dl>{details}</dl></details>",
            esc(evidence_text(row, "population", lang))
            + (f" <span class='pnen-tag'>{esc(tag)}</span>" if tag else ""),
            esc(designs.get(row["study_design"], row["study_design"])),
            esc(source),
        ]
        if why:
            cells.append(esc(content(row["why"], lang)) if row["match"] == "excluded" else "")
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    caption = _("{count} rows").format(count=len(rows))
    return (
        "<table class='pnen pnen-evidence'><caption class='pnen-muted'>"
        f"{esc(caption)}</caption><tr>{head}</tr>{''.join(body)}</table>"
    )


def references(cited: pd.DataFrame) -> str:
    """The cited references with links to their DOIs (bibliographic data stays as published)."""
    rows = "".join(
        f"<tr><td>{r.ref_no}</td><td>{english(r.authors)}</td><td>{r.year}</td>"
        f"<td>{english(r.title)}</td><td>{english(r.journal)}</td><td>{doi_link(r.doi)}</td></tr>"
        for r in cited.itertuples()
    )
    intro = _("{count} references cited by the evidence that fits this patient.").format(
        count=len(cited)
    )
    heads = (_("No."), _("Authors"), _("Year"), _("Title"), _("Journal"), "DOI")
    head = "".join(f"<th>{esc(h)}</th>" for h in heads)
    return muted(intro) + f"<table class='pnen pnen-references'><tr>{head}</tr>{rows}</table>"
