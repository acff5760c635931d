"""Therapy cards: each verdict with what it presupposes, the evidence that fits, and its strength.

A card is the guidance for one therapy (:func:`pnen_explorer.guidance.applicable_therapies`)
joined to the evidence rows of that therapy's family (``data/therapies.csv``,
``guidance_therapy``): the rows that fit the patient, the rows about other patients, and the
**evidence base** computed from the fitting rows.

The evidence base counts *studies*, not rows: primary rows are one study per study name (else per
DOI), however many publications or rows it has; a review row stands for each reference it cites
(by the reference's DOI, else its number), and a cited DOI that a primary row carries is that
primary study, so a trial read both in a review and in its own publication counts once; a review
row that cites nothing is a statement of the review. Each study takes the strongest design any of
its rows gives it and the tumour sites of its rows. In words: ``"2 phase 3 trials, both
pancreatic; 1 retrospective series, mixed-site"``; as a level, the strongest of
:data:`LEVELS`:

- ``randomised``: a phase 3 or other randomised trial;
- ``prospective``: a prospective study;
- ``retrospective``: a retrospective series, a case report, or a meta-analysis (the data do not
  say whether a meta-analysis pooled randomised trials; the one on PRRT pooled single-arm
  studies, so it is not counted as randomised);
- ``review or expert statement only``: guidelines, reviews, the reviews' own statements,
  laboratory work, or cited studies whose design the data do not know.

Harms are the fitting rows whose outcome detail names safety, tolerability, adverse events,
toxicity, complications, morbidity or mortality (:data:`HARM_PATTERN`).

The same content is a table for notebooks (:func:`therapy_cards`) and cards on the dashboard
(:mod:`pnen_explorer.views.cards`). This summarises published reviews for teaching and research;
it is not decision support.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from pnen_explorer.i18n import N_, _, current
from pnen_explorer.matching import APPLICABILITY_COLUMNS, match_evidence
from pnen_explorer.profile import Profile
from pnen_explorer.translations import content, evidence_line, evidence_text, term
from pnen_explorer.vocabulary import TUMOUR_SITES
from pnen_explorer.wording import figure_text

LEVELS = ("randomised", "prospective", "retrospective", "review or expert statement only")
"""Evidence levels, strongest first."""
NO_LEVEL = "no fitting evidence"
"""The level of a therapy with no row that fits the patient."""

STATEMENT = "statement"
"""The design given to a review row that cites no study: the review's own statement."""

DESIGNS = (
    "rct_phase3",
    "rct",
    "meta_analysis",
    "prospective",
    "retrospective",
    "case_report",
    "guideline",
    "review",
    "preclinical",
    "unknown",
    STATEMENT,
)
"""Designs in the order the evidence base lists them, strongest first."""

DESIGN_LEVEL = {
    "rct_phase3": "randomised",
    "rct": "randomised",
    "prospective": "prospective",
    "meta_analysis": "retrospective",
    "retrospective": "retrospective",
    "case_report": "retrospective",
}
"""Design -> level; every other design is ``review or expert statement only``."""

DESIGN_WORDS = {
    "rct_phase3": ("phase 3 trial", "phase 3 trials"),
    "rct": ("randomised trial", "randomised trials"),
    "meta_analysis": ("meta-analysis", "meta-analyses"),
    "prospective": ("prospective study", "prospective studies"),
    "retrospective": ("retrospective series", "retrospective series"),
    "case_report": ("case report", "case reports"),
    "guideline": ("guideline", "guidelines"),
    "review": ("review", "reviews"),
    "preclinical": ("laboratory study", "laboratory studies"),
    "unknown": ("cited study of unstated design", "cited studies of unstated design"),
    STATEMENT: ("statement of a review", "statements of the reviews"),
}

SITE_WORDS = {
    "pancreatic": "pancreatic",
    "gep_mixed": "GEP",
    "mixed": "mixed-site",
    "midgut": "midgut",
    "extrapancreatic": "extrapancreatic",
    "all_nen": "all NEN sites",
    "not_stated": "site not stated",
}
"""How a tumour site reads in the evidence base."""

