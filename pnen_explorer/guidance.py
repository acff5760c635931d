"""What the two reviews say about each therapy for one patient: a table of rules, read in order.

The rules are data (:data:`RULES`): each row names a therapy, a condition on the profile, a
verdict, a reason in the project's own words, and the section and reference numbers of the
review behind it. :func:`rules_table` shows them as a table a clinician can read.

How matching rules combine, for each therapy:

1. The **first** rule in table order that has a verdict and whose condition holds decides the
   verdict, and its reason comes first. Rows for a therapy are therefore ordered from the most
   specific or most decisive (the disease cannot be removed; SSTR-negative; an unknown field
   the decision needs) to the general case.
2. Every **note** (a rule without a verdict) whose condition holds adds its reason after it:
   practical details, figures, caveats, what else to find out.
3. Later rules with a verdict are not used once one has decided.

A field a rule needs but the profile does not know gives ``consider`` with a reason that says
what to find out. The therapies are those of
:data:`pnen_explorer.vocabulary.GUIDANCE_THERAPIES`; every one
of them gets exactly one row whatever the profile (the tests check this for any valid profile).

This summarises published reviews for teaching and research; it is not decision support.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from pnen_explorer.cards import STUDY_COLUMNS, evidence_base, fitting_mask
from pnen_explorer.data import data_dir, load_evidence, load_therapies
from pnen_explorer.grouping import ids_by_key
from pnen_explorer.profile import Profile
from pnen_explorer.vocabulary import GUIDANCE_THERAPIES as THERAPIES
from pnen_explorer.vocabulary import field_phrase

RECOMMENDED = "recommended"
CONSIDER = "consider"
CONTROVERSIAL = "controversial"
NOT_RECOMMENDED = "not_recommended"
INVESTIGATIONAL = "investigational"
VERDICTS = (RECOMMENDED, CONSIDER, CONTROVERSIAL, NOT_RECOMMENDED, INVESTIGATIONAL)
NOTE = None
"""The 'verdict' of a rule that only adds a reason."""

# Thresholds, each as lu2025 prints it (section, references).
DEBULKING_MIN_PCT = 70  # 1.1 [15-17]: debulking of at least 70 %
TRANSPLANT_KI67_BELOW = 10  # 1.4 [11]: G1-G2 with Ki-67 < 10 %
TRANSPLANT_LIVER_PCT_BELOW = 50  # 1.4 [11]: spread < 50 % of the total liver volume
TRANSPLANT_STABLE_MONTHS = 6  # 1.4 [11]: stable under treatment for at least 6 months
TRANSPLANT_AGE_BELOW = 60  # 1.4 [11]: age < 60
ABLATION_SINGLE_MAX_CM = 5  # 2.1: one lesion, largest diameter <= 5 cm
ABLATION_FEW = (2, 3)  # 2.1: or 2-3 lesions ...
ABLATION_FEW_MAX_CM = 3  # 2.1: ... with largest diameter <= 3 cm
ABLATION_MAX_LESIONS = max(ABLATION_FEW)
RFA_BEST_KI67_BELOW = 5  # 2.1 [29]: best tumour control after RFA with Ki-67 < 5 %
G3_KI67_CUTOFF = 55  # 3.1 [39] and 3.4 [18, 55]: G3 NET below / at or above Ki-67 55 %
SSA_KI67_BELOW = 10  # 3.5 [62]: first-line SSA for G1/G2 with Ki-67 < 10 %
CHEMOTHERAPIES = ("captem", "platinum-based chemotherapy")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


# --- conditions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """A condition on a profile: ``text`` is what people read, ``test`` is what runs."""

    text: str
    test: Callable[[Profile], bool]

    def __call__(self, profile: Profile) -> bool:
        return bool(self.test(profile))

    def __and__(self, other: When) -> When:
        return When(f"{self.text} and {other.text}", lambda p: self(p) and other(p))

    def __or__(self, other: When) -> When:
        return When(f"({self.text} or {other.text})", lambda p: self(p) or other(p))

    def __invert__(self) -> When:
        return When(f"not ({self.text})", lambda p: not self(p))


ALWAYS = When("always", lambda p: True)


def is_(field: str, *values: Any) -> When:
    """The field is known and is one of ``values`` (``field`` may be ``grade``)."""
    shown = " or ".join(_text(v) for v in values)
    return When(f"{field_phrase(field)} is {shown}", lambda p: getattr(p, field) in values)


def isnt(field: str, value: Any) -> When:
    """The field is not ``value``: another value, or unknown."""
    return When(
        f"{field_phrase(field)} is not {_text(value)}", lambda p: getattr(p, field) != value
    )


def unknown(*fields: str) -> When:
    """At least one of the fields is unknown."""
    names = " or ".join(field_phrase(f) for f in fields)
    return When(f"{names} unknown", lambda p: any(getattr(p, f) is None for f in fields))


def _compare(symbol: str, op: Callable[[Any, Any], bool]) -> Callable[[str, float], When]:
    def condition(field: str, limit: float) -> When:
        def test(p: Profile) -> bool:
            value = getattr(p, field)
            return value is not None and op(value, limit)

        return When(f"{field_phrase(field)} {symbol} {_text(limit)}", test)

    return condition


below = _compare("<", operator.lt)
at_least = _compare("≥", operator.ge)
above = _compare(">", operator.gt)


def had_any(*names: str) -> When:
    """One of these therapies is among the prior therapies."""
    return When(
        "prior therapies include " + " or ".join(names),
        lambda p: any(n in p.prior_therapies for n in names),
    )


LOW_GRADE = is_("grade", "G1", "G2")
HIGH_GRADE = is_("grade", "G3", "NEC")
GRADE_UNKNOWN = unknown("grade")
PROGRESSING = is_("progressive", True)
NOT_PROGRESSING = is_("progressive", False)
PROGRESSION_UNKNOWN = unknown("progressive")


# --- liver-transplant selection criteria (lu2025 1.4, quoting ref 11) ---------------------------


@dataclass(frozen=True)
class Criterion:
    """One selection criterion: ``status`` is True (met), False (not met) or None (unknown)."""

    label: str
    status: Callable[[Profile], bool | None]
    find_out: str


def _known(value: Any, test: Callable[[Any], bool]) -> bool | None:
    return None if value is None else test(value)


def _well_differentiated_low_ki67(p: Profile) -> bool | None:
    if p.differentiation == "poor" or p.grade in ("G3", "NEC"):
        return False
    if p.ki67 is not None and p.ki67 >= TRANSPLANT_KI67_BELOW:
        return False
    if p.differentiation == "well" and p.grade in ("G1", "G2") and p.ki67 is not None:
        return True
    return None


TRANSPLANT_CRITERIA = (
    Criterion(
        "no extrahepatic disease",
        lambda p: _known(p.extrahepatic, operator.not_),
        "whether there is disease outside the liver (none is allowed)",
    ),
    Criterion(
        f"well-differentiated G1-G2 NET with Ki-67 < {TRANSPLANT_KI67_BELOW} %",
        _well_differentiated_low_ki67,
        f"the histology and Ki-67 (a well-differentiated G1-G2 NET with Ki-67 below "
        f"{TRANSPLANT_KI67_BELOW} % is required)",
    ),
    Criterion(
        "primary tumour removed beforehand",
        lambda p: p.primary_resected,
        "whether the primary tumour has already been removed (it must have been)",
    ),
    Criterion(
        f"metastases < {TRANSPLANT_LIVER_PCT_BELOW} % of the liver volume",
        lambda p: _known(p.liver_involvement_pct, lambda v: v < TRANSPLANT_LIVER_PCT_BELOW),
        f"how much of the liver volume the metastases take up (under "
        f"{TRANSPLANT_LIVER_PCT_BELOW} % is required)",
    ),
    Criterion(
        f"stable on treatment for ≥ {TRANSPLANT_STABLE_MONTHS} months",
        lambda p: _known(p.stable_months, lambda v: v >= TRANSPLANT_STABLE_MONTHS),
        f"how long the disease has been stable on treatment (at least "
        f"{TRANSPLANT_STABLE_MONTHS} months before transplantation is considered)",
    ),
    Criterion(
        f"age < {TRANSPLANT_AGE_BELOW}",
        lambda p: _known(p.age, lambda v: v < TRANSPLANT_AGE_BELOW),
        f"the patient's age (under {TRANSPLANT_AGE_BELOW} is required)",
    ),
)


def criteria_status(profile: Profile) -> dict[str, str]:
    """Each transplant criterion as ``met``, ``not met`` or ``unknown`` for this profile."""
    words = {True: "met", False: "not met", None: "unknown"}
    return {c.label: words[c.status(profile)] for c in TRANSPLANT_CRITERIA}


def _some_criterion(state: bool | None, text: str) -> When:
    return When(text, lambda p: any(c.status(p) is state for c in TRANSPLANT_CRITERIA))


# --- the rules ----------------------------------------------------------------------------------


def cite(source: str, section: str, ref_nos: tuple[int, ...]) -> str:
    """'lu2025 3.2 [18, 20, 39]': where a rule or a premise stands."""
    refs = f" [{', '.join(map(str, ref_nos))}]" if ref_nos else ""
    return f"{source} {section}{refs}"


@dataclass(frozen=True)
class Rule:
    """One row of the rule table. ``verdict`` None makes it a note that only adds its reason."""

    therapy: str
    when: When
    verdict: str | None
    reason: str
    section: str
    ref_nos: tuple[int, ...] = ()
    source: str = "lu2025"

    def citation(self) -> str:
        return cite(self.source, self.section, self.ref_nos)


def _ablation_rules(therapy: str) -> tuple[Rule, ...]:
    """The size and count limits of section 2.1, which apply to every ablation method."""
    limits = (
        f"one lesion up to {ABLATION_SINGLE_MAX_CM} cm, or {ABLATION_FEW[0]}-{ABLATION_FEW[-1]} "
        f"lesions up to {ABLATION_FEW_MAX_CM} cm each"
    )
    return (
        Rule(
            therapy,
            is_("liver_lesions", 0),
            NOT_RECOMMENDED,
            "No liver lesion is recorded, so there is nothing to ablate.",
            "2.1",
        ),
        Rule(
            therapy,
            above("liver_lesions", ABLATION_MAX_LESIONS),
            NOT_RECOMMENDED,
            f"More than {ABLATION_MAX_LESIONS} liver lesions: beyond the review's limits for "
            f"ablation ({limits}).",
            "2.1",
        ),
        Rule(
            therapy,
            above("largest_lesion_cm", ABLATION_SINGLE_MAX_CM),
            NOT_RECOMMENDED,
            f"The largest lesion exceeds {ABLATION_SINGLE_MAX_CM} cm: beyond the review's "
            f"limits for ablation ({limits}).",
            "2.1",
        ),
        Rule(
            therapy,
            is_("liver_lesions", *ABLATION_FEW) & above("largest_lesion_cm", ABLATION_FEW_MAX_CM),
            NOT_RECOMMENDED,
            f"With {ABLATION_FEW[0]}-{ABLATION_FEW[-1]} lesions each must be at most "
            f"{ABLATION_FEW_MAX_CM} cm, and the largest here is bigger.",
            "2.1",
        ),
        Rule(
            therapy,
            unknown("liver_lesions", "largest_lesion_cm"),
            CONSIDER,
            f"Find out how many liver lesions there are and how big the largest is: ablation "
            f"suits {limits}, away from major vessels and bile ducts.",
            "2.1",
        ),
        Rule(
            therapy,
            HIGH_GRADE,
            CONSIDER,
            "Within the ablation limits; for high-grade NET and NEC the review says local "
            "therapy may still improve the outlook.",
            "2",
        ),
        Rule(
            therapy,
            GRADE_UNKNOWN,
            CONSIDER,
            "Within the ablation limits. Find out the grade (Ki-67 or mitotic count): the "
            "review urges local therapy for low-grade disease with a small liver burden.",
            "2",
        ),
        Rule(
            therapy,
            LOW_GRADE,
            RECOMMENDED,
            f"Within the ablation limits ({limits}) and low grade: the review urges local "
            "therapy for low-grade disease with a small liver burden, notably when surgery is "
            "not tolerated.",
            "2",
        ),
        Rule(
            therapy,
            ALWAYS,
            NOTE,
            "Ablation on its own is followed by frequent recurrence; combining it with "
            "resection lowers that risk.",
            "2.1",
        ),
    )


_FIND_DIFFERENTIATION = (
    "Find out whether the tumour is well differentiated (G3 NET) or poorly differentiated (NEC): "
    "the review treats them with different chemotherapy."
)
_FIND_KI67_G3 = (
    f"Find out the Ki-67 index: a G3 NET below {G3_KI67_CUTOFF} % is treated like G1/G2 with "
    f"temozolomide-based chemotherapy, one at {G3_KI67_CUTOFF} % or above like a NEC."
)
_NEC_TARGETED = (
    "No study the review cites reports single-agent targeted therapy for pNEC liver metastases; "
    "combinations with chemotherapy are being tried."
)
_G3_TKI = (
    "The review cites no data for this drug in G3 NET; of the targeted drugs only everolimus is "
    "reported to have some activity there."
)


CAPTEM_GRADES = LOW_GRADE | (is_("grade", "G3") & below("ki67", G3_KI67_CUTOFF))
"""Where the review puts CAPTEM: G1/G2, and G3 NET below Ki-67 55 % (3.1 [18, 35, 39])."""

_FIND_PROGRESSION_TARGETED = (
    "Find out whether the disease is progressing (radiological progression): the review names "
    "{drug} for progressive G1/G2 pNET."
)
_NOT_PROGRESSING_TARGETED = (
    "The disease is not progressing: the review names {drug} for progressive G1/G2 pNET, so "
    "the situation it describes has not arisen yet."
)


def _targeted_until_progression(drug: str) -> tuple[Rule, Rule]:
    """Everolimus and sunitinib in G1/G2 pNET: find out whether the disease progresses, and
    only consider the drug while it does not (lu2025 3.2 [18, 20, 39])."""
    return (
        Rule(
            drug,
            LOW_GRADE & PROGRESSION_UNKNOWN,
            CONSIDER,
            _FIND_PROGRESSION_TARGETED.format(drug=drug),
            "3.2",
            (18, 20, 39),
        ),
        Rule(
            drug,
            LOW_GRADE & NOT_PROGRESSING,
            CONSIDER,
            _NOT_PROGRESSING_TARGETED.format(drug=drug),
            "3.2",
            (18, 20, 39),
        ),
    )


RULES: tuple[Rule, ...] = (
    # ---- radical resection: 1.1 non-functional, 1.2 functional; xue2025 abstract ------------
    Rule(
        "radical resection",
        is_("resectable", False),
        NOT_RECOMMENDED,
        "The profile says the disease cannot be removed completely; for such lesions the review "
        "turns to debulking instead.",
        "1.1",
    ),
    Rule(
        "radical resection",
        is_("liver_type", "III"),
        NOT_RECOMMENDED,
        "Type III metastases are diffuse in both lobes and cannot be removed completely; the "
        "review does not routinely advise resecting them.",
        "1.1",
    ),
    Rule(
        "radical resection",
        is_("functional", True),
        RECOMMENDED,
        "Functional tumour: the review advises surgery whether or not the liver is involved, "
        "since it improves the outlook and relieves hormone symptoms.",
        "1.2",
        (18, 19),
    ),
    Rule(
        "radical resection",
        is_("grade", "NEC"),
        CONTROVERSIAL,
        "NEC: how best to treat high-grade liver metastases, surgery included, is disputed.",
        "abstract",
        source="xue2025",
    ),
    Rule(
        "radical resection",
        is_("grade", "G3") & is_("liver_type", "II"),
        CONTROVERSIAL,
        "Type II G3 NET: how best to treat G3 liver metastases, surgery included, is disputed; "
        "the case made for radical surgery in G3 NET is for type I disease.",
        "abstract",
        source="xue2025",
    ),
    Rule(
        "radical resection",
        is_("grade", "G3") & unknown("liver_type"),
        CONSIDER,
        "Find out the ENETS liver-metastasis type (I/II/III): radical surgery for G3 NET is "
        "supported only in type I disease that can be removed completely.",
        "1.1",
        (14,),
    ),
    Rule(
        "radical resection",
        is_("grade", "G3") & unknown("resectable"),
        CONSIDER,
        "Find out whether all the disease can be removed: radical surgery is the most effective "
        "treatment for type I G3 NET only when it can be complete.",
        "1.1",
        (14,),
    ),
    Rule(
        "radical resection",
        is_("grade", "G3"),
        RECOMMENDED,
        "Type I G3 NET that can be removed completely, in a patient with good liver reserve: "
        "radical surgery of primary and metastases is the most effective treatment.",
        "1.1",
        (14,),
    ),
    Rule(
        "radical resection",
        GRADE_UNKNOWN,
        CONSIDER,
        "Find out the grade (Ki-67 or mitotic count): radical surgery is advised for G1/G2 "
        "type I disease and only for selected G3 NET.",
        "1.1",
        (14,),
    ),
    Rule(
        "radical resection",
        unknown("liver_type"),
        CONSIDER,
        "Find out the ENETS liver-metastasis type (I/II/III): radical resection is the aim in "
        "type I, and in type II when everything can be removed.",
        "1.1",
        (14,),
    ),
    Rule(
        "radical resection",
        is_("extrahepatic", True),
        CONSIDER,
        "Disease outside the liver: the advice to resect G1/G2 type I and some type II "
        "metastases is for disease confined to the liver.",
        "abstract",
        source="xue2025",
    ),
    Rule(
        "radical resection",
        is_("liver_type", "I"),
        RECOMMENDED,
        "Type I G1/G2 disease: radical resection of the primary and the liver metastases is "
        "the most effective treatment, given good liver reserve and no serious comorbidity.",
        "1.1",
        (14,),
    ),
    Rule(
        "radical resection",
        is_("liver_type", "II") & is_("resectable", True),
        RECOMMENDED,
        "Type II G1/G2 disease that can be removed completely: radical resection is advised "
        "for part of type II.",
        "abstract",
        source="xue2025",
    ),
    Rule(
        "radical resection",
        is_("liver_type", "II"),
        CONSIDER,
        "Find out whether all the type II disease can be removed: if not, debulking is judged "
        f"by the expected reduction (at least {DEBULKING_MIN_PCT} %).",
        "1.1",
        (15, 17),
    ),
    Rule(
        "radical resection",
        LOW_GRADE & unknown("extrahepatic"),
        NOTE,
        "Check for extrahepatic spread: the advice to resect is for liver-only disease.",
        "abstract",
        source="xue2025",
    ),
    Rule(
        "radical resection",
        LOW_GRADE
        & is_("liver_type", "I")
        & isnt("primary_resected", True)
        & is_("primary_site", "head"),
        NOTE,
        "Primary in the pancreatic head: the liver metastases are usually dealt with first.",
        "1.1",
    ),
    Rule(
        "radical resection",
        LOW_GRADE
        & is_("liver_type", "I")
        & isnt("primary_resected", True)
        & is_("primary_site", "body_tail"),
        NOTE,
        "Primary in the pancreatic body or tail: the primary is usually removed first.",
        "1.1",
    ),
    Rule(
        "radical resection",
        LOW_GRADE
        & is_("liver_type", "I")
        & isnt("primary_resected", True)
        & unknown("primary_site"),
        NOTE,
        "Find out where the primary sits (head or body/tail): it decides whether the liver or "
        "the pancreas is operated on first.",
        "1.1",
    ),
    Rule(
        "radical resection",
        is_("liver_type", "I"),
        NOTE,
        "Metastases in one lobe at low operative risk: primary and metastases can be removed in "
        "a single (synchronous) operation.",
        "1.1",
        (14,),
    ),
    Rule(
        "radical resection",
        is_("liver_type", "II"),
        NOTE,
        "Large or complex resections are staged: first the primary-side lobe with its tumour, "
        "nodes and metastases, then portal vein embolisation to grow the other lobe before "
        "resecting it.",
        "1.1",
        (14,),
    ),
    Rule(
        "radical resection",
        is_("functional", True),
        NOTE,
        "Before surgery, measure serum hormones and control the hormone excess: glucose infusion "
        "for insulinoma hypoglycaemia, proton-pump inhibitors for gastrinoma ulcers, SSA.",
        "1.2",
        (20,),
    ),
    Rule(
        "radical resection",
        is_("syndrome", "insulinoma"),
        NOTE,
        "Insulinomas are mostly of low malignancy: local resection or enucleation keeps "
        "pancreatic function; aim for R0 and avoid a pancreatic fistula.",
        "1.2",
    ),
    Rule(
        "radical resection",
        is_("syndrome", "gastrinoma", "other"),
        NOTE,
        "Other functional tumours are more often malignant: operate as for non-functional "
        "disease, with regional lymph-node dissection.",
        "1.2",
        (20,),
    ),
    Rule(
        "radical resection",
        is_("functional", True) & unknown("syndrome"),
        NOTE,
        "Find out which hormone syndrome it is: insulinomas allow enucleation, others are "
        "operated on like non-functional tumours with lymph-node dissection.",
        "1.2",
        (20,),
    ),
    # ---- debulking surgery: 1.1 --------------------------------------------------------------
    Rule(
        "debulking surgery",
        is_("resectable", True),
        NOT_RECOMMENDED,
        "All the disease can be removed: the aim is radical resection, not debulking.",
        "1.1",
        (14,),
    ),
    Rule(
        "debulking surgery",
        HIGH_GRADE,
        CONTROVERSIAL,
        "For G3 NET without a chance of radical surgery and for NEC, the value of debulking is "
        "strongly disputed.",
        "1.1",
        (18,),
    ),
    Rule(
        "debulking surgery",
        GRADE_UNKNOWN,
        CONSIDER,
        f"Find out the grade (Ki-67 or mitotic count): debulking is advised for G1/G2 when at "
        f"least {DEBULKING_MIN_PCT} % can be removed, and is disputed for G3 NET and NEC.",
        "1.1",
        (15, 17, 18),
    ),
    Rule(
        "debulking surgery",
        is_("functional", True) & is_("liver_type", "III"),
        CONSIDER,
        "Functional tumour: the review advises surgery whatever the liver involvement, although "
        "for non-functional type III disease it does not routinely advise resection.",
        "1.2",
        (18, 19),
    ),
    Rule(
        "debulking surgery",
        unknown("liver_type"),
        CONSIDER,
        f"Find out the ENETS liver-metastasis type (I/II/III): debulking of at least "
        f"{DEBULKING_MIN_PCT} % is advised in type II, not routinely in type III.",
        "1.1",
        (15, 17),
    ),
    Rule(
        "debulking surgery",
        is_("liver_type", "III"),
        NOT_RECOMMENDED,
        "Type III G1/G2 non-functional disease: resecting the liver metastases is not routinely "
        "advised.",
        "1.1",
    ),
    Rule(
        "debulking surgery",
        is_("liver_type", "I") & unknown("resectable"),
        CONSIDER,
        f"Find out whether the type I disease can be removed completely: if so, radical "
        f"resection is the aim; if not, debulking when at least {DEBULKING_MIN_PCT} % can go.",
        "1.1",
        (14,),
    ),
    Rule(
        "debulking surgery",
        ALWAYS,
        CONSIDER,
        f"Debulking is advised if it is expected to remove at least {DEBULKING_MIN_PCT} % of the "
        "tumour, with enough liver function kept: find out how much an operation could "
        "remove.",
        "1.1",
        (15, 17),
    ),
    Rule(
        "debulking surgery",
        LOW_GRADE & isnt("resectable", True),
        NOTE,
        f"Debulking of at least {DEBULKING_MIN_PCT} % went with clearly longer progression-free "
        "and overall survival.",
        "1.1",
        (15, 16),
    ),
    # ---- primary tumour resection: 1.3 (and 1.2 for functional tumours) ----------------------
    Rule(
        "primary tumour resection",
        is_("primary_resected", True),
        NOT_RECOMMENDED,
        "The primary tumour has already been removed.",
        "1.3",
    ),
    Rule(
        "primary tumour resection",
        is_("resectable", True),
        RECOMMENDED,
        "Primary and liver metastases can all be removed: resect both radically.",
        "1.3",
    ),
    Rule(
        "primary tumour resection",
        is_("functional", True),
        RECOMMENDED,
        "Functional tumour: the review advises surgery whether or not the liver is involved.",
        "1.2",
        (18, 19),
    ),
    Rule(
        "primary tumour resection",
        unknown("resectable"),
        CONSIDER,
        "Find out whether the primary and the liver metastases can all be removed: if so, "
        "resect both; if not, removing the primary is mainly for symptoms.",
        "1.3",
    ),
    Rule(
        "primary tumour resection",
        is_("resectable", False),
        CONTROVERSIAL,
        "The disease cannot all be removed: resecting the primary is considered when it bleeds "
        "or blocks the bile duct or gut, for quality of life and to allow further treatment; "
        "whether it prolongs survival is disputed.",
        "1.3",
    ),
    Rule(
        "primary tumour resection",
        is_("resectable", False) & isnt("primary_resected", True),
        NOTE,
        "One series linked resection of the primary with better 5-year survival; others "
        "point out that the ENETS, NANETS and NCCN guidelines do not advise it and that the "
        "evidence is thin.",
        "1.3",
        (14, 22),
    ),
    # ---- liver transplantation: 1.4, criteria quoted from ref 11 -----------------------------
    Rule(
        "liver transplantation",
        _some_criterion(False, "a selection criterion is not met"),
        NOT_RECOMMENDED,
        "At least one of the selection criteria the review quotes is not met; donor livers are "
        "scarce and the indication is kept strict.",
        "1.4",
        (11,),
    ),
    Rule(
        "liver transplantation",
        _some_criterion(None, "a selection criterion is unknown"),
        CONSIDER,
        "Transplantation is an effective option only for patients who meet every selection "
        "criterion; some of them are not known yet.",
        "1.4",
        (11,),
    ),
    Rule(
        "liver transplantation",
        ALWAYS,
        CONSIDER,
        "Meets every selection criterion the review quotes: transplantation is an effective "
        "option for such strictly selected patients, donor livers being scarce.",
        "1.4",
        (11,),
    ),
    *(
        Rule(
            "liver transplantation",
            When(f"{c.label}: not met", lambda p, c=c: c.status(p) is False),
            NOTE,
            f"Not met: {c.label}.",
            "1.4",
            (11,),
        )
        for c in TRANSPLANT_CRITERIA
    ),
    *(
        Rule(
            "liver transplantation",
            When(f"{c.label}: unknown", lambda p, c=c: c.status(p) is None),
            NOTE,
            f"Find out {c.find_out}.",
            "1.4",
            (11,),
        )
        for c in TRANSPLANT_CRITERIA
    ),
    # ---- neoadjuvant (conversion) therapy: 1.5; xue2025 abstract -----------------------------
    Rule(
        "neoadjuvant therapy",
        is_("resectable", False) | is_("liver_type", "II", "III"),
        CONSIDER,
        "Surgery alone is limited or impossible here: conversion therapy before surgery aims to "
        "shrink the disease until it can be resected.",
        "1.5",
        (23,),
    ),
    Rule(
        "neoadjuvant therapy",
        ALWAYS,
        CONSIDER,
        "Treatment before surgery, within a multidisciplinary plan, is a growing approach for "
        "metastatic pNEN.",
        "1.5",
        (23,),
    ),
    Rule(
        "neoadjuvant therapy",
        ALWAYS,
        NOTE,
        "In one study, conversion therapy (SSA, CAPTEM, liver-directed intervention or "
        "radiofrequency ablation) followed by surgery gave a longer median PFS than operating "
        "straight away.",
        "1.5",
        (24,),
    ),
    Rule(
        "neoadjuvant therapy",
        ALWAYS,
        NOTE,
        "There is no agreed regimen yet and few studies; CAPTEM with radiotherapy after surgery "
        "has also shown responses.",
        "1.5",
        (25,),
    ),
    Rule(
        "neoadjuvant therapy",
        is_("liver_type", "II", "III"),
        NOTE,
        "With a heavy liver tumour load, multidisciplinary care matters, and neoadjuvant therapy "
        "with surgery may improve the outlook.",
        "abstract",
        source="xue2025",
    ),
    # ---- ablation: 2, 2.1 --------------------------------------------------------------------
    *_ablation_rules("radiofrequency ablation"),
    Rule(
        "radiofrequency ablation",
        ALWAYS,
        NOTE,
        "Radiofrequency ablation is the main ablation method used for pNEN liver metastases.",
        "2.1",
        (26,),
    ),
    Rule(
        "radiofrequency ablation",
        below("ki67", RFA_BEST_KI67_BELOW),
        NOTE,
        f"Ki-67 below {RFA_BEST_KI67_BELOW} %: the group with the best tumour control after "
        "radiofrequency ablation.",
        "2.1",
        (29,),
    ),
    Rule(
        "radiofrequency ablation",
        at_least("ki67", RFA_BEST_KI67_BELOW),
        NOTE,
        f"Tumour control after radiofrequency ablation was best with Ki-67 below "
        f"{RFA_BEST_KI67_BELOW} %; this tumour is above.",
        "2.1",
        (29,),
    ),
    Rule(
        "radiofrequency ablation",
        is_("functional", True),
        NOTE,
        "Hormone symptoms: radiofrequency ablation relieved them in most patients, though in "
        "another report they often came back.",
        "2.1",
        (27, 28),
    ),
    *_ablation_rules("microwave ablation"),
    Rule(
        "microwave ablation",
        ALWAYS,
        NOTE,
        "Microwave ablation is efficient and quick with less heat-sink effect, and is safe alone "
        "or together with liver resection, where it improved 5-year survival.",
        "2.1",
        (30, 31),
    ),
    Rule(
        "microwave ablation",
        ALWAYS,
        NOTE,
        "Microwave ablation plus liver resection gave survival similar to resection alone, with "
        "fewer complications.",
        "2.1",
        (32,),
    ),
    # ---- transarterial therapy: 2, 2.2 -------------------------------------------------------
    Rule(
        "transarterial embolization",
        is_("functional", True),
        RECOMMENDED,
        "Functional liver metastases: the review advises embolisation or chemoembolisation "
        "(HAE/HACE), with SSA to control the symptoms.",
        "2.2",
    ),
    Rule(
        "transarterial embolization",
        unknown("functional"),
        CONSIDER,
        "Find out whether the tumour is functional (hormone syndrome): the review advises "
        "HAE/HACE for functional liver metastases.",
        "2.2",
    ),
    Rule(
        "transarterial embolization",
        ALWAYS,
        CONSIDER,
        "Local therapy complements surgery and drugs; it is urged for low-grade disease with a "
        "small liver burden when surgery is not tolerated, and may help high-grade disease, NEC "
        "and a large liver burden.",
        "2",
    ),
    Rule(
        "transarterial embolization",
        ALWAYS,
        NOTE,
        "Embolisation, chemoembolisation and radioembolisation (SIRT) did not differ clearly in "
        "one comparison.",
        "2.2",
        (33,),
    ),
    Rule(
        "transarterial embolization",
        is_("liver_type", "III"),
        NOTE,
        "Diffuse (type III) disease means a large liver burden: treat in stages to avoid tumour "
        "lysis syndrome.",
        "2.2",
        (34,),
    ),
    # ---- CAPTEM: 3.1 -------------------------------------------------------------------------
    Rule(
        "captem",
        GRADE_UNKNOWN,
        CONSIDER,
        f"Find out the grade and Ki-67: CAPTEM is preferred for G1/G2, and for G3 NET it depends "
        f"on Ki-67 {G3_KI67_CUTOFF} %.",
        "3.1",
        (18, 39),
    ),
    Rule(
        "captem",
        LOW_GRADE,
        RECOMMENDED,
        "G1/G2 pNET with liver metastases: CAPTEM is the preferred chemotherapy in the 2022 "
        "Chinese guideline.",
        "3.1",
        (18, 35),
    ),
    Rule(
        "captem",
        is_("grade", "NEC"),
        NOT_RECOMMENDED,
        "NEC: first-line chemotherapy is a platinum-based combination, not CAPTEM.",
        "3.1",
    ),
    Rule(
        "captem",
        is_("grade", "G3") & unknown("differentiation"),
        CONSIDER,
        _FIND_DIFFERENTIATION,
        "3.1",
        (39,),
    ),
    Rule("captem", is_("grade", "G3") & unknown("ki67"), CONSIDER, _FIND_KI67_G3, "3.1", (39,)),
    Rule(
        "captem",
        is_("grade", "G3") & below("ki67", G3_KI67_CUTOFF),
        RECOMMENDED,
        f"Well-differentiated G3 NET with Ki-67 below {G3_KI67_CUTOFF} %: temozolomide-based "
        "chemotherapy as for G1/G2, platinum not first.",
        "3.1",
        (39,),
    ),
    Rule(
        "captem",
        is_("grade", "G3") & at_least("ki67", G3_KI67_CUTOFF),
        NOT_RECOMMENDED,
        f"G3 NET with Ki-67 of {G3_KI67_CUTOFF} % or more: chemotherapy follows the NEC "
        "(platinum-based) regimen.",
        "3.1",
        (39,),
    ),
    Rule(
        "captem",
        CAPTEM_GRADES,
        NOTE,
        "CAPTEM clearly lengthened PFS in pNET and lowered the risk of progression; "
        "intermediate- to high-grade pNET with liver metastases also did well.",
        "3.1",
        (36, 37),
    ),
    Rule(
        "captem",
        CAPTEM_GRADES,
        NOTE,
        "CAPTEM and yttrium-90 radioembolisation work well together in the liver.",
        "3.1",
        (38,),
    ),
    Rule(
        "captem",
        CAPTEM_GRADES & PROGRESSING,
        NOTE,
        "Progressing disease: the review finds chemotherapy works well in pNEN liver metastases "
        "that are high grade, bulky, fast-progressing or highly proliferative.",
        "3.1",
    ),
    Rule(
        "captem",
        LOW_GRADE,
        NOTE,
        "In advanced disease, 5-fluorouracil with dacarbazine may give a longer PFS than CAPTEM.",
        "3.1",
        (35,),
    ),
    # ---- platinum-based chemotherapy: 3.1 ----------------------------------------------------
    Rule(
        "platinum-based chemotherapy",
        GRADE_UNKNOWN,
        CONSIDER,
        "Find out the grade and differentiation: platinum-based combinations are first line for "
        "NEC, not for G1/G2.",
        "3.1",
    ),
    Rule(
        "platinum-based chemotherapy",
        is_("grade", "NEC"),
        RECOMMENDED,
        "NEC: a platinum-based combination is the first-line chemotherapy.",
        "3.1",
    ),
    Rule(
        "platinum-based chemotherapy",
        LOW_GRADE,
        NOT_RECOMMENDED,
        "G1/G2: the preferred chemotherapy is CAPTEM; platinum-based combinations are the NEC "
        "regimen.",
        "3.1",
        (18, 35),
    ),
    Rule(
        "platinum-based chemotherapy",
        is_("grade", "G3") & unknown("differentiation"),
        CONSIDER,
        _FIND_DIFFERENTIATION,
        "3.1",
        (39,),
    ),
    Rule(
        "platinum-based chemotherapy",
        is_("grade", "G3") & unknown("ki67"),
        CONSIDER,
        _FIND_KI67_G3,
        "3.1",
        (39,),
    ),
    Rule(
        "platinum-based chemotherapy",
        is_("grade", "G3") & at_least("ki67", G3_KI67_CUTOFF),
        RECOMMENDED,
        f"G3 NET with Ki-67 of {G3_KI67_CUTOFF} % or more: treated like NEC, with platinum-based "
        "chemotherapy.",
        "3.1",
        (39,),
    ),
    Rule(
        "platinum-based chemotherapy",
        is_("grade", "G3") & below("ki67", G3_KI67_CUTOFF),
        NOT_RECOMMENDED,
        f"Well-differentiated G3 NET with Ki-67 below {G3_KI67_CUTOFF} %: platinum-based "
        "chemotherapy is not the first choice; temozolomide-based is.",
        "3.1",
        (39,),
    ),
    Rule(
        "platinum-based chemotherapy",
        HIGH_GRADE,
        NOTE,
        "Whether a tumour responds to platinum is a key clinical difference between NET and NEC.",
        "3.1",
        (40,),
    ),
    # ---- targeted drugs: 3.2 -----------------------------------------------------------------
    Rule(
        "everolimus",
        GRADE_UNKNOWN,
        CONSIDER,
        "Find out the grade: everolimus is approved for progressive G1/G2 pNET and has some "
        "reported activity in G3.",
        "3.2",
        (18, 20, 39),
    ),
    *_targeted_until_progression("everolimus"),
    Rule(
        "everolimus",
        LOW_GRADE & PROGRESSING & had_any(*CHEMOTHERAPIES),
        RECOMMENDED,
        "Progressive G1/G2 pNET after chemotherapy: the review names everolimus for this "
        "situation too, besides its first-line place.",
        "3.2",
        (18, 20, 39),
    ),
    Rule(
        "everolimus",
        LOW_GRADE & PROGRESSING,
        RECOMMENDED,
        "Progressive G1/G2 pNET with liver metastases: everolimus is one of the two targeted "
        "drugs approved for pNEN and a first-line targeted option in the NCCN guideline.",
        "3.2",
        (18, 20, 39),
    ),
    Rule(
        "everolimus",
        is_("grade", "G3"),
        CONSIDER,
        "Some studies suggest everolimus also works to a degree in G3 pNET.",
        "3.2",
        (18, 20, 39),
    ),
    Rule("everolimus", is_("grade", "NEC"), INVESTIGATIONAL, _NEC_TARGETED, "3.2"),
    Rule(
        "everolimus",
        LOW_GRADE & had_any(*CHEMOTHERAPIES) & isnt("progressive", True),
        NOTE,
        "Everolimus is also used for progressive G1/G2 disease after chemotherapy.",
        "3.2",
        (18, 20, 39),
    ),
    Rule(
        "sunitinib",
        GRADE_UNKNOWN,
        CONSIDER,
        "Find out the grade: sunitinib is approved for progressive G1/G2 pNET.",
        "3.2",
        (18, 20, 39),
    ),
    *_targeted_until_progression("sunitinib"),
    Rule(
        "sunitinib",
        LOW_GRADE & PROGRESSING,
        RECOMMENDED,
        "Progressive G1/G2 pNET with liver metastases: sunitinib is one of the two targeted "
        "drugs approved for pNEN and a first-line targeted option in the NCCN guideline.",
        "3.2",
        (18, 20, 39),
    ),
    Rule("sunitinib", is_("grade", "G3"), INVESTIGATIONAL, _G3_TKI, "3.2", (18, 20, 39)),
    Rule("sunitinib", is_("grade", "NEC"), INVESTIGATIONAL, _NEC_TARGETED, "3.2"),
    Rule(
        "sunitinib",
        LOW_GRADE,
        NOTE,
        "Studies in Chinese patients found sunitinib lengthened survival, and a lower daily "
        "dose was better tolerated.",
        "3.2",
        (41, 42),
    ),
    Rule(
        "surufatinib",
        GRADE_UNKNOWN,
        CONSIDER,
        "Find out the grade: the trials the review cites are in advanced NET.",
        "3.2",
        (43, 44),
    ),
    Rule(
        "surufatinib",
        LOW_GRADE,
        CONSIDER,
        "Surufatinib, a newer anti-angiogenic and immune-modulating kinase inhibitor, clearly "
        "improved PFS in Chinese phase III trials; it is not among the two drugs approved for "
        "pNEN.",
        "3.2",
        (43, 44),
    ),
    Rule("surufatinib", is_("grade", "G3"), INVESTIGATIONAL, _G3_TKI, "3.2", (18, 20, 39)),
    Rule("surufatinib", is_("grade", "NEC"), INVESTIGATIONAL, _NEC_TARGETED, "3.2"),
    Rule(
        "surufatinib",
        LOW_GRADE,
        NOTE,
        "Its side effects (high blood pressure, proteinuria, bleeding) may predict benefit.",
        "3.2",
        (45,),
    ),
    Rule(
        "surufatinib",
        LOW_GRADE,
        NOTE,
        "Named among the targeted drugs used to control tumour growth and symptoms.",
        "abstract",
        source="xue2025",
    ),
    # ---- immune checkpoint inhibitors: 3.3 ---------------------------------------------------
    Rule(
        "immune checkpoint inhibitors",
        ALWAYS,
        INVESTIGATIONAL,
        "Single-agent checkpoint inhibitors did poorly in trials in advanced pNEN; they are "
        "combined with other treatment (best with cytotoxic therapy, at the cost of its side "
        "effects) and are mostly still in trials.",
        "3.3",
        (51,),
    ),
    Rule(
        "immune checkpoint inhibitors",
        ALWAYS,
        NOTE,
        "PD-L1 is often highly expressed in well-differentiated pNEN liver metastases, which "
        "hints at sensitivity.",
        "3.3",
        (49, 50),
    ),
    Rule(
        "immune checkpoint inhibitors",
        ALWAYS,
        NOTE,
        "Anti-angiogenic drugs may work better together with immunotherapy.",
        "3.3",
        (52,),
    ),
    # ---- PRRT: 3.4; xue2025 abstract ---------------------------------------------------------
    Rule(
        "prrt",
        is_("sstr_positive", False),
        NOT_RECOMMENDED,
        "PRRT reaches tumour cells through their somatostatin receptors; an SSTR-negative "
        "tumour offers no target.",
        "3.4",
        (53, 54),
    ),
    Rule(
        "prrt",
        GRADE_UNKNOWN,
        CONSIDER,
        f"Find out the grade and Ki-67: PRRT is established for G1/G2 and studied in G3 with "
        f"Ki-67 below {G3_KI67_CUTOFF} %.",
        "3.4",
        (18, 55),
    ),
    Rule(
        "prrt",
        unknown("sstr_positive"),
        CONSIDER,
        "Find out the SSTR status (somatostatin-receptor imaging): PRRT acts through the receptor.",
        "3.4",
        (53, 54),
    ),
    Rule(
        "prrt",
        LOW_GRADE & PROGRESSION_UNKNOWN,
        CONSIDER,
        "Find out whether the disease is progressing (radiological progression): PRRT is "
        "approved for progressive SSTR-positive gastroenteropancreatic NET.",
        "abstract",
        source="xue2025",
    ),
    Rule(
        "prrt",
        LOW_GRADE & NOT_PROGRESSING,
        CONSIDER,
        "The disease is not progressing: the approval the review names is for progressive "
        "SSTR-positive gastroenteropancreatic NET.",
        "abstract",
        source="xue2025",
    ),
    Rule(
        "prrt",
        LOW_GRADE & PROGRESSING,
        RECOMMENDED,
        "Progressive SSTR-positive G1/G2 NET: PRRT is approved for progressive SSTR-positive "
        "gastroenteropancreatic NET and has lengthened PFS.",
        "abstract",
        source="xue2025",
    ),
    Rule(
        "prrt",
        HIGH_GRADE & unknown("ki67"),
        CONSIDER,
        f"Find out the Ki-67 index: the evidence for PRRT in G3 NET and selected NEC concerns "
        f"Ki-67 below {G3_KI67_CUTOFF} %.",
        "3.4",
        (18, 55),
    ),
    Rule(
        "prrt",
        is_("grade", "G3") & below("ki67", G3_KI67_CUTOFF),
        CONSIDER,
        f"G3 NET with Ki-67 below {G3_KI67_CUTOFF} %: recent studies find PRRT prolongs survival.",
        "3.4",
    ),
    Rule(
        "prrt",
        is_("grade", "NEC") & below("ki67", G3_KI67_CUTOFF),
        CONSIDER,
        f"NEC with Ki-67 below {G3_KI67_CUTOFF} %: PRRT may help some patients, after careful "
        "selection.",
        "3.4",
        (18, 55),
    ),
    Rule(
        "prrt",
        HIGH_GRADE & at_least("ki67", G3_KI67_CUTOFF),
        NOT_RECOMMENDED,
        f"Ki-67 of {G3_KI67_CUTOFF} % or more: the PRRT evidence for high-grade disease the "
        f"review cites stops below {G3_KI67_CUTOFF} %.",
        "3.4",
        (18, 55),
    ),
    Rule(
        "prrt",
        LOW_GRADE & isnt("sstr_positive", False),
        NOTE,
        "G1/G2 NET has been the main use of PRRT so far.",
        "3.4",
    ),
    Rule(
        "prrt",
        LOW_GRADE & isnt("sstr_positive", False),
        NOTE,
        "In a meta-analysis in advanced pNEN, 177Lu PRRT gave better response, disease control "
        "and PFS than everolimus, and was safer.",
        "3.4",
        (57,),
    ),
    Rule(
        "prrt",
        is_("liver_type", "III") & isnt("sstr_positive", False),
        NOTE,
        "Injecting 90Y-labelled analogue into the hepatic artery is a safe, effective palliative "
        "option for large liver metastases, though more cycles are needed to cut the burden.",
        "3.4",
        (59, 60),
    ),
    Rule(
        "prrt",
        had_any("prrt"),
        NOTE,
        "After 177Lu PRRT that did not work well, 225Ac-DOTATATE alpha therapy prolonged survival.",
        "3.4",
        (61,),
    ),
    # ---- somatostatin analogues: 3.5 (and 1.2, 2.2) ------------------------------------------
    Rule(
        "somatostatin analogues",
        is_("functional", True),
        RECOMMENDED,
        "Functional tumour: SSA is the advised treatment for the hormone syndrome; it both "
        "eases the symptoms and slows tumour growth.",
        "3.5",
        (39, 62),
    ),
    Rule(
        "somatostatin analogues",
        unknown("functional")
        & (HIGH_GRADE | at_least("ki67", SSA_KI67_BELOW) | is_("sstr_positive", False)),
        CONSIDER,
        "Find out whether the tumour is functional: SSA is the advised treatment for hormone "
        "symptoms, even outside the first-line group for tumour control.",
        "3.5",
        (39, 62),
    ),
    Rule(
        "somatostatin analogues",
        HIGH_GRADE,
        NOT_RECOMMENDED,
        f"First-line SSA is for G1/G2 with Ki-67 below {SSA_KI67_BELOW} %; this is G3 NET or NEC.",
        "3.5",
        (62,),
    ),
    Rule(
        "somatostatin analogues",
        is_("sstr_positive", False),
        NOT_RECOMMENDED,
        "SSTR-negative: first-line SSA is for SSTR-positive tumours.",
        "3.5",
        (62,),
    ),
    Rule(
        "somatostatin analogues",
        at_least("ki67", SSA_KI67_BELOW),
        CONSIDER,
        f"Ki-67 of {SSA_KI67_BELOW} % or more puts this tumour outside the first-line SSA group; "
        "octreotide and lanreotide are also used in advanced pNEN.",
        "3.5",
        (62, 63),
    ),
    Rule(
        "somatostatin analogues",
        GRADE_UNKNOWN,
        CONSIDER,
        f"Find out the grade: SSA is first line for G1/G2, Ki-67 below {SSA_KI67_BELOW} %, "
        "SSTR-positive, slowly growing pNEN.",
        "3.5",
        (62,),
    ),
    Rule(
        "somatostatin analogues",
        unknown("ki67"),
        CONSIDER,
        f"Find out the Ki-67 index: first-line SSA is for Ki-67 below {SSA_KI67_BELOW} %.",
        "3.5",
        (62,),
    ),
    Rule(
        "somatostatin analogues",
        unknown("sstr_positive"),
        CONSIDER,
        "Find out the SSTR status (somatostatin-receptor imaging): first-line SSA is for "
        "SSTR-positive tumours.",
        "3.5",
        (62,),
    ),
    Rule(
        "somatostatin analogues",
        had_any("somatostatin analogues") & PROGRESSING,
        CONSIDER,
        "Progressing after SSA: SSA is the first-line treatment, and the review warns that PFS "
        "falls sharply once the tumour resists SSA; octreotide and lanreotide have also been "
        "used in progressive pNEN.",
        "3.5",
        (62, 63, 64),
    ),
    Rule(
        "somatostatin analogues",
        LOW_GRADE & below("ki67", SSA_KI67_BELOW) & is_("sstr_positive", True),
        RECOMMENDED,
        f"G1/G2, Ki-67 below {SSA_KI67_BELOW} %, SSTR-positive: SSA is first-line treatment, "
        "above all when the disease grows slowly.",
        "3.5",
        (62,),
    ),
    Rule(
        "somatostatin analogues",
        LOW_GRADE,
        NOTE,
        "Octreotide and lanreotide work in better-differentiated NET and prolong PFS.",
        "abstract",
        source="xue2025",
    ),
    Rule(
        "somatostatin analogues",
        isnt("sstr_positive", False) & ~had_any("somatostatin analogues"),
        NOTE,
        "Once the tumour becomes resistant to SSA, PFS drops sharply.",
        "3.5",
        (64,),
    ),
    Rule(
        "somatostatin analogues",
        PROGRESSING & ~had_any("somatostatin analogues") & isnt("sstr_positive", False),
        NOTE,
        "Progressing disease: octreotide and lanreotide have also been used in progressive pNEN.",
        "3.5",
        (63,),
    ),
    # ---- interferon alfa: 3.5 ----------------------------------------------------------------
    Rule(
        "interferon alfa",
        is_("functional", True),
        CONSIDER,
        "Functional tumour: interferon alfa also treats hormone symptoms, combined with SSA when "
        "SSA alone does not control them.",
        "3.5",
        (20,),
    ),
    Rule(
        "interferon alfa",
        unknown("functional"),
        CONSIDER,
        "Find out whether the tumour is functional: the review describes interferon alfa only "
        "for hormone symptoms.",
        "3.5",
        (20,),
    ),
    Rule(
        "interferon alfa",
        is_("functional", False),
        NOT_RECOMMENDED,
        "Non-functional tumour: the review describes interferon alfa only for the hormone "
        "symptoms of functional tumours.",
        "3.5",
        (20,),
    ),
)
"""The rule table, grouped by therapy; within a therapy, order decides (see the module doc)."""


# --- what each verdict presupposes, and the line of therapy -------------------------------------


@dataclass(frozen=True)
class Premise:
    """One thing the reviews presuppose for a therapy: ``aspect`` (one of :data:`ASPECTS`),
    the condition in words, and where the review states it."""

    aspect: str
    text: str
    section: str
    ref_nos: tuple[int, ...] = ()
    source: str = "lu2025"

    def citation(self) -> str:
        return cite(self.source, self.section, self.ref_nos)


ASPECTS = (
    "progression",
    "line",
    "sstr",
    "grade",
    "resectability",
    "function",
    "extent",
    "patient",
)
"""What a premise is about: progression, line of therapy, SSTR status, grade range,
resectability, hormone function, the extent of the disease, or the patient (age)."""

LINES = (
    "local treatment",
    "first-line systemic",
    "after progression or another treatment",
    "line not stated",
)
"""Lines of therapy in the order a class meets them: surgery and liver-directed treatment, the
first systemic treatments, those the reviews place after progression or after another
treatment, and those for which the reviews state no line."""

_ABLATION_LIMITS = (
    f"one lesion up to {ABLATION_SINGLE_MAX_CM} cm, or {ABLATION_FEW[0]}-{ABLATION_FEW[-1]} "
    f"lesions up to {ABLATION_FEW_MAX_CM} cm each, away from major vessels and bile ducts"
)
_ABLATION_PREMISES = (
    Premise("extent", _ABLATION_LIMITS, "2.1"),
    Premise("grade", "low grade with a small liver burden (may help high grade too)", "2"),
    Premise("line", "local treatment, notably when surgery is not tolerated", "2"),
)

PREMISES: dict[str, tuple[Premise, ...]] = {
    "radical resection": (
        Premise(
            "resectability",
            "all the disease can be removed: type I, or type II where everything can go",
            "1.1",
            (14,),
        ),
        Premise("grade", "G1/G2, or type I G3 NET that can be removed completely", "1.1", (14,)),
        Premise("extent", "disease confined to the liver", "abstract", source="xue2025"),
        Premise(
            "line", "local treatment: good liver reserve, no serious comorbidity", "1.1", (14,)
        ),
    ),
    "debulking surgery": (
        Premise("resectability", "not all the disease can be removed", "1.1", (14,)),
        Premise(
            "extent",
            f"at least {DEBULKING_MIN_PCT} % of the tumour can be removed, with enough liver "
            "kept; type II, not routinely type III",
            "1.1",
            (15, 17),
        ),
        Premise("grade", "G1/G2 (disputed for G3 NET and NEC)", "1.1", (18,)),
    ),
    "primary tumour resection": (
        Premise("extent", "the primary is still in place", "1.3"),
        Premise(
            "resectability",
            "primary and metastases can all be removed; otherwise mainly for bleeding or "
            "obstruction",
            "1.3",
        ),
    ),
    "liver transplantation": tuple(
        Premise(aspect, c.label, "1.4", (11,))
        for aspect, c in zip(
            ("extent", "grade", "extent", "extent", "progression", "patient"),
            TRANSPLANT_CRITERIA,
            strict=True,
        )
    ),
    "neoadjuvant therapy": (
        Premise(
            "resectability",
            "surgery alone is limited or impossible: shrink the disease until it can be removed",
            "1.5",
            (23,),
        ),
        Premise("line", "before surgery, within a multidisciplinary plan", "1.5", (23,)),
    ),
    "radiofrequency ablation": _ABLATION_PREMISES,
    "microwave ablation": _ABLATION_PREMISES,
    "transarterial embolization": (
        Premise("function", "functional liver metastases (HAE/HACE, with SSA)", "2.2"),
        Premise("line", "local treatment when surgery is not possible or not tolerated", "2"),
    ),
    "captem": (
        Premise(
            "grade",
            f"G1/G2, or well-differentiated G3 NET with Ki-67 below {G3_KI67_CUTOFF} %",
            "3.1",
            (18, 35, 39),
        ),
        Premise("line", "the preferred chemotherapy for G1/G2 pNET", "3.1", (18, 35)),
    ),
    "platinum-based chemotherapy": (
        Premise("grade", f"NEC, or G3 NET with Ki-67 of {G3_KI67_CUTOFF} % or more", "3.1", (39,)),
        Premise("line", "first-line chemotherapy for NEC", "3.1"),
    ),
    "everolimus": (
        Premise("progression", "progressive disease", "3.2", (18, 20, 39)),
        Premise("grade", "G1/G2 pNET (some activity reported in G3)", "3.2", (18, 20, 39)),
        Premise("line", "first-line targeted drug, or after chemotherapy", "3.2", (18, 20, 39)),
    ),
    "sunitinib": (
        Premise("progression", "progressive disease", "3.2", (18, 20, 39)),
        Premise("grade", "G1/G2 pNET", "3.2", (18, 20, 39)),
        Premise("line", "first-line targeted drug", "3.2", (18, 20, 39)),
    ),
    "surufatinib": (
        Premise("extent", "advanced NET, as in the trials cited", "3.2", (43, 44)),
        Premise("line", "no line stated by the reviews", "3.2", (43, 44)),
    ),
    "immune checkpoint inhibitors": (
        Premise("line", "mostly within trials, combined with other treatment", "3.3", (51,)),
    ),
    "prrt": (
        Premise("sstr", "SSTR-positive (somatostatin-receptor imaging)", "3.4", (53, 54)),
        Premise("progression", "progressive disease", "abstract", source="xue2025"),
        Premise(
            "grade",
            f"G1/G2; studied in G3 with Ki-67 below {G3_KI67_CUTOFF} %",
            "3.4",
            (18, 55),
        ),
        Premise("line", "after progression", "abstract", source="xue2025"),
    ),
    "somatostatin analogues": (
        Premise("sstr", "SSTR-positive", "3.5", (62,)),
        Premise(
            "grade",
            f"G1/G2 with Ki-67 below {SSA_KI67_BELOW} %, slowly growing",
            "3.5",
            (62,),
        ),
        Premise("line", "first line", "3.5", (62,)),
        Premise("function", "or hormone symptoms of a functional tumour", "3.5", (39, 62)),
    ),
    "interferon alfa": (
        Premise("function", "functional tumour with hormone symptoms", "3.5", (20,)),
        Premise("line", "with SSA, when SSA alone does not control the symptoms", "3.5", (20,)),
    ),
}
"""Therapy -> what its verdict presupposes, each with its source (shown on the therapy cards)."""

LINE_OF_THERAPY: dict[str, str] = {
    "radical resection": LINES[0],
    "debulking surgery": LINES[0],
    "primary tumour resection": LINES[0],
    "liver transplantation": LINES[0],
    "neoadjuvant therapy": LINES[0],
    "radiofrequency ablation": LINES[0],
    "microwave ablation": LINES[0],
    "transarterial embolization": LINES[0],
    "somatostatin analogues": LINES[1],
    "captem": LINES[1],
    "platinum-based chemotherapy": LINES[1],
    "everolimus": LINES[1],
    "sunitinib": LINES[1],
    "prrt": LINES[2],
    "interferon alfa": LINES[2],
    "surufatinib": LINES[3],
    "immune checkpoint inhibitors": LINES[3],
}
"""Therapy -> its line (:data:`LINES`), from the ``line`` premises above: the cards' order."""


