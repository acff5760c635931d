"""Exports: CSV that validates again and that no spreadsheet turns into formulas, whichever
separator it splits on; BibTeX and RIS that reference managers read back name by name; saves
that never leave half a file."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import textwrap

import bibtexparser
import pandas as pd
import pytest
import rispy
from bibtexparser import middlewares
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pnen_explorer import load_evidence, load_references
from pnen_explorer.export import (
    EXCEL_BOM,
    ascii_letters,
    cited_references,
    evidence_csv,
    formula_cells,
    neutralise_formula,
    parse_authors,
    references_bibtex,
    references_ris,
    table_csv,
    write_csv_atomically,
)

from .conftest import DATA

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def evaluated(cell: str) -> bool:
    """What a spreadsheet runs as a formula: text starting ``= + - @`` (after blanks and
    quotes) that is not a plain number."""
    text = cell.strip().strip('"').strip()
    return text[:1] in ("=", "+", "-", "@") and not NUMBER.fullmatch(text)


def cells_read_with(text: str, sep: str) -> list[str]:
    """Every cell of ``text`` as a spreadsheet splitting on ``sep`` (honouring quotes) reads it."""
    body = text.removeprefix(EXCEL_BOM)
    return [
        cell for row in csv.reader(io.StringIO(body, newline=""), delimiter=sep) for cell in row
    ]


def evaluated_cells(text: str) -> dict[str, list[str]]:
    found = {sep: [c for c in cells_read_with(text, sep) if evaluated(c)] for sep in ",;\t"}
    return {sep: cells for sep, cells in found.items() if cells}


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-x", "'-x"),
        ("-5", "-5"),
        ("+1.5e3", "+1.5e3"),
        ("-inf", "'-inf"),
        ("plain", "plain"),
        ("", ""),
        ("\tfoo", "'\tfoo"),
        # the probe's inputs: a formula after a separator or tab inside the cell
        ("x;=cmd|' /C calc'!A0", "x;'=cmd|' /C calc'!A0"),
        ("x\t=1+1", "x\t'=1+1"),
        ("a, +1", "a, '+1"),
        ('a;"=1', "a;\"'=1"),
        ("line one\r\n@two", "line one\r\n'@two"),
        ("range 3; -5", "range 3; '-5"),  # inside a cell even a number is made text
    ],
)
def test_formula_cells_are_neutralised(cell, expected):
    assert neutralise_formula(cell) == expected


def test_the_probe_inputs_are_inert_and_load_again(tmp_path):
    """Uploaded cells that opened formulas in spreadsheets splitting on ';' or tab."""
    evidence = load_evidence().head(3).copy()
    evidence["timepoint"] = evidence["timepoint"].astype(object)
    evidence.loc[0, "timepoint"] = "x;=cmd|' /C calc'!A0"
    evidence.loc[1, "statement"] = "x\t=1+1"
    text = evidence_csv(evidence, extra=())
    assert evaluated_cells(text) == {}
    assert formula_cells(text) == []
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8", newline="")
    again = load_evidence(path)
    assert again.loc[0, "timepoint"] == "x;'=cmd|' /C calc'!A0"
    assert again.loc[1, "statement"] == "x\t'=1+1"


def test_every_text_cell_is_quoted_and_numbers_are_not():
    frame = pd.DataFrame({"id": ["a", "b"], "value": [22.0, -0.5], "note": ["", "x"]})
    assert table_csv(frame).split("\r\n") == [
        '"id","value","note"',
        '"a",22,""',
        '"b",-0.5,"x"',
        "",
    ]


def test_a_negative_number_that_starts_a_row_is_made_text():
    """A row's first cell starts a cell for every separator, and the rest of the row follows."""
    text = table_csv(pd.DataFrame({"value": [-5.0, 3.0], "note": ["x", "y"]}))
    assert text.splitlines()[1:] == ['"\'-5","x"', '3,"y"']
    assert formula_cells(text) == [] and evaluated_cells(text) == {}


HOSTILE = st.text(alphabet=st.sampled_from(list("=+-@,;\t\r\n\"' x1.eE")), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.lists(st.tuples(HOSTILE, HOSTILE), min_size=1, max_size=4),
    numbers=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=4, max_size=4),
    number_first=st.booleans(),
)
def test_no_reading_of_an_export_finds_a_formula(text, numbers, number_first):
    rows = len(text)
    frame = pd.DataFrame(
        {
            "a": [t[0] for t in text],
            "n": (numbers * rows)[:rows],
            "b": [t[1] for t in text],
        }
    )
    if number_first:
        frame = frame[["n", "a", "b"]]
    for bom in (False, True):
        out = table_csv(frame, bom=bom)
        assert evaluated_cells(out) == {}, out
        assert formula_cells(out) == [], out
        # neutralising only ever adds apostrophes: read back, each text cell is still the user's
        back = cells_read_with(out, ",")
        width = len(frame.columns)
        for i, row in enumerate(frame.itertuples(index=False)):
            for j, value in enumerate(row):
                if isinstance(value, str):
                    assert back[(i + 1) * width + j].replace("'", "") == value.replace("'", "")


