"""Load the evidence tables and hold them to the published data contract.

The contract is ``data/datapackage.json`` (a Frictionless Data Package). Frictionless checks
types, enums, ranges, required cells and unique ids; this module adds what a Table Schema
cannot say (a percent over 100, a range whose low end is above its high end, a reference
number that is not in the reference list) and turns every fault into a message that names
the file, the row, the line, the column, the value and what was expected.

Fault texts are written in the language spoken where the file is checked (English for the
command line, the page's language for an upload); their structure is the same in both.

Evidence columns (see ``datapackage.json`` for all of them):

===================  =====================================================================
evidence_id          stable id, e.g. ``lu2025-017``
source               ``lu2025``, ``xue2025`` or ``primary``
section, ref_nos     where the figure stands; ``ref_nos`` is parsed to a tuple of int
therapy, outcome     what was given and what was measured
value, value_low,    the figure (floats, NaN when absent); a single figure has
value_high, unit     ``value == value_low == value_high``
grades, liver_types  applicability lists, parsed to tuples of str (empty = not restricted)
statement, note      one sentence in the project's words, and caveats
===================  =====================================================================
"""

from __future__ import annotations

import csv
import errno
import json
import math
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from pnen_explorer.errors import PnenError
from pnen_explorer.i18n import N_, _, current, ngettext

MAX_FAULTS = 50
"""Report at most this many faults of one file: enough to see a pattern, short enough to read."""

LIST_COLUMNS = {"ref_nos": int, "grades": str, "liver_types": str}
"""Columns holding ';'-separated lists, and the type of their items."""


@dataclass(frozen=True)
class Fault:
    """One thing wrong with one cell (or row, or file), said so a person can fix it."""

    file: str
    expected: str
    row: int | None = None
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None and self.line:
            where.append(_("row {row} (line {line})").format(row=self.row, line=self.line))
        elif self.row is not None:
            where.append(_("row {row}").format(row=self.row))
        elif self.line is not None:
            where.append(_("line {line}").format(line=self.line))
        if self.column:
            where.append(_("column '{column}'").format(column=self.column))
        place = ("，" if current() == "zh" else ", ").join(where)
        if self.value is None:
            return _("{where}: expected {expected}").format(where=place, expected=self.expected)
        return _("{where}: got {value}; expected {expected}").format(
            where=place, value=repr(_shorten(self.value)), expected=self.expected
        )


class EvidenceError(PnenError, ValueError):
    """A data file breaks the contract; ``faults`` lists every fault found (up to a cap)."""

    def __init__(self, faults: list[Fault]):
        self.faults = faults
        files = ", ".join(sorted({f.file for f in faults}))
        count = len(faults)
        head = ngettext("{count} fault in {files}", "{count} faults in {files}", count).format(
            count=count, files=files
        )
        if count >= MAX_FAULTS:
            head = _("{head} (showing the first {count})").format(head=head, count=MAX_FAULTS)
        colon = "：" if current() == "zh" else ":"
        super().__init__(head + colon + "\n" + "\n".join(f"- {f}" for f in faults))


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def data_dir() -> Path:
    """The folder holding the curated CSVs: inside the wheel, or the repository's ``data/``."""
    packaged = Path(str(resources.files("pnen_explorer"))) / "data"
    if (packaged / "datapackage.json").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"


@cache
def package_descriptor() -> dict:
    """The Data Package descriptor (``datapackage.json``), read once."""
    return json.loads((data_dir() / "datapackage.json").read_text(encoding="utf-8"))


def table_schema(resource: str) -> dict:
    """The Table Schema of one resource (``evidence``, ``references`` or ``therapies``)."""
    for res in package_descriptor()["resources"]:
        if res["name"] == resource:
            return res["schema"]
    raise KeyError(resource)


def data_version() -> str:
    return package_descriptor()["version"]


# --- reading raw text --------------------------------------------------------------------------

MAX_FILE_BYTES = 50 * 2**20
"""Largest file read (50 MiB, some quarter of a million rows): a larger one is refused unread."""

