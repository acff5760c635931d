"""Compare two patients: pin the case shown as A, change the profile to B, see both side by side.

The tab shows the fields that differ, the verdicts that differ with the reason that decides each
(:func:`pnen_explorer.learning.compare_verdicts`), and the outcome plot of each patient. Its link
holds both cases (``pin=yes&a.ki67=30&…&ki67=60…``), so an educator can prepare a comparison.

Its words are drawn in the language spoken where :meth:`CompareTab.render` runs;
:meth:`CompareTab.relabel` says its buttons and menu again in the language spoken where it is
called.
"""

from __future__ import annotations

import ipywidgets as widgets

from pnen_explorer import plots
from pnen_explorer.cards import citation_text, therapy_name
from pnen_explorer.i18n import N_, _, current
from pnen_explorer.learning import compare_verdicts, profile_differences, reason_text
from pnen_explorer.plot_view import PlotView
from pnen_explorer.session import Session
from pnen_explorer.translations import term
from pnen_explorer.views import Dropdown, html
from pnen_explorer.views.html import esc, verdict_badge
from pnen_explorer.views.tabs import EVIDENCE_INPUTS, TabView
from pnen_explorer.vocabulary import CORE_OUTCOMES, outcome_label

HELP = N_(
    "Pin the patient shown now as A, then change the profile on the left (or pick another "
    "teaching case): this tab shows A and B side by side — the fields that differ, the "
    "verdicts that differ and why, and the outcome plot of each."
)


def differences_html(frame) -> str:
    """The fields that differ, as a three-column table (field, A, B)."""
    if frame.empty:
        same = _("A and B have the same profile.")
        return html.muted(same)
    rows = "".join(
        f"<tr><th scope='row'>{esc(r.field)}</th><td>{esc(r.a)}</td><td>{esc(r.b)}</td></tr>"
        for r in frame.itertuples(index=False)
    )
    field = _("Field")
    return (
        "<table class='pnen pnen-compare'><tr>"
        f"<th scope='col' style='width:22%'>{esc(field)}</th>"
        "<th scope='col' style='width:39%'>A</th><th scope='col' style='width:39%'>B</th></tr>"
        f"{rows}</table>"
    )


def verdicts_html(frame) -> str:
    """The verdicts that differ: therapy, then A's and B's verdict, each with its reason."""
    if frame.empty:
        same = _("Every therapy has the same verdict for A and B.")
        return html.muted(same)

    def cell(verdict: str, why: str, citation: str) -> str:
        return (
            f"{verdict_badge(verdict)}<div class='pnen-compare-why'>{esc(reason_text(why))} "
            f"<span class='pnen-cite'>{esc(citation_text(citation))}</span></div>"
        )

    therapy = _("Therapy")
    rows = "".join(
        f"<tr data-therapy='{esc(r.therapy)}'><th scope='row'>{esc(therapy_name(r.therapy))}</th>"
        f"<td>{cell(r.a, r.why_a, r.citation_a)}</td><td>{cell(r.b, r.why_b, r.citation_b)}</td>"
        "</tr>"
        for r in frame.itertuples(index=False)
    )
    return (
        "<table class='pnen pnen-compare pnen-compare-verdicts'><tr><th scope='col' "
        f"style='width:22%'>{esc(therapy)}</th><th scope='col' style='width:39%'>A</th>"
        f"<th scope='col' style='width:39%'>B</th></tr>{rows}</table>"
    )


