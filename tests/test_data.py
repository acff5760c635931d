"""The data contract: the curated tables load typed, and every kind of bad file is named clearly."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pnen_explorer import EvidenceError, load_evidence, load_references, load_therapies
from pnen_explorer.data import Fault, table_schema
from pnen_explorer.i18n import _, speaking
from pnen_explorer.translations import meaning

DATA = Path(__file__).resolve().parent.parent / "data"


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)


def first(rows, predicate) -> int:
    return next(i for i, row in enumerate(rows) if predicate(row))


# --- the curated data --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evidence() -> pd.DataFrame:
    return load_evidence()


def test_curated_tables_validate_against_the_contract():
    validated = load_evidence(validate=True)
    pd.testing.assert_frame_equal(validated, load_evidence())
    assert len(load_references(validate=True)) == 64
    assert len(load_therapies(validate=True)) > 20


def test_curated_tables_load(evidence):
    assert len(evidence) > 50
    assert len(load_references()) == 64
    assert evidence["evidence_id"].is_unique


EXPECTED_DTYPES = [
    ("value", "float64"),
    ("value_low", "float64"),
    ("n_patients", "float64"),
    ("ki67_max", "float64"),
    ("source", "category"),
    ("outcome", "category"),
    ("study_design", "category"),
    ("direction", "category"),
]


@pytest.mark.parametrize(("column", "dtype"), EXPECTED_DTYPES, ids=[c for c, _ in EXPECTED_DTYPES])
def test_column_types(evidence, column, dtype):
    assert str(evidence[column].dtype) == dtype


def test_columns_follow_the_schema(evidence):
    assert list(evidence.columns) == [f["name"] for f in table_schema("evidence")["fields"]]


def test_lists_are_parsed(evidence):
    refs = evidence["ref_nos"]
    assert all(isinstance(x, tuple) and all(isinstance(n, int) for n in x) for x in refs)
    assert all(set(g) <= {"G1", "G2", "G3", "NEC"} for g in evidence["grades"])


def test_every_reference_and_therapy_resolves(evidence):
    known = set(load_references()["ref_no"])
    assert {n for refs in evidence["ref_nos"] for n in refs} <= known
    assert set(evidence["therapy"]) - {""} <= set(load_therapies()["therapy"])


def test_single_figures_keep_value_as_their_range(evidence):
    single = evidence[evidence["value"].notna()]
    assert (single["value_low"] <= single["value"]).all()
    assert (single["value"] <= single["value_high"]).all()


# --- bad files: each fault named by row and column ---------------------------------------------

Corruption = Callable[[list[str], list[dict[str, str]]], tuple[list[str], list, str, int | None]]


def text_where_number(header, rows):
    i = first(rows, lambda r: r["value"])
    rows[i]["value"] = "twenty-two"
    return header, rows, "value", i + 1


def percent_over_100(header, rows):
    i = first(rows, lambda r: r["unit"] == "percent" and r["value"])
    rows[i]["value"] = rows[i]["value_high"] = "120"
    return header, rows, "value", i + 1


def negative_duration(header, rows):
    i = first(rows, lambda r: r["unit"] == "months" and r["value_low"])
    rows[i]["value_low"] = "-5"
    return header, rows, "value_low", i + 1


def low_above_high(header, rows):
    i = first(rows, lambda r: r["value_low"] and r["value_high"])
    rows[i]["value"] = ""
    rows[i]["value_low"] = str(float(rows[i]["value_high"]) + 10)
    return header, rows, "value_low", i + 1


def fractional_patients(header, rows):
    rows[0]["n_patients"] = "34.5"
    return header, rows, "n_patients", 1


def unknown_enum(header, rows):
    rows[2]["outcome"] = "survival-ish"
    return header, rows, "outcome", 3


def empty_required(header, rows):
    rows[3]["statement"] = ""
    return header, rows, "statement", 4


def duplicate_id(header, rows):
    rows[4]["evidence_id"] = rows[1]["evidence_id"]
    return header, rows, "evidence_id", 5


def unknown_reference(header, rows):
    i = first(rows, lambda r: r["ref_nos"])
    rows[i]["ref_nos"] = rows[i]["ref_nos"] + ";99"
    return header, rows, "ref_nos", i + 1


def unknown_therapy(header, rows):
    i = first(rows, lambda r: r["therapy"])
    rows[i]["therapy"] = "snake oil"
    return header, rows, "therapy", i + 1


def missing_column(header, rows):
    header = [c for c in header if c != "outcome"]
    for row in rows:
        del row["outcome"]
    return header, rows, "outcome", None


ROW_CORRUPTIONS = [
    text_where_number,
    percent_over_100,
    negative_duration,
    low_above_high,
    fractional_patients,
    unknown_enum,
    empty_required,
    duplicate_id,
    unknown_reference,
    unknown_therapy,
    missing_column,
]


@pytest.mark.parametrize("corrupt", ROW_CORRUPTIONS, ids=lambda f: f.__name__)
def test_fault_names_file_row_and_column(evidence_copy, corrupt):
    header, rows = read_rows(evidence_copy)
    header, rows, column, row = corrupt(header, rows)
    write_rows(evidence_copy, header, rows)
    with pytest.raises(EvidenceError) as caught:
        load_evidence(evidence_copy)
    message = str(caught.value)
    assert str(evidence_copy) in message
    assert f"column '{column}'" in message
    assert "expected" in message
    if row is not None:
        assert any(f.row == row and f.column == column for f in caught.value.faults), message


FILE_CORRUPTIONS = {
    "empty file": (b"", "empty"),
    "binary garbage": (bytes(range(256)) * 4, "binary"),
    "wrong encoding": ("évidence_id,source\n".encode("latin-1"), "UTF-8"),
    "header only": (None, "at least one data row"),
    "wrong delimiter": (None, "separated by ';'"),
    "unterminated quote": (None, "closing quote"),
    "stray quote": (None, "quotes only around whole cells"),
}


def corrupted_file(path: Path, case: str) -> bytes:
    """The curated file broken as a case of ``FILE_CORRUPTIONS`` without content says."""
    text = path.read_text(encoding="utf-8")
    if case == "header only":
        return text.splitlines()[0].encode() + b"\n"
    if case == "wrong delimiter":
        return text.splitlines()[0].replace(",", ";").encode() + b"\nx;y\n"
    if case == "stray quote":
        lines = text.splitlines(keepends=True)
        return "".join([*lines[:-1], '"x"y' + lines[-1]]).encode()
    assert case == "unterminated quote", case
    return (text + 'lu2025-999,"a cell whose quote never closes\n').encode()


@pytest.mark.parametrize("case", FILE_CORRUPTIONS, ids=list(FILE_CORRUPTIONS))
def test_unreadable_files_are_named(evidence_copy, case):
    content, expected = FILE_CORRUPTIONS[case]
    evidence_copy.write_bytes(corrupted_file(evidence_copy, case) if content is None else content)
    with pytest.raises(EvidenceError) as caught:
        load_evidence(evidence_copy)
    assert expected in str(caught.value)
    assert str(evidence_copy) in str(caught.value)


def test_all_faults_are_reported_together(evidence_copy):
    header, rows = read_rows(evidence_copy)
    for corrupt in (unknown_enum, empty_required, fractional_patients):
        header, rows, _, _ = corrupt(header, rows)
    write_rows(evidence_copy, header, rows)
    with pytest.raises(EvidenceError) as caught:
        load_evidence(evidence_copy)
    assert {"outcome", "statement", "n_patients"} <= {f.column for f in caught.value.faults}


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(EvidenceError, match="an existing file"):
        load_evidence(tmp_path / "nope.csv")


# --- property-based: any corruption is a clear fault or a valid file, never a crash ------------

cell_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["-1", "101", "1e9", "nan", "3.5", "G4", "IV", "yes", ";", "=1+1", '"']),
)


FREE_TEXT = {
    f["name"]
    for f in table_schema("evidence")["fields"]
    if f["type"] == "string" and not set(f.get("constraints", {})) & {"enum", "pattern"}
} - {"evidence_id", "ref_nos", "grades", "liver_types"}
"""Columns of words in the project's own voice: kept exactly as written."""

