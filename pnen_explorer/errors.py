"""The project's one root exception: ``except PnenError`` catches every fault it reports.

Faults of the data (``EvidenceError``) and of a patient profile (``ProfileError``) derive from
it, and from ``ValueError``, which is what they are.
"""


class PnenError(Exception):
    """Something pnen-explorer refuses, said in words a person can act on."""
