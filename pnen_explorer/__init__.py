"""pnen-explorer: the evidence on treating pancreatic NEN with liver metastases, by patient profile.

It summarises what two published reviews report; it is not clinical decision support.
"""

from pnen_explorer.data import (
    EvidenceError,
    Fault,
    load_evidence,
    load_references,
    load_therapies,
)

__version__ = "0.1.0"

__all__ = [
    "EvidenceError",
    "Fault",
    "__version__",
    "load_evidence",
    "load_references",
    "load_therapies",
]
