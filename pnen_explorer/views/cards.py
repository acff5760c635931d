"""Treatment options as therapy cards: one card per therapy, grouped by verdict, in teaching order.

The content comes from :func:`pnen_explorer.cards.therapy_cards`; this module only lays it out.
Each card is an HTML block (:func:`card_html`, pure) and a button that opens the Evidence tab
filtered to exactly the rows the card counts (:meth:`Session.open_evidence`). The widgets are
made once, one per therapy, and reordered on each render.
"""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from pnen_explorer.cards import CARD_ORDER, Item, therapy_cards, therapy_label
from pnen_explorer.guidance import PREMISES
from pnen_explorer.session import Session
from pnen_explorer.views.html import esc, verdict_badge
from pnen_explorer.vocabulary import GUIDANCE_THERAPIES

LEVEL_BACKGROUND = "#595959"
"""Background of the evidence-level label (white text on it: 7:1)."""

CARD_CSS = f"""
.pnen-cards-intro {{ margin: 0 0 6px 0; }}
.pnen-verdict-head {{ margin: 12px 0 4px 0; font-size: 1.05em; }}
.pnen-card {{ border: 1px solid #c8c8c8; border-radius: 6px; padding: 6px 10px;
  margin: 0 0 8px 0; background: #fff; }}
.pnen-card-body {{ line-height: 1.4; color: #1f1f1f; }}
.pnen-card-body p {{ margin: 3px 0; }}
.pnen-card-body ul {{ margin: 2px 0 2px 0; padding-left: 20px; }}
.pnen-card-name {{ font-size: 1.1em; margin-right: 6px; }}
.pnen-card-line {{ color: #444; font-size: 0.9em; margin-left: 6px; }}
.pnen-level {{ display: inline-block; padding: 0 7px; border-radius: 8px;
  background: {LEVEL_BACKGROUND}; color: #fff; font-weight: 600; white-space: nowrap; }}
.pnen-card-body details {{ margin: 2px 0; }}
.pnen-card-body dl.pnen-criteria {{ margin: 2px 0; }}
.pnen-card-link button, button.pnen-card-link {{ width: auto; max-width: 100%; }}
"""
"""Card styles (colour pairs at 4.5:1 or more)."""

CRITERION_MARK = {"met": "met", "not met": "not met", "unknown": "unknown"}


def _item(item: Item, why: bool = False) -> str:
    site = f" <span class='pnen-tag'>{esc(item.site)}</span>" if item.site else ""
    reason = f" <i>· {esc(item.why)}</i>" if why and item.why else ""
    return (
        f"<li data-id='{esc(item.evidence_id)}'>{esc(item.text)}{site} "
        f"<span class='pnen-cite'>{esc(item.evidence_id)}, {esc(item.citation)}</span>"
        f"{reason}</li>"
    )


def _section(title: str, items: tuple[Item, ...], why: bool = False, note: str = "") -> str:
    if not items:
        return ""
    extra = f" <span class='pnen-muted'>{esc(note)}</span>" if note else ""
    body = "".join(_item(i, why) for i in items)
    return (
        f"<details><summary>{esc(title)} ({len(items)}){extra}</summary><ul>{body}</ul></details>"
    )


def _presupposes(card: pd.Series) -> str:
    therapy = card["therapy"]
    premises = PREMISES.get(therapy, ())
    if not premises:
        return ""
    if therapy == "liver transplantation" and card["criteria"]:
        status = card["criteria"]
        items = "".join(
            f"<li>{esc(p.text)}: <b>{esc(CRITERION_MARK.get(status.get(p.text, ''), 'unknown'))}"
            f"</b> <span class='pnen-cite'>{esc(p.citation())}</span></li>"
            for p in premises
        )
        return f"<p><b>Presupposes</b> (every criterion):</p><ul>{items}</ul>"
    items = "; ".join(
        f"{esc(p.text)} <span class='pnen-cite'>{esc(p.citation())}</span>" for p in premises
    )
    return f"<p><b>Presupposes:</b> {items}</p>"