FIXTURE_OK = [HealthCheck.function_scoped_fixture]  # each example rewrites the file whole


@pytest.mark.slow  # a property test of many examples; make test runs it
@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURE_OK)
@given(data=st.data())
def test_any_corrupted_cell_is_a_clear_fault_or_valid(evidence_copy, data):
    header, rows = read_rows(DATA / "evidence.csv")
    row = data.draw(st.integers(0, len(rows) - 1), label="row")
    column = data.draw(st.sampled_from(header), label="column")
    value = data.draw(cell_text, label="value")
    rows[row][column] = value
    write_rows(evidence_copy, header, rows)
    try:
        loaded = load_evidence(evidence_copy)
    except EvidenceError as exc:
        assert exc.faults
        assert all(str(evidence_copy) in str(f) and "expected" in str(f) for f in exc.faults)
        return
    # Loaded: nothing dropped or moved, and a free-text cell holds exactly what was written.
    assert len(loaded) == len(rows)
    assert loaded["evidence_id"].iloc[row] == rows[row]["evidence_id"]
    if column in FREE_TEXT and value.strip():
        assert loaded[column].iloc[row] == value


@pytest.mark.slow  # a property test of many examples; make test runs it
@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURE_OK)
@given(blob=st.binary(max_size=400))
def test_any_bytes_are_a_clear_fault(evidence_copy, blob):
    evidence_copy.write_bytes(blob)
    with pytest.raises(EvidenceError):
        load_evidence(evidence_copy)


