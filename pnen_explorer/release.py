"""What changed between two versions of the evidence table, row by row and column by column.

``diff_tables(old, new)`` reads two evidence CSV files as text (no typing, so a number written
``44`` in one version and ``44.0`` in the other counts as a change, as it does in the file) and
returns a :class:`TableDiff`: the columns added and removed, and one :class:`Change` per cell
that differs, keyed by ``evidence_id``. An added row lists each of its non-empty cells with an
empty old value; a removed row each of its non-empty cells with an empty new value; a changed
row each cell whose text differs. A column that only one version has reads as empty in the
other.

The same diff is written as plain text (:func:`format_text`), as Markdown for ``CHANGES.md``
(:func:`format_markdown`) and as CSV (:func:`format_csv`: ``change, evidence_id, column, old,
new``). ``pnen-explorer diff OLD NEW`` is the command line for it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

KEY = "evidence_id"
CSV_COLUMNS = ("change", "evidence_id", "column", "old", "new")


@dataclass(frozen=True)
class Change:
    """One cell that differs: ``change`` is ``added``, ``removed`` or ``changed``."""

    change: str
    evidence_id: str
    column: str
    old: str
    new: str


@dataclass
class TableDiff:
    """Two versions of the evidence table compared."""

    old_name: str
    new_name: str
    old_rows: int
    new_rows: int
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def ids(self, change: str) -> list[str]:
        """The evidence ids with at least one change of this kind, in table order."""
        return list(dict.fromkeys(c.evidence_id for c in self.changes if c.change == change))

    @property
    def added(self) -> list[str]:
        return self.ids("added")

    @property
    def removed(self) -> list[str]:
        return self.ids("removed")

    @property
    def changed(self) -> list[str]:
        return self.ids("changed")

    def __bool__(self) -> bool:
        return bool(self.changes or self.columns_added or self.columns_removed)


class ReleaseError(ValueError):
    """A file cannot be compared: unreadable, not CSV, no evidence_id column, repeated ids."""


def _read(path: str | Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise ReleaseError(f"{path}: not well-formed CSV ({exc})") from exc
    if not records or KEY not in records[0]:
        raise ReleaseError(f"{path}: expected a header with an {KEY} column")
    header = records[0]
    rows: dict[str, dict[str, str]] = {}
    for line, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        cells = dict(zip(header, record + [""] * (len(header) - len(record)), strict=False))
        key = cells[KEY]
        if key in rows:
            raise ReleaseError(f"{path}, line {line}: {KEY} {key!r} appears twice")
        rows[key] = cells
    return header, rows


def diff_tables(old: str | Path, new: str | Path) -> TableDiff:
    """Compare two versions of the evidence table; see the module docstring."""
    old_header, old_rows = _read(old)
    new_header, new_rows = _read(new)
    columns = [*new_header, *(c for c in old_header if c not in new_header)]
    result = TableDiff(
        old_name=str(old),
        new_name=str(new),
        old_rows=len(old_rows),
        new_rows=len(new_rows),
        columns_added=[c for c in new_header if c not in old_header],
        columns_removed=[c for c in old_header if c not in new_header],
    )
    order = [*old_rows, *(k for k in new_rows if k not in old_rows)]
    for key in order:
        before, after = old_rows.get(key), new_rows.get(key)
        if before is None:
            result.changes += [
                Change("added", key, c, "", after[c]) for c in columns if after.get(c, "")
            ]
        elif after is None:
            result.changes += [
                Change("removed", key, c, before[c], "") for c in columns if before.get(c, "")
            ]
        else:
            result.changes += [
                Change("changed", key, c, before.get(c, ""), after.get(c, ""))
                for c in columns
                if before.get(c, "") != after.get(c, "")
            ]
    return result


def _summary(diff: TableDiff) -> list[str]:
    lines = [
        f"Rows: {diff.old_rows} -> {diff.new_rows}; {len(diff.added)} added, "
        f"{len(diff.removed)} removed, {len(diff.changed)} changed "
        f"({len(diff.changes)} cells in all)."
    ]
    if diff.columns_added:
        lines.append("Columns added: " + ", ".join(diff.columns_added) + ".")
    if diff.columns_removed:
        lines.append("Columns removed: " + ", ".join(diff.columns_removed) + ".")
    return lines


def _by_row(diff: TableDiff, kind: str) -> dict[str, list[Change]]:
    rows: dict[str, list[Change]] = {}
    for change in diff.changes:
        if change.change == kind:
            rows.setdefault(change.evidence_id, []).append(change)
    return rows


def _one_line(text: str) -> str:
    return " ".join(text.split())


def format_text(diff: TableDiff) -> str:
    """The diff for a terminal: a summary, then each row and its cells."""
    lines = [f"Changes from {diff.old_name} to {diff.new_name}", *_summary(diff)]
    if not diff:
        lines.append("No differences.")
    for kind, title in (("added", "Added"), ("removed", "Removed"), ("changed", "Changed")):
        rows = _by_row(diff, kind)
        if not rows:
            continue
        lines += ["", f"{title} rows ({len(rows)}):"]
        for key, changes in rows.items():
            lines.append(f"  {key}")
            for c in changes:
                if kind == "added":
                    lines.append(f"    {c.column}: {_one_line(c.new)}")
                elif kind == "removed":
                    lines.append(f"    {c.column}: {_one_line(c.old)}")
                else:
                    lines.append(f"    {c.column}: {_one_line(c.old)!r} -> {_one_line(c.new)!r}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    text = _one_line(text)
    return "`" + text.replace("`", "'") + "`" if text else "*(empty)*"


def format_markdown(diff: TableDiff, old_version: str = "", new_version: str = "") -> str:
    """The diff as Markdown, for ``data/CHANGES.md``."""
    span = f" {old_version} → {new_version}" if old_version and new_version else ""
    command = f"pnen-explorer diff {diff.old_name} {diff.new_name} --markdown"
    if span:
        command += f" --old-version {old_version} --new-version {new_version}"
    lines = [
        f"# Changes to the evidence table{span}",
        "",
        f"Generated by `{command}` (see data/README.md, *How a release is made*); "
        "do not edit by hand.",
        "",
        *_summary(diff),
    ]
    for kind, title in (("added", "Added"), ("removed", "Removed"), ("changed", "Changed")):
        rows = _by_row(diff, kind)
        if not rows:
            continue
        lines += ["", f"## {title} rows ({len(rows)})"]
        for key, changes in rows.items():
            lines += ["", f"### {key}", ""]
            for c in changes:
                if kind == "added":
                    lines.append(f"- {c.column}: {_md(c.new)}")
                elif kind == "removed":
                    lines.append(f"- {c.column}: {_md(c.old)}")
                else:
                    lines.append(f"- {c.column}: {_md(c.old)} → {_md(c.new)}")
    return "\n".join(lines) + "\n"


def format_csv(diff: TableDiff) -> str:
    """One line per changed cell: ``change, evidence_id, column, old, new``.

    Every cell is quoted and made inert for spreadsheets (``export.neutralise_formula``): the
    cells come from the files compared, which may hold anything.
    """
    from pnen_explorer.export import neutralise_formula

    out = io.StringIO()
    out.write(",".join(CSV_COLUMNS) + "\n")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for c in diff.changes:
        cells = (c.change, c.evidence_id, c.column, c.old, c.new)
        writer.writerow([neutralise_formula(cell) for cell in cells])
    return out.getvalue()


# --- the counts in data/README.md ---------------------------------------------------------------

COUNTS_START = "<!-- counts: generated by pnen_explorer.release.readme_counts; do not edit -->"
COUNTS_END = "<!-- end of counts -->"


def _id_ranges(ids: list[str]) -> str:
    """'primary-018 to primary-020, primary-043' from the ids in table order."""
    parts: list[list[str]] = []
    for key in ids:
        prefix, number = key.rsplit("-", 1)
        if parts and parts[-1][-1].rsplit("-", 1)[0] == prefix:
            last = int(parts[-1][-1].rsplit("-", 1)[1])
            if int(number) == last + 1:
                parts[-1].append(key)
                continue
        parts.append([key])
    return ", ".join(p[0] if len(p) == 1 else f"{p[0]} to {p[-1]}" for p in parts)


def readme_counts(path: str | Path, version: str) -> str:
    """The block of counts that data/README.md carries between its count markers."""
    _, rows = _read(path)
    records = list(rows.values())

    def count(column: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in records:
            out[r.get(column, "")] = out.get(r.get(column, ""), 0) + 1
        return out

    sources = count("source")
    sites = count("tumour_site")
    lines = [
        COUNTS_START,
        f"Data version {version}: {len(records)} rows in `evidence.csv` "
        + "("
        + ", ".join(f"{n} from {s}" for s, n in sources.items())
        + ").",
        "",
        "Rows by tumour site: " + ", ".join(f"{s} {n}" for s, n in sites.items()) + ".",
        "",
        "| study | rows |",
        "|---|---|",
    ]
    studies: dict[str, list[str]] = {}
    for r in records:
        if r.get("source") == "primary":
            studies.setdefault(r.get("study_name", ""), []).append(r[KEY])
    for name, ids in studies.items():
        lines.append(f"| {name} | {_id_ranges(ids)} ({len(ids)}) |")
    lines.append(COUNTS_END)
    return "\n".join(lines)
