"""Chinese texts of the project's content, looked up from data: no widgets, no interface strings.

Two files hold them, both described by the data contract (``data/datapackage.json``):

- ``data/glossary.csv``: one term a row (``term_en``, ``term_zh``, ``kind``, ``source``,
  ``where``): therapies, grades, outcomes, liver-metastasis types, verdicts, evidence levels,
  study designs, tumour sites, profile field labels. Chinese terms are lu2025's own where it
  has them (``source`` ``lu2025``, ``where`` the section), standard terms otherwise
  (``project``).
- ``data/translations_zh.csv``: one text a row (``table``, ``key``, ``column``, ``en``,
  ``zh``). ``table`` ``evidence`` is keyed by ``evidence_id`` and names the column
  (``statement``, ``population``, ``outcome_detail``, ``timepoint``, ``note``,
  ``agreement_note``); ``guidance`` is keyed by the exact English text of a rule's reason, a
  premise or a line of therapy; ``phrase`` holds the words the evidence base and the reasons a
  row does not fit the patient are built from;
  ``case`` the teaching-case names; ``field`` the profile fields' help texts.

Every row keeps the English it translates, so a text that has changed since it was translated is
never shown in Chinese: the lookups fall back to the English of today's data (the test suite
makes sure none is missing or stale).

>>> content("first line", "zh")
'一线'
>>> content("first line", "en")
'first line'
>>> content("2 phase 3 trials, both pancreatic; 1 retrospective series, midgut", "zh")
'2项3期试验，均为胰腺；1项回顾性系列，中肠'
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from pnen_explorer.data import data_dir

LANGUAGES = ("en", "zh")
"""The languages of the content: English (the data's own) and Chinese."""

EVIDENCE_TEXT_COLUMNS = (
    "statement",
    "population",
    "outcome_detail",
    "timepoint",
    "note",
    "agreement_note",
    "comparator",
    "arm",
    "study_name",
)
"""The evidence columns that have a Chinese text (each ``<column>_zh`` in an export)."""

TRANSLATIONS_FILE = "translations_zh.csv"
GLOSSARY_FILE = "glossary.csv"


def language(lang: str | None) -> str:
    """``'zh'`` for any Chinese tag (``zh``, ``zh-CN``, ``zh_Hans``), ``'en'`` otherwise."""
    tag = (lang or "en").strip().lower().replace("_", "-")
    return "zh" if tag == "zh" or tag.startswith("zh-") else "en"


def _rows(name: str, folder: Path | None = None) -> list[dict[str, str]]:
    path = (folder or data_dir()) / name
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def translation_rows() -> tuple[Mapping[str, str], ...]:
    """Every row of ``data/translations_zh.csv`` (read once)."""
    return tuple(MappingProxyType(row) for row in _rows(TRANSLATIONS_FILE))


@cache
def glossary_rows() -> tuple[Mapping[str, str], ...]:
    """Every row of ``data/glossary.csv`` (read once)."""
    return tuple(MappingProxyType(row) for row in _rows(GLOSSARY_FILE))


def translations_table() -> pd.DataFrame:
    """The translation table as a DataFrame (``table``, ``key``, ``column``, ``en``, ``zh``)."""
    return pd.DataFrame(list(map(dict, translation_rows())), columns=_columns(TRANSLATIONS_FILE))


def glossary() -> pd.DataFrame:
    """The glossary as a DataFrame (``term_en``, ``term_zh``, ``kind``, ``source``, ``where``)."""
    return pd.DataFrame(list(map(dict, glossary_rows())), columns=_columns(GLOSSARY_FILE))


def _columns(name: str) -> list[str]:
    if name == TRANSLATIONS_FILE:
        return ["table", "key", "column", "en", "zh"]
    return ["term_en", "term_zh", "kind", "source", "where"]


@cache
def _keyed() -> Mapping[tuple[str, str, str], tuple[str, str]]:
    """(table, key, column) -> (English, Chinese)."""
    return MappingProxyType(
        {(r["table"], r["key"], r["column"]): (r["en"], r["zh"]) for r in translation_rows()}
    )


@cache
def _by_text() -> Mapping[str, str]:
    """English text -> Chinese, for the texts that are keyed by their own words: guidance
    reasons, premises and lines, evidence-base phrases, teaching-case names, field help, and
    the glossary's terms (a glossary term never overrides a text of the table; where two kinds
    share a spelling, the word wins over the contract's code: ask :func:`term` with ``kind``
    for a study design or a tumour-site code)."""
    found: dict[str, str] = {}
    # codes of the contract ("unknown" as a study design) yield to words ("unknown" as a status)
    last = ("study_design", "tumour_site")
    ordered = sorted(glossary_rows(), key=lambda row: row["kind"] in last)
    for row in ordered:
        found.setdefault(row["term_en"], row["term_zh"])
    for row in translation_rows():
        if row["table"] != "evidence" and row["zh"]:
            found[row["en"]] = row["zh"]
    return MappingProxyType(found)


@cache
def _terms() -> Mapping[tuple[str, str], str]:
    return MappingProxyType({(r["kind"], r["term_en"]): r["term_zh"] for r in glossary_rows()})


def term(term_en: str, lang: str = "zh", kind: str | None = None) -> str:
    """A glossary term in ``lang``: ``term("not_recommended", "zh", "verdict")`` is 不推荐.

    Without ``kind`` the first term of that English spelling is taken. An unknown term, or any
    term in English, is returned as it is.
    """
    if language(lang) == "en":
        return term_en
    if kind is not None:
        return _terms().get((kind, term_en), term_en) or term_en
    return _by_text().get(term_en, term_en) or term_en


# --- the evidence base in words (pnen_explorer.cards.evidence_base) -----------------------------

_PART = re.compile(r"^(\d+) (.+?), (.+)$")
_COUNTED_SITE = re.compile(r"^(\d+) (.+)$")


def _site_label_zh(label: str, words: Mapping[str, str]) -> str | None:
    parts = label.split(" and ")
    names = [words.get(p) for p in parts]
    return None if any(n is None for n in names) else "和".join(n for n in names if n)


def _sites_zh(sites: str, words: Mapping[str, str]) -> str | None:
    if sites in words:
        return words[sites]
    for lead in ("both ", "all "):
        if sites.startswith(lead):
            label = _site_label_zh(sites[len(lead) :], words)
            return None if label is None else f"均为{label}"
    counted = []
    for piece in sites.split(", "):
        match = _COUNTED_SITE.match(piece)
        label = _site_label_zh(match.group(2), words) if match else _site_label_zh(piece, words)
        if match is None or label is None:
            return _site_label_zh(sites, words)
        counted.append(f"{match.group(1)}项{label}")
    return "、".join(counted)


def evidence_base_zh(text: str) -> str | None:
    """The Chinese of an evidence base such as ``"2 phase 3 trials, both pancreatic"``, built
    from its parts (design words and site words of the table and glossary); None when the text
    is not one."""
    words = _by_text()
    if text in words:
        return words[text]
    parts = []
    for part in text.split("; "):
        match = _PART.match(part)
        if match is None:
            return None
        count, design, sites = match.groups()
        design_zh = _keyed().get(("phrase", design, "design_word"))
        sites_zh = _sites_zh(sites, words)
        if design_zh is None or sites_zh is None:
            return None
        parts.append(f"{count}项{design_zh[1]}，{sites_zh}")
    return "；".join(parts)


# --- a row's figure (pnen_explorer.wording.figure_text) ------------------------------------------


def _number(row: Mapping[str, Any], column: str) -> float:
    value = row.get(column) if hasattr(row, "get") else None
    try:
        return float(value) if value is not None and value != "" else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def _with_unit_zh(x: float, unit: str) -> str:
    shown = f"{x:g}"
    if unit == "percent":
        return f"{shown}%"
    word = term(unit, "zh", "unit") if unit else ""
    return f"{shown} {word}" if word.isascii() else f"{shown}{word}"


def figure_text(row: Mapping[str, Any], lang: str = "zh") -> str:
    """The figure of an evidence row as :func:`pnen_explorer.wording.figure_text` writes it,
    in ``lang``: '22个月', '30–80%', '≥ 20个月', 'HR 0.35', or '未给出数字：无差异'."""
    from pnen_explorer.wording import figure_text as english

    if language(lang) == "en":
        return english(row)
    value, low, high = (_number(row, c) for c in ("value", "value_low", "value_high"))
    unit = _cell(row, "unit")
    if low == low and high == high and low < high:
        span = f"{low:g}–{_with_unit_zh(high, unit)}"
        return span if value != value else f"{_with_unit_zh(value, unit)}（范围{span}）"
    if value == value:
        return _with_unit_zh(value, unit)
    if low == low and high != high:
        return f"≥ {_with_unit_zh(low, unit)}"
    if high == high:
        return f"≤ {_with_unit_zh(high, unit)}"
    hr = _number(row, "hr")
    if hr == hr:
        return f"HR {hr:g}"
    direction = _cell(row, "direction") or "not_stated"
    return f"未给出数字：{term(direction, 'zh', 'direction')}"


def evidence_line(row: Mapping[str, Any], lang: str = "zh") -> str:
    """A row as a therapy card's line shows it: the figure where it has one, then the
    statement (:class:`pnen_explorer.cards.Item` ``text``), in ``lang``."""
    statement = evidence_text(row, "statement", lang)
    if all(_number(row, c) != _number(row, c) for c in ("value", "value_low", "value_high")):
        return statement
    separator = ": " if language(lang) == "en" else "："
    return f"{figure_text(row, lang)}{separator}{statement}"


# --- why a row does not fit (pnen_explorer.matching) ---------------------------------------------

_WHY = re.compile(r"about (.+); this patient: (.+)")
_GRADES = re.compile(r"(?:G1|G2|G3 NET|G3|NEC)(?:/(?:G1|G2|G3 NET|G3|NEC))*")


def _why_item(item: str) -> str | None:
    held = _keyed().get(("phrase", item, "why_word"))
    if held is not None:
        return held[1]
    if _GRADES.fullmatch(item):
        return item
    liver = re.fullmatch(r"liver types? ([IV/]+)", item)
    if liver:
        return f"肝转移{liver.group(1)}型"
    if item.startswith("Ki-67 "):
        return item.replace(" and ", "且")
    return None


def why_zh(text: str) -> str | None:
    """The Chinese of a reason a row does not fit the patient (``matching``'s ``why``, e.g.
    ``"about G1/G2, Ki-67 < 10 %; this patient: G3 NET, Ki-67 30 %"``); None when the text is
    not one."""
    match = _WHY.fullmatch(text)
    if match is None:
        return None
    sides = []
    for side in match.groups():
        items = [_why_item(item) for item in side.split(", ")]
        if any(item is None for item in items):
            return None
        sides.append("、".join(item for item in items if item))
    return f"证据针对：{sides[0]}；此患者：{sides[1]}"


# --- lookups ------------------------------------------------------------------------------------


def content(text: Any, lang: str = "zh") -> str:
    """The text of the guidance, cards, cases, field help or glossary in ``lang``.

    ``text`` is the English the library produces (a rule's reason, a premise, a line of
    therapy, an evidence base, why a row does not fit, a verdict or level, a case name ...).
    Chinese falls back to the
    English when no translation is held.
    """
    english = "" if text is None else str(text)
    if language(lang) == "en" or not english:
        return english
    found = _by_text().get(english)
    if found:
        return found
    return evidence_base_zh(english) or why_zh(english) or english


def has_translation(text: str) -> bool:
    """Whether :func:`content` gives a Chinese text of its own for ``text``."""
    if not text:
        return False
    return text in _by_text() or evidence_base_zh(text) is not None or why_zh(text) is not None


def _cell(row: Mapping[str, Any] | pd.Series, column: str) -> str:
    value = row.get(column) if hasattr(row, "get") else None
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def evidence_text(row: Mapping[str, Any] | pd.Series, column: str, lang: str = "zh") -> str:
    """One evidence row's text column (``statement``, ``population`` ...) in ``lang``.

    The Chinese is used only while the English it was made from is still the row's text; an
    edited row (or a researcher's own row) shows its English.
    """
    english = _cell(row, column)
    if language(lang) == "en" or not english:
        return english
    held = _keyed().get(("evidence", _cell(row, "evidence_id"), column))
    if held is not None and held[0] == english and held[1]:
        return held[1]
    return english


def with_chinese_columns(evidence: pd.DataFrame) -> pd.DataFrame:
    """A copy of an evidence table with ``<column>_zh`` beside each text column it has (for the
    CSV export: the English columns keep their names)."""
    out = evidence.copy()
    records = out.to_dict("records")
    for column in EVIDENCE_TEXT_COLUMNS:
        if column in out.columns:
            position = out.columns.get_loc(column) + 1
            values = [evidence_text(r, column, "zh") for r in records]
            out.insert(position, f"{column}_zh", values)
    return out


def case_name(name: str, lang: str = "zh") -> str:
    """A teaching case's name in ``lang``."""
    return content(name, lang)


def field_help(name: str, lang: str = "zh") -> str:
    """A profile field's help text in ``lang`` (empty when the field has none)."""
    from pnen_explorer.vocabulary import FIELDS

    field = FIELDS.get(name)
    english = field.help if field else ""
    if language(lang) == "en" or not english:
        return english
    held = _keyed().get(("field", name, "help"))
    return held[1] if held is not None and held[0] == english and held[1] else english


def site_tag(site: object, lang: str = "zh") -> str:
    """'[midgut]' in ``lang`` for a population that is not pancreatic; '' for a pancreatic one."""
    from pnen_explorer.vocabulary import TUMOUR_SITES

    tag = TUMOUR_SITES.get(str(site), "")
    return f"[{term(tag, lang, 'site_tag')}]" if tag else ""


def liver_type_help(lang: str = "zh") -> str:
    """The ENETS liver-metastasis types I-III in words, in ``lang``."""
    return field_help("liver_type", lang)


def clear_cache() -> None:
    """Forget the files read (after they change on disk)."""
    for function in (translation_rows, glossary_rows, _keyed, _by_text, _terms):
        function.cache_clear()


# --- what a translation must keep -----------------------------------------------------------------

_MONTHS = {
    name: str(number)
    for number, name in enumerate(
        (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        start=1,
    )
}
_MONTH = re.compile(
    r"\b(" + "|".join(_MONTHS) + r")\b(?=\s+\d{4})|(?<=\d )(" + "|".join(_MONTHS) + r")\b"
)
_NUMBER = r"(\d+(?:\.\d+)?)"
_SYMBOLS = {"≥": "ge", "≤": "le", "<": "lt", ">": "gt"}
_PREFIX = {
    "ge": r"at least|no less than|至少|不低于|不少于",
    "le": r"up to|at most|no more than|as high as|不超过|至多|最多|高达|多达",
    "lt": r"below|under|less than|fewer than|(?<!不)低于|小于|(?<!不)少于|不足",
    "gt": r"above|over|more than|exceeds|exceeding|beyond|(?<!不)高于|大于|多于|(?<!不)超过",
}
_POSTFIX = {
    "ge": r"or more|or above|or higher|and above|及以上|或以上",
    "le": r"or less|or below|or fewer|及以下|或以下",
}
_UNITS = {
    "month": r"months?(?![A-Za-z])|个月",
    "year": r"(?:years?|y)(?![A-Za-z])|年(?![0-9月])",
    "week": r"weeks?(?![A-Za-z])|周",
    "day": r"days?(?![A-Za-z])|天",
    "cm": r"cm(?![A-Za-z])",
    "mg": r"mg(?![A-Za-z])",
}


def _normal(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKC", text)
    text = text.replace("<=", "≤").replace(">=", "≥").replace("percent", "%")
    text = _MONTH.sub(lambda m: _MONTHS[m.group(1) or m.group(2)], text)
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)


def meaning(text: str) -> dict[str, int]:
    """What a translation of ``text`` must keep, counted: every number as printed, each
    number's unit (months, years, weeks, days, cm, mg), ``%``, ``±``, each threshold with its
    number (≥ ≤ < > and their words in English or Chinese: "at least 70" and "至少70" are both
    ``ge 70``), and each "vs".

    Full-width digits and signs count as their ASCII forms, English month names as their
    numbers ("March 2019" holds 3 and 2019, as "2019年3月" does), and thousands separators are
    dropped. Digits inside names (Ki-67, 177Lu, G3) count as numbers on both sides.

    >>> meaning("Ki-67 below 55 %") == meaning("Ki-67低于55 %")
    True
    >>> meaning("at least 6 months") == meaning("至少6个月")
    True
    """
    text = _normal(text)
    found: dict[str, int] = {}

    def count(token: str) -> None:
        found[token] = found.get(token, 0) + 1

    for number in re.findall(_NUMBER, text):
        count(f"number {number}")
    for sign in re.findall(r"[%±]", text):
        count(sign)
    for _ in re.findall(r"\b(?:vs\.?|versus)(?![A-Za-z])|对比", text):
        count("vs")
    for symbol, number in re.findall(r"([≥≤<>])\s*" + _NUMBER, text):
        count(f"{_SYMBOLS[symbol]} {number}")
    for kind, words in _PREFIX.items():
        pattern = r"(?:(?<![A-Za-z])(?:" + words + r"))\s*" + _NUMBER
        for number in re.findall(pattern, text, flags=re.IGNORECASE):
            count(f"{kind} {number}")
    for kind, words in _POSTFIX.items():
        pattern = _NUMBER + r"\s*%?\s*(?:" + words + r")"
        for number in re.findall(pattern, text, flags=re.IGNORECASE):
            count(f"{kind} {number}")
    for unit, words in _UNITS.items():
        for number in re.findall(_NUMBER + r"\s*-?\s*(?:" + words + r")", text):
            if not (unit == "year" and float(number) >= 1000):
                count(f"{number} {unit}")
    for number in re.findall(r"\bmonth\s+" + _NUMBER, text):  # "at month 20"
        count(f"{number} month")
    return found
