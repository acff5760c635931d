"""A researcher's own evidence file, held to the curated table's contract and merged beside it.

Uploaded bytes are untrusted: they are size-checked, validated by the same loader as the
curated data, never evaluated, and never written over the curated files.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd

from pnen_explorer.data import EvidenceError, Fault, load_evidence
from pnen_explorer.i18n import _

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
"""Largest evidence file accepted from a page (2 MiB: some ten thousand rows)."""


def read_user_evidence(
    content: bytes, name: str, curated: pd.DataFrame
) -> tuple[pd.DataFrame | None, list[Fault]]:
    """Validate an uploaded evidence file; return its rows marked ``origin = "user"``, or faults.

    Every fault of the file is returned (file, row, line, column, value, expected), plus one per
    ``evidence_id`` that the curated table already uses. Their texts are in the language
    spoken where the file is read (the page's).
    """
    label = Path(name).name or "uploaded.csv"
    if len(content) > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // (1024 * 1024)
        expected = _("a file of at most {limit} MB (this one is larger)").format(limit=limit)
        return None, [Fault(label, expected)]
    if not label.lower().endswith(".csv"):
        return None, [Fault(label, _("a .csv file"))]
    with tempfile.TemporaryDirectory(prefix="pnen-upload-") as folder:
        path = Path(folder) / "upload.csv"  # never the sender's name: it may not be a valid path
        path.write_bytes(content)
        try:
            rows = load_evidence(path)
        except EvidenceError as exc:
            return None, [_renamed(f, label) for f in exc.faults]
    taken = set(curated["evidence_id"])
    unused = _("an evidence_id not used by the curated table")
    clashes = [
        Fault(label, unused, i + 1, None, "evidence_id", e)
        for i, e in enumerate(rows["evidence_id"])
        if e in taken
    ]
    if clashes:
        return None, clashes
    return rows.assign(origin="user"), []


def _renamed(fault: Fault, label: str) -> Fault:
    """The fault with the uploaded file's own name instead of the temporary path."""
    return replace(fault, file=label)


def merge_user_evidence(curated: pd.DataFrame, user: pd.DataFrame) -> pd.DataFrame:
    """The curated rows (``origin = "curated"``) followed by the user's rows."""
    base = curated.assign(origin="curated") if "origin" not in curated else curated
    base = base[base["origin"] != "user"]
    merged = pd.concat([base, user], ignore_index=True)
    for column in curated.columns:  # keep the categorical dtypes of the contract
        if isinstance(curated[column].dtype, pd.CategoricalDtype):
            merged[column] = pd.Categorical(merged[column], dtype=curated[column].dtype)
    return merged
