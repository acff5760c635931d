"""The explorer: a :class:`~pnen_explorer.session.Session` shown by small views.

The session holds the state and computes everything; the form, the header and one class per
tab (``pnen_explorer.views``) only show it and pass on what a person changes. A callback that
fails logs its traceback and shows a short message in the page, never a traceback.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from pnen_explorer.cases import DEFAULT_CASE
from pnen_explorer.i18n import LANGUAGES, _, speaking
from pnen_explorer.profile import Profile, ProfileError
from pnen_explorer.session import Session
from pnen_explorer.views import html, share_plain_models
from pnen_explorer.views.compare import CompareTab
from pnen_explorer.views.form import ProfileForm
from pnen_explorer.views.quiz import QuizView
from pnen_explorer.views.tabs import TAB_VIEWS, TabView
from pnen_explorer.voila_request import page_query

log = logging.getLogger(__name__)
STYLE = (Path(__file__).parent / "static" / "explorer.css").read_text(encoding="utf-8")
HEADER_INPUTS = frozenset(
    {
        "profile",
        "outcome",
        "tab",
        "presenter",
        "beyond_review",
        "pancreatic_only",
        "case_name",
        "pinned",
        "quiz",
        "quiz_case",
        "language",
    }
)
"""What the header's case link follows."""