def rules_table() -> pd.DataFrame:
    """The rules as a table to read: therapy, condition, verdict (empty for notes), reason,
    source, section and references, in the order they are applied."""
    return pd.DataFrame(
        {
            "therapy": [r.therapy for r in RULES],
            "when": [r.when.text for r in RULES],
            "verdict": [r.verdict or "" for r in RULES],
            "reason": [r.reason for r in RULES],
            "source": [r.source for r in RULES],
            "section": [r.section for r in RULES],
            "ref_nos": [r.ref_nos for r in RULES],
        }
    )


def _applied(profile: Profile, therapy: str) -> tuple[Rule, ...]:
    """The deciding rule of one therapy, then the notes that hold, in table order."""
    rules = [r for r in RULES if r.therapy == therapy]
    deciding = next((r for r in rules if r.verdict is not None and r.when(profile)), None)
    if deciding is None:  # a gap in the table, never a property of the patient
        raise LookupError(f"no rule decides {therapy!r} for {profile}")
    return (deciding, *(r for r in rules if r.verdict is None and r.when(profile)))


def _therapy_map(therapies: pd.DataFrame) -> dict[str, str]:
    """Evidence therapy name -> guidance therapy name (therapies.csv's ``guidance_therapy``)."""
    return {
        t: g
        for t, g in zip(therapies["therapy"], therapies["guidance_therapy"], strict=True)
        if isinstance(g, str) and g
    }