class CompareTab(TabView):
    """Patient A (pinned) and B (the profile) side by side."""

    key = "compare"
    depends = EVIDENCE_INPUTS | {"pinned", "outcome", "presenter"}

    def __init__(self, session: Session):
        super().__init__(session)
        # Its controls and plots are made when the tab is first drawn: most pages never open
        # it, and every widget model costs each page a round trip when it opens.
        self.widget = widgets.VBox()
        self.widget.add_class("pnen-compare-tab")
        self._built = False

    def _build(self) -> None:
        session = self.session
        self.pin = widgets.Button(layout=widgets.Layout(width="auto"))
        self.unpin = widgets.Button(layout=widgets.Layout(width="auto"))
        self.pin.on_click(lambda _button: session.pin())
        self.unpin.on_click(lambda _button: setattr(session, "pinned", None))
        self.outcome = Dropdown(
            options=CORE_OUTCOMES,
            value=session.outcome,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        widgets.link((self.outcome, "value"), (session, "outcome"))
        self.text = widgets.HTML()
        self.plot_a, self.plot_b = PlotView(), PlotView()
        self.table_a, self.table_b = widgets.HTML(), widgets.HTML()
        # Side by side where each plot has room for its labels, A above B where it has not.
        column = {"flex": "1 1 560px", "min_width": "0"}
        self.plots = widgets.HBox(
            [
                widgets.VBox([self.plot_a, self.table_a], layout=widgets.Layout(**column)),
                widgets.VBox([self.plot_b, self.table_b], layout=widgets.Layout(**column)),
            ],
            layout=widgets.Layout(width="100%", flex_flow="row wrap"),
        )
        self.plots.add_class("pnen-compare-plots")
        self.widget.children = [
            widgets.HBox(
                [self.pin, self.unpin, self.outcome],
                layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
            ),
            self.text,
            self.plots,
        ]
        self._built = True
        self.relabel()

    def relabel(self) -> None:
        """Say the buttons and the outcome menu in the language spoken here (what
        :meth:`render` draws follows when the tab is drawn again)."""
        if not self._built:
            return  # built, and labelled, when first drawn
        lang = current()
        self._pin_label()
        self.pin.tooltip = _("Keep the patient shown now as A; then change the profile to B")
        self.unpin.description = _("Clear A")
        self.unpin.tooltip = _("Stop comparing")
        self.outcome.description = _("Outcome plotted")
        self.outcome.options = [(term(outcome_label(o), lang, "outcome"), o) for o in CORE_OUTCOMES]

    def _pin_label(self) -> None:
        if self.session.pinned is None:
            self.pin.description = _("Pin this patient as A")
        else:
            self.pin.description = _("Pin this patient as A again")

    def render(self) -> None:
        if not self._built:
            self._build()
        s = self.session
        a, b = s.pinned, s.profile
        self.unpin.disabled = a is None
        self._pin_label()
        if a is None:
            help_text = _(HELP)
            self.text.value = f"<p class='pnen-help pnen-compare-empty'>{esc(help_text)}</p>"
            self.plots.layout.display = "none"
            return
        self.plots.layout.display = None
        heads = (
            "<div class='pnen-compare-heads'>"
            f"<div class='pnen-compare-a'><b>A</b> {esc(a.summary())}</div>"
            f"<div class='pnen-compare-b'><b>B</b> {esc(b.summary())}</div></div>"
        )
        link_label = _("Link to this comparison")
        link = (
            f"<a href='{esc(s.query())}' target='_blank' class='pnen-compare-link'>"
            f"{esc(link_label)}</a>"
        )
        both = _("(both patients are in the link)")
        changed = compare_verdicts(a, b)
        differ = _("Fields that differ")
        verdicts = _("Verdicts that differ ({count})").format(count=len(changed))
        outcome = _("{outcome}: A and B").format(
            outcome=term(outcome_label(s.outcome), current(), "outcome")
        )
        self.text.value = (
            heads
            + f"<p>{link} <span class='pnen-muted'>{esc(both)}</span></p>"
            + f"<h4>{esc(differ)}</h4>"
            + differences_html(profile_differences(a, b))
            + f"<h4>{esc(verdicts)}</h4>"
            + verdicts_html(changed)
            + f"<h4>{esc(outcome)}</h4>"
        )
        for patient, matched, plot, table, name in (
            (a, s.pinned_matched, self.plot_a, self.table_a, "A"),
            (b, s.matched, self.plot_b, self.table_b, "B"),
        ):
            subtitle = _("{patient}: {summary}").format(patient=name, summary=patient.summary())
            chart = plots.outcome_ranges(
                matched, s.outcome, subtitle=subtitle, **self.figure_options
            )
            plot.show(chart.figure)
            behind = _("The figures behind {patient}'s plot").format(patient=name)
            behind_table = html.table(plots.readable(chart.table))
            table.value = f"<details><summary>{esc(behind)}</summary>{behind_table}</details>"
