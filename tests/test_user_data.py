"""A researcher's own evidence file: validated like the curated one, merged, never run, and the
curated data never touched."""

from __future__ import annotations

import csv
import hashlib
import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pnen_explorer import load_evidence
from pnen_explorer.app import Explorer
from pnen_explorer.export import evidence_csv, formula_cells
from pnen_explorer.i18n import _, speaking
from pnen_explorer.translations import meaning
from pnen_explorer.user_data import MAX_UPLOAD_BYTES, merge_user_evidence, read_user_evidence

from .conftest import DATA

HOSTILE_STATEMENT = "<script>alert(1)</script>"
HOSTILE_POPULATION = '=HYPERLINK("http://x","y")'


def curated_state() -> dict[str, str]:
    """Every file in data/ and its digest: uploads must neither change nor add any."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in DATA.iterdir()}


@pytest.fixture(scope="module", autouse=True)
def curated_untouched():
    before = curated_state()
    yield
    assert curated_state() == before


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


def upload(explorer: Explorer, content: bytes, name: str = "mine.csv") -> str:
    """Hand a file to the explorer as the upload widget does; return the report shown."""
    tab = explorer.views["evidence"]
    tab._on_upload({"new": ({"name": name, "content": memoryview(content)},)})
    return tab.upload_report.value


def downloaded_csv(explorer: Explorer) -> str:
    """The evidence CSV that the page's download button is sent when clicked."""
    (button,) = [b for b in explorer.views["evidence"].downloads if b.filename.endswith(".csv")]
    return button.build()


def exported_cells(csv_text: str, sep: str = ",") -> list[str]:
    reader = csv.reader(io.StringIO(csv_text, newline=""), delimiter=sep)
    return [cell for row in reader for cell in row]


def evaluated(cell: str) -> bool:
    """Whether a spreadsheet runs the cell as a formula (a number is data)."""
    text = cell.strip().strip('"').strip()
    return text[:1] in ("=", "+", "-", "@") and not re.fullmatch(r"[+-]?\d+(\.\d+)?", text)


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
        (b"evidence_id\n", "mine.csv\x00.txt", ".csv"),
        (bytes(range(256)), "blob.csv", "binary"),
        ("évidence".encode("latin-1"), "latin.csv", "UTF-8"),
        ("evidence_id\n".encode("utf-16"), "wide.csv", "binary"),
        (b"", "empty.csv", "empty"),
        (own_file(rows=0), "header.csv", "at least one data row"),
        (own_file().replace(b",", b";"), "semi.csv", "comma-separated"),
        (own_file(statement="STRAY").replace(b"STRAY", b'"a" b'), "quotes.csv", "quotes only"),
    ],
    ids=[
        "too-large",
        "not-csv",
        "nul-in-name",
        "binary",
        "not-utf8",
        "utf16",
        "empty",
        "header-only",
        "semicolons",
        "stray-quotes",
    ],
)
def test_unusable_files_are_refused_with_a_reason(curated, content, name, expected):
    rows, faults = read_user_evidence(content, name, curated)
    assert rows is None and any(expected in str(f) for f in faults), faults
    assert all(f.file == name.rsplit("/", 1)[-1] for f in faults)  # the name the user knows


def test_a_file_of_exactly_the_limit_is_not_refused_for_size(curated):
    _, faults = read_user_evidence(b"x" * MAX_UPLOAD_BYTES, "big.csv", curated)
    assert faults and not any("MB" in str(f) for f in faults)  # refused, but not for its size


@pytest.mark.parametrize(
    "name",
    ["a\x00.csv", "x" * 300 + ".csv", "\ud800.csv", "../../etc/x.csv", ".csv", "MINE.CSV", "/"],
    ids=["nul", "300-chars", "lone-surrogate", "traversal", "dot-csv", "upper-case", "slash"],
)
def test_any_file_name_is_only_a_label(curated, name):
    rows, faults = read_user_evidence(own_file(), name, curated)
    assert faults == [] and len(rows) == 2
    rows, faults = read_user_evidence(own_file(value="lots"), name, curated)  # still checked
    assert rows is None and {f.column for f in faults} == {"value"}


@pytest.mark.slow  # a property test of many examples; make test runs it
@settings(max_examples=15, deadline=None)
@given(name=st.text(max_size=40).map(lambda s: s + ".csv"))
def test_any_file_name_of_a_valid_file_gives_its_rows(curated, name):
    rows, faults = read_user_evidence(own_file(), name, curated)
    assert faults == [] and list(rows["evidence_id"]) == ["primary-900", "primary-901"]


def test_ids_that_clash_with_the_curated_table_are_faults(curated):
    content = (
        own_file().replace(b"primary-900", b"primary-001").replace(b"primary-901", b"lu2025-002")
    )
    rows, faults = read_user_evidence(content, "mine.csv", curated)
    assert rows is None and {(f.row, f.column) for f in faults} == {
        (1, "evidence_id"),
        (2, "evidence_id"),
    }