@cache
def _curated_therapy_map() -> dict[str, str]:
    """The curated mapping, validated once per session (the app asks on every change)."""
    return _therapy_map(load_therapies())


def therapy_family(
    evidence_therapies: pd.Series, therapies: pd.DataFrame | None = None
) -> pd.Series:
    """The guidance therapy each evidence therapy is evidence for (its family), NaN for none.

    Families come from ``data/therapies.csv`` (``guidance_therapy``): ``prrt`` covers
    ``PRRT``, ``177Lu-DOTATATE PRRT``, ``intra-arterial 90Y PRRT``, ``225Ac-DOTATATE`` ...

    >>> therapy_family(pd.Series(["177Lu-DOTATATE PRRT", "CAPTEM", "chemotherapy"])).tolist()
    ['prrt', 'captem', nan]
    """
    mapping = _curated_therapy_map() if therapies is None else _therapy_map(therapies)
    return evidence_therapies.astype(object).map(mapping)


def _family_ids(
    evidence: pd.DataFrame, family: pd.Series, keep: np.ndarray
) -> dict[str, tuple[str, ...]]:
    """Ids of the kept evidence rows about each guidance therapy."""
    groups = ids_by_key(
        family.to_numpy(dtype=object)[keep], evidence["evidence_id"].to_numpy()[keep]
    )
    return {name: ids for name, ids in groups.items() if name in THERAPIES}


