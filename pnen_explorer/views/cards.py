"""Treatment options as therapy cards: one card per therapy, grouped by verdict, in teaching order.

The content comes from :func:`pnen_explorer.cards.therapy_cards`; this module only lays it out.
Each card is an HTML block (:func:`card_html`, pure) and a button that opens the Evidence tab
filtered to exactly the rows the card counts (:meth:`Session.open_evidence`). All cards are
one widget (its JavaScript in ``static/cards.js``): a widget per card cost the page 51 models.

Every word is drawn in the language spoken where :meth:`TherapyCards.render` runs: the labels
through the catalogue, the reasons, premises, lines and evidence base through
:func:`pnen_explorer.translations.content`, verdicts and levels through the glossary, and each
row's line through :func:`pnen_explorer.translations.evidence_line`.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import pandas as pd
import traitlets

from pnen_explorer.cards import (
    CARD_ORDER,
    Item,
    citation_text,
    level_text,
    site_text,
    therapy_cards,
    therapy_name,
)
from pnen_explorer.guidance import PREMISES
from pnen_explorer.i18n import _, current, ngettext
from pnen_explorer.learning import change_summary, changed_line
from pnen_explorer.session import Session
from pnen_explorer.translations import content, term
from pnen_explorer.views.html import english, esc, verdict_badge
from pnen_explorer.vocabulary import GUIDANCE_THERAPIES

CRITERION_MARK = {"met": "met", "not met": "not met", "unknown": "unknown"}
"""A transplant criterion's status (the glossary's ``criterion_status`` words)."""


def _said(text: str) -> str:
    """Content (a reason, a premise, a line, an evidence base) in the current language."""
    return content(text, current())


def _item(item: Item, why: bool = False) -> str:
    site = f" <span class='pnen-tag'>{esc(site_text(item.site))}</span>" if item.site else ""
    reason = f" <i>· {esc(_said(item.why))}</i>" if why and item.why else ""
    cite = esc(item.citation)
    if item.study and item.study.isascii():  # a trial's name as it is (CLARINET): marked English
        cite = cite.replace(esc(item.study), english(item.study), 1)
    return (
        f"<li data-id='{esc(item.evidence_id)}'>{esc(item.text)}{site} "
        f"<span class='pnen-cite'>{esc(item.evidence_id)}, {cite}</span>"
        f"{reason}</li>"
    )


def _section(title: str, items: tuple[Item, ...], why: bool = False, note: str = "") -> str:
    if not items:
        return ""
    extra = f" <span class='pnen-muted'>{esc(note)}</span>" if note else ""
    body = "".join(_item(i, why) for i in items)
    head = _("{title} ({count})").format(title=title, count=len(items))
    return f"<details><summary>{esc(head)}{extra}</summary><ul>{body}</ul></details>"


def _presupposes(card: pd.Series) -> str:
    therapy = card["therapy"]
    premises = PREMISES.get(therapy, ())
    if not premises:
        return ""
    lang = current()
    if therapy == "liver transplantation" and card["criteria"]:
        status = card["criteria"]
        colon = "：" if lang != "en" else ": "
        marks = {p.text: CRITERION_MARK.get(status.get(p.text, ""), "unknown") for p in premises}
        items = "".join(
            f"<li>{esc(_said(p.text))}{colon}"
            f"<b>{esc(term(marks[p.text], lang, 'criterion_status'))}</b> "
            f"<span class='pnen-cite'>{esc(citation_text(p.citation()))}</span></li>"
            for p in premises
        )
        label, every = _("Presupposes"), _("(every criterion):")
        return f"<p><b>{esc(label)}</b> {esc(every)}</p><ul>{items}</ul>"
    items = ("；" if lang != "en" else "; ").join(
        f"{esc(_said(p.text))} <span class='pnen-cite'>{esc(citation_text(p.citation()))}</span>"
        for p in premises
    )
    label = _("Presupposes:")
    return f"<p><b>{esc(label)}</b> {items}</p>"


def _reason(card: pd.Series, label: str | None = None) -> str:
    said = _("Why:") if label is None else label
    return (
        f"<p class='pnen-card-reason'><b>{esc(said)}</b> {esc(_said(card['deciding']))} "
        f"<span class='pnen-cite'>{esc(citation_text(card['deciding_citation']))}</span></p>"
    )


def was_mark(card: pd.Series, change: dict) -> str:
    """A card whose verdict the last change of the profile moved: its previous verdict, what
    changed, and the reason that now decides (:func:`pnen_explorer.learning.what_changed`)."""
    what = change.get("because", "")
    was = _("was:")
    before = _("before {change}").format(change=what) if what else ""
    return (
        f"<div class='pnen-was' data-was='{esc(change['old_verdict'])}'><p><b>{esc(was)}</b> "
        f"{verdict_badge(change['old_verdict'])}"
        + (f" <span class='pnen-was-what'>{esc(before)}</span>" if what else "")
        + "</p>"
        + _reason(card, _("Why now:"))
        + "</div>"
    )


def card_html(card: pd.Series, change: dict | None = None) -> str:
    """One therapy card (a row of :func:`~pnen_explorer.cards.therapy_cards`) as HTML;
    ``change`` (a row of :func:`~pnen_explorer.learning.what_changed`) marks a verdict that the
    last change of the profile moved."""
    notes = "".join(
        f"<li>{esc(_said(n))} <span class='pnen-cite'>{esc(citation_text(c))}</span></li>"
        for n, c in zip(card["notes"], card["note_citations"], strict=True)
    )
    harm_ids = {i.evidence_id for i in card["harms"]}
    figures = tuple(i for i in card["fitting"] if i.evidence_id not in harm_ids)
    sites = "".join(f" <span class='pnen-tag'>{esc(site_text(s))}</span>" for s in card["sites"])
    base_label = _("Evidence base:")
    return (
        f"<div class='pnen-card-body' data-therapy='{esc(card['therapy'])}' "
        f"data-count='{card['count']}' data-ids='{esc(' '.join(card['fitting_ids']))}'>"
        f"<div><b class='pnen-card-name'>{esc(therapy_name(card['therapy']))}</b>"
        f"{verdict_badge(card['verdict'])}"
        f"<span class='pnen-card-line'>{esc(_said(card['line']))}</span></div>"
        + (was_mark(card, change) if change else _reason(card))
        + (f"<ul class='pnen-card-notes'>{notes}</ul>" if notes else "")
        + _presupposes(card)
        + f"<p class='pnen-card-base'><b>{esc(base_label)}</b> <span class='pnen-level'>"
        f"{esc(level_text(card['evidence_level']))}</span> "
        f"{esc(_said(card['evidence_base']))}{sites}</p>"
        + _section(_("Figures in patients like this one"), figures)
        + _section(_("Harms and safety"), card["harms"])
        + _section(
            _("Figures in other patients"),
            card["others"],
            why=True,
            note=_("not reasons for this patient"),
        )
        + "</div>"
    )


def link_text(count: int) -> str:
    """What a card's evidence button says: the number of rows the Evidence tab will show."""
    if count == 0:
        return _("No evidence row fits this patient")
    return ngettext(
        "Show the {count} fitting row in the Evidence tab",
        "Show the {count} fitting rows in the Evidence tab",
        count,
    ).format(count=count)