SITE_TAGS = {site: tag for site, tag in TUMOUR_SITES.items() if tag}
"""Short tags of the sites that are not pancreatic (from the vocabulary)."""

HARM_PATTERN = re.compile(
    r"\b(?:safety|safe|tolerab\w*|adverse events?|side[- ]effects?|toxicit\w*|complications?"
    r"|morbidity|mortality)\b",
    re.IGNORECASE,
)
"""An outcome detail that names a harm or safety finding."""


# --- study units ----------------------------------------------------------------------------------


def _doi_key(doi: object) -> str | None:
    if not isinstance(doi, str) or not doi.strip():
        return None
    text = doi.strip().lower().removeprefix("https://doi.org/").removeprefix("doi:")
    return f"doi:{text}"


def _refs(cell: object) -> tuple[int, ...]:
    if isinstance(cell, tuple):
        return tuple(int(n) for n in cell)
    if isinstance(cell, str) and cell.strip():
        return tuple(int(n) for n in cell.split(";") if n.strip())
    return ()


def _text(row: Mapping, column: str) -> str:
    value = row.get(column)
    return value if isinstance(value, str) else ""


@cache
def _curated_references() -> pd.DataFrame:
    from pnen_explorer.data import load_references

    return load_references()


@cache
def _curated_reference_index() -> dict[int, tuple[str | None, str, str]]:
    return _reference_index(_curated_references())


def _reference_index(references: pd.DataFrame | None) -> dict[int, tuple[str | None, str, str]]:
    """ref_no -> (study key from its DOI or None, study design, title in lower case)."""
    if references is None:
        return _curated_reference_index()
    refs = references
    index = {}
    for item in refs.itertuples(index=False):
        design = getattr(item, "study_design", "unknown")
        title = getattr(item, "title", "")
        index[int(item.ref_no)] = (
            _doi_key(getattr(item, "doi", None)),
            str(design or "unknown"),
            title.lower() if isinstance(title, str) else "",
        )
    return index


STUDY_COLUMNS = (
    "evidence_id",
    "source",
    "study_design",
    "tumour_site",
    "ref_nos",
    "doi",
    "study_name",
)
"""The columns that say which study a row comes from."""


def _records(rows: pd.DataFrame, columns: Iterable[str]) -> list[dict]:
    """The rows as plain dicts of the given columns (absent ones left out), quickly."""
    present = [c for c in columns if c in rows.columns]
    values = [rows[c].astype(object).tolist() for c in present]
    return [dict(zip(present, cells, strict=True)) for cells in zip(*values, strict=True)]


@dataclass(frozen=True)
class Study:
    """One study behind a set of rows: its key, strongest design, sites and row ids."""

    key: str
    design: str
    sites: tuple[str, ...]
    ids: tuple[str, ...]


def _stronger(a: str, b: str) -> str:
    order = {d: i for i, d in enumerate(DESIGNS)}
    return min(a, b, key=lambda d: order.get(d, len(DESIGNS)))


