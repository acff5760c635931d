"""A researcher's own evidence file: validated like the curated one, merged, never run, and the
curated data never touched."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pnen_explorer import load_evidence
from pnen_explorer.app import Explorer
from pnen_explorer.export import evidence_csv
from pnen_explorer.user_data import MAX_UPLOAD_BYTES, merge_user_evidence, read_user_evidence

from .conftest import DATA


def curated_digest() -> str:
    return hashlib.sha256((DATA / "evidence.csv").read_bytes()).hexdigest()


@pytest.fixture(scope="module", autouse=True)
def curated_untouched():
    before = curated_digest()
    yield
    assert curated_digest() == before


@pytest.fixture(scope="module")
def curated():
    return load_evidence()


def own_file(rows: int = 2, **cells: str) -> bytes:
    """A small valid file: curated primary rows under new ids, with ``cells`` overridden."""
    with open(DATA / "evidence.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        source = [r for r in reader if r["source"] == "primary"][:rows]
    out = io.StringIO()
    writer = csv.DictWriter(out, header)
    writer.writeheader()
    for i, row in enumerate(source):
        writer.writerow(
            row | {"evidence_id": f"primary-9{i:02d}", "checks_evidence_id": ""} | cells
        )
    return out.getvalue().encode("utf-8")


def test_a_valid_file_is_marked_as_the_users(curated):
    rows, faults = read_user_evidence(own_file(), "mine.csv", curated)
    assert faults == [] and list(rows["origin"]) == ["user", "user"]
    merged = merge_user_evidence(curated, rows)
    assert len(merged) == len(curated) + 2
    assert (merged["origin"] == "curated").sum() == len(curated)
    assert merged["outcome"].dtype == curated["outcome"].dtype


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"x" * (MAX_UPLOAD_BYTES + 1), "big.csv", "at most"),
        (b"evidence_id\n", "notes.txt", ".csv"),
        (bytes(range(256)), "blob.csv", "binary"),
        ("évidence".encode("latin-1"), "latin.csv", "UTF-8"),
    ],
    ids=["too-large", "not-csv", "binary", "not-utf8"],
)
def test_unusable_files_are_refused_with_a_reason(curated, content, name, expected):
    rows, faults = read_user_evidence(content, name, curated)
    assert rows is None and any(expected in str(f) for f in faults)
    assert all(f.file == name for f in faults)  # named as the user knows it, not a temp path


def test_ids_that_clash_with_the_curated_table_are_faults(curated):
    rows, faults = read_user_evidence(own_file(evidence_id="primary-001"), "mine.csv", curated)
    assert rows is None and {f.column for f in faults} == {"evidence_id"}


def test_a_bad_cell_names_row_and_column(curated):
    rows, faults = read_user_evidence(own_file(value="lots"), "mine.csv", curated)
    assert rows is None
    assert any(f.row == 1 and f.column == "value" for f in faults), faults


@settings(max_examples=60, deadline=None)
@given(content=st.binary(max_size=2000))
def test_any_bytes_give_rows_or_faults(curated, content):
    rows, faults = read_user_evidence(content, "fuzz.csv", curated)
    assert (rows is None) != (faults == [])


@settings(max_examples=40, deadline=None)
@given(
    cell=st.text(max_size=60),
    column=st.sampled_from(
        ["statement", "population", "value", "ref_nos", "grades", "unit", "p_value"]
    ),
)
def test_any_cell_gives_rows_or_faults(curated, cell, column):
    rows, faults = read_user_evidence(own_file(**{column: cell}), "fuzz.csv", curated)
    assert (rows is None) != (faults == [])


def test_hostile_cells_are_shown_as_text_and_exported_inert(curated):
    content = own_file(
        statement="<script>alert(1)</script>", population='=HYPERLINK("http://x","y")'
    )
    explorer = Explorer()
    explorer._on_upload({"new": ({"name": "mine.csv", "content": memoryview(content)},)})
    assert "Added 2 row(s)" in explorer.upload_report.value
    explorer.show_excluded.value = True
    explorer.tabs.selected_index = 3
    table = explorer.evidence_table.value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in table and "<script>" not in table
    exported = evidence_csv(explorer.evidence)
    assert "'=HYPERLINK(" in exported and ",=HYPERLINK(" not in exported


def test_a_rejected_upload_reports_every_fault_in_the_page(curated):
    explorer = Explorer()
    content = own_file(value="lots", unit="%")
    explorer._on_upload({"new": ({"name": "<b>mine</b>.csv", "content": memoryview(content)},)})
    report = explorer.upload_report.value
    assert "nothing was added" in report and "value" in report and "unit" in report
    assert "<b>mine</b>" not in report
    assert len(explorer.evidence) == len(curated)