def test_optional_columns_may_be_left_out(tmp_path):
    """A researcher's file needs only the required columns (and any optional ones it uses)."""
    _, rows = read_rows(DATA / "evidence.csv")
    required = [
        f["name"]
        for f in table_schema("evidence")["fields"]
        if f.get("constraints", {}).get("required")
    ]
    keep = [*required, "value", "value_low", "value_high", "unit", "ref_nos", "therapy"]
    review = [{k: r[k] for k in keep} for r in rows if r["source"] != "primary"][:5]
    path = tmp_path / "mine.csv"
    write_rows(path, keep, review)
    mine = load_evidence(path)
    assert len(mine) == 5 and list(mine.columns) == list(load_evidence().columns)


# --- data version and the counts in data/README.md ------------------------------------------------


def test_readme_counts_are_generated_from_the_data():
    from pnen_explorer import data, release

    readme = (DATA / "README.md").read_text(encoding="utf-8")
    start = readme.index(release.COUNTS_START)
    end = readme.index(release.COUNTS_END) + len(release.COUNTS_END)
    expected = release.readme_counts(DATA / "evidence.csv", data.data_version())
    assert readme[start:end] == expected, "regenerate the Counts section (data/README.md)"


def test_readme_and_citation_carry_the_data_version():
    from pnen_explorer import data

    version = data.data_version()
    assert version == "0.2.0"
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert f"Version {version}" in readme
    citation = (DATA.parent / "CITATION.cff").read_text(encoding="utf-8")
    assert f"\nversion: {version}\n" in citation


def test_readme_names_no_stale_counts():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert "91 rows" not in readme and "primary-018 to primary-043" not in readme


# --- faults in the user's words (issue: hardening) ------------------------------------------------


def test_a_cell_over_128_kib_is_named_as_such(evidence_copy):
    header, rows = read_rows(evidence_copy)
    rows[0]["note"] = "x" * (128 * 1024 + 1)
    write_rows(evidence_copy, header, rows)
    with pytest.raises(EvidenceError) as caught:
        load_evidence(evidence_copy)
    (fault,) = caught.value.faults
    assert "a cell is longer than 128 KiB" in str(fault)
    assert (fault.row, fault.column) == (1, "note")
    assert "field limit" not in str(caught.value)


def test_a_cell_of_exactly_128_kib_is_not_refused_for_length(evidence_copy):
    header, rows = read_rows(evidence_copy)
    rows[0]["note"] = "x" * (128 * 1024)
    write_rows(evidence_copy, header, rows)
    load_evidence(evidence_copy)


@pytest.mark.parametrize("blank", ["\n\n\n", "\r\n\r\n", " \n \n", ",,,\n"])
def test_a_header_followed_by_empty_lines_says_so(evidence_copy, blank):
    header = evidence_copy.read_text(encoding="utf-8").splitlines()[0]
    evidence_copy.write_text(header + "\n" + blank, encoding="utf-8")
    with pytest.raises(EvidenceError) as caught:
        load_evidence(evidence_copy)
    assert "the header is followed by empty lines" in str(caught.value)
    assert "unmatched-header" not in str(caught.value)
    assert "missing-label" not in str(caught.value)


