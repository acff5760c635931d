"""Learning mode: what a change of the profile does, two patients side by side, and a quiz.

Everything here is computed from the guidance itself (:func:`applicable_therapies`): a quiz
answer, a changed verdict and its reason are never written by hand, so they cannot drift from
the rules. All functions are pure; the dashboard's views and the students notebook show them.

The tables (:func:`what_changed`, :func:`compare_verdicts`, :func:`score_quiz`) hold the data as
the guidance gives it (verdict codes, English reasons); the functions that return words
(:func:`changed_line`, :func:`changes_text`, :func:`change_summary`, :func:`profile_lines`,
:func:`profile_differences`, :func:`missed`, :func:`score_line`, the quiz cases' titles, stories,
prompts and reasons) speak the language spoken where they are called
(:func:`pnen_explorer.i18n.speaking`).

>>> from pnen_explorer import Profile
>>> before = Profile(ki67=30, differentiation="well", functional=False, liver_type="III",
...                  resectable=False, sstr_positive=True)
>>> changes = what_changed(before, Profile.from_mapping({**before.to_mapping(), "ki67": "60"}))
>>> changed_line(changes)
'3 verdicts changed: CAPTEM, platinum-based chemotherapy, PRRT'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache

import pandas as pd

from pnen_explorer.cards import citation_text, therapy_name
from pnen_explorer.cases import TEACHING_CASES, teaching_case
from pnen_explorer.guidance import VERDICTS, applicable_therapies
from pnen_explorer.i18n import N_, _, current, ngettext, speaking
from pnen_explorer.profile import GRADES, KI67_G1_BELOW, KI67_G2_MAX, Profile, choice_text
from pnen_explorer.translations import content, term
from pnen_explorer.vocabulary import FIELDS

CHANGE_COLUMNS = ("therapy", "label", "old_verdict", "new_verdict", "deciding", "citation")
"""Columns of :func:`what_changed`: the therapy, its name as people write it (in the current
language), both verdicts, and the reason that now decides (with its citation), as the guidance
gives them."""


def _chinese() -> bool:
    return current() != "en"


def join_words(words: Sequence[str]) -> str:
    """Names in a list: 'CAPTEM, PRRT' (Chinese: 'CAPTEM、PRRT')."""
    return ("、" if _chinese() else ", ").join(words)


def _clauses(parts: Sequence[str]) -> str:
    """Clauses as one sentence: 'a; b.' (Chinese: 'a；b。')."""
    if _chinese():
        return "；".join(parts) + "。"
    return "; ".join(parts) + "."


def reason_text(reason: str) -> str:
    """A rule's reason (or a premise) in the current language (``data/translations_zh.csv``)."""
    return content(reason, current())


_NO_EVIDENCE = pd.DataFrame({"evidence_id": pd.Series([], dtype=object)})
"""Verdicts and reasons depend on the profile alone: no evidence rows are needed for them."""


def _verdicts(profile_or_guidance: Profile | pd.DataFrame, evidence: pd.DataFrame | None):
    if isinstance(profile_or_guidance, pd.DataFrame):
        return profile_or_guidance
    return applicable_therapies(profile_or_guidance, _NO_EVIDENCE if evidence is None else evidence)


