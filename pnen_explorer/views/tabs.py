"""One small class per tab: its key, the session inputs it depends on, its widget, its render.

A tab is drawn only when it is visible and one of its inputs changed since it was last drawn
(the explorer keeps that per tab, by key).
"""

from __future__ import annotations

from typing import ClassVar

import ipywidgets as widgets
import pandas as pd

from pnen_explorer import plots
from pnen_explorer.cards import therapy_label
from pnen_explorer.export import (
    cited_references,
    evidence_csv,
    references_bibtex,
    references_ris,
)
from pnen_explorer.plot_view import PlotView
from pnen_explorer.review_check import review_vs_primary
from pnen_explorer.session import SORT_KEYS, Session
from pnen_explorer.user_data import MAX_UPLOAD_BYTES
from pnen_explorer.views import html
from pnen_explorer.views.cards import TherapyCards
from pnen_explorer.views.download import DownloadButton
from pnen_explorer.views.upload import UploadButton
from pnen_explorer.vocabulary import CORE_OUTCOMES, TABS, outcome_label
from pnen_explorer.wording import figure_summary

EVIDENCE_INPUTS = frozenset({"profile", "user_rows", "beyond_review", "pancreatic_only"})
"""What every tab's evidence follows: the patient, the user's rows, and the scope toggles."""


class TabView:
    """A tab of the explorer: ``widget`` to show, ``render()`` to draw it from the session."""

    key: ClassVar[str]
    depends: ClassVar[frozenset[str]] = EVIDENCE_INPUTS

    def __init__(self, session: Session):
        self.session = session

    @property
    def title(self) -> str:
        return TABS[self.key]

    def render(self) -> None:
        raise NotImplementedError

    @property
    def figure_options(self) -> dict:
        """What every figure builder takes from the session: projector-sized text or not."""
        return {"presenter": self.session.presenter}

    @property
    def subtitle(self) -> str:
        """The patient under a figure's title; on a projector the patient bar above says it."""
        return "" if self.session.presenter else self.session.profile.summary()


class TreatmentsTab(TabView):
    key = "treatments"

    def __init__(self, session: Session):
        super().__init__(session)
        self.cards = TherapyCards(session)
        self.widget = self.cards

    def render(self) -> None:
        self.cards.render()


class OutcomesTab(TabView):
    key = "outcomes"
    depends = EVIDENCE_INPUTS | {"outcome", "presenter"}

    def __init__(self, session: Session):
        super().__init__(session)
        self.outcome = widgets.Dropdown(
            options=[(outcome_label(o), o) for o in CORE_OUTCOMES],
            value=session.outcome,
            description="Outcome",
            layout=widgets.Layout(width="auto"),
        )
        widgets.link((self.outcome, "value"), (session, "outcome"))
        self.plot, self.table = PlotView(), widgets.HTML()
        self.widget = widgets.VBox([self.outcome, self.plot, self.table])

    def render(self) -> None:
        s = self.session
        chart = plots.outcome_ranges(
            s.matched, s.outcome, subtitle=self.subtitle, **self.figure_options
        )
        self.plot.show(chart.figure)
        self.table.value = html.table(chart.table)


class ComparisonsTab(TabView):
    key = "comparisons"
    depends = EVIDENCE_INPUTS | {"presenter"}

    def __init__(self, session: Session):
        super().__init__(session)
        self.comparison, self.forest, self.table = PlotView(), PlotView(), widgets.HTML()
        self.widget = widgets.VBox([self.comparison, self.forest, self.table])

    def render(self) -> None:
        s = self.session
        subtitle = self.subtitle
        self.comparison.show(
            plots.two_arm_comparison(s.matched, subtitle=subtitle, **self.figure_options).figure
        )
        forest = plots.forest_plot(s.matched, "PFS", subtitle=subtitle, **self.figure_options)
        self.forest.show(forest.figure)
        checks = review_vs_primary(s.matched)
        self.table.value = "<h4>Review figures checked against the primary publications</h4>" + (
            html.table(checks.drop(columns=["primary_ids"]))
        )