def test_a_huge_cell_gives_rows_or_faults(curated):
    # The first read in a process refuses a cell over the CSV reader's 128 KiB field limit;
    # once the validation library is loaded it lifts that limit. Either way: no exception.
    rows, faults = read_user_evidence(own_file(statement="x" * 200_000), "big.csv", curated)
    assert (rows is None) != (faults == [])


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"value": "lots"}, "value"),
        ({"outcome": "=cmd|' /C calc'!A0"}, "outcome"),
        ({"ref_nos": "99999"}, "ref_nos"),
        ({"therapy": "<b>x</b>"}, "therapy"),
        ({"n_patients": "-5"}, "n_patients"),
        ({"grades": "G4"}, "grades"),
    ],
)
def test_a_bad_cell_names_row_and_column(curated, cells, column):
    rows, faults = read_user_evidence(own_file(**cells), "mine.csv", curated)
    assert rows is None
    assert any(f.row == 1 and f.column == column for f in faults), faults


@pytest.mark.parametrize("change", ["drop the last cell", "add a cell"])
def test_a_row_of_the_wrong_width_names_its_row(curated, change):
    header, first, rest = own_file().split(b"\r\n", 2)
    first = first.rsplit(b",", 1)[0] if change == "drop the last cell" else first + b",extra"
    rows, faults = read_user_evidence(b"\r\n".join([header, first, rest]), "mine.csv", curated)
    assert rows is None and any(f.row == 1 and "cells" in f.expected for f in faults), faults


@settings(max_examples=60, deadline=None)
@given(content=st.binary(max_size=2000))
def test_any_bytes_give_rows_or_faults(curated, content):
    rows, faults = read_user_evidence(content, "fuzz.csv", curated)
    assert (rows is None) != (faults == [])


@pytest.mark.slow  # a property test of many examples; make test runs it
@settings(max_examples=25, deadline=None)
@given(
    cell=st.text(max_size=60),
    column=st.sampled_from(
        ["statement", "population", "value", "ref_nos", "grades", "unit", "p_value"]
    ),
)
def test_any_cell_gives_rows_or_faults(curated, cell, column):
    rows, faults = read_user_evidence(own_file(**{column: cell}), "fuzz.csv", curated)
    assert (rows is None) != (faults == [])


HOSTILE_TEXT = st.text(alphabet=st.sampled_from(list("=+-@\t\r\n ,;\"'1x")), min_size=1)


@pytest.fixture(scope="module")
def uploaded(curated):
    rows, faults = read_user_evidence(own_file(), "mine.csv", curated)
    assert faults == []
    return rows


@pytest.mark.slow  # a property test of many examples; make test runs it
@settings(max_examples=50, deadline=None)
@given(text=HOSTILE_TEXT | st.text(max_size=30))
def test_no_reading_of_an_exported_upload_finds_a_formula(uploaded, text):
    rows = uploaded.assign(statement=text, note=text)  # any text an upload may hold
    exported = evidence_csv(rows, extra=("origin",))
    for sep in ",;\t":
        assert not [c for c in exported_cells(exported, sep) if evaluated(c)], sep
    assert formula_cells(exported) == []
    records = list(csv.DictReader(io.StringIO(exported, newline="")))
    assert len(records) == 2  # a line break inside a cell starts no row
    for record in records:  # inert by added apostrophes only
        assert record["statement"].replace("'", "") == text.replace("'", "")


@pytest.mark.parametrize(
    ("cell", "exported"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t'=1"),  # a spreadsheet splitting on tabs starts a cell after the tab
        ("\r=1", "'\r'=1"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("x;=cmd|' /C calc'!A0", "x;'=cmd|' /C calc'!A0"),
        ("x\t=1+1", "x\t'=1+1"),
        (HOSTILE_POPULATION, "'" + HOSTILE_POPULATION),
    ],
)
def test_formula_cells_of_an_upload_are_exported_inert(curated, cell, exported):
    rows, faults = read_user_evidence(own_file(population=cell), "mine.csv", curated)
    assert faults == []
    text = evidence_csv(merge_user_evidence(curated, rows), extra=("origin",))
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(records) == len(curated) + 2  # a carriage return does not start a new row
    assert [r["population"] for r in records[-2:]] == [exported] * 2
    assert formula_cells(text) == []


def test_hostile_cells_are_shown_as_text_and_exported_inert(curated):
    content = own_file(statement=HOSTILE_STATEMENT, population=HOSTILE_POPULATION)
    explorer = Explorer()
    assert "Added 2 row(s)" in upload(explorer, content)
    explorer.session.show_excluded = True
    explorer.session.tab = "evidence"
    table = explorer.views["evidence"].table.value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in table and "<script>" not in table
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in table
    records = csv.DictReader(io.StringIO(downloaded_csv(explorer), newline=""))
    yours = [r["population"] for r in records if r["origin"] == "user"]
    assert yours == ["'" + HOSTILE_POPULATION] * 2


def test_markup_in_a_file_name_or_header_is_reported_as_text(curated):
    explorer = Explorer()
    header_attack = own_file().replace(b"note,", b"<img src=x onerror=alert(1)>,", 1)
    report = upload(explorer, header_attack, name="<img src=x onerror=alert(1)>.csv")
    assert "nothing was added" in report and "<img" not in report
    assert "&lt;img src=x onerror=alert(1)&gt;" in report


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (own_file(value="lots", unit="%"), "<b>mine</b>.csv", ("value", "unit")),
        (b"\x00" * (MAX_UPLOAD_BYTES + 1), "huge.csv", ("at most 2 MB",)),
        (bytes(range(256)) * 4, "blob.csv", ("binary",)),
        (own_file(), "notes.txt", (".csv",)),
    ],
    ids=["bad-cells", "too-large", "binary", "not-csv"],
)
def test_a_rejected_upload_reports_every_fault_in_the_page(curated, content, name, expected):
    explorer = Explorer()
    report = upload(explorer, content, name)
    assert "nothing was added" in report and all(word in report for word in expected), report
    assert "<b>mine</b>" not in report and "Something went wrong" not in report
    assert len(explorer.session.evidence) == len(curated)


