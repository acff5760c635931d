"""Exports people take away: the evidence table as CSV, the cited references as BibTeX and RIS.

Every function here is pure: it returns the text of a download and does nothing else, so a
page can build a download only when someone asks for it.

CSV may be opened in a spreadsheet. Every text cell is quoted, and wherever a spreadsheet could
start a cell (the cell's start, or after a ``,``, ``;``, tab or line break inside it, whichever
separator it splits on) a leading ``= + - @`` is made inert with an apostrophe. Lists go back to
the contract's ';'-separated form, so an exported table validates again.

BibTeX and RIS are written with bibtexparser and rispy. Authors are "Family, Initials"
(``Öberg, K.``), the list's "et al." becomes BibTeX's ``others``, cite keys are ASCII
(``Oberg2020_ref62``), and the two source reviews come first, keyed by their ids in the data
(``lu2025``, ``xue2025``).
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pnen_explorer.data import LIST_COLUMNS, package_descriptor, table_schema

EXCEL_BOM = "\ufeff"
"""Byte-order mark that makes Excel read a CSV file as UTF-8 (``bom=True``)."""

FORMULA_CHARS = "=+-@"
"""A spreadsheet evaluates a cell that starts with one of these (after blanks and quotes)."""

CELL_BREAKS = ",;\t\r\n"
"""Where a spreadsheet may start a new cell: the separators it may split on, and line breaks."""

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_CELL_START = re.compile(
    rf"(?:^|[{re.escape(CELL_BREAKS)}])[\s\"]*(?=[{re.escape(FORMULA_CHARS)}])"
)


def _is_number(text: str) -> bool:
    """A plain decimal number, which a spreadsheet reads as data (``-5``, ``+1e-3``)."""
    return _NUMBER.fullmatch(text.strip()) is not None


def neutralise_formula(cell: str, *, numbers: bool = True) -> str:
    """Make inert every place where a spreadsheet could read ``cell`` as a formula.

    A ``= + - @`` that starts the cell, or follows a ``,``, ``;``, tab or line break inside it
    (with only blanks or quotes between), gets an apostrophe before it. A cell that is a plain
    number ("-5") stays as it is unless ``numbers`` is false (for a row's first cell, where
    every separator starts a cell and the rest of the row follows). A cell starting with a tab
    or a carriage return is prefixed too.

    >>> neutralise_formula("=1+1")
    "'=1+1"
    >>> neutralise_formula("x;=cmd|' /C calc'!A0")
    "x;'=cmd|' /C calc'!A0"
    >>> neutralise_formula("-5"), neutralise_formula("-5", numbers=False)
    ('-5', "'-5")
    """
    if not cell or (numbers and _is_number(cell)):
        return cell
    text = _CELL_START.sub(lambda found: found.group() + "'", cell)
    return "'" + text if text.startswith(("\t", "\r")) else text


def formula_cells(text: str) -> list[str]:
    r"""Cells of CSV ``text`` that a spreadsheet would evaluate, whichever separator it uses.

    The text is split at every ``,``, ``;``, tab and line break, quoted or not: each piece
    starts where some reading of the file could start a cell (a reader that honours quotes
    starts cells at a subset of these places), and is looked at without its leading blanks
    and quotes. Empty for every text this module writes.

    >>> formula_cells('"a","=1"\r\n')
    ['=1']
    >>> formula_cells('"x;\'=1",-5\r\n')
    []
    """
    found: list[str] = []
    for piece in re.split(rf"[{re.escape(CELL_BREAKS)}]", text.removeprefix(EXCEL_BOM)):
        cell = _cell_text(piece)
        if _evaluated(cell) and cell not in found:
            found.append(cell)
    return found


def _cell_text(cell: str) -> str:
    """What a spreadsheet looks at: the cell without leading blanks and stray quotes."""
    return cell.strip().strip('"').strip()


def _evaluated(text: str) -> bool:
    return text[:1] in tuple(FORMULA_CHARS) and not _is_number(text)


class _Number(float):
    """A figure as CSV writes it: unquoted, integers without '.0', others exactly (repr)."""

    def __str__(self) -> str:
        return str(int(self)) if self.is_integer() else repr(float(self))


def _csv_cell(value, first: bool = False):
    """One cell for ``csv.writer`` under QUOTE_NONNUMERIC: numbers as ``_Number``, text inert.

    A negative number that starts a row is written as inert text (see ``neutralise_formula``).
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        if math.isnan(value):
            return None  # written as an empty cell: a missing figure
        if math.isfinite(value) and not (first and value < 0):
            return _Number(value)
    return neutralise_formula(
        str(_Number(value) if isinstance(value, float) else value), numbers=not first
    )