def what_changed(
    before: Profile | pd.DataFrame,
    after: Profile | pd.DataFrame,
    evidence: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per therapy whose verdict differs between two profiles (or two guidance tables).

    Columns :data:`CHANGE_COLUMNS`: ``old_verdict`` and ``new_verdict``, and ``deciding``, the
    reason of the rule that decides the new verdict, with its ``citation``. Therapies keep the
    vocabulary's order. Verdicts depend on the profile only; ``evidence`` is accepted so that a
    caller's guidance is computed from the same rows, and changes nothing here.
    """
    old = _verdicts(before, evidence)
    new = _verdicts(after, evidence)
    old_verdict = dict(zip(old["therapy"], old["verdict"].astype(str), strict=True))
    rows = [
        {
            "therapy": row["therapy"],
            "label": therapy_name(row["therapy"]),
            "old_verdict": old_verdict.get(row["therapy"], ""),
            "new_verdict": str(row["verdict"]),
            "deciding": row["reasons"][0],
            "citation": row["citations"][0],
        }
        for row in new.to_dict("records")
        if old_verdict.get(row["therapy"]) != str(row["verdict"])
    ]
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


def changed_line(changes: pd.DataFrame) -> str:
    """'3 verdicts changed: CAPTEM, platinum-based chemotherapy, PRRT' ('' for no change)."""
    if changes.empty:
        return ""
    count = len(changes)
    names = join_words([therapy_name(t) for t in changes["therapy"]])
    return ngettext(
        "{count} verdict changed: {names}", "{count} verdicts changed: {names}", count
    ).format(count=count, names=names)


def changes_text(changes: pd.DataFrame) -> str:
    """A :func:`what_changed` table as lines people read (no Python tuples)::

    CAPTEM: recommended → not recommended. Now decided by: … (lu2025 3.1 [39])
    """
    if changes.empty:
        return _("No verdict changed.")
    return "\n".join(
        _("{therapy}: {old} → {new}. Now decided by: {reason} ({citation})").format(
            therapy=therapy_name(r.therapy),
            old=verdict_words(r.old_verdict),
            new=verdict_words(r.new_verdict),
            reason=reason_text(r.deciding),
            citation=citation_text(r.citation),
        )
        for r in changes.itertuples(index=False)
    )


def verdict_words(verdict: str) -> str:
    """'not recommended' for 'not_recommended' (the glossary's word in Chinese: 不推荐); a
    grade stays as it is, 'unknown' is said in the current language."""
    if verdict == "unknown":
        return _("unknown")
    if _chinese() and verdict in VERDICTS:
        return term(verdict, current(), "verdict")
    return verdict.replace("_", " ")


# --- two patients --------------------------------------------------------------------------------


def field_value(profile: Profile, name: str) -> str:
    """A profile field as people read it: 'well (NET)', 'yes', '30 %', 'CAPTEM, PRRT', or
    'unknown'."""
    field = FIELDS[name]
    value = getattr(profile, name)
    if value is None or value == ():
        return _("unknown")
    if field.kind == "flag":
        return choice_text("yes" if value else "no")
    if field.kind == "choice":
        return choice_text(dict(field.choices).get(value, str(value)))
    if field.kind == "names":
        return join_words([therapy_name(v) for v in value])
    if not field.unit:
        return f"{value:g}"
    if _chinese() and name == "age":
        return f"{value:g}岁"
    if _chinese() and field.unit != "%":
        word = term(field.unit, current(), "unit")
        return f"{value:g}{word}" if not word.isascii() else f"{value:g} {word}"
    return f"{value:g} {field.unit}"


def field_label(name: str) -> str:
    """A profile field's label in the current language (the glossary's field label)."""
    return term(FIELDS[name].label, current(), "field_label")


def profile_lines(profile: Profile) -> list[tuple[str, str]]:
    """The known fields of a profile as (label, value) pairs, in the form's order."""
    return [
        (field_label(name), field_value(profile, name))
        for name in FIELDS
        if getattr(profile, name) not in (None, ())
    ]


def _differences(a: Profile, b: Profile, grade: bool = True) -> list[dict[str, str]]:
    rows = []
    if grade and a.grade != b.grade:
        unknown = _("unknown")
        rows.append(
            {"field": _("WHO 2022 grade"), "a": a.grade or unknown, "b": b.grade or unknown}
        )
    for name in FIELDS:
        if getattr(a, name) != getattr(b, name):
            rows.append(
                {"field": field_label(name), "a": field_value(a, name), "b": field_value(b, name)}
            )
    return rows


def profile_differences(a: Profile, b: Profile) -> pd.DataFrame:
    """The fields in which two profiles differ: ``field`` (its label), ``a`` and ``b`` as text
    in the current language; the WHO grade first when it differs."""
    return pd.DataFrame(_differences(a, b), columns=["field", "a", "b"])


def change_summary(before: Profile, after: Profile, limit: int = 3) -> str:
    """What changed in the profile, in words: 'Ki-67 (%) 30 % → 60 %' (at most ``limit``
    fields, then how many more; the grade is not repeated)."""
    rows = _differences(before, after, grade=False)
    parts = [
        _("{field} {old} → {new}").format(field=r["field"], old=r["a"], new=r["b"])
        for r in rows[:limit]
    ]
    if len(rows) > limit:
        more = len(rows) - limit
        parts.append(ngettext("{count} more field", "{count} more fields", more).format(count=more))
    return ("；" if _chinese() else "; ").join(parts)


def compare_verdicts(a: Profile | pd.DataFrame, b: Profile | pd.DataFrame) -> pd.DataFrame:
    """The therapies whose verdict differs between patients A and B, and why for each:
    ``therapy``, ``label``, ``a``/``b`` (verdicts), ``why_a``/``why_b`` (deciding reasons) and
    ``citation_a``/``citation_b``."""
    old = _verdicts(a, None).set_index("therapy")
    changes = what_changed(a, b)
    return pd.DataFrame(
        {
            "therapy": changes["therapy"],
            "label": changes["label"],
            "a": changes["old_verdict"],
            "b": changes["new_verdict"],
            "why_a": [old.at[t, "reasons"][0] for t in changes["therapy"]],
            "citation_a": [old.at[t, "citations"][0] for t in changes["therapy"]],
            "why_b": changes["deciding"],
            "citation_b": changes["citation"],
        }
    )


# --- predict, then reveal ------------------------------------------------------------------------

GRADE_CHOICES = GRADES
"""What a student can answer for the WHO grade."""
VERDICT_CHOICES = VERDICTS
"""What a student can answer for a therapy's verdict."""
QUESTIONS_PER_CASE = 4
"""Therapy questions per quiz case (the grade question comes on top)."""
_ASK_ORDER = ("recommended", "not_recommended", "controversial", "investigational", "consider")
"""When a case does not say which therapies to ask about: one of each verdict in turn, the
definite ones first (a 'consider' teaches least)."""


@dataclass(frozen=True)
class Question:
    """One thing to predict: the WHO grade, or one therapy's verdict.

    ``answer`` comes from the profile (grade) or the guidance (verdict); ``reason`` and
    ``citation`` explain it, ``ref_nos`` are lu2025's references behind it.
    """

    key: str  # "grade" or the therapy's name
    prompt: str
    choices: tuple[str, ...]
    answer: str
    reason: str
    citation: str
    ref_nos: tuple[int, ...] = ()


@dataclass(frozen=True)
class QuizCase:
    """A patient to predict for: a title that gives nothing away, the case in words, the
    profile and the questions (answers generated from the guidance)."""

    key: str
    title: str
    story: str
    profile: Profile
    questions: tuple[Question, ...]
    base: str = ""  # the quiz case this one varies, for a one-field variation

    @property
    def facts(self) -> list[tuple[str, str]]:
        """The case's known fields as (label, value) in the current language: what the student
        reads. Differentiation is said in words that do not name the answer ('poorly
        differentiated', not 'NEC')."""
        words = {"well": _("well differentiated"), "poor": _("poorly differentiated")}
        differentiation = field_label("differentiation")
        return [
            (label, words.get(self.profile.differentiation, value))
            if label == differentiation
            else (label, value)
            for label, value in profile_lines(self.profile)
        ]


@dataclass(frozen=True)
class Variation:
    """A one-field change of a teaching case: the case, the field, its new value, in words."""

    key: str
    title: str
    case: str
    changes: Mapping[str, object]
    story: str


VARIATIONS: tuple[Variation, ...] = (
    Variation(
        "ki67-across-55",
        N_("Ki-67 across 55 %"),
        "G3 NET, Ki-67 30 % (3.1, 3.4)",
        {"ki67": 60.0},
        N_(
            "The same well-differentiated tumour as the case with Ki-67 at 30 %; a new biopsy "
            "reports Ki-67 60 %."
        ),
    ),
    Variation(
        "liver-type-i-to-iii",
        N_("Liver type I → III"),
        "G2 NET, type I, resectable (section 1.1)",
        {"liver_type": "III"},
        N_(
            "The same patient as the section 1.1 case, but imaging shows the metastases spread "
            "through both lobes (type III)."
        ),
    ),
    Variation(
        "sstr-negative",
        N_("SSTR negative"),
        "G1 NET, diffuse type III, SSTR+ (3.5)",
        {"sstr_positive": False},
        N_(
            "The same patient as the section 3.5 case, but somatostatin-receptor imaging is "
            "negative."
        ),
    ),
    Variation(
        "functional-insulinoma",
        N_("Functional insulinoma"),
        "G2 NET, type I, resectable (section 1.1)",
        {"functional": True, "syndrome": "insulinoma"},
        N_(
            "The same patient as the section 1.1 case, but the tumour makes insulin: the patient "
            "has attacks of low blood sugar (a functional insulinoma)."
        ),
    ),
)
"""Variations that change one thing at a time (an insulinoma is a functional tumour, so that
variation sets both words of the one fact). Titles and stories are English; :func:`quiz_cases`
shows them in the language spoken."""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _section_of(case_name: str) -> str:
    found = re.search(r"\(([^()]*)\)\s*$", case_name)
    where = found.group(1) if found else ""
    return where if where.startswith("section") else f"section {where}" if where else ""


def grade_reason(profile: Profile) -> str:
    """Why the profile has its WHO 2022 grade, in words (the current language), with the
    cut-offs of :mod:`pnen_explorer.profile` (lu2025 introduction, refs 4-5)."""
    if profile.differentiation == "poor":
        return _("Poorly differentiated: a neuroendocrine carcinoma (NEC), whatever the Ki-67.")
    ranges = _("G1 below {g1} %, G2 from {g1} to {g2} %, G3 above {g2} %").format(
        g1=f"{KI67_G1_BELOW:g}", g2=f"{KI67_G2_MAX:g}"
    )
    if profile.ki67 is None:
        return _("Graded by Ki-67 ({ranges}) and mitoses; the higher grade wins.").format(
            ranges=ranges
        )
    parts = [
        _("Ki-67 {ki67} % ({ranges}) gives {grade}").format(
            ki67=f"{profile.ki67:g}", ranges=ranges, grade=profile.grade
        )
    ]
    if profile.mitoses_per_10hpf is not None:
        parts.append(_("with mitoses, the higher of the two grades wins"))
    if profile.grade == "G3":
        parts.append(_("well differentiated, so a G3 NET, not a carcinoma"))
    return _clauses(parts)


def _grade_question(profile: Profile) -> Question:
    return Question(
        key="grade",
        prompt=_("WHO 2022 grade"),
        choices=GRADE_CHOICES,
        answer=profile.grade or "unknown",
        reason=grade_reason(profile),
        citation=citation_text("lu2025 introduction [4, 5]"),
        ref_nos=(4, 5),
    )


def _ask(guidance: pd.DataFrame, first: Sequence[str]) -> list[str]:
    """Which therapies to ask about: ``first`` (the ones a variation changed), then one of each
    verdict in :data:`_ASK_ORDER` in turn, in the vocabulary's order, up to the limit."""
    chosen = list(dict.fromkeys(first))[:QUESTIONS_PER_CASE]
    verdicts = dict(zip(guidance["therapy"], guidance["verdict"].astype(str), strict=True))
    queues = {v: [t for t, w in verdicts.items() if w == v and t not in chosen] for v in _ASK_ORDER}
    while len(chosen) < QUESTIONS_PER_CASE and any(queues.values()):
        for verdict in _ASK_ORDER:
            if queues[verdict] and len(chosen) < QUESTIONS_PER_CASE:
                chosen.append(queues[verdict].pop(0))
    return chosen


def _questions(profile: Profile, ask: Sequence[str]) -> tuple[Question, ...]:
    guidance = _verdicts(profile, None).set_index("therapy")
    therapies = _ask(guidance.reset_index(), ask)
    return (
        _grade_question(profile),
        *(
            Question(
                key=t,
                prompt=therapy_name(t),
                choices=VERDICT_CHOICES,
                answer=str(guidance.at[t, "verdict"]),
                reason=reason_text(guidance.at[t, "reasons"][0]),
                citation=citation_text(guidance.at[t, "citations"][0]),
                ref_nos=tuple(guidance.at[t, "ref_nos"]),
            )
            for t in therapies
        ),
    )


def _section_words(where: str) -> str:
    """'section 3.1, 3.4' in the current language ('3.1、3.4节')."""
    numbers = where.removeprefix("section").strip()
    if _chinese():
        return _("section {numbers}").format(numbers=numbers.replace(", ", "、"))
    return _("section {numbers}").format(numbers=numbers)


def quiz_cases() -> tuple[QuizCase, ...]:
    """Every quiz case: the teaching cases, then the one-field :data:`VARIATIONS`, their
    titles, stories, prompts and reasons in the current language.

    Titles never name the grade or a verdict. A variation asks first about the therapies whose
    verdict the change moved (:func:`what_changed`).
    """
    return _quiz_cases(current())


@cache
def _quiz_cases(lang: str) -> tuple[QuizCase, ...]:
    with speaking(lang):
        return _make_quiz_cases()


def _make_quiz_cases() -> tuple[QuizCase, ...]:
    cases = []
    for number, name in enumerate(TEACHING_CASES, start=1):
        profile = teaching_case(name)
        where = _section_of(name)
        if where:
            section = _section_words(where)
            title = _("Patient {number} ({section} of the review)").format(
                number=number, section=section
            )
            story = _("A patient as the review's {section} describes one.").format(section=section)
        else:
            title = _("Patient {number}").format(number=number)
            story = _("A patient as the review's text describes one.")
        cases.append(
            QuizCase(
                key=_slug(name),
                title=title,
                story=story,
                profile=profile,
                questions=_questions(profile, ()),
            )
        )
    for variation in VARIATIONS:
        base = teaching_case(variation.case)
        profile = replace(base, **variation.changes)
        moved = what_changed(base, profile)["therapy"].tolist()
        cases.append(
            QuizCase(
                key=variation.key,
                title=_("One change: {title}").format(title=_(variation.title)),
                story=_(variation.story),
                profile=profile,
                questions=_questions(profile, moved),
                base=_slug(variation.case),
            )
        )
    return tuple(cases)


def quiz_case(key: str) -> QuizCase:
    """The quiz case with this key; ``KeyError`` names the keys there are."""
    for case in quiz_cases():
        if case.key == key:
            return case
    raise KeyError(f"no quiz case {key!r}; expected one of {', '.join(quiz_keys())}")


def quiz_keys() -> tuple[str, ...]:
    """The keys of :func:`quiz_cases`, in order (a link's ``quiz=`` names one)."""
    return tuple(c.key for c in quiz_cases())


def score_quiz(case: QuizCase, answers: Mapping[str, str]) -> pd.DataFrame:
    """The student's answers checked against the case's: one row per question.

    Columns ``question``, ``key``, ``yours`` ('' when not answered), ``answer``, ``correct``
    (bool), ``reason``, ``citation`` and ``ref_nos``. Answers to questions the case does not
    ask are ignored.
    """
    rows = []
    for q in case.questions:
        yours = answers.get(q.key, "")
        yours = yours if isinstance(yours, str) and yours in q.choices else ""
        rows.append(
            {
                "question": q.prompt,
                "key": q.key,
                "yours": yours,
                "answer": q.answer,
                "correct": yours == q.answer,
                "reason": q.reason,
                "citation": q.citation,
                "ref_nos": q.ref_nos,
            }
        )
    return pd.DataFrame(rows)


def score_line(scored: pd.DataFrame) -> str:
    """'3 of 5 right' for a :func:`score_quiz` table."""
    return _("{right} of {total} right").format(
        right=int(scored["correct"].sum()), total=len(scored)
    )


def missed(scored: pd.DataFrame) -> list[str]:
    """What the student missed, in words: one sentence per wrong or unanswered question."""
    out = []
    for row in scored[~scored["correct"]].to_dict("records"):
        if row["yours"]:
            yours = _("you said {answer}").format(answer=verdict_words(row["yours"]))
        else:
            yours = _("no answer given")
        out.append(
            _("{question}: the answer is {answer} ({yours}). {reason} ({citation})").format(
                question=row["question"],
                answer=verdict_words(row["answer"]),
                yours=yours,
                reason=row["reason"],
                citation=row["citation"],
            )
        )
    return out


__all__ = [
    "CHANGE_COLUMNS",
    "VARIATIONS",
    "Question",
    "QuizCase",
    "change_summary",
    "changed_line",
    "changes_text",
    "compare_verdicts",
    "missed",
    "profile_differences",
    "profile_lines",
    "quiz_case",
    "quiz_cases",
    "quiz_keys",
    "reference_text",
    "score_line",
    "score_quiz",
    "what_changed",
]


def reference_text(ref_nos: Sequence[int], references: pd.DataFrame | None = None) -> str:
    """lu2025's references by number, short: '[39] Chan JA et al. 2021; [40] …'."""
    if not ref_nos:
        return ""
    if references is None:
        from pnen_explorer.data import load_references

        references = load_references()
    by_no = references.set_index("ref_no")
    parts = []
    for number in ref_nos:
        if number not in by_no.index:
            parts.append(f"[{number}]")
            continue
        names = str(by_no.at[number, "authors"]).split(",")
        first = names[0].strip()
        if len(names) > 1:
            first = _("{author} et al.").format(author=first)
        parts.append(f"[{number}] {first} {by_no.at[number, 'year']}")
    return ("；" if _chinese() else "; ").join(parts)