@dataclass(frozen=True)
class _Evidence:
    """The evidence rows of each therapy for one profile: all, fitting, about others."""

    rows: pd.DataFrame  # the columns that name a row's study (cards.STUDY_COLUMNS)
    all: dict[str, tuple[str, ...]]
    fitting: dict[str, tuple[str, ...]]
    other: dict[str, tuple[str, ...]]


def _evidence_for(
    profile: Profile, evidence: pd.DataFrame | None, therapies: pd.DataFrame | None
) -> _Evidence:
    if evidence is None:
        evidence = load_evidence() if (data_dir() / "evidence.csv").is_file() else None
    if evidence is None or evidence.empty:
        empty = pd.DataFrame({"evidence_id": pd.Series([], dtype=object)})
        return _Evidence(empty, {}, {}, {})
    family = therapy_family(evidence["therapy"], therapies)
    fits, _ = fitting_mask(evidence, profile)
    everything = np.ones(len(evidence), dtype=bool)
    return _Evidence(
        evidence[[c for c in STUDY_COLUMNS if c in evidence.columns]],
        _family_ids(evidence, family, everything),
        _family_ids(evidence, family, fits),
        _family_ids(evidence, family, ~fits),
    )


def _rows(evidence: pd.DataFrame, ids: tuple[str, ...]) -> pd.DataFrame:
    if not ids:
        return evidence.iloc[:0]
    return evidence[evidence["evidence_id"].isin(ids)]


