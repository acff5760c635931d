"""A case as a link: read a profile, the view and its options from a query string, and write
one back.

Query strings come from whoever sent the link, so they are untrusted: each value is checked
on its own, a bad one falls back to the default with a notice that says why, and nothing in
them is ever evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode

from pnen_explorer.cases import TEACHING_CASES, teaching_case
from pnen_explorer.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, speaking
from pnen_explorer.profile import Profile, ProfileError
from pnen_explorer.vocabulary import CORE_OUTCOMES, DEFAULT_OUTCOME, DEFAULT_TAB, TABS

MAX_QUERY_LENGTH = 2000
MAX_VALUE_LENGTH = 512  # a full list of prior therapies fits
MAX_NOTICES = 8
SWITCHES = {"presenter": "presenter", "beyond": "beyond_review", "pancreatic": "pancreatic_only"}
"""Link keys of the yes/no view options -> the ``Case`` field each sets."""
PIN_PREFIX = "a."
"""Link keys of the pinned patient A start with it (``a.ki67=30``); ``pin=yes`` pins A even
when none of its fields is known."""
MODES = ("explore", "quiz")
"""What ``mode=`` may name: the explorer, or the quiz (predict, then reveal)."""


@dataclass(frozen=True)
class Case:
    """What a link opens: a profile, the view (outcome, tab, options, teaching case) and
    notices about what was ignored."""

    profile: Profile = field(default_factory=Profile)
    outcome: str = DEFAULT_OUTCOME
    notices: tuple[str, ...] = ()
    tab: str = DEFAULT_TAB
    presenter: bool = False
    beyond_review: bool = False
    pancreatic_only: bool = False
    case_name: str = ""
    pinned: Profile | None = None
    """Patient A of a comparison (the current profile is B); ``None`` when nothing is pinned."""
    quiz: bool = False
    quiz_case: str = ""
    """The quiz case shown in quiz mode (a key of :func:`pnen_explorer.learning.quiz_keys`)."""
    language: str = DEFAULT_LANGUAGE
    """The interface's language (``lang=zh``): its notices are written in it."""


def link_language(query: str | None) -> str:
    """The language a link asks for (its first valid ``lang=``), English if none.

    >>> link_language("?ki67=8&lang=zh")
    'zh'
    """
    for value in re.findall(r"(?:^|[?&])lang=([^&]*)", query or ""):
        if value in LANGUAGES:
            return value
    return DEFAULT_LANGUAGE


def parse_query(
    query: str | None, default: Profile | None = None, language: str | None = None
) -> Case:
    """The case a query string asks for (``ki67=8&liver_type=I&outcome=PFS&tab=evidence``).

    Never raises for any input: values that are too long, not printable, unknown or invalid
    are dropped with a notice, and the rest of the case still opens. A teaching case named by
    ``case`` is the base its fields are read over. Its notices are in the language it names
    (or in ``language``, if given).
    """
    language = language or link_language(query)
    with speaking(language):
        return replace(_read_query(query, default or Profile()), language=language)


