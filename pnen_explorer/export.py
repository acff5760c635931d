"""Exports people take away: the evidence table as CSV, the cited references as BibTeX and RIS.

Exported text may be opened in a spreadsheet, so a cell that starts like a formula is
neutralised; lists go back to the contract's ';'-separated form, so an export validates again.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pnen_explorer.data import LIST_COLUMNS, table_schema

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(cell: str) -> str:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    Numbers stay numbers ("-5" is data, not a formula), everything else starting with
    ``= + - @`` or a tab/carriage return is made inert.
    """
    if not cell or not cell.startswith(FORMULA_START):
        return cell
    try:
        float(cell)
    except ValueError:
        return "'" + cell
    return cell


def _csv_frame(evidence: pd.DataFrame, extra: Iterable[str] = ()) -> pd.DataFrame:
    """The evidence back in the contract's columns and text form, plus any ``extra`` columns."""
    columns = [f["name"] for f in table_schema("evidence")["fields"]]
    columns += [c for c in extra if c in evidence.columns and c not in columns]
    out = evidence.reindex(columns=columns).copy()
    for col in LIST_COLUMNS:
        out[col] = [";".join(map(str, cell)) if cell else "" for cell in out[col]]
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), "").astype(str)
            out[col] = out[col].map(neutralise_formula)
    return out


def evidence_csv(evidence: pd.DataFrame, extra: Iterable[str] = ("match", "why")) -> str:
    """The (matched) evidence table as CSV text with every provenance column.

    Rows end in CRLF (RFC 4180), so a cell holding a lone carriage return is quoted too;
    unquoted, a spreadsheet would start a new row there, and the next cell could be a formula.
    """
    frame = _csv_frame(evidence, extra)
    return frame.to_csv(index=False, float_format="%g", lineterminator="\r\n")


def write_csv_atomically(text: str, path: str | Path) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    An interrupted write leaves the previous file whole. The curated ``data/evidence.csv`` is
    never a target: a user's table always goes to a file of its own.
    """
    from pnen_explorer.data import data_dir

    target = Path(path).resolve()
    if target.parent == data_dir().resolve():
        raise ValueError(f"{target} is curated data; save your table to a new file")
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def cited_references(evidence: pd.DataFrame, references: pd.DataFrame) -> pd.DataFrame:
    """The references that the given evidence rows cite, in reference-number order."""
    cited = {n for refs in evidence["ref_nos"] for n in refs}
    return references[references["ref_no"].isin(cited)].sort_values("ref_no")


def _first_author_key(row) -> str:
    surname = re.sub(r"[^A-Za-z]", "", str(row.authors).split(" ")[0]) or "ref"
    return f"{surname}{row.year}_ref{row.ref_no}"


def _bib_escape(text: str) -> str:
    return re.sub(r"([{}\\&%$#_])", r"\\\1", str(text))


def references_bibtex(references: pd.DataFrame) -> str:
    """BibTeX entries (``@article``) for the given references."""
    entries = []
    for row in references.itertuples():
        fields = {
            "author": row.authors.replace(", et al.", " and others").replace(", ", " and "),
            "title": row.title,
            "journal": row.journal,
            "year": str(row.year),
            "doi": row.doi,
            "note": f"Reference {row.ref_no} of Lu et al. 2025",
        }
        body = ",\n".join(f"  {k} = {{{_bib_escape(v)}}}" for k, v in fields.items() if v)
        entries.append(f"@article{{{_first_author_key(row)},\n{body}\n}}")
    return "\n\n".join(entries) + "\n"


def references_ris(references: pd.DataFrame) -> str:
    """RIS records (``TY  - JOUR``) for the given references, for reference managers."""
    records = []
    for row in references.itertuples():
        authors = [a.strip() for a in row.authors.replace("et al.", "").split(",") if a.strip()]
        lines = ["TY  - JOUR", *(f"AU  - {a}" for a in authors)]
        lines += [f"TI  - {row.title}", f"JO  - {row.journal}", f"PY  - {row.year}"]
        if row.doi:
            lines.append(f"DO  - {row.doi}")
        lines += [f"N1  - Reference {row.ref_no} of Lu et al. 2025", "ER  - "]
        records.append("\n".join(lines))
    return "\n\n".join(records) + "\n"