def test_exported_csv_round_trips_through_the_loader(tmp_path):
    evidence = load_evidence()
    for bom in (False, True):
        path = tmp_path / f"export-{bom}.csv"
        path.write_text(evidence_csv(evidence, extra=(), bom=bom), encoding="utf-8", newline="")
        assert path.read_bytes().startswith(b"\xef\xbb\xbf") == bom
        pd.testing.assert_frame_equal(load_evidence(path), evidence)


def test_exported_csv_keeps_provenance_and_extra_columns():
    matched = load_evidence().assign(match="fits", why="-", origin="curated")
    frame = pd.read_csv(io.StringIO(evidence_csv(matched, extra=("match", "origin"))), dtype=str)
    assert list(frame.columns[:3]) == ["evidence_id", "source", "section"]
    assert {"ref_nos", "statement", "note", "match", "origin"} <= set(frame)
    assert "why" not in frame
    assert frame["evidence_id"].tolist() == matched["evidence_id"].tolist()


def test_an_unsafe_text_is_never_saved(tmp_path):
    target = tmp_path / "mine.csv"
    with pytest.raises(ValueError, match="evaluate"):
        write_csv_atomically('"id","x;=1+1"\r\n', target)
    assert not target.exists()
    saved = write_csv_atomically(pd.DataFrame({"id": ["a"], "x": ["x;=1+1"]}), target, bom=True)
    assert saved.read_bytes().decode("utf-8") == '\ufeff"id","x"\r\n"a","x;\'=1+1"\r\n'


def test_curated_data_is_never_a_save_target():
    with pytest.raises(ValueError, match="curated"):
        write_csv_atomically("x", DATA / "evidence.csv")


def test_interrupted_save_leaves_the_previous_file_whole(tmp_path):
    target = tmp_path / "mine.csv"
    target.write_text("the previous table\n", encoding="utf-8")
    writer = textwrap.dedent(
        f"""
        import os, sys, time
        import pnen_explorer.export as ex
        real = os.fsync
        def slow(fd):
            print("writing", flush=True)
            time.sleep(60)
        ex.os.fsync = slow
        ex.write_csv_atomically("x" * 10_000_000, {str(target)!r})
        """
    )
    process = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "writing"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()
    assert target.read_text(encoding="utf-8") == "the previous table\n"
    write_csv_atomically("the new table\n", target)
    assert target.read_text(encoding="utf-8") == "the new table\n"


# --- BibTeX and RIS ----------------------------------------------------------------------------


def expected_families(authors: str) -> tuple[list[str], bool]:
    """Family names read from the printed list independently of the exporter: every name but
    its last word (the initials)."""
    names = [n.strip() for n in authors.strip().rstrip(".").split(",")]
    others = names[-1] == "et al"
    names = names[:-1] if others else names
    return [n.rsplit(" ", 1)[0] for n in names], others


@pytest.fixture(scope="module")
def references() -> pd.DataFrame:
    refs = load_references()
    assert len(refs) == 64
    return refs


def test_bibtex_gives_every_author_of_all_64_references_the_right_family_name(references):
    text = references_bibtex(references)
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            middlewares.LatexDecodingMiddleware(),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
        ],
    )
    assert library.failed_blocks == []
    entries = {e.key: e for e in library.entries}
    assert len(entries) == 66  # the two source reviews and the 64 references
    assert all(key.isascii() for key in entries)
    by_number = {
        int(re.search(r"_ref(\d+)$", k).group(1)): e for k, e in entries.items() if "_ref" in k
    }
    assert sorted(by_number) == list(range(1, 65))
    for row in references.itertuples():
        entry = by_number[row.ref_no]
        families, others = expected_families(row.authors)
        names = entry["author"]
        if others:
            assert names[-1].last == ["others"], row.authors
            names = names[:-1]
        assert [" ".join(n.von + n.last) for n in names] == families, row.authors
        assert all(n.first and all(p.endswith(".") for p in n.first) for n in names)
        assert entry["title"].strip("{}") == row.title
        assert entry["year"] == str(row.year)
        assert entry.fields_dict.get("doi", None) is None or entry["doi"] == row.doi
    assert by_number[62].key == "Oberg2020_ref62"
    assert [n.last for n in by_number[62]["author"][:1]] == [["Öberg"]]
    assert by_number[38]["author"][1].von == ["van"]  # Soulen MC, van Houten D
    assert by_number[54]["author"][2].first == ["A.", "J.", "B."]  # McEwan AJB