def _read_query(query: str | None, base: Profile) -> Case:
    if not query:
        return Case(base)
    query = query.lstrip("?")
    if len(query) > MAX_QUERY_LENGTH:
        return Case(
            base,
            notices=(
                _("The link is too long (over {limit} characters) and was ignored.").format(
                    limit=MAX_QUERY_LENGTH
                ),
            ),
        )
    pairs = parse_qsl(query, keep_blank_values=True)
    notices: list[str] = []
    view: dict[str, object] = {}
    accepted: dict[str, str] = {}
    pinned: dict[str, str] | None = None
    for key, value in pairs:
        if key == "case" and value in TEACHING_CASES:
            view["case_name"] = value
            base = teaching_case(value)
    for key, value in pairs:
        name = repr(key[:32])
        if len(key) > MAX_VALUE_LENGTH or len(value) > MAX_VALUE_LENGTH:
            notices.append(
                _("The link's {name} is longer than {limit} characters; ignored.").format(
                    name=name, limit=MAX_VALUE_LENGTH
                )
            )
        elif not (key.isprintable() and value.isprintable()):
            notices.append(
                _("The link's {name} has unprintable characters; ignored.").format(name=name)
            )
        elif key == "case":
            if value not in TEACHING_CASES:
                notices.append(
                    _("Unknown teaching case {value} in the link; ignored.").format(
                        value=repr(value)
                    )
                )
        elif key in ("outcome", "tab", "lang"):
            allowed = {"outcome": CORE_OUTCOMES, "tab": tuple(TABS), "lang": tuple(LANGUAGES)}
            if value in allowed[key]:
                if key != "lang":  # the language was read first: the notices are in it
                    view[key] = value
            else:
                notices.append(
                    _("Unknown {key} {value} in the link; ignored.").format(
                        key=key, value=repr(value)
                    )
                )
        elif key == "mode":
            if value in MODES:
                view["quiz"] = value == "quiz"
            else:
                notices.append(
                    _("Unknown mode {value} in the link; ignored.").format(value=repr(value))
                )
        elif key == "quiz":
            from pnen_explorer.learning import quiz_keys  # the cases are built on first use

            if value in quiz_keys():
                view["quiz_case"] = value
            else:
                notices.append(
                    _("Unknown quiz case {value} in the link; ignored.").format(value=repr(value))
                )
        elif key in ("pin", *SWITCHES) and value not in ("yes", "no"):
            notices.append(
                _("The link's {key} must be yes or no, not {value}; ignored.").format(
                    key=key, value=repr(value)
                )
            )
        elif key == "pin":
            pinned = pinned if pinned is not None or value == "no" else {}
        elif key.startswith(PIN_PREFIX):
            pinned = {} if pinned is None else pinned
            name = key[len(PIN_PREFIX) :]
            try:
                Profile.from_mapping({**pinned, name: value})
            except ProfileError as exc:
                notices.append(
                    _("Ignored {key}={value} (patient A) from the link: {reason}").format(
                        key=key, value=repr(value), reason=exc
                    )
                )
            else:
                pinned[name] = value
        elif key in SWITCHES:
            view[SWITCHES[key]] = value == "yes"
        else:
            try:  # checked with what is accepted so far: fields constrain each other
                Profile.from_mapping({**base.to_mapping(), **accepted, key: value})
            except ProfileError as exc:
                notices.append(
                    _("Ignored {key}={value} from the link: {reason}").format(
                        key=key, value=repr(value), reason=exc
                    )
                )
            else:
                accepted[key] = value
    profile = Profile.from_mapping({**base.to_mapping(), **accepted})
    if pinned is not None:
        view["pinned"] = Profile.from_mapping(pinned)
    case = Case(profile, notices=_summarised(notices), **view)
    if case.case_name and profile != teaching_case(case.case_name):
        case = replace(case, case_name="")  # the link changes the case: it is a case of its own
    return case


def _summarised(notices: list[str]) -> tuple[str, ...]:
    """The distinct notices, at most MAX_NOTICES: a junk link gives a message, not a wall."""
    distinct = list(dict.fromkeys(notices))
    if len(distinct) <= MAX_NOTICES:
        return tuple(distinct)
    more = len(distinct) - MAX_NOTICES + 1
    return (
        *distinct[: MAX_NOTICES - 1],
        _("{count} more values in the link were ignored.").format(count=more),
    )


def case_query(case: Case) -> str:
    """The query string (with its leading ``?``) that reopens this case as it is shown.

    >>> case_query(Case(Profile(ki67=8), tab="evidence"))
    '?ki67=8&outcome=PFS&tab=evidence'
    """
    values = {**case.profile.to_mapping(), "outcome": case.outcome, "tab": case.tab}
    values.update({key: "yes" for key, name in SWITCHES.items() if getattr(case, name)})
    if case.case_name:
        values["case"] = case.case_name
    if case.pinned is not None:
        values["pin"] = "yes"
        values.update({PIN_PREFIX + k: v for k, v in case.pinned.to_mapping().items()})
    if case.quiz:
        values["mode"] = "quiz"
        if case.quiz_case:
            values["quiz"] = case.quiz_case
    if case.language != DEFAULT_LANGUAGE:
        values["lang"] = case.language
    return "?" + urlencode(values)
