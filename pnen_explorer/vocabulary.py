"""The project's words, defined once: outcomes, therapies and profile fields.

Every other module imports its labels, units and bounds from here, so a form, a rule's reason,
a link and a plot title can never disagree. The data contract (``data/datapackage.json``)
restates the outcome vocabulary as an enum; a test holds the two together. The therapies come
from ``data/therapies.csv``, the contract's therapy vocabulary.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from pnen_explorer.i18n import N_


@dataclass(frozen=True)
class Outcome:
    """An outcome of the contract: its code, its label for people, and a short form."""

    code: str
    label: str
    short: str


OUTCOMES: Mapping[str, Outcome] = MappingProxyType(
    {
        o.code: o
        for o in (
            Outcome("PFS", "Progression-free survival (PFS)", "PFS"),
            Outcome("OS", "Overall survival (OS)", "OS"),
            Outcome("TTP", "Time to tumour progression (TTP)", "TTP"),
            Outcome("ORR", "Objective response rate (ORR)", "ORR"),
            Outcome("DCR", "Disease control rate (DCR)", "DCR"),
            Outcome("survival_5y", "5-year survival", "5-y survival"),
            Outcome("recurrence", "Recurrence", "Recurrence"),
            Outcome("symptom_response", "Symptom response", "Symptom resp."),
            Outcome("response_duration", "Duration of response", "Resp. duration"),
            Outcome("risk_reduction", "Risk reduction", "Risk reduction"),
            Outcome("proportion", "Proportion", "Proportion"),
            Outcome("dose", "Dose", "Dose"),
            Outcome("other", "Other outcomes", "Other"),
        )
    }
)
"""Every outcome code of the contract, in the order plots and menus show them."""

CORE_OUTCOMES = ("PFS", "OS", "ORR", "DCR", "survival_5y", "recurrence", "symptom_response")
"""The outcomes a person picks to plot (and a link may name); the evidence map always shows
them, so a missing one is a visible gap."""

DEFAULT_OUTCOME = "PFS"


def outcome_label(code: str) -> str:
    """'Progression-free survival (PFS)' for 'PFS'; an unknown code stays as it is."""
    outcome = OUTCOMES.get(code)
    return outcome.label if outcome else code


def outcome_short(code: str) -> str:
    """'PFS', '5-y survival': the outcome in a few characters, for axes and tables."""
    outcome = OUTCOMES.get(code)
    return outcome.short if outcome else code


TABS: Mapping[str, str] = MappingProxyType(
    {
        "treatments": N_("Treatment options"),
        "outcomes": N_("Outcomes"),
        "comparisons": N_("Comparisons"),
        "evidence": N_("Evidence"),
        "map": N_("Evidence map"),
        "references": N_("References"),
        "compare": N_("Compare patients"),
    }
)
"""The explorer's views: key (as a link names it) -> title (in English; a view translates)."""
DEFAULT_TAB = "outcomes"


TUMOUR_SITES: Mapping[str, str] = MappingProxyType(
    {
        "pancreatic": "",
        "gep_mixed": "GEP sites",
        "mixed": "mixed sites",
        "midgut": "midgut",
        "extrapancreatic": "extrapancreatic",
        "all_nen": "all NEN sites",
        "not_stated": "site not stated",
    }
)
"""The contract's ``tumour_site`` values (the primary site of the population a figure is
about) -> the short tag a label carries; pancreatic populations carry none."""


# --- therapies ---------------------------------------------------------------------------------


def _therapies_csv() -> Path:
    packaged = resources.files("pnen_explorer") / "data" / "therapies.csv"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "data" / "therapies.csv"


@cache
def _guidance_therapies() -> Mapping[str, str]:
    """Guidance therapy -> therapy class, in the order of ``therapies.csv``.

    A guidance therapy is a family of evidence therapies (``prrt`` covers 177Lu-DOTATATE PRRT
    and the others); the family's first row is its head (``PRRT``), whose class it takes
    (a member such as "microwave ablation + hepatectomy" may be multimodal).
    """
    classes: dict[str, str] = {}
    with _therapies_csv().open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["guidance_therapy"]:
                classes.setdefault(row["guidance_therapy"], row["therapy_class"])
    return MappingProxyType(classes)


GUIDANCE_THERAPIES: Mapping[str, str] = _guidance_therapies()
"""The guidance's therapies (lower case) and their class, from ``data/therapies.csv``;
``Profile.prior_therapies`` names them."""


