"""Which evidence rows speak to a given patient, and, for the others, why not.

A row's applicability columns say which patients its figure is about; empty means "not
restricted". For a profile each row is:

- ``not_restricted``: every applicability column is empty;
- ``excluded``: at least one stated restriction contradicts what the profile knows;
- ``matches``: otherwise. A field the profile does not know never excludes a row; the column
  ``unknown`` names the fields the row restricts but the profile leaves open.

The work is vectorised: each applicability column is factorised once, compared per distinct
value, and broadcast back, so the cost grows with the rows only through numpy operations.
Sentences in ``why`` are built once per distinct kind of exclusion.

Ki-67 bounds follow the contract: ``ki67_min_inclusive`` and ``ki67_max_inclusive`` say whether
a Ki-67 equal to the bound is inside the population (NETTER-2's 10 % to 55 %, both included);
an empty flag means ``>=`` at the lower end and ``<`` at the upper end.

:func:`pancreatic_only` keeps the rows whose population is pancreatic by the ``tumour_site``
column (the contract's primary-site vocabulary, ``vocabulary.TUMOUR_SITES``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pnen_explorer.profile import Profile

MATCH_LEVELS = ("matches", "not_restricted", "excluded")
APPLICABILITY_COLUMNS = (
    "grades",
    "ki67_min",
    "ki67_max",
    "functional",
    "liver_types",
    "resectable",
    "sstr_positive",
    "extrahepatic",
)

# For the yes/no columns: the profile field, how a restricted row reads, how the patient reads.
_FLAGS = {
    "functional": (
        ("functional tumours", "non-functional tumours"),
        ("functional", "non-functional"),
    ),
    "resectable": (
        ("resectable disease", "unresectable disease"),
        ("resectable", "not resectable"),
    ),
    "sstr_positive": (
        ("SSTR-positive tumours", "SSTR-negative tumours"),
        ("SSTR-positive", "SSTR-negative"),
    ),
    "extrahepatic": (
        ("extrahepatic disease", "liver-only disease"),
        ("with extrahepatic disease", "without extrahepatic disease"),
    ),
}


@dataclass(frozen=True)
class _Check:
    """One profile field against one restriction, for every row at once."""

    field: str  # profile field (``grade`` for the grades column)
    restricted: np.ndarray  # bool: the row states this restriction
    fails: np.ndarray  # bool: the restriction contradicts the (known) profile
    codes: np.ndarray  # int: which distinct restriction the row states, 0 .. n_codes - 1
    n_codes: int
    describe: Callable[[int], str]  # how a restriction reads, by code ("G3 NET", "Ki-67 < 10 %")
    fact: str  # how the patient reads for this field ("G2", "Ki-67 8 %"); "" when unknown


def _as_tuple(cell: object) -> tuple[str, ...]:
    """A list cell as a tuple: parsed tuples pass, raw ``G1;G2`` text is split, empty is ()."""
    if isinstance(cell, tuple):
        return cell
    if isinstance(cell, str):
        return tuple(part for part in cell.split(";") if part)
    return ()


def _grade_name(grade: str) -> str:
    return "G3 NET" if grade == "G3" else grade


def _list_check(
    column: pd.Series,
    field: str,
    value: str | None,
    name: Callable[[tuple[str, ...]], str],
    fact: str,
) -> _Check:
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    items = [_as_tuple(u) for u in uniques]
    restricted = np.array([bool(i) for i in items], dtype=bool)
    admits = np.array([value in i for i in items], dtype=bool)
    fails = np.zeros(len(items), dtype=bool) if value is None else restricted & ~admits
    describe = lambda code: name(items[code])  # noqa: E731
    return _Check(field, restricted[codes], fails[codes], codes, len(items), describe, fact)


def _inclusive(evidence: pd.DataFrame, column: str, default: bool) -> np.ndarray:
    """Whether each row's Ki-67 bound includes the bound itself; empty or absent: ``default``."""
    if column not in evidence.columns:
        return np.full(len(evidence), default, dtype=bool)
    cells = evidence[column].astype(object)
    return np.where(cells == "yes", True, np.where(cells == "no", False, default)).astype(bool)