def test_bibtex_and_ris_start_with_the_two_source_reviews(references):
    bib = bibtexparser.parse_string(references_bibtex(references.head(1)))
    lu, xue = bib.entries[:2]
    assert (lu.key, lu["journal"], lu["volume"], lu["number"], lu["pages"]) == (
        "lu2025",
        "Chin J Gen Surg",
        "34",
        "3",
        "555--562",
    )
    assert lu["doi"] == "10.7659/j.issn.1005-6947.230441"
    assert lu["author"].startswith("Lu, S. L. and Wang, X. B.")
    assert (xue.key, xue["volume"], xue["pages"], xue["doi"]) == (
        "xue2025",
        "16",
        "1601185",
        "10.3389/fendo.2025.1601185",
    )
    ris = rispy.loads(references_ris(references.head(1)))
    assert [r["id"] for r in ris] == ["lu2025", "xue2025", "Ali2021_ref1"]
    assert (ris[0]["volume"], ris[0]["number"], ris[0]["start_page"], ris[0]["end_page"]) == (
        "34",
        "3",
        "555",
        "562",
    )
    assert ris[1]["authors"][-1] == "Cai, J. Q."
    only_refs = references_bibtex(references.head(1), sources=())
    assert [e.key for e in bibtexparser.parse_string(only_refs).entries] == ["Ali2021_ref1"]


def test_ris_gives_every_author_of_all_64_references_the_right_family_name(references):
    records = rispy.loads(references_ris(references))
    assert len(records) == 66
    by_number = {
        int(re.search(r"_ref(\d+)$", r["id"]).group(1)): r for r in records if "_ref" in r["id"]
    }
    assert sorted(by_number) == list(range(1, 65))
    for row in references.itertuples():
        record = by_number[row.ref_no]
        families, others = expected_families(row.authors)
        assert [a.split(", ")[0] for a in record["authors"]] == families, row.authors
        assert all(re.fullmatch(r"[^,]+, ([A-Z\u00c0-\u00de]\. ?)+", a) for a in record["authors"])
        assert any("Further authors" in n for n in record.get("notes", [])) == others
        assert record["title"] == row.title
        assert record["year"] == str(row.year)
        assert record["type_of_reference"] == "JOUR"


def test_volume_issue_and_pages_are_exported_where_the_table_has_them(references):
    refs = references[references["ref_no"] == 62].assign(volume="31", issue="2", pages="202-212")
    entry = bibtexparser.parse_string(references_bibtex(refs, sources=())).entries[0]
    assert (entry["volume"], entry["number"], entry["pages"]) == ("31", "2", "202--212")
    record = rispy.loads(references_ris(refs, sources=()))[0]
    assert (record["volume"], record["number"], record["start_page"], record["end_page"]) == (
        "31",
        "2",
        "202",
        "212",
    )


def test_latex_special_characters_in_titles_survive(references):
    title = "50% of R&D_costs: {braces}, #1 and $5 ~ 3"
    refs = references.head(1).assign(title=title)
    bib = references_bibtex(refs, sources=())
    decoded = bibtexparser.parse_string(
        bib, append_middleware=[middlewares.LatexDecodingMiddleware()]
    ).entries[0]
    assert decoded["title"].strip("{}").replace(" ", "") == title.replace(" ", "")
    assert rispy.loads(references_ris(refs, sources=()))[0]["title"] == title


def test_cited_references_are_those_the_evidence_cites(references):
    evidence = load_evidence()
    cited = cited_references(evidence, references)
    expected = sorted({n for refs in evidence["ref_nos"] for n in refs})
    assert cited["ref_no"].tolist() == expected


@pytest.mark.parametrize(
    ("printed", "families", "others"),
    [
        ("Ali H, Pamarthy R, Vallabhaneni M, et al.", ["Ali", "Pamarthy", "Vallabhaneni"], True),
        ("Barthet M.", ["Barthet"], False),
        (
            "Garcia-Alvarez A, Cubero JH, Capdevila J.",
            ["Garcia-Alvarez", "Cubero", "Capdevila"],
            False,
        ),
        ("NETTER-1 Study Group", ["NETTER-1 Study Group"], False),
    ],
)
def test_printed_author_lists_are_read_name_by_name(printed, families, others):
    authors, more = parse_authors(printed)
    assert [a.family for a in authors] == families
    assert more == others


def test_cite_keys_are_ascii_letters():
    assert ascii_letters("Öberg") == "Oberg"
    assert ascii_letters("Søreide") == "Soreide"
    assert ascii_letters("李") == ""