def studies(rows: pd.DataFrame, references: pd.DataFrame | None = None) -> list[Study]:
    """The studies behind evidence rows (see the module doc), strongest design first."""
    refs = _reference_index(references)
    found: dict[str, dict] = {}

    def add(key: str, design: str, site: str, evidence_id: str) -> None:
        entry = found.setdefault(key, {"design": design, "sites": set(), "ids": []})
        entry["design"] = _stronger(entry["design"], design)
        entry["sites"].add(site)
        if evidence_id not in entry["ids"]:
            entry["ids"].append(evidence_id)

    records = _records(rows, STUDY_COLUMNS)
    names = {
        _text(row, "study_name"): _doi_key(row.get("doi"))
        for row in records
        if _text(row, "source") == "primary" and _text(row, "study_name")
    }
    # A reference is a primary study when it has the study's DOI or names the study in its
    # title (SANET-ep, read in a publication other than the one the review cites).
    alias = {}
    for ref_key, _design, title in refs.values():
        for name, doi in names.items():
            if ref_key is not None and (ref_key == doi or name.lower() in title):
                alias[ref_key] = f"study:{name}"
    for row in records:
        evidence_id = str(row.get("evidence_id", ""))
        design = _text(row, "study_design") or "unknown"
        site = _text(row, "tumour_site") or "not_stated"
        numbers = _refs(row.get("ref_nos"))
        if _text(row, "source") == "primary":
            key = (
                (f"study:{row['study_name']}" if _text(row, "study_name") else None)
                or _doi_key(row.get("doi"))
                or f"row:{evidence_id}"
            )
            add(key, design, site, evidence_id)
        elif numbers:
            for number in numbers:
                ref_key, ref_design, _title = refs.get(number, (None, design, ""))
                # one cited reference: the row's design is the curated judgement for it
                add(
                    alias.get(ref_key, ref_key) or f"ref:{number}",
                    design if len(numbers) == 1 else ref_design,
                    site,
                    evidence_id,
                )
        else:
            add(f"row:{evidence_id}", STATEMENT, site, evidence_id)
    order = {d: i for i, d in enumerate(DESIGNS)}
    result = [
        Study(key, e["design"], tuple(s for s in TUMOUR_SITES if s in e["sites"]), tuple(e["ids"]))
        for key, e in found.items()
    ]
    return sorted(result, key=lambda s: order.get(s.design, len(DESIGNS)))


# --- evidence base ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceBase:
    """What the rows rest on: ``text`` in words, ``level`` (one of :data:`LEVELS` or
    :data:`NO_LEVEL`), ``sites`` (non-pancreatic site tags) and ``counts`` (design -> studies)."""

    text: str
    level: str
    sites: tuple[str, ...]
    counts: Mapping[str, int]


def _site_label(sites: tuple[str, ...]) -> str:
    return " and ".join(SITE_WORDS.get(s, s) for s in sites) or SITE_WORDS["not_stated"]


def _sites_phrase(labels: list[str]) -> str:
    """'pancreatic', 'both pancreatic', 'all midgut', '1 pancreatic, 1 midgut'."""
    tally = Counter(labels)
    if len(tally) == 1:
        label = labels[0]
        if len(labels) == 1:
            return label
        if label == SITE_WORDS["not_stated"]:
            return "sites not stated"
        return f"{'both' if len(labels) == 2 else 'all'} {label}"
    return ", ".join(f"{n} {label}" for label, n in tally.items())


def evidence_base(rows: pd.DataFrame, references: pd.DataFrame | None = None) -> EvidenceBase:
    """The evidence base of these rows, in words and as a level (see the module doc).

    >>> rows = pd.DataFrame({"evidence_id": ["a", "b"], "source": ["primary"] * 2,
    ...     "study_name": ["X", "Y"], "study_design": ["rct_phase3"] * 2,
    ...     "tumour_site": ["pancreatic"] * 2})
    >>> evidence_base(rows).text
    '2 phase 3 trials, both pancreatic'
    """
    if rows.empty:
        return EvidenceBase("no row fits this patient", NO_LEVEL, (), {})
    found = studies(rows, references)
    groups: dict[str, list[Study]] = {}
    for study in found:
        groups.setdefault(study.design, []).append(study)
    parts = []
    for design, members in groups.items():
        singular, plural = DESIGN_WORDS.get(design, (design, design))
        word = singular if len(members) == 1 else plural
        sites = _sites_phrase([_site_label(s.sites) for s in members])
        parts.append(f"{len(members)} {word}, {sites}")
    levels = [DESIGN_LEVEL.get(s.design, LEVELS[-1]) for s in found]
    level = min(levels, key=LEVELS.index)
    all_sites = {s for study in found for s in study.sites}
    tags = tuple(SITE_TAGS[s] for s in TUMOUR_SITES if s in all_sites and s in SITE_TAGS)
    return EvidenceBase("; ".join(parts), level, tags, {d: len(m) for d, m in groups.items()})


