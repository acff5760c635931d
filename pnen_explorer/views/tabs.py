"""One small class per tab: its key, the session inputs it depends on, its widget, its render.

A tab is drawn only when it is visible and one of its inputs changed since it was last drawn
(the explorer keeps that per tab, by key).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import ipywidgets as widgets
import pandas as pd

from pnen_explorer import plots, review_check
from pnen_explorer.cards import therapy_label
from pnen_explorer.export import (
    cited_references,
    evidence_csv,
    references_bibtex,
    references_ris,
)
from pnen_explorer.i18n import _, current
from pnen_explorer.plot_view import PlotView
from pnen_explorer.review_check import review_vs_primary
from pnen_explorer.session import SORT_KEYS, Session
from pnen_explorer.translations import (
    EVIDENCE_TEXT_COLUMNS,
    content,
    term,
    with_chinese_columns,
)
from pnen_explorer.user_data import MAX_UPLOAD_BYTES
from pnen_explorer.views import Dropdown, html
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
        self.guard: Callable[[Callable], Callable] = lambda callback: callback
        """Wraps a view's own callbacks (the explorer gives its language and error handling)."""

    @property
    def title(self) -> str:
        return _(TABS[self.key])

    def render(self) -> None:
        raise NotImplementedError

    def relabel(self) -> None:
        """Say the tab's controls in the session's language (a view with controls overrides
        it; what ``render`` draws follows on its own)."""

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
    """One plot per outcome, switched in the page: the chosen outcome's figure is built and
    sent first, the others when the page asks for them; an outcome switch then costs the
    kernel only the table under the plot."""

    key = "outcomes"
    depends = EVIDENCE_INPUTS | {"outcome", "presenter"}

    def __init__(self, session: Session):
        super().__init__(session)
        self.outcome = Dropdown(
            options=CORE_OUTCOMES, value=session.outcome, layout=widgets.Layout(width="auto")
        )
        self.relabel()
        widgets.link((self.outcome, "value"), (session, "outcome"))
        self.plot, self.table = PlotView(chooser=self.outcome), widgets.HTML()
        self.plot.on_want(lambda: self.guard(self.build_all)())
        self.widget = widgets.VBox([self.outcome, self.plot, self.table])
        self._charts: dict[str, plots.Chart] = {}
        self._built_from: tuple = (None,)  # nothing built yet

    def relabel(self) -> None:
        lang = current()
        self.outcome.description = _("Outcome")
        self.outcome.options = [(term(outcome_label(o), lang, "outcome"), o) for o in CORE_OUTCOMES]

    def _source(self) -> tuple:
        """What the figures are drawn from: the matched rows (one object while the session
        caches them), presenter mode, the language and the patient line."""
        s = self.session
        return (s.matched, s.presenter, current(), self.subtitle)

    def _current(self) -> bool:
        """Whether the charts built so far were drawn from what the session holds now."""
        (built, *built_rest), (now, *now_rest) = self._built_from, self._source()
        return built is now and built_rest == now_rest

    def _send(self, outcomes: list[str], fresh: bool) -> None:
        s = self.session
        for outcome in outcomes:
            self._charts[outcome] = plots.outcome_ranges(
                s.matched, outcome, subtitle=self.subtitle, **self.figure_options
            )
        self.plot.show_each(
            [self._charts[o].figure if o in outcomes else None for o in CORE_OUTCOMES], fresh
        )

    def render(self) -> None:
        s = self.session
        if not self._current():
            self._charts = {}
            self._built_from = self._source()
            self._send([s.outcome], fresh=True)
        elif s.outcome not in self._charts:
            self._send([s.outcome], fresh=False)
        self.table.value = html.table(plots.readable(self._charts[s.outcome].table))

    def build_all(self) -> None:
        """The figures of the outcomes not built yet, for the page to draw while idle."""
        if self._current():
            self._send([o for o in CORE_OUTCOMES if o not in self._charts], fresh=False)


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
        shown = review_check.readable(checks)
        agreement = _(dict(review_check.READABLE_COLUMNS)["agreement"])
        shown[agreement] = checks["agreement"].to_numpy()  # codes, drawn as badges in words
        heading = html.esc(_("Review figures checked against the primary publications"))
        table = html.table(shown, kinds={agreement: "agreement"})
        self.table.value = f"<h4>{heading}</h4>" + table