def _ki67_check(evidence: pd.DataFrame, ki67: float | None) -> _Check:
    """Ki-67 against ``[ki67_min, ki67_max]``, each end included or not as the row says
    (``ki67_min_inclusive``, ``ki67_max_inclusive``; empty means ``>=`` at the lower end and
    ``<`` at the upper end, the contract's defaults)."""
    low_v = evidence["ki67_min"].to_numpy(float)
    high_v = evidence["ki67_max"].to_numpy(float)
    low_in = _inclusive(evidence, "ki67_min_inclusive", True)
    high_in = _inclusive(evidence, "ki67_max_inclusive", False)
    restricted = ~np.isnan(low_v) | ~np.isnan(high_v)
    value = np.nan if ki67 is None else ki67  # NaN compares False: unknown or unbounded never fails
    below = np.where(low_in, value < low_v, value <= low_v)
    above = np.where(high_in, value > high_v, value >= high_v)
    fails = below | above
    low_codes, low_uniques = pd.factorize(low_v, use_na_sentinel=False)
    high_codes, high_uniques = pd.factorize(high_v, use_na_sentinel=False)
    n_high = len(high_uniques)
    combined = ((low_codes * n_high + high_codes) * 2 + low_in) * 2 + high_in
    codes, keys = pd.factorize(combined)

    def describe(code: int) -> str:
        rest, high_inc = divmod(int(keys[code]), 2)
        rest, low_inc = divmod(rest, 2)
        low_code, high_code = divmod(rest, n_high)
        return _ki67_range(
            low_uniques[low_code], high_uniques[high_code], bool(low_inc), bool(high_inc)
        )

    fact = "" if ki67 is None else f"Ki-67 {ki67:g} %"
    return _Check("ki67", restricted, fails, codes, len(keys), describe, fact)


def _ki67_range(low: float, high: float, low_in: bool = True, high_in: bool = False) -> str:
    """'Ki-67 < 10 %', 'Ki-67 ≥ 55 %', 'Ki-67 ≥ 10 % and ≤ 55 %': each bound as stated."""
    lower = f"{'≥' if low_in else '>'} {low:g} %"
    upper = f"{'≤' if high_in else '<'} {high:g} %"
    if np.isnan(low):
        return f"Ki-67 {upper}"
    if np.isnan(high):
        return f"Ki-67 {lower}"
    return f"Ki-67 {lower} and {upper}"


def _flag_check(column: pd.Series, field: str, value: bool | None) -> _Check:
    yes = (column == "yes").to_numpy(dtype=bool)
    no = (column == "no").to_numpy(dtype=bool)
    row_words, patient_words = _FLAGS[field]
    if value is None:
        fails, fact = np.zeros(len(yes), dtype=bool), ""
    else:
        fails, fact = (no if value else yes), patient_words[0 if value else 1]
    return _Check(field, yes | no, fails, no.astype(np.int64), 2, row_words.__getitem__, fact)


def _checks(evidence: pd.DataFrame, profile: Profile) -> list[_Check]:
    grade, liver = profile.grade, profile.liver_type
    return [
        _list_check(
            evidence["grades"],
            "grade",
            grade,
            lambda g: "/".join(_grade_name(x) for x in g),
            "" if grade is None else _grade_name(grade),
        ),
        _ki67_check(evidence, profile.ki67),
        _flag_check(evidence["functional"], "functional", profile.functional),
        _list_check(
            evidence["liver_types"],
            "liver_type",
            liver,
            lambda t: ("liver types " if len(t) > 1 else "liver type ") + "/".join(t),
            "" if liver is None else f"liver type {liver}",
        ),
        *(
            _flag_check(evidence[f], f, getattr(profile, f))
            for f in ("resectable", "sstr_positive", "extrahepatic")
        ),
    ]