class EvidenceTab(TabView):
    key = "evidence"
    depends = EVIDENCE_INPUTS | {"therapy", "sort_by", "show_excluded"}

    def __init__(self, session: Session):
        super().__init__(session)
        self.therapy = widgets.Dropdown(
            description="Therapy", options=[("all", "")], layout=widgets.Layout(width="360px")
        )
        self.sort_by = widgets.Dropdown(
            description="Sort by",
            options=[(label, key) for key, label in SORT_KEYS.items()],
            layout=widgets.Layout(width="260px"),
        )
        self.show_excluded = widgets.Checkbox(
            description="show rows that do not fit this patient, and why",
            indent=False,
            layout=widgets.Layout(width="380px"),
        )
        self._therapy_options()
        self._therapy_link = widgets.link((self.therapy, "value"), (session, "therapy"))
        for control, name in (
            (self.sort_by, "sort_by"),
            (self.show_excluded, "show_excluded"),
        ):
            widgets.link((control, "value"), (session, name))
        self.upload = UploadButton(  # refuses a file over the limit in the page, unsent
            max_bytes=MAX_UPLOAD_BYTES,
            accept=".csv",
            description="Add your evidence (.csv)",
            layout=widgets.Layout(width="240px"),
        )
        self.upload.observe(self._on_upload, names="value")
        self.upload_report = widgets.HTML(
            f"<span class='pnen-help'>Your own CSV (up to {MAX_UPLOAD_BYTES // 2**20} MB, same "
            "columns as the data contract) is checked and shown beside the curated rows; the "
            "curated data is never changed.</span>"
        )
        self.downloads = [
            DownloadButton("Evidence table (CSV)", "pnen-evidence.csv", "text/csv", self._csv),
            DownloadButton(
                "References (BibTeX)",
                "pnen-references.bib",
                "application/x-bibtex",
                lambda: references_bibtex(self._cited()),
            ),
            DownloadButton(
                "References (RIS)",
                "pnen-references.ris",
                "application/x-research-info-systems",
                lambda: references_ris(self._cited()),
            ),
        ]
        self.table = widgets.HTML()
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.therapy, self.sort_by]),
                self.show_excluded,
                widgets.HBox([self.upload, self.upload_report]),
                widgets.HBox(self.downloads),
                self.table,
            ]
        )

    def _therapy_options(self) -> None:
        """The guidance's therapies, each with the rows it would show now ('PRRT (23 rows)').

        New options would select the first one, so the link to the session is undone while
        they are set and the session's choice is put back.
        """
        counts = self.session.therapy_counts()
        options = [
            (f"all therapies ({counts['']} rows)", ""),
            *((f"{therapy_label(t)} ({counts[t]} rows)", t) for t in self.session.therapies),
        ]
        if tuple(self.therapy.options) == tuple(options):
            return
        link = getattr(self, "_therapy_link", None)
        if link is not None:
            link.unlink()
        self.therapy.options = options
        self.therapy.value = self.session.therapy
        if link is not None:
            self._therapy_link = widgets.link((self.therapy, "value"), (self.session, "therapy"))

    def _csv(self) -> str:
        return evidence_csv(self.session.evidence_rows, extra=("match", "why", "origin"))

    def _cited(self) -> pd.DataFrame:
        return cited_references(self.session.evidence_rows, self.session.references)

    def _on_upload(self, change: dict) -> None:
        files = change["new"]
        if not files:
            return
        upload = files[0]
        faults = self.session.add_upload(bytes(upload["content"]), upload["name"])
        if faults:
            items = "".join(f"<li>{html.esc(f)}</li>" for f in faults)
            self.upload_report.value = (
                f"<div class='pnen-error' role='alert'>{len(faults)} problem(s) in "
                f"{html.esc(upload['name'])}; nothing was added:<ul>{items}</ul></div>"
            )
            return
        added = int((self.session.evidence["origin"] == "user").sum())
        self.upload_report.value = (
            f"<div class='pnen-notice' role='status'>Added {added} row(s) from "
            f"{html.esc(upload['name'])}, marked as yours (origin: user).</div>"
        )

    def render(self) -> None:
        self._therapy_options()
        frame = self.session.evidence_rows
        shown = frame.assign(figure=[figure_summary(row) for _, row in frame.iterrows()])
        self.table.value = html.evidence_table(shown, plots.DESIGN_LABELS)


class MapTab(TabView):
    key = "map"
    depends = EVIDENCE_INPUTS | {"presenter"}

    def __init__(self, session: Session):
        super().__init__(session)
        self.plot, self.table = PlotView(), widgets.HTML()
        self.widget = widgets.VBox([self.plot, self.table])

    def render(self) -> None:
        s = self.session
        chart = plots.evidence_map(s.matched, subtitle=self.subtitle, **self.figure_options)
        self.plot.show(chart.figure)
        self.table.value = html.table(chart.table)


class ReferencesTab(TabView):
    key = "references"

    def __init__(self, session: Session):
        super().__init__(session)
        self.widget = widgets.HTML()

    def render(self) -> None:
        matched = self.session.matched
        fitting = matched[matched["match"] != "excluded"]
        self.widget.value = html.references(cited_references(fitting, self.session.references))


TAB_VIEWS: tuple[type[TabView], ...] = (
    TreatmentsTab,
    OutcomesTab,
    ComparisonsTab,
    EvidenceTab,
    MapTab,
    ReferencesTab,
)
"""The tabs in the order the page shows them."""
