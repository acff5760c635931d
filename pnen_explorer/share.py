"""A case as a link: read a profile and an outcome from a query string, and write one back.

Query strings come from whoever sent the link, so they are untrusted: each value is checked
on its own, a bad one falls back to the default with a notice that says why, and nothing in
them is ever evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from pnen_explorer.profile import Profile, ProfileError

MAX_QUERY_LENGTH = 2000
MAX_VALUE_LENGTH = 512  # a full list of prior therapies fits
MAX_NOTICES = 8
OUTCOMES = ("PFS", "OS", "ORR", "DCR", "survival_5y", "recurrence", "symptom_response")
DEFAULT_OUTCOME = "PFS"


@dataclass(frozen=True)
class Case:
    """What a link opens: a profile, the outcome to plot, and notices about what was ignored."""

    profile: Profile = field(default_factory=Profile)
    outcome: str = DEFAULT_OUTCOME
    notices: tuple[str, ...] = ()


def _printable(text: str) -> bool:
    return text.isprintable()


def parse_query(query: str | None, default: Profile | None = None) -> Case:
    """The case a query string asks for (``ki67=8&liver_type=I&outcome=PFS``).

    Never raises for any input: values that are too long, not printable, unknown or invalid
    are dropped with a notice, and the rest of the case still opens.
    """
    base = default or Profile()
    if not query:
        return Case(base)
    query = query.lstrip("?")
    if len(query) > MAX_QUERY_LENGTH:
        return Case(
            base,
            notices=(
                f"The link is too long (over {MAX_QUERY_LENGTH} characters) and was ignored.",
            ),
        )
    notices: list[str] = []
    accepted: dict[str, str] = {}
    outcome = DEFAULT_OUTCOME
    for key, value in parse_qsl(query, keep_blank_values=True):
        name = repr(key[:32])
        if len(key) > MAX_VALUE_LENGTH or len(value) > MAX_VALUE_LENGTH:
            notices.append(
                f"The link's {name} is longer than {MAX_VALUE_LENGTH} characters; ignored."
            )
        elif not (_printable(key) and _printable(value)):
            notices.append(f"The link's {name} has unprintable characters; ignored.")
        elif key == "outcome":
            if value in OUTCOMES:
                outcome = value
            else:
                notices.append(f"Unknown outcome {value!r} in the link; showing {outcome}.")
        else:
            try:  # checked with what is accepted so far: fields constrain each other
                Profile.from_mapping({**base.to_mapping(), **accepted, key: value})
            except ProfileError as exc:
                notices.append(f"Ignored {key}={value!r} from the link: {exc}")
            else:
                accepted[key] = value
    profile = Profile.from_mapping({**base.to_mapping(), **accepted})
    return Case(profile, outcome, _summarised(notices))


def _summarised(notices: list[str]) -> tuple[str, ...]:
    """The distinct notices, at most MAX_NOTICES: a junk link gives a message, not a wall."""
    distinct = list(dict.fromkeys(notices))
    if len(distinct) <= MAX_NOTICES:
        return tuple(distinct)
    more = len(distinct) - MAX_NOTICES + 1
    return (*distinct[: MAX_NOTICES - 1], f"{more} more values in the link were ignored.")


def case_query(profile: Profile, outcome: str = DEFAULT_OUTCOME) -> str:
    """The query string (with its leading ``?``) that reopens this case."""
    return "?" + urlencode({**profile.to_mapping(), "outcome": outcome})