def card_html(card: pd.Series) -> str:
    """One therapy card (a row of :func:`~pnen_explorer.cards.therapy_cards`) as HTML."""
    notes = "".join(
        f"<li>{esc(n)} <span class='pnen-cite'>{esc(c)}</span></li>"
        for n, c in zip(card["notes"], card["note_citations"], strict=True)
    )
    harm_ids = {i.evidence_id for i in card["harms"]}
    figures = tuple(i for i in card["fitting"] if i.evidence_id not in harm_ids)
    sites = "".join(f" <span class='pnen-tag'>{esc(s)}</span>" for s in card["sites"])
    return (
        f"<div class='pnen-card-body' data-therapy='{esc(card['therapy'])}' "
        f"data-count='{card['count']}' data-ids='{esc(' '.join(card['fitting_ids']))}'>"
        f"<div><b class='pnen-card-name'>{esc(therapy_label(card['therapy']))}</b>"
        f"{verdict_badge(card['verdict'])}"
        f"<span class='pnen-card-line'>{esc(card['line'])}</span></div>"
        f"<p class='pnen-card-reason'><b>Why:</b> {esc(card['deciding'])} "
        f"<span class='pnen-cite'>{esc(card['deciding_citation'])}</span></p>"
        + (f"<ul class='pnen-card-notes'>{notes}</ul>" if notes else "")
        + _presupposes(card)
        + f"<p class='pnen-card-base'><b>Evidence base:</b> <span class='pnen-level'>"
        f"{esc(card['evidence_level'])}</span> {esc(card['evidence_base'])}{sites}</p>"
        + _section("Figures in patients like this one", figures)
        + _section("Harms and safety", card["harms"])
        + _section(
            "Figures in other patients",
            card["others"],
            why=True,
            note="not reasons for this patient",
        )
        + "</div>"
    )


def link_text(count: int) -> str:
    """What a card's evidence button says: the number of rows the Evidence tab will show."""
    if count == 0:
        return "No evidence row fits this patient"
    return f"Show the {count} fitting row{'s' if count != 1 else ''} in the Evidence tab"


def _slug(therapy: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in therapy.lower())


class CardView:
    """One therapy's card: its HTML and its evidence button."""

    def __init__(self, session: Session, therapy: str):
        self.therapy = therapy
        self.html = widgets.HTML()
        self.button = widgets.Button(
            description="", tooltip="Open the Evidence tab filtered to these rows"
        )
        self.button.add_class("pnen-card-link")
        self.button.on_click(lambda _button: session.open_evidence(therapy))
        self.widget = widgets.VBox([self.html, self.button])
        self.widget.add_class("pnen-card")
        self.widget.add_class(f"pnen-card-{_slug(therapy)}")

    def show(self, card: pd.Series) -> None:
        self.html.value = card_html(card)
        count = int(card["count"])
        self.button.description = link_text(count)
        self.button.disabled = count == 0


class TherapyCards:
    """Treatment options: an introduction, then the cards grouped by verdict."""

    def __init__(self, session: Session):
        self.session = session
        self.intro = widgets.HTML()
        self.heads = {v: widgets.HTML() for v in CARD_ORDER}
        for verdict, head in self.heads.items():
            head.add_class("pnen-verdict-group")
            head.add_class(f"pnen-verdict-group-{verdict}")
        self.cards = {t: CardView(session, t) for t in GUIDANCE_THERAPIES}
        self.widget = widgets.VBox([self.intro])
        self.widget.add_class("pnen-cards")

    def render(self) -> None:
        s = self.session
        table = therapy_cards(s.guidance, s.matched, s.profile)
        self.intro.value = (
            f"<style>{CARD_CSS}</style><p class='pnen-muted pnen-cards-intro'>What the reviews "
            f"say for: <b>{esc(s.profile.summary())}</b>. Cards run from what the reviews support "
            "to what they advise against; within a verdict, local treatment first, then "
            "first-line systemic treatment, then later lines. Each card's button opens the "
            "Evidence tab with exactly the rows that fit this patient.</p>"
        )
        children: list[widgets.Widget] = [self.intro]
        for verdict in CARD_ORDER:
            group = table[table["verdict"].astype(object) == verdict]
            if group.empty:
                continue
            head = self.heads[verdict]
            head.value = (
                f"<h4 class='pnen-verdict-head'>{verdict_badge(verdict)} "
                f"{len(group)} therap{'ies' if len(group) != 1 else 'y'}</h4>"
            )
            children.append(head)
            for _, card in group.iterrows():
                view = self.cards[card["therapy"]]
                view.show(card)
                children.append(view.widget)
        if tuple(self.widget.children) != tuple(children):
            self.widget.children = children