class EvidenceTab(TabView):
    key = "evidence"
    depends = EVIDENCE_INPUTS | {"therapy", "sort_by", "show_excluded"}

    def __init__(self, session: Session):
        super().__init__(session)
        self.therapy = Dropdown(options=[("", "")], layout=widgets.Layout(width="auto"))
        self.sort_by = Dropdown(options=list(SORT_KEYS), layout=widgets.Layout(width="auto"))
        self.show_excluded = widgets.Checkbox(indent=False, layout=widgets.Layout(width="380px"))
        self._therapy_options()
        for control, name in (
            (self.therapy, "therapy"),
            (self.sort_by, "sort_by"),
            (self.show_excluded, "show_excluded"),
        ):
            widgets.link((control, "value"), (session, name))
        self.upload = UploadButton(  # refuses a file over the limit in the page, unsent
            max_bytes=MAX_UPLOAD_BYTES, accept=".csv", layout=widgets.Layout(flex="0 0 auto")
        )
        self.upload.observe(self._on_upload, names="value")
        self.upload_report = widgets.HTML()
        self.downloads = [
            DownloadButton("", "pnen-evidence.csv", "text/csv", self._csv),
            DownloadButton(
                "",
                "pnen-references.bib",
                "application/x-bibtex",
                lambda: references_bibtex(self._cited()),
            ),
            DownloadButton(
                "",
                "pnen-references.ris",
                "application/x-research-info-systems",
                lambda: references_ris(self._cited()),
            ),
        ]
        self.relabel()
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

    def relabel(self) -> None:
        self.therapy.description = _("Therapy")
        self.sort_by.description = _("Sort by")
        self.sort_by.options = [(_(label), key) for key, label in SORT_KEYS.items()]
        self.show_excluded.description = _("show rows that do not fit this patient, and why")
        self.upload.description = _("Add your evidence (.csv)")
        self.upload_report.value = "<span class='pnen-help'>{}</span>".format(
            html.esc(
                _(
                    "Your own CSV (up to {megabytes} MB, same columns as the data contract) is "
                    "checked and shown beside the curated rows; the curated data is never changed."
                ).format(megabytes=MAX_UPLOAD_BYTES // 2**20)
            )
        )
        labels = (_("Evidence table (CSV)"), _("References (BibTeX)"), _("References (RIS)"))
        for button, label in zip(self.downloads, labels, strict=True):
            button.label = label
        self._therapy_options()

    def _therapy_options(self) -> None:
        """The guidance's therapies, each with the rows it would show now ('PRRT (23 rows)')."""
        counts = self.session.therapy_counts()
        self.therapy.options = [
            (_("all therapies ({count} rows)").format(count=counts[""]), ""),
            *(
                (
                    _("{therapy} ({count} rows)").format(
                        therapy=content(therapy_label(t), current()), count=counts[t]
                    ),
                    t,
                )
                for t in self.session.therapies
            ),
        ]

    def _csv(self) -> str:
        """The rows shown, with every provenance column and the Chinese texts beside them."""
        extra = ("match", "why", "origin", *(f"{c}_zh" for c in EVIDENCE_TEXT_COLUMNS))
        return evidence_csv(with_chinese_columns(self.session.evidence_rows), extra=extra)

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
            said = _("{count} problem(s) in {name}; nothing was added:").format(
                count=len(faults), name=upload["name"]
            )
            self.upload_report.value = (
                f"<div class='pnen-error' role='alert'>{html.esc(said)}<ul>{items}</ul></div>"
            )
            return
        added = int((self.session.evidence["origin"] == "user").sum())
        said = _("Added {count} row(s) from {name}, marked as yours (origin: user).").format(
            count=added, name=upload["name"]
        )
        self.upload_report.value = f"<div class='pnen-notice' role='status'>{html.esc(said)}</div>"

    def render(self) -> None:
        self._therapy_options()
        frame = self.session.evidence_rows
        shown = frame.assign(figure=[figure_summary(row) for row in frame.to_dict("records")])
        lang = current()
        designs = {
            code: label if lang == "en" else term(code, lang, "study_design")
            for code, label in plots.DESIGN_LABELS.items()
        }
        self.table.value = html.evidence_table(shown, designs)


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
        self.table.value = html.table(plots.readable(chart.table))


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
