"""`pnen-explorer diff`: the changes between two versions of the evidence table, exactly."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from pnen_explorer import cli, release

from .conftest import DATA, ROOT

OLD = "tests/fixtures/evidence-0.1.0.csv"
NEW = "data/evidence.csv"


def read(path: str) -> pd.DataFrame:
    frame = pd.read_csv(ROOT / path, dtype=str, keep_default_na=False)
    return frame.set_index("evidence_id", drop=False)


def expected_cells() -> set[tuple[str, str, str, str, str]]:
    """Every cell that differs, computed independently of the module under test."""
    old, new = read(OLD), read(NEW)
    columns = list(dict.fromkeys([*new.columns, *old.columns]))
    old, new = old.reindex(columns=columns, fill_value=""), new.reindex(columns=columns)
    new = new.fillna("")
    cells = set()
    for key in new.index.difference(old.index):
        cells |= {("added", key, c, "", v) for c, v in new.loc[key].items() if v}
    for key in old.index.difference(new.index):
        cells |= {("removed", key, c, v, "") for c, v in old.loc[key].items() if v}
    for key in old.index.intersection(new.index):
        for c in columns:
            if old.at[key, c] != new.at[key, c]:
                cells.add(("changed", key, c, old.at[key, c], new.at[key, c]))
    return cells


def run(capsys, *args: str) -> str:
    code = cli.main(["diff", OLD, NEW, *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.fixture(autouse=True)
def _at_the_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_csv_lists_exactly_the_changed_cells(capsys):
    rows = list(csv.DictReader(io.StringIO(run(capsys, "--csv"))))
    got = {(r["change"], r["evidence_id"], r["column"], r["old"], r["new"]) for r in rows}
    assert len(got) == len(rows)  # no cell twice
    assert got == expected_cells()


def test_the_changes_of_0_2_0(capsys):
    diff = release.diff_tables(OLD, NEW)
    assert diff.columns_added == ["tumour_site", "ki67_min_inclusive", "ki67_max_inclusive"]
    assert diff.columns_removed == [] and diff.removed == []
    assert diff.added == [f"primary-{n:03d}" for n in range(44, 77)]
    assert (diff.old_rows, diff.new_rows) == (135, 168)
    cells = {(c.evidence_id, c.column): (c.old, c.new) for c in diff.changes}
    assert cells[("primary-032", "outcome")] == ("PFS", "TTP")
    assert cells[("lu2025-023", "agreement")] == ("agrees", "partly_agrees")
    assert cells[("lu2025-039", "agreement")] == ("primary_not_found", "agrees")
    assert cells[("primary-021", "pmid")] == ("28076709", "")
    assert cells[("primary-041", "ki67_max_inclusive")] == ("", "yes")
    assert cells[("primary-019", "comparator_value")] == ("", "4")
    # values of the 0.1.0 rows did not move
    assert not any(
        c.column in ("value", "value_low", "value_high") and c.change == "changed"
        for c in diff.changes
    )


def test_text_names_every_changed_row_and_its_old_and_new_values(capsys):
    text = run(capsys)
    assert text.startswith(f"Changes from {OLD} to {NEW}\n")
    assert "Rows: 135 -> 168; 33 added, 0 removed" in text
    assert "    outcome: 'PFS' -> 'TTP'" in text
    for key in release.diff_tables(OLD, NEW).changed:
        assert f"\n  {key}\n" in text


def test_changes_md_is_the_generated_list():
    """data/CHANGES.md is the command's output; regenerate it when the table changes."""
    diff = release.diff_tables(OLD, NEW)
    expected = release.format_markdown(diff, "0.1.0", "0.2.0")
    assert (DATA / "CHANGES.md").read_text(encoding="utf-8") == expected


def test_identical_tables_have_no_changes(capsys):
    code = cli.main(["diff", NEW, NEW])
    out = capsys.readouterr().out
    assert code == 0 and "No differences." in out
    assert (
        release.format_csv(release.diff_tables(NEW, NEW)) == "change,evidence_id,column,old,new\n"
    )


def test_removed_rows_and_columns(tmp_path):
    old = tmp_path / "old.csv"
    new = tmp_path / "new.csv"
    old.write_text("evidence_id,value,note\nx-001,1,a\nx-002,2,\n", encoding="utf-8")
    new.write_text("evidence_id,value\nx-001,1.0\n", encoding="utf-8")
    diff = release.diff_tables(old, new)
    assert diff.columns_removed == ["note"] and diff.removed == ["x-002"]
    assert {(c.change, c.evidence_id, c.column, c.old, c.new) for c in diff.changes} == {
        ("changed", "x-001", "value", "1", "1.0"),
        ("changed", "x-001", "note", "a", ""),
        ("removed", "x-002", "evidence_id", "x-002", ""),
        ("removed", "x-002", "value", "2", ""),
    }


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("value\n1\n", "evidence_id"),
        ("evidence_id\nx-001\nx-001\n", "twice"),
        ('evidence_id,note\nx-001,"open\n', "CSV"),
    ],
)
def test_unusable_files_are_a_message_not_a_traceback(tmp_path, capsys, content, words):
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    assert cli.main(["diff", str(bad), NEW]) == 1
    assert words in capsys.readouterr().err
    assert cli.main(["diff", str(tmp_path / "missing.csv"), NEW]) == 1