MAX_CELL_CHARS = 128 * 1024
"""Longest cell accepted (128 KiB of text): far above any statement, far below a runaway quote."""

_FILE_KINDS = (
    (stat.S_ISDIR, N_("a regular file (this is a folder)")),
    (stat.S_ISFIFO, N_("a regular file (this is a named pipe)")),
    (stat.S_ISCHR, N_("a regular file (this is a device)")),
    (stat.S_ISBLK, N_("a regular file (this is a device)")),
    (stat.S_ISSOCK, N_("a regular file (this is a socket)")),
)


def _read_file(path: Path) -> tuple[bytes | None, Fault | None]:
    """The bytes of a regular file of at most ``MAX_FILE_BYTES``, read once; or why not.

    The file is opened without blocking (a named pipe with no writer would hang a plain open),
    then its kind and size are asked of the open file itself, so nothing can be swapped in
    between the check and the read.
    """
    name = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None, Fault(name, _("an existing file"))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, Fault(name, _("a file (this name is a loop of symbolic links)"))
        return None, Fault(name, _unreadable(exc))
    try:
        info = os.fstat(fd)
        for test, kind in _FILE_KINDS:
            if test(info.st_mode):
                return None, Fault(name, _(kind))
        if info.st_size > MAX_FILE_BYTES:
            return None, Fault(name, _too_large(info.st_size))
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(2**20, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        raw = b"".join(chunks)
        del chunks
    except OSError as exc:
        return None, Fault(name, _unreadable(exc))
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:  # it grew while being read
        return None, Fault(name, _too_large(len(raw)))
    return raw, None


def _unreadable(exc: OSError) -> str:
    reason = (exc.strerror or type(exc).__name__).lower()  # the system's words, as it says them
    return _("a readable file ({reason})").format(reason=reason)


def _too_large(size: int) -> str:
    limit = MAX_FILE_BYTES // 2**20
    return _("a file of at most {limit} MB (this one is {size} MB or more)").format(
        limit=limit, size=f"{size / 2**20:.0f}"
    )


def _read_records(path: Path) -> tuple[list[list[str]], list[int], list[Fault]]:
    """Split a file into CSV records and the line each starts on, or say why it cannot be."""
    name = str(path)
    raw, fault = _read_file(path)
    if fault:
        return [], [], [fault]
    if not raw.strip():
        return [], [], [Fault(name, _("a header row and data rows (the file is empty)"))]
    if b"\x00" in raw[:65536]:
        return [], [], [Fault(name, _("CSV text (the file holds binary data)"))]
    # Decoded line by line (a line break is never inside a UTF-8 character), so the file is held
    # once as bytes and once as cells, never also as one long text.
    lines = raw.removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)
    del raw
    decode_error: list[int] = []

    def decoded():
        for number, line in enumerate(lines, start=1):
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                decode_error.append(number)
                return

    # The reader's own cell limit depends on what else the process imported; cells are measured
    # below instead, so a long cell is named with its row and column.
    previous = csv.field_size_limit(max(MAX_FILE_BYTES, csv.field_size_limit()))
    records, starts = [], []
    start = 1
    try:
        reader = csv.reader(decoded(), strict=True)
        shared: dict[str, str] = {}  # one object per repeated short cell (enums, units, ids)
        for record in reader:
            records.append([shared.setdefault(c, c) if len(c) <= 64 else c for c in record])
            starts.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc) or "EOF" in str(exc):
            detail = _("a closing quote for a cell opened in this row")
        else:  # e.g. "',' expected after '\"'": text right after a closing quote
            detail = _('quotes only around whole cells, and "" for a quote inside a cell')
        expected = _("well-formed CSV: {detail} (the CSV reader says: {reader})").format(
            detail=detail, reader=exc
        )
        if not decode_error:
            return [], [], [Fault(name, expected, line=start)]
    finally:
        csv.field_size_limit(previous)
        lines.clear()
    if decode_error:
        expected = _("UTF-8 text (re-save the file as UTF-8)")
        return [], [], [Fault(name, expected, line=decode_error[0])]
    long_cells = _long_cells(name, records, starts)
    if long_cells:
        return [], [], long_cells
    return records, starts, []


