"""pnen-explorer: the evidence on treating pancreatic NEN with liver metastases, by patient profile.

It summarises what two published reviews report; it is not clinical decision support.

>>> import pnen_explorer as pe
>>> case = pe.Profile(ki67=8, differentiation="well", functional=False, liver_type="I")
>>> case.grade
'G2'
"""

from pnen_explorer.data import (
    EvidenceError,
    Fault,
    load_evidence,
    load_references,
    load_therapies,
)
from pnen_explorer.errors import PnenError
from pnen_explorer.guidance import applicable_therapies
from pnen_explorer.learning import what_changed
from pnen_explorer.matching import filter_evidence, match_evidence
from pnen_explorer.profile import Profile, ProfileError
from pnen_explorer.session import Session

__version__ = "0.1.0"

__all__ = [
    "EvidenceError",
    "Fault",
    "PnenError",
    "Profile",
    "ProfileError",
    "Session",
    "__version__",
    "applicable_therapies",
    "filter_evidence",
    "load_evidence",
    "load_references",
    "load_therapies",
    "match_evidence",
    "what_changed",
]