# --- profile fields ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One profile field: what it accepts, and how people see it.

    ``label`` heads the form's control; ``phrase`` names the field inside a sentence (a rule's
    reason). Numbers run from ``low`` to ``high`` (both included): the bounds of what is
    plausible, so a mistyped value is refused rather than believed.
    """

    name: str
    kind: str  # "number", "count", "flag", "choice" or "names"
    label: str
    phrase: str
    unit: str = ""
    low: float = 0
    high: float | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    help: str = ""

    @property
    def values(self) -> tuple[str, ...]:
        """The accepted values of a choice field."""
        return tuple(value for value, _ in self.choices)

    def expected(self) -> str:
        """What the field accepts, in words, for messages."""
        unit = f" {self.unit}" if self.unit else ""
        if self.kind == "number":
            return f"a number from {self.low:g} to {self.high:g}{unit}"
        if self.kind == "count":
            return f"a whole number from {self.low:g} to {self.high:g}"
        if self.kind == "flag":
            return "yes or no"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(v) for v in self.values)
        return "therapy names from: " + ", ".join(GUIDANCE_THERAPIES)


YES_NO = (("yes", "yes"), ("no", "no"))
LIVER_TYPE_HELP = (
    "I: confined to one lobe or two adjacent segments · II: mainly one lobe with small "
    "satellites in the other · III: diffuse in both lobes, not resectable"
)

FIELDS: Mapping[str, Field] = MappingProxyType(
    {
        f.name: f
        for f in (
            Field(
                "ki67",
                "number",
                "Ki-67 (%)",
                "Ki-67 %",
                "%",
                high=100,
            ),
            Field(
                "mitoses_per_10hpf",
                "number",
                "Mitoses /10 HPF",
                "mitoses/10 HPF",
                high=500,
                help="mitotic count per 10 high-power fields",
            ),
            Field(
                "differentiation",
                "choice",
                "Differentiation",
                "differentiation",
                choices=(("well", "well (NET)"), ("poor", "poor (NEC)")),
            ),
            Field(
                "functional",
                "flag",
                "Functional",
                "functional",
                choices=YES_NO,
                help="a hormone syndrome is present",
            ),
            Field(
                "syndrome",
                "choice",
                "Syndrome",
                "syndrome",
                choices=(
                    ("insulinoma", "insulinoma"),
                    ("gastrinoma", "gastrinoma"),
                    ("other", "other"),
                ),
            ),
            Field(
                "liver_type",
                "choice",
                "Liver type",
                "liver type",
                choices=(("I", "I"), ("II", "II"), ("III", "III")),
                help=LIVER_TYPE_HELP,
            ),
            Field(
                "extrahepatic",
                "flag",
                "Extrahepatic",
                "extrahepatic",
                choices=YES_NO,
                help="disease outside the liver",
            ),
            Field("resectable", "flag", "Resectable", "resectable", choices=YES_NO),
            Field(
                "sstr_positive",
                "flag",
                "SSTR positive",
                "SSTR-positive",
                choices=YES_NO,
                help="somatostatin-receptor imaging",
            ),
            Field(
                "progressive",
                "flag",
                "Progressing",
                "progressive",
                choices=YES_NO,
                help="radiological progression: imaging shows the disease growing",
            ),
            Field(
                "primary_site",
                "choice",
                "Primary site",
                "primary site",
                choices=(("head", "head"), ("body_tail", "body/tail")),
            ),
            Field(
                "primary_resected",
                "flag",
                "Primary resected",
                "primary resected",
                choices=YES_NO,
            ),
            Field("liver_lesions", "count", "Liver lesions", "liver lesions", high=200),
            Field(
                "largest_lesion_cm",
                "number",
                "Largest (cm)",
                "largest lesion (cm)",
                "cm",
                high=40,
            ),
            Field(
                "liver_involvement_pct",
                "number",
                "Liver involved (%)",
                "liver involved %",
                "%",
                high=100,
            ),
            Field(
                "stable_months",
                "number",
                "Months stable",
                "months stable",
                "months",
                high=600,
            ),
            Field("age", "number", "Age (years)", "age", "years", high=120),
            Field("prior_therapies", "names", "Prior therapies", "prior therapies"),
        )
    }
)
"""Every profile field, in the form's order. ``Profile`` checks values against it, the
guidance names fields with ``phrase``, and the form and links use the same bounds."""


def field_phrase(name: str) -> str:
    """The field's name inside a sentence ('liver type'); an unknown name stays as it is."""
    field = FIELDS.get(name)
    return field.phrase if field else name