def _long_cells(name: str, records: list[list[str]], starts: list[int]) -> list[Fault]:
    """A fault for each cell over ``MAX_CELL_CHARS`` (often a quote that never closed)."""
    faults = []
    header = records[0] if records else []
    kib = MAX_CELL_CHARS // 1024
    expected = _(
        "cells of at most {size} KiB (a cell is longer than {size} KiB; a quote that never "
        "closes makes one)"
    ).format(size=kib)
    for index, record in enumerate(records):
        for position, cell in enumerate(record):
            if len(cell) > MAX_CELL_CHARS:
                column = header[position] if index and position < len(header) else None
                faults.append(Fault(name, expected, index or None, starts[index], column))
                if len(faults) >= MAX_FAULTS:
                    return faults
    return faults


def _header_faults(name: str, header: list[str], schema: dict) -> list[Fault]:
    known = [f["name"] for f in schema["fields"]]
    required = [f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required")]
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        sep = next(s for s in ";\t|" if s in header[0])
        expected = _("comma-separated values (this file looks separated by {separator})")
        return [Fault(name, expected.format(separator=repr(sep)), line=1)]
    faults = [
        Fault(name, _("each column once in the header"), line=1, column=col)
        for col in sorted({c for c in header if header.count(c) > 1})
    ]
    faults += [
        Fault(name, _("this required column in the header"), line=1, column=col)
        for col in required
        if col not in header
    ]
    only = _("only columns of the data contract ({columns})").format(columns=", ".join(known))
    faults += [Fault(name, only, line=1, column=col) for col in header if col not in known]
    return faults


# --- schema validation (Frictionless) ----------------------------------------------------------

_PATTERN_HELP = {
    "evidence_id": N_("an id like lu2025-001 (source, dash, three digits)"),
    "ref_nos": N_("reference numbers separated by ';', e.g. 43;44"),
    "grades": N_("grades separated by ';' from G1, G2, G3, NEC"),
    "liver_types": N_("liver types separated by ';' from I, II, III"),
    "p_value": N_("a p-value as printed, e.g. 0.027 or <0.001"),
    "pmid": N_("a PubMed id (digits only)"),
}
_TYPE_HELP = {"number": N_("a number"), "integer": N_("a whole number")}


def _expected_for(error, field: dict | None) -> str:
    """Translate one Frictionless error into what the cell should have held.

    A note of the schema library itself (an error this function does not know) is shown as
    the library wrote it, in English.
    """
    kind = error.type
    if kind == "type-error":
        type_name = field["type"] if field else ""
        if type_name in _TYPE_HELP:
            return _(_TYPE_HELP[type_name])
        return _("a {type}").format(type=type_name) if type_name else _("a value")
    if kind == "constraint-error":
        constraints = (field or {}).get("constraints", {})
        note = error.note
        if '"required"' in note:
            return _("a value (this column is required)")
        if '"enum"' in note:
            return _("one of: {values}").format(values=", ".join(constraints["enum"]))
        if '"pattern"' in note:
            if error.field_name in _PATTERN_HELP:
                return _(_PATTERN_HELP[error.field_name])
            return _("text matching {pattern}").format(pattern=constraints["pattern"])
        if '"minimum"' in note:
            return _("a number ≥ {minimum}").format(minimum=constraints["minimum"])
        if '"maximum"' in note:
            return _("a number ≤ {maximum}").format(maximum=constraints["maximum"])
        if '"unique"' in note:
            return _("a unique value")
        return note
    if kind == "unique-error":
        first_seen = re.search(r"position (\d+)", error.note)
        if first_seen:
            where = _("row {row} has it already").format(row=int(first_seen.group(1)) - 1)
        else:
            where = error.note
        return _("a unique value ({where})").format(where=where)
    return error.note or kind


def _schema_faults(
    name: str, records: list[list[str]], schema: dict, starts: list[int]
) -> list[Fault]:
    """Type, constraint and shape faults of one table, from the records already read."""
    from frictionless import Resource, Schema  # slow import: only here

    header = records[0]
    width = len(header)
    # Columns may come in any order and optional ones may be absent (header checked above).
    descriptor = {k: v for k, v in schema.items() if k != "foreignKeys"}
    descriptor["fieldsMatch"] = "partial"
    resource = Resource(data=records, schema=Schema.from_descriptor(descriptor))
    report = resource.validate(limit_errors=MAX_FAULTS * 4)
    fields = {f["name"]: f for f in schema["fields"]}
    faults: list[Fault] = []
    shape_reported: set[int] = set()
    for task in report.tasks:
        for error in task.errors:
            row_number = getattr(error, "row_number", None)
            if error.type == "primary-key":
                continue  # the same duplicate is reported by the unique-error of its column
            row = row_number - 1 if row_number else None
            line = starts[row_number - 1] if row_number and row_number <= len(starts) else None
            if error.type in ("missing-cell", "extra-cell"):
                if row in shape_reported:
                    continue
                shape_reported.add(row)
                cells = _("{count} cells, one per header column").format(count=width)
                faults.append(Fault(name, cells, row, line))
                continue
            if error.type == "blank-row":
                faults.append(Fault(name, _("a row with values (this one is blank)"), row, line))
                continue
            field_name = getattr(error, "field_name", None)
            record = records[row_number - 1] if row_number and row_number <= len(records) else []
            position = header.index(field_name) if field_name in header else None
            cell = record[position] if position is not None and position < len(record) else None
            expected = _expected_for(error, fields.get(field_name))
            if not cell and expected == _("a value (this column is required)"):
                expected = _("a value in this required column (the cell is empty)")
            elif not cell:  # missing or empty: say so rather than show nothing
                expected = _("{expected} (the cell is empty)").format(expected=expected)
            faults.append(Fault(name, expected, row, line, field_name, cell or None))
    return faults


_FINITE_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _number_faults(
    name: str, records: list[list[str]], schema: dict, starts: list[int], reported: set
) -> list[Fault]:
    """Number cells the schema library lets through but that are no figure: NaN, infinity."""
    header = records[0]
    faults = []
    for field in schema["fields"]:
        if field["type"] not in ("number", "integer") or field["name"] not in header:
            continue
        position = header.index(field["name"])
        for index in range(1, len(records)):
            record = records[index]
            cell = record[position].strip() if position < len(record) else ""
            if not cell or (index, field["name"]) in reported:
                continue
            if not _FINITE_NUMBER.fullmatch(cell) or not math.isfinite(float(cell)):
                if field["type"] == "integer":
                    expected = _(
                        "a whole number written in digits (NaN and infinity are not figures)"
                    )
                else:
                    expected = _("a number written in digits (NaN and infinity are not figures)")
                faults.append(
                    Fault(
                        name,
                        expected,
                        index,
                        starts[index],
                        field["name"],
                        record[position],
                    )
                )
    return faults


# --- rules the Table Schema cannot express -----------------------------------------------------

_NUMERIC_PERCENT = ("value", "value_low", "value_high", "comparator_value", "ci_low", "ci_high")


def _rule_faults(
    name: str,
    frame: pd.DataFrame,
    starts: list[int],
    ref_numbers: set[int] | None,
    therapy_names: set[str] | None,
) -> list[Fault]:
    """Cross-cell rules of the evidence table, on the raw string frame."""
    faults: list[Fault] = []

    def num(col: str) -> pd.Series:
        if col not in frame:
            return pd.Series(float("nan"), index=frame.index)
        return pd.to_numeric(frame[col], errors="coerce")

    def add(mask: pd.Series, column: str, expected) -> None:
        for i in frame.index[mask.fillna(False).astype(bool)]:
            exp = expected(i) if callable(expected) else expected
            faults.append(Fault(name, exp, i + 1, starts[i + 1], column, frame.at[i, column]))

    unit = frame.get("unit", pd.Series("", index=frame.index))
    percent = _("a percent between 0 and 100")
    for col in _NUMERIC_PERCENT:
        add((unit == "percent") & (num(col) > 100), col, percent)
    low, high, value = num("value_low"), num("value_high"), num("value")
    ordered = _("value_low ≤ value_high ({high})")
    add(low > high, "value_low", lambda i: ordered.format(high=frame.at[i, "value_high"]))
    add((value < low) | (value > high), "value", _("a value inside [value_low, value_high]"))
    numbers = value.notna() | low.notna() | high.notna() | num("comparator_value").notna()
    add(numbers & (unit == ""), "unit", _("a unit for the figure (months, percent, ...)"))
    add(num("ki67_min") >= num("ki67_max"), "ki67_min", _("ki67_min below ki67_max"))
    hr, hr_low, hr_high = num("hr"), num("hr_ci_low"), num("hr_ci_high")
    add((hr < hr_low) | (hr > hr_high), "hr", _("a hazard ratio inside its confidence interval"))
    if "source" in frame:
        primary = frame["source"] == "primary"
        blank = pd.Series("", index=frame.index)
        no_id = frame.get("doi", blank).eq("") & frame.get("pmid", blank).eq("")
        add(primary & no_id, "doi", _("a DOI or PMID on every primary-publication row"))
    if "checks_evidence_id" in frame:
        ids = set(frame["evidence_id"])
        target = frame["checks_evidence_id"]
        own_id = _("an evidence_id of this file")
        add((target != "") & ~target.isin(ids), "checks_evidence_id", own_id)
    if ref_numbers is not None and "ref_nos" in frame:
        for i, cell in frame["ref_nos"].items():
            missing = [n for n in cell.split(";") if n.isdigit() and int(n) not in ref_numbers]
            if missing:
                faults.append(
                    Fault(
                        name,
                        _("reference numbers listed in references.csv (no {numbers})").format(
                            numbers=", ".join(missing)
                        ),
                        i + 1,
                        starts[i + 1],
                        "ref_nos",
                        cell,
                    )
                )
    if therapy_names is not None and "therapy" in frame:
        unknown = (frame["therapy"] != "") & ~frame["therapy"].isin(therapy_names)
        add(unknown, "therapy", _("a therapy named in therapies.csv"))
    return faults


# --- typed frames ------------------------------------------------------------------------------


def _typed(frame: pd.DataFrame, schema: dict) -> pd.DataFrame:
    """Strings to the contract's types: floats, categoricals for enums, tuples for lists."""
    out = {}
    for field in schema["fields"]:
        col = field["name"]
        raw = frame[col] if col in frame else pd.Series("", index=frame.index, dtype=object)
        enum = field.get("constraints", {}).get("enum")
        if field["type"] in ("number", "integer") and col not in ("ref_no", "year"):
            out[col] = pd.to_numeric(raw.replace("", None), errors="raise").astype(float)
        elif field["type"] == "integer":
            out[col] = raw.astype(int)
        elif enum:
            out[col] = pd.Categorical(raw.replace("", None), categories=enum)
        elif col in LIST_COLUMNS:
            item = LIST_COLUMNS[col]
            out[col] = pd.Series(
                [tuple(item(x) for x in cell.split(";")) if cell else () for cell in raw],
                index=frame.index,
                dtype=object,
            )
        else:
            out[col] = raw.astype(object)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def validate_table(
    path: str | Path,
    resource: str = "evidence",
    *,
    ref_numbers: Iterable[int] | None = None,
    therapy_names: Iterable[str] | None = None,
) -> tuple[pd.DataFrame | None, list[Fault]]:
    """Check one CSV against its resource's schema; return the string frame and all faults."""
    path = Path(path)
    schema = table_schema(resource)
    records, starts, faults = _read_records(path)
    if faults:
        return None, faults
    name = str(path)
    if not records:  # nothing but a byte-order mark, or nothing at all
        return None, [Fault(name, _("a header line and rows (the file holds no text)"), line=1)]
    header, rows = records[0], records[1:]
    if not header:
        expected = _("the header on the first line (the file starts with an empty line)")
        return None, [Fault(name, expected, line=1)]
    faults = _header_faults(name, header, schema)
    if faults:
        return None, faults[:MAX_FAULTS]
    if not rows:
        return None, [Fault(name, _("at least one data row under the header"), line=2)]
    if all(not any(cell.strip() for cell in row) for row in rows):
        expected = _("data rows under the header (the header is followed by empty lines)")
        return None, [Fault(name, expected, line=2)]
    faults = _schema_faults(name, records, schema, starts)
    reported = {(f.row, f.column) for f in faults}
    faults += _number_faults(name, records, schema, starts, reported)
    columns = {
        column: [r[i] if i < len(r) else "" for r in rows] for i, column in enumerate(header)
    }
    del records, rows
    frame = pd.DataFrame(columns, dtype=object)
    del columns
    if resource == "evidence":
        refs = None if ref_numbers is None else set(ref_numbers)
        therapies = None if therapy_names is None else set(therapy_names)
        faults += _rule_faults(name, frame, starts, refs, therapies)
    faults.sort(key=lambda f: (f.row or 0, f.column or ""))
    return frame, faults[:MAX_FAULTS]


def _load(resource: str, path: str | Path | None, validate: bool | None, **checks) -> pd.DataFrame:
    if path is None and not validate:
        return _curated(resource).copy()
    path = Path(path) if path is not None else data_dir() / f"{resource}.csv"
    frame, faults = validate_table(path, resource, **checks)
    if faults:
        raise EvidenceError(faults)
    return _typed(frame, table_schema(resource))


@cache
def _curated(resource: str) -> pd.DataFrame:
    """A curated table, read once per process without the full schema check.

    The test suite and CI validate the curated files against the contract on every change, so
    the dashboard need not import the validation stack (about a second) on every page.
    """
    frame = pd.read_csv(
        data_dir() / f"{resource}.csv", dtype=str, keep_default_na=False, encoding="utf-8"
    )
    return _typed(frame, table_schema(resource))


def load_references(
    path: str | Path | None = None, *, validate: bool | None = None
) -> pd.DataFrame:
    """The numbered reference list of lu2025: ``ref_no``, ``authors``, ``year``, ``title``,
    ``journal``, ``doi``, ``study_design``, ``note``. Raises ``EvidenceError`` on a bad file.

    A file given by ``path`` is always validated; the curated one only with ``validate=True``.
    """
    return _load("references", path, validate)


def load_therapies(path: str | Path | None = None, *, validate: bool | None = None) -> pd.DataFrame:
    """The controlled therapy vocabulary: ``therapy``, ``name_zh``, ``therapy_class``,
    ``guidance_therapy``, ``description``. Raises ``EvidenceError`` on a bad file.

    A file given by ``path`` is always validated; the curated one only with ``validate=True``.
    """
    return _load("therapies", path, validate)


def load_evidence(
    path: str | Path | None = None,
    *,
    references: pd.DataFrame | None = None,
    therapies: pd.DataFrame | None = None,
    validate: bool | None = None,
) -> pd.DataFrame:
    """The evidence table, one row per reported figure, typed.

    ``path`` defaults to the curated ``data/evidence.csv`` (checked by the test suite; pass
    ``validate=True`` to check it again here). A researcher's own file is always held to the
    same contract, with its ``ref_nos`` checked against ``references`` and its therapies
    against ``therapies`` (the curated tables by default). Raises ``EvidenceError`` naming
    every fault's file, row, line, column, value and what was expected.
    """
    if path is None and not validate:
        return _load("evidence", None, False)
    references = load_references() if references is None else references
    therapies = load_therapies() if therapies is None else therapies
    return _load(
        "evidence",
        path,
        True,
        ref_numbers=references["ref_no"].astype(int),
        therapy_names=therapies["therapy"],
    )
