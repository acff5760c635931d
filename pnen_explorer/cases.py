"""Teaching cases: patients as the review's sections describe them, to open with one click.

Each case names the section of lu2025 whose situation it sets up; fields the section does not
imply stay unknown, so the guidance says what to find out. Every case states whether the disease
is progressing (``progressive``): ``""`` (unknown) unless its section implies it; the transplant
candidate has been stable on treatment (1.4), and section 3.2's patient has progressed after
chemotherapy.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pnen_explorer.profile import Profile

TEACHING_CASES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "G2 NET, type I, resectable (section 1.1)": {
            "ki67": "8",
            "differentiation": "well",
            "functional": "no",
            "liver_type": "I",
            "extrahepatic": "no",
            "resectable": "yes",
            "primary_site": "body_tail",
            "sstr_positive": "yes",
            "progressive": "",
        },
        "G2 NET, type II, debulking question (1.1)": {
            "ki67": "12",
            "differentiation": "well",
            "functional": "no",
            "liver_type": "II",
            "extrahepatic": "no",
            "primary_site": "head",
            "progressive": "",
        },
        "G1 NET, diffuse type III, SSTR+ (3.5)": {
            "ki67": "2",
            "differentiation": "well",
            "functional": "no",
            "liver_type": "III",
            "resectable": "no",
            "sstr_positive": "yes",
            "progressive": "",
        },
        "G3 NET, Ki-67 30 % (3.1, 3.4)": {
            "ki67": "30",
            "differentiation": "well",
            "functional": "no",
            "liver_type": "III",
            "resectable": "no",
            "sstr_positive": "yes",
            "progressive": "",
        },
        "NEC, Ki-67 70 % (3.1)": {
            "ki67": "70",
            "differentiation": "poor",
            "functional": "no",
            "resectable": "no",
            "progressive": "",
        },
        "Insulinoma with liver metastases (1.2)": {
            "ki67": "4",
            "differentiation": "well",
            "functional": "yes",
            "syndrome": "insulinoma",
            "liver_type": "I",
            "progressive": "",
        },
        "Transplant candidate (1.4)": {
            "ki67": "5",
            "differentiation": "well",
            "functional": "no",
            "liver_type": "III",
            "extrahepatic": "no",
            "primary_resected": "yes",
            "liver_involvement_pct": "30",
            "stable_months": "8",
            "age": "50",
            "progressive": "no",
        },
        "Small lesions for ablation (2.1)": {
            "ki67": "3",
            "differentiation": "well",
            "functional": "no",
            "liver_type": "II",
            "liver_lesions": "2",
            "largest_lesion_cm": "2.5",
            "resectable": "no",
            "progressive": "",
        },
        "G2 NET progressing after CAPTEM (3.2)": {
            "ki67": "8",
            "differentiation": "well",
            "progressive": "yes",
            "prior_therapies": "captem",
        },
    }
)
"""Case name (with the section it comes from) -> profile fields as strings."""

DEFAULT_CASE = "G2 NET, type I, resectable (section 1.1)"


def teaching_case(name: str) -> Profile:
    """The profile of a teaching case; ``KeyError`` names the cases there are."""
    if name not in TEACHING_CASES:
        raise KeyError(f"no teaching case {name!r}; expected one of {', '.join(TEACHING_CASES)}")
    return Profile.from_mapping(TEACHING_CASES[name])
