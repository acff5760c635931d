"""The patient as the reviews describe one: a validated, immutable profile and its WHO grade.

Every field may be unknown (``None``); rules downstream treat unknown as "find out", never as
"no". Values are checked on construction so that guidance and matching can trust them, and a
bad value raises :class:`ProfileError` naming the field.

Grading follows WHO 2022 as lu2025 (introduction, refs 4-5) states it: G1 Ki-67 < 3 % and
< 2 mitoses/10 HPF; G2 Ki-67 3-20 % or 2-20 mitoses; G3 above 20; the higher of the two grades
wins; a poorly differentiated tumour is a neuroendocrine carcinoma (NEC).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from numbers import Real
from typing import Any

from pnen_explorer.errors import PnenError
from pnen_explorer.i18n import _, current
from pnen_explorer.translations import term
from pnen_explorer.vocabulary import FIELDS, GUIDANCE_THERAPIES, Field

THERAPIES = GUIDANCE_THERAPIES
"""The therapy vocabulary (name -> therapy class) of the guidance; ``prior_therapies`` uses it."""

GRADES = ("G1", "G2", "G3", "NEC")
"""WHO 2022 grades, lowest first; ``G3`` is a well-differentiated G3 NET."""

# WHO 2022 cut-offs as lu2025 prints them (introduction, refs 4-5).
KI67_G1_BELOW = 3.0  # G1: Ki-67 < 3 %
KI67_G2_MAX = 20.0  # G2: Ki-67 3-20 % (both ends included); G3 above
MITOSES_G1_BELOW = 2.0  # G1: < 2 mitoses / 10 HPF
MITOSES_G2_MAX = 20.0  # G2: 2-20 mitoses / 10 HPF; G3 above


class ProfileError(PnenError, ValueError):
    """A profile value is invalid; ``field`` names the profile field at fault.

    ``reason`` says what is wrong in the language spoken where the value was refused (the
    field's code name leads the message: it is the key a link uses).
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}")


def expected(spec: Field) -> str:
    """What ``spec`` accepts, in words, in the current language (in English exactly
    ``spec.expected()``: 'a number from 0 to 100 %')."""
    low, high = f"{spec.low:g}", f"{spec.high:g}" if spec.high is not None else ""
    if spec.kind == "number":
        if spec.unit:
            unit = unit_text(spec.unit)
            return _("a number from {low} to {high} {unit}").format(low=low, high=high, unit=unit)
        return _("a number from {low} to {high}").format(low=low, high=high)
    if spec.kind == "count":
        return _("a whole number from {low} to {high}").format(low=low, high=high)
    if spec.kind == "flag":
        return _("yes or no")
    if spec.kind == "choice":
        return _("one of {values}").format(values=", ".join(repr(v) for v in spec.values))
    return _("therapy names from: {names}").format(names=", ".join(GUIDANCE_THERAPIES))


def unit_text(unit: str) -> str:
    """A field's unit in the current language ('months' is 个月 in Chinese; '%' and 'cm' stay)."""
    return term(unit, current(), kind="unit")


def choice_text(label: str) -> str:
    """A choice's label (``'well (NET)'``, ``'insulinoma'``) in the current language: the
    glossary's field choice, or its disease term for a hormone syndrome."""
    lang = current()
    found = term(label, lang, kind="field_choice")
    return found if found != label else term(label, lang, kind="disease")


_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