def harm_mask(rows: pd.DataFrame) -> np.ndarray:
    """Which rows report harms or safety (by their outcome detail, :data:`HARM_PATTERN`)."""
    if "outcome_detail" not in rows.columns:
        return np.zeros(len(rows), dtype=bool)
    details = rows["outcome_detail"].astype(object).fillna("").astype(str)
    return details.str.contains(HARM_PATTERN).to_numpy(dtype=bool)


# --- families and fit ---------------------------------------------------------------------------


def fitting_mask(evidence: pd.DataFrame, profile: Profile) -> tuple[np.ndarray, pd.Series]:
    """Which rows fit the profile (not ``excluded``), and why each other row does not.

    A table without the applicability columns restricts no one: every row fits.
    """
    if "match" in evidence.columns and "why" in evidence.columns:
        match = evidence["match"].astype(object)
        return (match != "excluded").to_numpy(dtype=bool), evidence["why"]
    if any(c not in evidence.columns for c in APPLICABILITY_COLUMNS):
        return np.ones(len(evidence), dtype=bool), pd.Series("", index=evidence.index)
    matched = match_evidence(evidence, profile)
    return (matched["match"] != "excluded").to_numpy(dtype=bool), matched["why"]


# --- the card table -----------------------------------------------------------------------------

CARD_ORDER = ("recommended", "consider", "controversial", "investigational", "not_recommended")
"""Verdicts in the order cards show them: what the reviews support first."""


def _figure(row: Mapping) -> str:
    """A row as one line: the figure where it has one, then its statement (in the current
    language)."""
    if current() != "en":
        return evidence_line(row, current())
    statement = _text(row, "statement")
    value_known = any(
        isinstance(row.get(c), (int, float)) and not pd.isna(row.get(c))
        for c in ("value", "value_low", "value_high")
    )
    if not value_known:
        return statement
    return f"{figure_text(row)}: {statement}"


SECTION_WORDS = {
    "abstract": N_("abstract"),
    "intro": N_("introduction"),
    "introduction": N_("introduction"),
}
"""Sections of a review named by a word rather than a number (shown in the page's language)."""
_SECTION_WORD = re.compile(r"\b(" + "|".join(SECTION_WORDS) + r")\b")


def citation_text(citation: str) -> str:
    """A citation ('lu2025 abstract [3]', 'lu2025 3.2 [18, 20]') in the current language: only
    a section named by a word is translated; sources, sections and references stay as they are.

    >>> citation_text("lu2025 abstract [3]")
    'lu2025 abstract [3]'
    """
    if current() == "en" or not citation:
        return citation
    return _SECTION_WORD.sub(lambda m: _(SECTION_WORDS[m.group(1)]), citation)


def _citation(row: Mapping) -> str:
    source = _text(row, "source")
    section = _text(row, "section")
    if source == "primary":
        name = evidence_text(row, "study_name", current())
        if name:
            return _("{study} (primary)").format(study=name).strip()
        return _("primary publication")
    refs = _refs(row.get("ref_nos"))
    cited = f" [{', '.join(map(str, refs))}]" if refs else ""
    return citation_text(f"{source} {section}{cited}".strip())


@dataclass(frozen=True)
class Item:
    """One line of a card: an evidence id (or empty), the text, and where it stands (the text
    and the citation in the language spoken when the card was made; ``site`` and ``why`` in
    English, as the data and :mod:`pnen_explorer.matching` give them)."""

    evidence_id: str
    text: str
    citation: str
    site: str = ""
    why: str = ""
    study: str = ""  # the study's name (English in every language), when the citation has it


def _items(rows: pd.DataFrame, why: pd.Series | None = None) -> tuple[Item, ...]:
    items = []
    for index, row in zip(rows.index, rows.to_dict("records"), strict=True):
        site = _text(row, "tumour_site")
        items.append(
            Item(
                str(row.get("evidence_id", "")),
                _figure(row),
                _citation(row),
                SITE_TAGS.get(site, "") if site else "",
                "" if why is None else str(why.get(index, "") or ""),
                evidence_text(row, "study_name", current())
                if _text(row, "source") == "primary"
                else "",
            )
        )
    return tuple(items)