def _slug(therapy: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in therapy.lower())


class TherapyCards(anywidget.AnyWidget):
    """Treatment options: an introduction, then the cards grouped by verdict, in one widget."""

    _esm = Path(__file__).resolve().parent.parent / "static" / "cards.js"
    items = traitlets.List(traitlets.Dict()).tag(sync=True)

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.on_msg(self._on_message)

    def _on_message(self, _widget: object, content: dict, _buffers: object) -> None:
        therapy = content.get("therapy") if isinstance(content, dict) else None
        if content.get("kind") == "open" and therapy in GUIDANCE_THERAPIES:
            self.session.open_evidence(therapy)  # anything else from the page is ignored

    def render(self) -> None:
        s = self.session
        table = therapy_cards(s.guidance, s.matched, s.profile)
        changed = s.changed_verdicts
        because = change_summary(s.previous_profile, s.profile) if s.previous_profile else ""
        moved = {r["therapy"]: {**r, "because": because} for r in changed.to_dict("records")}
        intro = esc(_("What the reviews say for: {patient}.")).format(
            patient="<b>" + esc(s.profile.summary()) + "</b>"
        )
        order = _(
            "Cards run from what the reviews support to what they advise against; within a "
            "verdict, local treatment first, then first-line systemic treatment, then later "
            "lines. Each card's button opens the Evidence tab with exactly the rows that fit "
            "this patient."
        )
        items = [
            {
                "kind": "intro",
                "html": f"<p class='pnen-muted pnen-cards-intro'>{intro} {esc(order)}</p>",
            }
        ]
        if moved:
            after = _("(after {change}; each such card says what it was)").format(change=because)
            items.append(
                {
                    "kind": "changes",
                    "html": "<p class='pnen-changed-line' role='status'>"
                    f"{esc(changed_line(changed))} "
                    f"<span class='pnen-muted'>{esc(after)}</span></p>",
                }
            )
        for verdict in CARD_ORDER:
            group = table[table["verdict"].astype(object) == verdict]
            if group.empty:
                continue
            count = ngettext("{count} therapy", "{count} therapies", len(group)).format(
                count=len(group)
            )
            items.append(
                {
                    "kind": "head",
                    "html": f"<h4 class='pnen-verdict-head pnen-verdict-group-{verdict}'>"
                    f"{verdict_badge(verdict)} {esc(count)}</h4>",
                }
            )
            for _row, card in group.iterrows():
                count = int(card["count"])
                items.append(
                    {
                        "kind": "card",
                        "html": card_html(card, moved.get(card["therapy"])),
                        "therapy": card["therapy"],
                        "slug": _slug(card["therapy"]),
                        "label": link_text(count),
                        "disabled": count == 0,
                        "moved": card["therapy"] in moved,
                    }
                )
        self.items = items