def table_csv(frame: pd.DataFrame, *, bom: bool = False) -> str:
    """Any table as CSV text that no spreadsheet turns into formulas.

    Text cells are quoted and neutralised (see ``neutralise_formula``), numbers are written
    unquoted and exactly, missing cells are empty. Rows end in CRLF (RFC 4180). With ``bom``
    the text starts with a UTF-8 byte-order mark, so Excel reads accents and Chinese right.

    >>> print(*table_csv(pd.DataFrame({"a": ["x;=1", "y"], "b": [2.0, -0.5]})).splitlines())
    "a","b" "x;'=1",2 "y",-0.5
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(
        [neutralise_formula(str(c), numbers=i > 0) for i, c in enumerate(frame.columns)]
    )
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v, i == 0) for i, v in enumerate(row)])
    return (EXCEL_BOM if bom else "") + buffer.getvalue()


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
    return out


def evidence_csv(
    evidence: pd.DataFrame, extra: Iterable[str] = ("match", "why"), *, bom: bool = False
) -> str:
    """The (matched) evidence table as CSV text with every provenance column.

    ``extra`` names columns beyond the contract to keep (e.g. ``origin``); ``bom=True`` gives
    the variant for Excel. The text loads again with ``load_evidence`` (see ``table_csv``).
    """
    return table_csv(_csv_frame(evidence, extra), bom=bom)


def write_csv_atomically(table: str | pd.DataFrame, path: str | Path, *, bom: bool = False) -> Path:
    """Write a CSV to ``path`` through a temporary file and a rename.

    ``table`` is CSV text (e.g. from ``evidence_csv``) or a DataFrame (written by
    ``table_csv``, with ``bom`` as there). Text holding a cell a spreadsheet would evaluate is
    refused with a ``ValueError``. An interrupted write leaves the previous file whole. The
    curated ``data/`` files are never a target: a user's table always goes to a file of its own.
    """
    from pnen_explorer.data import data_dir

    text = table_csv(table, bom=bom) if isinstance(table, pd.DataFrame) else table
    unsafe = formula_cells(text)
    if unsafe:
        raise ValueError(
            f"refusing to write cells a spreadsheet would evaluate (first: {unsafe[0][:40]!r}); "
            "write the table with evidence_csv or table_csv"
        )
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


# --- references --------------------------------------------------------------------------------


def cited_references(evidence: pd.DataFrame, references: pd.DataFrame) -> pd.DataFrame:
    """The references that the given evidence rows cite, in reference-number order."""
    cited = {n for refs in evidence["ref_nos"] for n in refs}
    return references[references["ref_no"].isin(cited)].sort_values("ref_no")


@dataclass(frozen=True)
class Author:
    """One author as a reference list prints it: ``Ali H`` is family "Ali", initials "H"."""

    family: str
    initials: str = ""

    @property
    def given(self) -> str:
        """The initials spelt out for reference managers: "AJB" → "A. J. B."."""
        return " ".join(f"{i}." for i in self.initials)

    def __str__(self) -> str:
        """ "Family, Initials": what BibTeX and RIS read as family name and given names."""
        return f"{self.family}, {self.given}" if self.initials else self.family


_INITIALS = re.compile(r"[A-Z\u00c0-\u00de]{1,4}")


def parse_authors(text: str) -> tuple[list[Author], bool]:
    """The authors of a Vancouver-style list, and whether it ends in "et al.".

    >>> parse_authors("Öberg K, van Houten D, McEwan AJB, et al.")
    ([Author(family='Öberg', initials='K'), Author(family='van Houten', initials='D'), \
Author(family='McEwan', initials='AJB')], True)
    >>> parse_authors("Barthet M.")
    ([Author(family='Barthet', initials='M')], False)
    """
    parts = [p.strip() for p in str(text).strip().rstrip(".").split(",") if p.strip()]
    others = bool(parts) and parts[-1].rstrip(".").lower() == "et al"
    if others:
        parts = parts[:-1]
    authors = []
    for part in parts:
        *family, last = part.split()
        if family and _INITIALS.fullmatch(last.rstrip(".")):
            authors.append(Author(" ".join(family), last.rstrip(".")))
        else:  # a group author or a name without initials: all of it is the family name
            authors.append(Author(part))
    return authors, others


_ASCII_FALLBACK = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ı": "i"}
)  # fmt: skip


def ascii_letters(text: str) -> str:
    """The ASCII letters of ``text``, accents taken off (for cite keys).

    >>> ascii_letters("Öberg"), ascii_letters("Garcia-Alvarez"), ascii_letters("Kiliç")
    ('Oberg', 'GarciaAlvarez', 'Kilic')
    """
    decomposed = unicodedata.normalize("NFKD", str(text).translate(_ASCII_FALLBACK))
    return re.sub(r"[^A-Za-z]", "", decomposed.encode("ascii", "ignore").decode())


@dataclass(frozen=True)
class Citation:
    """One work to export, in the fields BibTeX and RIS share."""

    key: str
    authors: tuple[Author, ...]
    others: bool
    title: str
    journal: str
    year: int
    doi: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    note: str = ""


_SOURCE_TITLE = re.compile(
    r"(?P<authors>[^.]+)\.\s+(?P<title>.+?)\.\s+(?P<journal>[^.;]+?)\s+(?P<year>\d{4});"
    r"(?P<volume>[^(:]+)(?:\((?P<issue>[^)]+)\))?:(?P<pages>[^.\s]+)\.?"
)


def source_citations(ids: Iterable[str] | None = None) -> list[Citation]:
    """The reviews the data come from (the Data Package's ``sources``), keyed by their ids.

    >>> [(c.key, c.journal, c.volume, c.issue, c.pages) for c in source_citations()]
    [('lu2025', 'Chin J Gen Surg', '34', '3', '555-562'), \
('xue2025', 'Front Endocrinol (Lausanne)', '16', '', '1601185')]
    """
    wanted = None if ids is None else set(ids)
    citations = []
    for source in package_descriptor().get("sources", []):
        if wanted is not None and source["id"] not in wanted:
            continue
        found = _SOURCE_TITLE.fullmatch(source["title"].strip())
        if found is None:
            raise ValueError(f"cannot read the citation of source {source['id']!r}")
        authors, others = parse_authors(found["authors"])
        doi = re.sub(r"^https?://(dx\.)?doi\.org/", "", source.get("path", ""))
        citations.append(
            Citation(
                key=source["id"],
                authors=tuple(authors),
                others=others,
                title=found["title"],
                journal=found["journal"],
                year=int(found["year"]),
                doi=doi,
                volume=found["volume"].strip(),
                issue=found["issue"] or "",
                pages=found["pages"],
                note="Source review of the pnen-explorer evidence table",
            )
        )
    return citations


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def reference_citations(references: pd.DataFrame) -> list[Citation]:
    """The numbered references of lu2025 as citations; ``volume``, ``issue`` and ``pages``
    are taken where the table has such columns and cells."""
    citations = []
    for row in references.to_dict("records"):
        authors, others = parse_authors(row["authors"])
        family = ascii_letters(authors[0].family) if authors else ""
        citations.append(
            Citation(
                key=f"{family or 'ref'}{row['year']}_ref{row['ref_no']}",
                authors=tuple(authors),
                others=others,
                title=_text(row["title"]),
                journal=_text(row["journal"]),
                year=int(row["year"]),
                doi=_text(row.get("doi")),
                volume=_text(row.get("volume")),
                issue=_text(row.get("issue")),
                pages=_text(row.get("pages")),
                note=f"Reference {row['ref_no']} of Lu et al. 2025 (lu2025)",
            )
        )
    return citations


def _citations(references: pd.DataFrame, sources: Iterable[str] | None) -> list[Citation]:
    chosen = [] if sources is not None and not list(sources) else source_citations(sources)
    return chosen + reference_citations(references)


_BIB_SPECIAL = re.compile(r"([&%$#_{}])")


def _bib(text: str) -> str:
    """Text for a BibTeX field: LaTeX's special characters escaped, blanks made single."""
    text = " ".join(str(text).split()).replace("\\", r"\textbackslash ")
    return (
        _BIB_SPECIAL.sub(r"\\\1", text)
        .replace("~", r"\textasciitilde ")
        .replace("^", r"\textasciicircum ")
    )


def references_bibtex(references: pd.DataFrame, sources: Sequence[str] | None = None) -> str:
    """BibTeX (UTF-8) ``@article`` entries: the source reviews, then the given references.

    ``sources`` picks source reviews by id (default: all of them; ``()`` for none). Titles are
    kept as printed (braced against a style's case changes).
    """
    from bibtexparser import BibtexFormat, write_string
    from bibtexparser.library import Library
    from bibtexparser.model import Entry, Field

    library = Library()
    for cite in _citations(references, sources):
        names = [_bib(str(a)) for a in cite.authors] + (["others"] if cite.others else [])
        fields = {
            "author": " and ".join(names),
            "title": "{" + _bib(cite.title) + "}",
            "journal": _bib(cite.journal),
            "year": str(cite.year),
            "volume": _bib(cite.volume),
            "number": _bib(cite.issue),
            "pages": _bib(cite.pages).replace("-", "--"),
            "doi": _bib(cite.doi),
            "note": _bib(cite.note),
        }
        entry = Entry("article", cite.key, [Field(k, v) for k, v in fields.items() if v])
        library.add(entry)
    layout = BibtexFormat()
    layout.indent = "  "
    layout.block_separator = "\n"
    text = write_string(library, bibtex_format=layout).strip()
    return text + "\n" if text else ""


def references_ris(references: pd.DataFrame, sources: Sequence[str] | None = None) -> str:
    """RIS records (``TY  - JOUR``), for reference managers: the source reviews, then the
    given references. ``AU`` lines are "Family, Initials"; ``sources`` as in BibTeX."""
    import rispy
    from rispy.writer import RisWriter

    class Writer(RisWriter):
        def set_header(self, count: int) -> str:
            return ""  # no "1." line before each record: not part of RIS

    records = []
    for cite in _citations(references, sources):
        first, _, last = cite.pages.partition("-")
        notes = [cite.note]
        if cite.others:
            notes.append("Further authors not listed (et al. in the reference list)")
        record = {
            "type_of_reference": "JOUR",
            "id": cite.key,
            "authors": [str(a) for a in cite.authors],
            "title": cite.title,
            "secondary_title": cite.journal,
            "journal_name": cite.journal,
            "year": str(cite.year),
            "volume": cite.volume,
            "number": cite.issue,
            "start_page": first,
            "end_page": last,
            "doi": cite.doi,
            "urls": [f"https://doi.org/{cite.doi}"] if cite.doi else [],
            "notes": notes,
        }
        records.append(
            {k: (" ".join(v.split()) if isinstance(v, str) else v) for k, v in record.items() if v}
        )
    return rispy.dumps(records, implementation=Writer)