def _why(checks: list[_Check], excluded: np.ndarray) -> np.ndarray:
    """One sentence per excluded row, composed once per distinct combination of reasons."""
    why = np.full(len(excluded), "", dtype=object)
    rows = np.flatnonzero(excluded)
    if not len(rows):
        return why
    key = np.zeros(len(rows), dtype=np.int64)
    for check in checks:
        component = np.where(check.fails[rows], check.codes[rows] + 1, 0)
        key = key * (check.n_codes + 1) + component
    first, inverse = _groups(key)
    reps = rows[first]  # one row per distinct combination
    about = [_described(c, reps).tolist() for c in checks]
    facts = [np.where(c.fails[reps], c.fact, "").tolist() for c in checks]
    sentences = [
        f"about {', '.join(filter(None, a))}; this patient: {', '.join(filter(None, f))}"
        for a, f in zip(zip(*about, strict=True), zip(*facts, strict=True), strict=True)
    ]
    why[rows] = _objects(sentences)[inverse]
    return why


def _described(check: _Check, rows: np.ndarray) -> np.ndarray:
    """How the restriction of each of ``rows`` reads where it fails, else ""; each distinct
    restriction is described once."""
    failing = check.fails[rows]
    codes = check.codes[rows]
    labels = np.full(check.n_codes, "", dtype=object)
    for code in np.unique(codes[failing]):
        labels[code] = check.describe(int(code))
    return np.where(failing, labels[codes], "")


def _unknown(checks: list[_Check]) -> np.ndarray:
    """For each row, the profile fields it restricts that the profile leaves unknown."""
    open_checks = [c for c in checks if not c.fact]
    key = np.zeros(len(checks[0].restricted), dtype=np.int64)
    for check in open_checks:
        key = key * 2 + check.restricted
    first, inverse = _groups(key)
    return _objects(
        [tuple(dict.fromkeys(c.field for c in open_checks if c.restricted[row])) for row in first]
    )[inverse]


def _groups(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each distinct key and each row's group, by hashing (no sort)."""
    groups, _ = pd.factorize(key)
    # Groups are numbered in order of first appearance: a new one raises the running maximum.
    first = np.flatnonzero(np.diff(np.maximum.accumulate(groups), prepend=-1))
    return first, groups


def _objects(items: Sequence) -> np.ndarray:
    """A 1-d object array of ``items`` (numpy would turn equal-length tuples into a 2-d array)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def match_evidence(evidence: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """The evidence table with three columns added.

    ``match`` (categorical: ``matches``, ``not_restricted``, ``excluded``), ``why`` (for
    excluded rows, what the row is about and what the patient is, e.g. ``about G3 NET,
    Ki-67 > 20 % and < 55 %; this patient: G2, Ki-67 8 %``; empty otherwise) and
    ``unknown`` (tuple of the profile fields the row restricts but the profile does not know).
    """
    missing = [c for c in APPLICABILITY_COLUMNS if c not in evidence.columns]
    if missing:
        raise ValueError(f"the evidence table lacks applicability columns: {', '.join(missing)}")
    checks = _checks(evidence, profile)
    excluded = np.logical_or.reduce([c.fails for c in checks])
    restricted = np.logical_or.reduce([c.restricted for c in checks])
    codes = np.where(excluded, 2, np.where(restricted, 0, 1))
    return evidence.assign(
        match=pd.Categorical.from_codes(codes, categories=MATCH_LEVELS),
        why=_why(checks, excluded),
        unknown=_unknown(checks),
    )


def filter_evidence(evidence: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """The rows of :func:`match_evidence` that are not excluded (``matches`` or
    ``not_restricted``), with its ``match`` and ``unknown`` columns."""
    matched = match_evidence(evidence, profile)
    return matched[matched["match"] != "excluded"].drop(columns="why")


def pancreatic_only(evidence: pd.DataFrame, *, include_mixed: bool = False) -> pd.DataFrame:
    """The rows whose population is pancreatic (``tumour_site == "pancreatic"``).

    With ``include_mixed=True`` the rows whose population mixes pancreatic with other
    gastroenteropancreatic primaries (``gep_mixed``) are kept too. Rows of other sites, of
    several sites beyond the GEP tract, or whose source does not state a site are left out.
    Raises ``ValueError`` if the table has no ``tumour_site`` column.
    """
    if "tumour_site" not in evidence.columns:
        raise ValueError("the evidence table lacks the tumour_site column (data version 0.2.0 on)")
    sites = ("pancreatic", "gep_mixed") if include_mixed else ("pancreatic",)
    return evidence[evidence["tumour_site"].astype(object).isin(sites)]
