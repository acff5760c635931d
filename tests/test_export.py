"""Exports: CSV that validates again and is inert in a spreadsheet; BibTeX and RIS; atomic saves."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from pnen_explorer import load_evidence, load_references
from pnen_explorer.export import (
    cited_references,
    evidence_csv,
    neutralise_formula,
    references_bibtex,
    references_ris,
    write_csv_atomically,
)

from .conftest import DATA


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-x", "'-x"),
        ("-5", "-5"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised(cell, expected):
    assert neutralise_formula(cell) == expected


def test_exported_csv_round_trips_through_the_loader(tmp_path):
    evidence = load_evidence()
    path = tmp_path / "export.csv"
    path.write_text(evidence_csv(evidence, extra=()), encoding="utf-8")
    again = load_evidence(path)
    pd.testing.assert_frame_equal(again, evidence)


def test_exported_csv_keeps_provenance_columns():
    frame = pd.read_csv(io.StringIO(evidence_csv(load_evidence())), dtype=str)
    assert {"evidence_id", "source", "section", "ref_nos", "statement", "note"} <= set(frame)


def test_bibtex_and_ris_cover_the_cited_references():
    evidence = load_evidence()
    cited = cited_references(evidence, load_references())
    assert len(cited) > 10
    bib, ris = references_bibtex(cited), references_ris(cited)
    assert bib.count("@article{") == len(cited)
    assert ris.count("TY  - JOUR") == len(cited) == ris.count("ER  - ")
    first = cited.iloc[0]
    assert first["title"] in ris


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
