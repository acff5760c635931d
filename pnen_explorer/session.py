"""The explorer's state without widgets: what a person has chosen, and what follows from it.

A :class:`Session` holds the inputs (the profile, the outcome, the view's options, the user's
own rows) as traitlets, so views can observe them, and computes the derived tables (the
evidence in scope, the matched evidence, the guidance, the Evidence tab's rows) only when an
input they depend on has changed. It works in a notebook or a script as well as behind the
dashboard:

>>> from pnen_explorer import Profile, Session
>>> s = Session()
>>> s.profile = Profile(ki67=30, liver_type="III")
>>> s.profile.grade
'G3'
>>> s.guidance.set_index("therapy").loc["radical resection", "verdict"]
'not_recommended'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pandas as pd
import traitlets

from pnen_explorer.cases import DEFAULT_CASE, teaching_case
from pnen_explorer.data import Fault, load_evidence, load_references
from pnen_explorer.guidance import applicable_therapies, therapy_family
from pnen_explorer.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_
from pnen_explorer.learning import quiz_keys, what_changed
from pnen_explorer.matching import match_evidence, pancreatic_only
from pnen_explorer.profile import Profile
from pnen_explorer.share import Case, case_query, parse_query
from pnen_explorer.user_data import merge_user_evidence, read_user_evidence
from pnen_explorer.vocabulary import (
    CORE_OUTCOMES,
    DEFAULT_OUTCOME,
    DEFAULT_TAB,
    GUIDANCE_THERAPIES,
    TABS,
)

SORT_KEYS = {
    "evidence_id": N_("source order"),
    "therapy": N_("therapy"),
    "outcome": N_("outcome"),
    "value": N_("value"),
    "study_design": N_("study design"),
    "agreement": N_("agreement"),
}
"""How the Evidence tab can sort its rows: column -> label (in English; a view translates)."""


def evidence_in_scope(
    evidence: pd.DataFrame, beyond_review: bool, pancreatic: bool = False
) -> pd.DataFrame:
    """The rows a view draws: without the primary trials the reviews do not cite, unless asked;
    only pancreatic populations if asked.

    Those trials (``source=primary``, ``in_review=no``) were read to check and extend the
    reviews; by default the explorer shows what the reviews themselves stand on.
    """
    if not beyond_review:
        evidence = evidence[~((evidence["source"] == "primary") & (evidence["in_review"] == "no"))]
    return pancreatic_only(evidence) if pancreatic else evidence


class Session(traitlets.HasTraits):
    """One person's explorer: inputs as traits, derived tables computed on demand and cached."""

    profile = traitlets.Instance(Profile, args=())
    outcome = traitlets.Enum(CORE_OUTCOMES, default_value=DEFAULT_OUTCOME)
    beyond_review = traitlets.Bool(False, help="include trials the reviews do not cite")
    pancreatic_only = traitlets.Bool(False, help="only figures about pancreatic populations")
    therapy = traitlets.Unicode(
        "", help="the Evidence tab's therapy filter: a guidance therapy (its family); '' for all"
    )
    sort_by = traitlets.Enum(tuple(SORT_KEYS), default_value="evidence_id")
    show_excluded = traitlets.Bool(False, help="also list rows that do not fit the profile")
    presenter = traitlets.Bool(False, help="large text for a projector")
    language = traitlets.Enum(
        tuple(LANGUAGES), default_value=DEFAULT_LANGUAGE, help="the interface's language"
    )
    tab = traitlets.Enum(tuple(TABS), default_value=DEFAULT_TAB)
    case_name = traitlets.Unicode("", help="the teaching case shown; '' once it is changed")
    user_rows = traitlets.Instance(pd.DataFrame, allow_none=True)
    notices = traitlets.List(traitlets.Unicode(), help="what a link or an action set aside")
    revision = traitlets.Int(0, help="counts actions: one per change, however many inputs")
    pinned = traitlets.Instance(
        Profile, allow_none=True, help="patient A of a comparison (the profile is B)"
    )
    quiz = traitlets.Bool(False, help="quiz mode: predict, then reveal")
    quiz_case = traitlets.Unicode("", help="the quiz case shown in quiz mode; '' for the first")

    _DEPENDS: ClassVar[dict[str, frozenset[str]]] = {
        "evidence": frozenset({"user_rows"}),
        "in_scope": frozenset({"user_rows", "beyond_review", "pancreatic_only"}),
        "matched": frozenset({"user_rows", "beyond_review", "pancreatic_only", "profile"}),
        "guidance": frozenset({"user_rows", "beyond_review", "pancreatic_only", "profile"}),
        "pinned_matched": frozenset({"user_rows", "beyond_review", "pancreatic_only", "pinned"}),
        "changed": frozenset({"profile"}),
        "evidence_rows": frozenset(
            {
                "user_rows",
                "beyond_review",
                "pancreatic_only",
                "profile",
                "therapy",
                "sort_by",
                "show_excluded",
            }
        ),
    }
    """Each derived value and the inputs it is computed from."""

    def __init__(self, evidence: pd.DataFrame | None = None, **inputs: Any):
        self.curated = load_evidence() if evidence is None else evidence
        self.references = load_references()
        self._cache: dict[str, Any] = {}
        self._applying = False
        self._pending: set[str] = set()
        self.changes: frozenset[str] = frozenset()
        """The inputs the last action changed (read it when ``revision`` changes)."""
        self._link = ""
        """The link whose notices are shown: read again in a new language, they follow it."""
        self.previous_profile: Profile | None = None
        """The profile before its last change (``None`` before any, or after opening a link):
        what :attr:`changed_verdicts` compares with."""
        super().__init__(**inputs)

    # --- derived values, cached until an input they depend on changes -------------------------

    @traitlets.observe(traitlets.All)
    def _forget(self, change: dict) -> None:
        name = change["name"]
        if name == "revision":
            return
        for derived, inputs in self._DEPENDS.items():
            if name in inputs:
                self._cache.pop(derived, None)
        self._pending.add(name)
        if name == "profile":  # the first profile has no predecessor (traitlets' sentinel)
            old = change["old"]
            self.previous_profile = old if isinstance(old, Profile) else None
        if name == "language" and self._link and not self._applying:
            self._applying = True  # the link's notices, said again in the new language
            try:
                self.notices = list(parse_query(self._link, language=change["new"]).notices)
            finally:
                self._applying = False
        if self._applying:
            return
        if name == "profile" and self.case_name:
            self._applying = True  # the teaching case was changed: it is a case of its own
            try:
                self.case_name = ""
            finally:
                self._applying = False
        self._bump()

    def _bump(self) -> None:
        """One action is complete: say which inputs it changed, then count it."""
        self.changes, self._pending = frozenset(self._pending), set()
        self.revision += 1

    def _cached(self, name: str, compute: Callable[[], Any]) -> Any:
        if name not in self._cache:
            self._cache[name] = compute()
        return self._cache[name]

    @property
    def evidence(self) -> pd.DataFrame:
        """The curated rows, and the user's own after them (``origin`` says which is which)."""
        return self._cached(
            "evidence",
            lambda: (
                self.curated
                if self.user_rows is None
                else merge_user_evidence(self.curated, self.user_rows)
            ),
        )

    @property
    def in_scope(self) -> pd.DataFrame:
        """The evidence the views draw (see :func:`evidence_in_scope`)."""
        return self._cached(
            "in_scope",
            lambda: evidence_in_scope(self.evidence, self.beyond_review, self.pancreatic_only),
        )

    @property
    def matched(self) -> pd.DataFrame:
        """The evidence in scope with ``match`` and ``why`` for this profile."""
        return self._cached("matched", lambda: match_evidence(self.in_scope, self.profile))

    @property
    def guidance(self) -> pd.DataFrame:
        """One row per therapy: verdict, reasons and citations for this profile."""
        return self._cached("guidance", lambda: applicable_therapies(self.profile, self.matched))

    @property
    def pinned_matched(self) -> pd.DataFrame | None:
        """The evidence in scope matched to the pinned patient A (``None`` with no pin)."""
        if self.pinned is None:
            return None
        return self._cached("pinned_matched", lambda: match_evidence(self.in_scope, self.pinned))

    @property
    def changed_verdicts(self) -> pd.DataFrame:
        """The verdicts the last change of the profile moved (:func:`what_changed`): empty
        before any change and right after a link or a new page opened a case."""
        if self.previous_profile is None:
            return what_changed(self.guidance, self.guidance)
        return self._cached("changed", lambda: what_changed(self.previous_profile, self.guidance))

    def pin(self) -> None:
        """Pin the current profile as patient A of a comparison."""
        self.pinned = self.profile

    @property
    def evidence_rows(self) -> pd.DataFrame:
        """The Evidence tab's rows: matched evidence, filtered by therapy, fitting rows unless
        asked for all, sorted."""
        return self._cached("evidence_rows", self._evidence_rows)

    def _evidence_rows(self) -> pd.DataFrame:
        frame = self.matched
        if not self.show_excluded:
            frame = frame[frame["match"] != "excluded"]
        if self.therapy:
            frame = frame[(therapy_family(frame["therapy"]) == self.therapy).to_numpy()]
        return frame.sort_values(self.sort_by, kind="stable", na_position="last")

    @property
    def therapies(self) -> list[str]:
        """The therapies the Evidence tab filters by: the guidance's, each standing for its
        family of evidence therapies (``data/therapies.csv``, ``guidance_therapy``)."""
        return list(GUIDANCE_THERAPIES)

    def therapy_counts(self) -> dict[str, int]:
        """How many rows the Evidence tab shows for each therapy, as it is set now (fitting
        rows, or all with ``show_excluded``); ``""`` counts every row."""
        frame = self.matched
        if not self.show_excluded:
            frame = frame[frame["match"] != "excluded"]
        counts = therapy_family(frame["therapy"]).value_counts()
        return {"": len(frame), **{t: int(counts.get(t, 0)) for t in GUIDANCE_THERAPIES}}

    def open_evidence(self, therapy: str) -> None:
        """Show the Evidence tab filtered to one therapy's rows that fit the patient, in one
        action: exactly the rows of its card (``fitting_ids`` of :attr:`guidance`)."""
        if therapy and therapy not in GUIDANCE_THERAPIES:
            raise ValueError(f"no guidance therapy {therapy!r}")
        self._applying = True
        try:
            with self.hold_trait_notifications():
                self.therapy = therapy
                self.show_excluded = False
                self.tab = "evidence"
        finally:
            self._applying = False
        self._bump()

    @traitlets.validate("quiz_case")
    def _known_quiz_case(self, proposal: dict) -> str:
        if proposal["value"] and proposal["value"] not in quiz_keys():
            raise traitlets.TraitError(f"no quiz case {proposal['value']!r}")
        return proposal["value"]

    @traitlets.validate("therapy")
    def _known_therapy(self, proposal: dict) -> str:
        if proposal["value"] and proposal["value"] not in GUIDANCE_THERAPIES:
            raise traitlets.TraitError(
                f"no guidance therapy {proposal['value']!r}; expected one of "
                + ", ".join(GUIDANCE_THERAPIES)
            )
        return proposal["value"]

    # --- actions ------------------------------------------------------------------------------

    def apply_case(self, case: Case | str, remember: bool = True) -> None:
        """Show a case: a teaching case by name, or a :class:`Case` (from a link or code).

        Everything changes at once, so views redraw once. With ``remember=False`` (a page
        opening its case) no verdict counts as changed.
        """
        by_name = isinstance(case, str)
        if isinstance(case, str):  # a pin and the quiz stay as they are
            case = Case(
                teaching_case(case),
                outcome=self.outcome,
                tab=self.tab,
                presenter=self.presenter,
                language=self.language,
                case_name=case,
                pinned=self.pinned,
                quiz=self.quiz,
                quiz_case=self.quiz_case,
            )
        self._link = ""
        self._applying = True
        try:
            with self.hold_trait_notifications():
                self.profile = case.profile
                self.outcome = case.outcome
                self.tab = case.tab
                self.presenter = case.presenter
                self.language = case.language
                self.beyond_review = case.beyond_review
                self.pancreatic_only = case.pancreatic_only
                self.case_name = case.case_name
                self.notices = list(case.notices)
                if not by_name:
                    self.pinned = case.pinned
                self.quiz = case.quiz
                self.quiz_case = case.quiz_case
        finally:
            self._applying = False
        if not remember:
            self.previous_profile = None
            self._cache.pop("changed", None)
        self._bump()

    def apply_query(self, query: str) -> list[str]:
        """Open the case a link asks for; return the notices about values it set aside.

        A link names its whole case: fields it does not name (or names with a refused value)
        are unknown. An empty link changes nothing.
        """
        if not query.strip("?"):
            return []
        case = parse_query(query)
        self.apply_case(case, remember=False)
        self._link = query
        return list(case.notices)

    def add_upload(self, data: bytes, name: str) -> list[Fault]:
        """Add a user's evidence file beside the curated rows; return its faults.

        A file with any fault adds nothing; the curated data is never changed.
        """
        rows, faults = read_user_evidence(data, name, self.curated)
        if not faults:
            self.user_rows = rows
        return faults

    def query(self) -> str:
        """The link (query string with ``?``) that reopens what this session shows."""
        return case_query(
            Case(
                self.profile,
                self.outcome,
                tab=self.tab,
                presenter=self.presenter,
                language=self.language,
                beyond_review=self.beyond_review,
                pancreatic_only=self.pancreatic_only,
                case_name=self.case_name,
                pinned=self.pinned,
                quiz=self.quiz,
                quiz_case=self.quiz_case,
            )
        )

    @classmethod
    def teaching(cls, name: str = DEFAULT_CASE, **inputs: Any) -> Session:
        """A session showing a teaching case (see :data:`pnen_explorer.cases.TEACHING_CASES`)."""
        session = cls(**inputs)
        session.apply_case(name, remember=False)
        return session