# --- in Chinese: the upload's faults, the page's refusal and the buttons' words ------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


def english_sentence(text: str) -> str | None:
    """Two English words in a row outside quotes and codes (a sentence left untranslated)."""
    text = re.sub(r"'[^']*'|“[^”]*”|\"[^\"]*\"|\{\w+\}", "", text)
    found = re.search(r"\b[a-z]{2,}[ ,]+[a-z]{2,}\b", text)
    return found.group(0) if found else None


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"x" * (MAX_UPLOAD_BYTES + 1), "big.csv"),
        (b"evidence_id\n", "notes.txt"),
        (bytes(range(256)), "blob.csv"),
        ("évidence".encode("latin-1"), "latin.csv"),
        (b"", "empty.csv"),
        (own_file(rows=0), "header.csv"),
        (own_file().replace(b",", b";"), "semi.csv"),
        (own_file(value="lots", unit="%"), "cells.csv"),
        (own_file(evidence_id="lu2025-001"), "taken.csv"),
    ],
    ids=[
        "too-large",
        "not-csv",
        "binary",
        "not-utf8",
        "empty",
        "header-only",
        "semicolons",
        "bad-cells",
        "id-taken",
    ],
)
def test_upload_faults_in_chinese_keep_place_and_numbers(curated, content, name):
    _, english = read_user_evidence(content, name, curated)
    with speaking("zh"):
        _, chinese = read_user_evidence(content, name, curated)
        said = [str(f) for f in chinese]
    place = [(f.file, f.row, f.line, f.column, f.value) for f in english]
    assert [(f.file, f.row, f.line, f.column, f.value) for f in chinese] == place
    for en, zh in zip(english, said, strict=True):
        assert CJK.search(zh) and english_sentence(zh.split("以下之一：")[0]) is None, zh
        assert meaning(zh) == meaning(str(en)), (str(en), zh)


def test_the_upload_button_speaks_the_language_its_description_was_set_in():
    from pnen_explorer.views.upload import UploadButton

    with speaking("zh"):
        widget = UploadButton(max_bytes=2 * 2**20, accept=".csv")
        widget.description = _("Add your evidence (.csv)")
    assert CJK.search(widget.description)
    english_texts = {
        "too_large": "{name}: the file is {size}; files of at most {limit} are accepted. "
        "Nothing was sent and nothing was added.",
        "sending": "Sending {name} ({size})…",
        "unreadable": "{name} could not be read by the browser: {error}",
    }
    assert set(widget.texts) == set(english_texts)
    for key, text in widget.texts.items():  # templates the page fills in: the same {names}
        assert CJK.search(text) and english_sentence(text) is None, text
        assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", english_texts[key]))
    sent: list[dict] = []
    widget.send = sent.append
    widget._on_message(widget, {"kind": "file", "name": "big.csv"}, [b"x" * (3 * 2**20)])
    refused = sent[-1]["text"]
    assert sent[-1]["kind"] == "refused" and "big.csv" in refused and "2.0 MB" in refused
    assert "3.0 MB" in refused and CJK.search(refused) and english_sentence(refused) is None
    widget._on_message(widget, {"kind": "file", "name": "ok.csv"}, [b"a,b\n"])
    assert sent[-1]["kind"] == "received" and CJK.search(sent[-1]["text"])
    widget.description = "Add your evidence (.csv)"  # set in English: all of it back in English
    assert widget.texts == english_texts
    widget._on_message(widget, {"kind": "file", "name": "ok.csv"}, [b"a,b\n"])
    assert sent[-1]["text"] == "ok.csv received (1 KB)."


def test_a_download_button_says_preparing_in_the_language_of_its_label():
    from pnen_explorer.views.download import DownloadButton

    button = DownloadButton("", "pnen-evidence.csv", "text/csv", lambda: "a,b\n")
    assert button.preparing == "{label} (preparing…)"
    with speaking("zh"):
        button.label = _("Evidence table (CSV)")
    assert button.label == "证据表（CSV）" and button.preparing == "{label}（准备中…）"
    sent: list[dict] = []
    button.send = sent.append
    button.build = lambda: 1 / 0
    button._on_message(button, {"kind": "build"}, None)
    assert CJK.search(sent[-1]["text"]) and "server" not in sent[-1]["text"]