@dataclass(frozen=True, kw_only=True)
class Profile:
    """A patient with pNEN liver metastases; ``None`` means unknown.

    >>> Profile(ki67=8, differentiation="well", functional=False, liver_type="I").summary()
    'G2 NET (Ki-67 8 %), non-functional, liver type I'
    """

    ki67: float | None = None
    mitoses_per_10hpf: float | None = None
    differentiation: str | None = None
    functional: bool | None = None
    syndrome: str | None = None
    liver_type: str | None = None
    extrahepatic: bool | None = None
    resectable: bool | None = None
    sstr_positive: bool | None = None
    progressive: bool | None = None
    primary_site: str | None = None
    primary_resected: bool | None = None
    liver_lesions: int | None = None
    largest_lesion_cm: float | None = None
    liver_involvement_pct: float | None = None
    stable_months: float | None = None
    age: float | None = None
    prior_therapies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, spec in FIELDS.items():
            object.__setattr__(self, name, _checked(name, spec, getattr(self, name)))
        if self.syndrome is not None:
            if self.functional is False:
                raise ProfileError(
                    "syndrome",
                    _("{syndrome} is a hormone syndrome, but functional is no").format(
                        syndrome=repr(self.syndrome)
                    ),
                )
            object.__setattr__(self, "functional", True)  # a named syndrome is a functional tumour

    @property
    def grade(self) -> str | None:
        """WHO 2022 grade: ``G1``, ``G2``, ``G3`` (NET), ``NEC``, or ``None`` when unknown."""
        if self.differentiation == "poor":
            return "NEC"
        by_ki67 = _grade_of(self.ki67, KI67_G1_BELOW, KI67_G2_MAX)
        by_mitoses = _grade_of(self.mitoses_per_10hpf, MITOSES_G1_BELOW, MITOSES_G2_MAX)
        known = [g for g in (by_ki67, by_mitoses) if g is not None]
        return max(known, key=GRADES.index) if known else None

    def summary(self) -> str:
        """One line for figure titles: grade, Ki-67, function and liver type, where known, in
        the current language (the page's header, the form's fold and the cards show it)."""
        grade = self.grade
        if grade == "NEC":
            head = "NEC"
        elif grade is not None:
            head = _("{grade} NET").format(grade=grade)
        elif self.differentiation == "well":
            head = _("NET, grade unknown")
        else:
            head = _("grade unknown")
        if self.ki67 is not None:
            head = _("{head} (Ki-67 {ki67} %)").format(head=head, ki67=f"{self.ki67:g}")
        elif self.mitoses_per_10hpf is not None:
            head = _("{head} ({mitoses} mitoses/10 HPF)").format(
                head=head, mitoses=f"{self.mitoses_per_10hpf:g}"
            )
        parts = [head]
        lang = current()
        if self.functional is not None:
            kind = term("functional" if self.functional else "non-functional", lang, "disease")
            if self.syndrome:
                kind = _("{kind} ({syndrome})").format(
                    kind=kind, syndrome=choice_text(self.syndrome)
                )
            parts.append(kind)
        if self.liver_type is not None:
            parts.append(_("liver type {type}").format(type=self.liver_type))
        return ("，" if lang == "zh" else ", ").join(parts)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> Profile:
        """A profile from plain values or strings (``{"ki67": "8", "functional": "yes"}``).

        Empty strings and ``None`` mean unknown. Unknown keys and unreadable values raise
        :class:`ProfileError` naming the field.
        """
        values = {}
        for key, raw in mapping.items():
            spec = FIELDS.get(key)
            if spec is None:
                raise ProfileError(
                    str(key),
                    _("not a profile field; expected one of {names}").format(
                        names=", ".join(FIELDS)
                    ),
                )
            values[key] = _parsed(key, spec, raw)
        return cls(**{k: v for k, v in values.items() if v is not None})

    def to_mapping(self) -> dict[str, str]:
        """The known fields as strings, such that ``from_mapping`` gives this profile back."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == ():
                continue
            if isinstance(value, bool):
                out[f.name] = "yes" if value else "no"
            elif isinstance(value, tuple):
                out[f.name] = ";".join(value)
            elif isinstance(value, float):
                out[f.name] = str(int(value)) if value.is_integer() else repr(value)
            else:
                out[f.name] = str(value)
        return out


def _grade_of(value: float | None, g1_below: float, g2_max: float) -> str | None:
    if value is None:
        return None
    if value < g1_below:
        return "G1"
    return "G2" if value <= g2_max else "G3"


def _checked(name: str, spec: Field, value: Any) -> Any:
    """The value in canonical form (float, int, bool, str, tuple), or ProfileError."""
    if spec.kind == "names":
        return _checked_names(name, spec, value)
    if value is None:
        return None
    bad = ProfileError(name, _refused(spec, value))
    if spec.kind == "flag":
        if not isinstance(value, bool):
            raise bad
        return value
    if spec.kind == "choice":
        if value not in spec.values:
            raise bad
        return value
    if isinstance(value, bool) or not isinstance(value, Real):
        raise bad
    number = float(value)
    if not math.isfinite(number) or not spec.low <= number <= spec.high:
        raise bad
    if spec.kind == "count":
        if not number.is_integer():
            raise bad
        return int(number)
    return number


def _refused(spec: Field, value: Any) -> str:
    """'expected a number from 0 to 100 %, got 150' in the current language."""
    return _("expected {expected}, got {value}").format(expected=expected(spec), value=repr(value))


def _checked_names(name: str, spec: Field, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (tuple, list)):
        raise ProfileError(
            name,
            _("expected a tuple of {expected}, got {value}").format(
                expected=expected(spec), value=repr(value)
            ),
        )
    names = tuple(str(v).strip().lower() for v in value)
    unknown = [n for n in names if n not in THERAPIES]
    if unknown:
        raise ProfileError(
            name,
            _("unknown therapy {name}; expected {expected}").format(
                name=repr(unknown[0]), expected=expected(spec)
            ),
        )
    return names


def _parsed(name: str, spec: Field, raw: Any) -> Any:
    """A string (as in a query string) turned into the field's type; other values unchanged."""
    if spec.kind == "names":
        if raw is None or raw == "":
            return ()
        return tuple(p for p in raw.split(";") if p.strip()) if isinstance(raw, str) else raw
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if not text:
        return None
    bad = ProfileError(name, _refused(spec, raw))
    if spec.kind == "flag":
        word = text.lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
        raise bad
    if not text.isascii():  # 'ııı' must not become 'III' through Unicode case mapping
        raise bad
    if spec.kind == "choice":
        return text.upper() if name == "liver_type" else text.lower()
    try:
        return float(text)
    except ValueError:
        raise bad from None