def test_empty_lines_before_the_header_say_so(evidence_copy):
    evidence_copy.write_text("\n\n" + evidence_copy.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(EvidenceError, match="the file starts with an empty line"):
        load_evidence(evidence_copy)


def test_missing_cells_are_called_empty_never_none(evidence_copy):
    lines = evidence_copy.read_text(encoding="utf-8").splitlines()
    short = ",".join(next(csv.reader([lines[1]]))[:5])
    evidence_copy.write_text(lines[0] + "\n" + short + "\n", encoding="utf-8")
    with pytest.raises(EvidenceError) as caught:
        load_evidence(evidence_copy)
    text = str(caught.value)
    assert "None" not in text
    assert "the cell is empty" in text
    assert any(f.column == "statement" and f.row == 1 for f in caught.value.faults)


@pytest.mark.parametrize(
    "spelling", ["NAN", "nan", "NaN", "inf", "-inf", "Infinity", "-Infinity", "1e309"]
)
@pytest.mark.parametrize("column", ["value", "n_patients"])
def test_nan_and_infinity_in_a_number_column_are_a_clear_fault(evidence_copy, spelling, column):
    header, rows = read_rows(evidence_copy)
    rows[0][column] = spelling
    write_rows(evidence_copy, header, rows)
    with pytest.raises(EvidenceError) as caught:
        load_evidence(evidence_copy)
    assert any(
        f.row == 1 and f.column == column and f.value == spelling for f in caught.value.faults
    ), caught.value


def test_a_file_is_read_once(evidence_copy, monkeypatch):
    """The schema check works on the records already read: no second open of the file."""
    import builtins
    import os

    opened: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def counting_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def counting_os_open(path, *args, **kwargs):
        opened.append(str(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.setattr(os, "open", counting_os_open)
    load_evidence(evidence_copy, references=load_references(), therapies=load_therapies())
    assert opened.count(str(evidence_copy)) == 1


# --- the faults in Chinese (the page's upload speaks the page's language) ------------------------

ALLOWED_WORDS = {"CSV", "UTF", "NaN", "KiB", "MB", "DOI", "PMID", "PubMed", "G", "NEC", "I", "II"}
ALLOWED_WORDS |= {"III", "P"}


def english_words(text: str, path: Path) -> list[str]:
    """The English words of a fault outside its file name, quoted values, the codes it lists as
    accepted and the CSV reader's own words."""
    text = text.replace(str(path), "")
    text = re.sub(r"（CSV读取器提示：.*?）(?=$|\n)", "", text, flags=re.M)
    text = re.sub(r"以下之一：[^\n]*", "", text)
    text = re.sub(r"'[^']*'|“[^”]*”|\"[^\"]*\"", "", text)
    words = re.findall(r"[A-Za-z][A-Za-z_.\d-]*", text)
    return [w for w in words if w not in ALLOWED_WORDS and not re.search(r"[_.\d]", w)]


def both_languages(path: Path) -> tuple[EvidenceError, EvidenceError]:
    with pytest.raises(EvidenceError) as english:
        load_evidence(path)
    with speaking("zh"), pytest.raises(EvidenceError) as chinese:
        load_evidence(path)
    return english.value, chinese.value


def assert_same_faults_in_chinese(english: EvidenceError, chinese: EvidenceError, path: Path):
    where = [(f.file, f.row, f.line, f.column, f.value) for f in english.faults]
    assert [(f.file, f.row, f.line, f.column, f.value) for f in chinese.faults] == where
    for en, zh in zip(english.faults, chinese.faults, strict=True):
        with speaking("zh"):  # a fault is said where it is shown: the page's language
            said = str(zh)
        assert re.search(r"[\u4e00-\u9fff]", said), said
        assert english_words(said, path) == [], said
        assert meaning(said) == meaning(str(en)), (str(en), said)
    head = str(chinese).replace(str(path), "").splitlines()[0]
    assert re.fullmatch(r"中有\d+处错误(（仅显示前\d+处）)?：", head), head


@pytest.mark.parametrize("corrupt", ROW_CORRUPTIONS, ids=lambda f: f.__name__)
def test_row_faults_in_chinese_keep_file_row_column_and_numbers(evidence_copy, corrupt):
    header, rows = read_rows(evidence_copy)
    header, rows, _column, _row = corrupt(header, rows)
    write_rows(evidence_copy, header, rows)
    english, chinese = both_languages(evidence_copy)
    assert_same_faults_in_chinese(english, chinese, evidence_copy)
    assert str(english) == str(both_languages(evidence_copy)[0])  # English stays English


@pytest.mark.parametrize("case", FILE_CORRUPTIONS, ids=list(FILE_CORRUPTIONS))
def test_file_faults_in_chinese_keep_file_line_and_numbers(evidence_copy, case):
    content, _expected = FILE_CORRUPTIONS[case]
    evidence_copy.write_bytes(corrupted_file(evidence_copy, case) if content is None else content)
    english, chinese = both_languages(evidence_copy)
    assert_same_faults_in_chinese(english, chinese, evidence_copy)


def test_a_fault_reads_in_chinese_with_its_place_and_value():
    fault = Fault("mine.csv", "a number", 3, 4, "value", "abc")
    assert str(fault) == "mine.csv, row 3 (line 4), column 'value': got 'abc'; expected a number"
    with speaking("zh"):
        fault = Fault("mine.csv", _("a number"), 3, 4, "value", "abc")
        assert str(fault) == "mine.csv，数据第3行（文件第4行），“value”列：实际为'abc'；应为数字"
        assert str(Fault("mine.csv", _("an existing file"))) == "mine.csv：应为已存在的文件"