class Explorer:
    """The explorer's widgets around one session; ``root`` is what a notebook displays."""

    def __init__(
        self,
        evidence: pd.DataFrame | None = None,
        profile: Profile | None = None,
        session: Session | None = None,
    ):
        self.session = session or Session(evidence)
        if session is None:
            if profile is None:
                self.session.apply_case(DEFAULT_CASE, remember=False)
            else:
                self.session.profile = profile
                self.session.previous_profile = None  # the page opens with it: nothing changed
        self.errors: list[str] = []
        with speaking(self.session.language):
            self._build()

    def _build(self) -> None:
        """The widgets, labelled in the session's language."""
        self.form = ProfileForm(self.session, self.guard(self.show_errors))
        self.views: dict[str, TabView] = {v.key: v(self.session) for v in (*TAB_VIEWS, CompareTab)}
        for view in self.views.values():
            view.guard = self.guard
        self.tabs = widgets.Tab(
            children=[v.widget for v in self.views.values()],
            layout=widgets.Layout(flex="1 1 auto", min_width="0"),
        )
        self.notice, self.share, self.title = widgets.HTML(), widgets.HTML(), widgets.HTML()
        self.language = widgets.ToggleButtons(
            options=[(name, code) for code, name in LANGUAGES.items()],
            style={"button_width": "auto"},
            layout=widgets.Layout(width="auto"),
        )
        self.presenter = widgets.ToggleButton(layout=widgets.Layout(width="auto"))
        self.beyond_review = widgets.Checkbox(indent=False, layout=widgets.Layout(width="auto"))
        self.pancreatic = widgets.Checkbox(indent=False, layout=widgets.Layout(width="auto"))
        self.quiz_mode = widgets.ToggleButton(layout=widgets.Layout(width="auto"))
        for control, name in (
            (self.language, "language"),
            (self.pancreatic, "pancreatic_only"),
            (self.presenter, "presenter"),
            (self.beyond_review, "beyond_review"),
            (self.quiz_mode, "quiz"),
        ):
            widgets.link((control, "value"), (self.session, name))
        self.quiz: QuizView | None = None  # built when quiz mode is first opened
        self.quiz_box = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.main = widgets.HBox([self.form.widget, self.tabs], layout=widgets.Layout(width="100%"))
        # A layout of its own (never the page's shared plain one): quiz mode sets its display.
        self.explore_only = widgets.VBox([self.form.summary], layout=widgets.Layout(width="auto"))
        header = widgets.VBox(
            [
                self.title,
                widgets.HBox(
                    [
                        self.language,
                        self.presenter,
                        self.quiz_mode,
                        self.beyond_review,
                        self.pancreatic,
                        self.share,
                    ],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.explore_only,
                self.notice,
            ]
        )
        self._relabel()
        self.root = widgets.VBox(
            [
                widgets.HTML(f"<style>{STYLE}</style>"),
                header,
                self.main,
            ],
            layout=widgets.Layout(width="100%"),
        )
        self.root.add_class("pnen-root")
        share_plain_models(self.root)
        self._stale = set(self.views)
        self.tabs.selected_index = list(self.views).index(self.session.tab)
        self.tabs.observe(self.guard(self._on_tab), names="selected_index")
        self.session.observe(self.guard(self._on_revision), names="revision")
        self._on_revision()

    def guard(self, callback: Callable) -> Callable:
        """``callback`` in the session's language, which on failure logs the traceback and
        shows a short message."""

        @functools.wraps(callback)
        def safe(*args, **kwargs):
            with speaking(self.session.language):
                try:
                    return callback(*args, **kwargs)
                except ProfileError as exc:
                    self.show_errors([_("That profile is not valid: {reason}").format(reason=exc)])
                except Exception as exc:  # logged for the server, short for the page
                    log.exception("explorer callback %s failed", callback.__qualname__)
                    self.show_errors(
                        [
                            _(
                                "Something went wrong ({error}); the view was left as it was."
                            ).format(error=type(exc).__name__)
                        ]
                    )

        return safe

    def open_query(self, query: str) -> None:
        """Open the case a page link asks for; values it sets aside become notices."""
        self.guard(self.session.apply_query)(query)

    def show_errors(self, errors: list[str]) -> None:
        self.errors = list(errors)
        self.notice.value = html.notices(self.errors, self.session.notices)

    # --- following the session ----------------------------------------------------------------

    def _on_tab(self, change: dict) -> None:
        self.session.tab = list(self.views)[change["new"]]

    def _relabel(self) -> None:
        """Say every control in the session's language; what the tabs draw follows when they
        are drawn again."""
        self.title.value = html.header()
        self.tabs.titles = [view.title for view in self.views.values()]
        self.presenter.description = _("Presenter mode")
        self.presenter.tooltip = _("Larger text for a projector")
        self.beyond_review.description = _("include trials beyond the review")
        self.pancreatic.description = _("pancreatic populations only")
        self.quiz_mode.description = _("Quiz mode")
        self.quiz_mode.tooltip = _("Predict, then reveal: a case without its verdicts")
        self.language.tooltips = [
            _("Show the explorer in {language}").format(language=name)
            for name in LANGUAGES.values()
        ]
        for view in self.views.values():
            view.relabel()
        for view in (self.form, self.quiz):
            if hasattr(view, "relabel"):
                view.relabel()

    def _on_revision(self, _change: object = None) -> None:
        """Mark the tabs whose inputs changed, then draw the visible one if it is stale."""
        changed = self.session.changes if _change else frozenset()
        self._stale |= {k for k, v in self.views.items() if v.depends & changed}
        if "presenter" in changed:
            (self.root.add_class if self.session.presenter else self.root.remove_class)(
                "pnen-presenter"
            )
        if "language" in changed or not changed:
            for code in LANGUAGES:
                (self.root.add_class if code == self.session.language else self.root.remove_class)(
                    f"pnen-lang-{code}"
                )
        if "language" in changed:
            self._relabel()
            self._stale |= set(self.views)
        if "quiz" in changed or not changed:
            self._show_mode()
        if "tab" in changed:
            self.tabs.selected_index = list(self.views).index(self.session.tab)
        if changed & {"profile", "notices"} or not changed:
            self.errors = []
        if changed & HEADER_INPUTS or not changed:
            # in quiz mode the summary would give the grade away
            summary = "" if self.session.quiz else self.session.profile.summary()
            self.share.value = html.case_link(self.session.query(), summary)
        self.notice.value = html.notices(self.errors, self.session.notices)
        visible = self.session.tab
        if visible in self._stale:
            self._stale.discard(visible)
            self.views[visible].render()

    def _show_mode(self) -> None:
        """Quiz mode shows the quiz in place of the patient panel and the tabs (which would
        give the answers away); the explorer comes back as it was."""
        quiz = self.session.quiz
        if quiz and self.quiz is None:
            self.quiz = QuizView(session=self.session)
            self.quiz_box.children = [self.quiz]
        body = self.quiz_box if quiz else self.main
        if self.root.children[-1] is not body:
            self.root.children = (*self.root.children[:-1], body)
        self.explore_only.layout.display = "none" if quiz else None


def build_explorer(
    evidence: pd.DataFrame | None = None, profile: Profile | None = None
) -> widgets.Widget:
    """The explorer's root widget, ready to display (it does not display itself)."""
    return Explorer(evidence, profile).root


__all__ = ["Explorer", "build_explorer", "page_query"]