def applicable_therapies(
    profile: Profile,
    evidence: pd.DataFrame | None = None,
    therapies: pd.DataFrame | None = None,
    references: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per therapy of the vocabulary: what the reviews say for this profile.

    Columns:

    - ``therapy``, ``therapy_class``;
    - ``verdict`` (categorical, :data:`VERDICTS`);
    - ``reasons`` (tuple of sentences, the deciding one first, then the notes; no reason quotes
      a study's figure: figures are evidence rows, shown as fitting or not);
    - ``citations`` (tuple, one per reason: source, section, references), ``section`` (the
      sections behind the reasons, as text), ``ref_nos`` (tuple of lu2025 reference numbers);
    - ``presupposes`` (tuple of what the verdict presupposes, :data:`PREMISES`: progression,
      line, SSTR, grade range, resectability ...) and ``line`` (:data:`LINES`) with
      ``line_order`` (its position there);
    - ``evidence_ids`` (every evidence row of the therapy's family, see
      :func:`therapy_family`), ``fitting_ids`` (those that fit the profile: exactly what the
      Evidence tab shows for the therapy) and ``other_ids`` (those about other patients);
    - ``evidence_base`` (the fitting rows' studies in words, e.g. ``"2 phase 3 trials, both
      pancreatic; 1 retrospective series, mixed-site"``), ``evidence_level`` (``randomised``,
      ``prospective``, ``retrospective``, ``review or expert statement only``, or ``no fitting
      evidence``) and ``sites`` (tags of the fitting rows' tumour sites that are not
      pancreatic); see :mod:`pnen_explorer.cards`;
    - ``criteria`` (liver transplantation only: each selection criterion -> ``met``, ``not
      met`` or ``unknown``; empty for the others).

    ``evidence`` defaults to the curated table when it exists (no rows otherwise); a table
    without applicability columns restricts no one. ``therapies`` (the vocabulary that maps
    evidence therapies onto these names) and ``references`` (for the designs of cited
    studies) default to the curated ones. Curated tables are read once per session.
    """
    found = _evidence_for(profile, evidence, therapies)
    rows = []
    for therapy, therapy_class in THERAPIES.items():
        applied = _applied(profile, therapy)
        sections = dict.fromkeys(
            r.section if r.source == "lu2025" else f"{r.source} {r.section}" for r in applied
        )
        fitting = found.fitting.get(therapy, ())
        base = evidence_base(_rows(found.rows, fitting), references)
        rows.append(
            {
                "therapy": therapy,
                "therapy_class": therapy_class,
                "verdict": applied[0].verdict,
                "reasons": tuple(r.reason for r in applied),
                "citations": tuple(r.citation() for r in applied),
                "section": "; ".join(sections),
                "ref_nos": tuple(sorted({n for r in applied for n in r.ref_nos})),
                "presupposes": tuple(p.text for p in PREMISES.get(therapy, ())),
                "line": LINE_OF_THERAPY[therapy],
                "line_order": LINES.index(LINE_OF_THERAPY[therapy]),
                "evidence_ids": found.all.get(therapy, ()),
                "fitting_ids": fitting,
                "other_ids": found.other.get(therapy, ()),
                "evidence_base": base.text,
                "evidence_level": base.level,
                "sites": base.sites,
                "criteria": criteria_status(profile) if therapy == "liver transplantation" else {},
            }
        )
    frame = pd.DataFrame(rows)
    frame["verdict"] = pd.Categorical(frame["verdict"], categories=VERDICTS)
    return frame