def therapy_cards(
    guidance: pd.DataFrame,
    evidence: pd.DataFrame,
    profile: Profile | None = None,
) -> pd.DataFrame:
    """One card per therapy, in teaching order: by verdict (:data:`CARD_ORDER`), then by line
    of therapy, then in the vocabulary's order.

    ``guidance`` is :func:`~pnen_explorer.guidance.applicable_therapies`' table; ``evidence``
    the rows it was computed from (matched or not; ``profile`` is needed when the rows carry no
    ``match`` column). Columns: those of the guidance, then ``deciding`` (the deciding reason),
    ``deciding_citation``, ``notes`` and ``note_citations`` (the other reasons),
    ``fitting`` (an :class:`Item` per fitting row), ``others`` (an :class:`Item` per row about
    other patients, with ``why``), ``harms`` (the fitting rows about harms) and ``count`` (the
    number of fitting rows: what the Evidence tab shows for the therapy).
    """
    _fits, why = fitting_mask(evidence, profile or Profile())
    by_id = evidence.set_index(evidence["evidence_id"].astype(str), drop=False)
    why_by_id = pd.Series(why.to_numpy(), index=by_id.index)
    rows = []
    for item in guidance.to_dict("records"):
        fitting = by_id.loc[list(item["fitting_ids"])] if item["fitting_ids"] else by_id.iloc[:0]
        other = by_id.loc[list(item["other_ids"])] if item["other_ids"] else by_id.iloc[:0]
        harms = fitting[harm_mask(fitting)] if len(fitting) else fitting
        rows.append(
            {
                **item,
                "deciding": item["reasons"][0],
                "deciding_citation": item["citations"][0],
                "notes": tuple(item["reasons"][1:]),
                "note_citations": tuple(item["citations"][1:]),
                "fitting": _items(fitting),
                "others": _items(other, why_by_id),
                "harms": _items(harms),
                "count": len(item["fitting_ids"]),
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    verdict_rank = frame["verdict"].astype(object).map({v: i for i, v in enumerate(CARD_ORDER)})
    frame = frame.assign(_v=verdict_rank, _n=range(len(frame)))
    frame = frame.sort_values(["_v", "line_order", "_n"], kind="stable")
    return frame.drop(columns=["_v", "_n"]).reset_index(drop=True)


def ids_text(ids: Iterable[str]) -> str:
    """Evidence ids as one space-separated string (for a data attribute)."""
    return " ".join(ids)


@cache
def _family_heads() -> dict[str, str]:
    from pnen_explorer.data import load_therapies

    heads: dict[str, str] = {}
    for therapy, family in zip(
        load_therapies()["therapy"], load_therapies()["guidance_therapy"], strict=True
    ):
        if isinstance(family, str) and family:
            heads.setdefault(family, therapy)
    return heads


def therapy_label(therapy: str) -> str:
    """A guidance therapy as people write it: the name of its family's first evidence therapy
    where that is the same word ('PRRT', 'CAPTEM'), else the name itself.

    >>> therapy_label("prrt"), therapy_label("neoadjuvant therapy")
    ('PRRT', 'neoadjuvant therapy')
    """
    head = _family_heads().get(therapy, therapy)
    return head if head.lower() == therapy.lower() else therapy


def therapy_name(therapy: str) -> str:
    """A guidance therapy's name in the current language: :func:`therapy_label` in English,
    the glossary's term otherwise ('platinum-based chemotherapy': 以铂类药物为主的化疗).

    >>> therapy_name("prrt")
    'PRRT'
    """
    lang = current()
    if lang == "en":
        return therapy_label(therapy)
    found = term(therapy, lang, "guidance_therapy")
    return found if found != therapy else content(therapy_label(therapy), lang)


def level_text(level: str) -> str:
    """An evidence level (:data:`LEVELS`, :data:`NO_LEVEL`) in the current language."""
    return term(level, current(), "evidence_level")


def site_text(tag: str) -> str:
    """A site tag ('midgut', 'GEP sites') in the current language."""
    return term(tag, current(), "site_tag")
