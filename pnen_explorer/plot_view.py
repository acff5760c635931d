"""A plotly figure in a widget that the page redraws in place.

Why not plotly's own routes: a ``FigureWidget`` ships all of plotly.js (4.8 MB) through the
kernel with every page, and a figure shown in an ``Output`` widget is thrown away and drawn from
scratch on every change, then drawn once more off-screen by the renderer to cache a PNG. A
``PlotView`` sends only its figure, which the page updates with ``Plotly.react``; the page loads
plotly.js's *cartesian* bundle (1.5 MB: scatter, heatmap and the other trace types the dashboard
draws) once, over HTTP, from the Jupyter share folder where this package installs it, so it never
passes through the kernel.

The bundle is plotly.js 4.1.1 (``plotly.js-cartesian-dist-min``, MIT licence, in ``static/``),
the version this project's plotly package writes figures for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import anywidget
import ipywidgets as widgets
import traitlets

from pnen_explorer.i18n import _, current

if TYPE_CHECKING:
    import plotly.graph_objects as go

PLOTLY_JS = Path(__file__).parent / "static" / "plotly-cartesian.min.js"
SHARED_PATH = "pnen-explorer/static/plotly-cartesian.min.js"
"""Where the wheel installs the bundle, under ``share/jupyter/labextensions/``: Voila serves it
at ``voila/labextensions/…``, JupyterLab at ``lab/extensions/…`` (the page says which)."""


PLOTLY_LOCALES = {"en": "en", "zh": "zh-CN"}
"""The interface's language -> plotly.js's locale (vendored beside the bundle)."""


class PlotView(anywidget.AnyWidget):
    """One figure, redrawn in place when ``show`` gets a new one; or a deck of figures, one
    per option of a ``chooser`` dropdown, of which the page shows the chosen one.

    A deck makes switching the chooser instant: the page holds every figure drawn and switches
    without asking the kernel. The kernel sends the chosen figure first (``show_each`` with the
    others left out); once it is painted the page asks for the rest (``on_want``) and draws
    them, hidden, once it is quiet. ``generation`` changes whenever the figures are new, not
    merely completed, so the page knows which of its drawings are out of date.
    """

    _esm = Path(__file__).parent / "static" / "plot_view.js"
    figures = traitlets.List(traitlets.Dict()).tag(sync=True)
    """Plotly figures as JSON, in the chooser's option order; ``{}`` where not built yet."""
    summaries = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """Each figure's text alternative."""
    generation = traitlets.Int(0).tag(sync=True)
    chooser = traitlets.Instance(widgets.Dropdown, allow_none=True).tag(
        sync=True, **widgets.widget_serialization
    )
    locale = traitlets.Unicode("en").tag(sync=True)
    """plotly.js's locale for the figure's own texts (mode bar, number formats): en or zh-CN."""
    failed = traitlets.Unicode().tag(sync=True)
    """What the page says if plotly.js did not load."""

    def __init__(self, chooser: widgets.Dropdown | None = None, **kwargs):
        super().__init__(chooser=chooser, **kwargs)
        self._want: Callable[[], None] | None = None
        self.on_msg(self._on_msg)

    @property
    def figure(self) -> dict:
        """The figure shown (``{}`` before the first ``show``)."""
        index = self.chooser.index if self.chooser is not None else 0
        return self.figures[index] if index is not None and index < len(self.figures) else {}

    def show(self, figure: go.Figure) -> None:
        """Draw ``figure`` (a plotly Figure) in place of the one shown.

        Its title becomes the plot's text alternative, which points to the table beside it.
        """
        self.show_each([figure])

    def show_each(self, figures: list[go.Figure | None], fresh: bool = True) -> None:
        """Send one figure per option (``None`` for one not built yet). ``fresh`` says they
        replace every earlier drawing; ``fresh=False`` completes the deck sent last."""
        self.failed = _("The plotting library did not load; please reload the page.")
        self.locale = PLOTLY_LOCALES[current()]
        blank = [({}, "")] * len(figures)
        kept = blank if fresh else list(zip(self.figures, self.summaries, strict=True))
        sent = [_as_json(f) if f is not None else k for f, k in zip(figures, kept, strict=True)]
        with self.hold_sync():
            if fresh:
                self.generation += 1
            self.summaries = [summary for _figure, summary in sent]
            self.figures = [figure for figure, _summary in sent]

    def on_want(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the page has painted the chosen figure and wants the rest."""
        self._want = callback

    def _on_msg(self, _widget: object, content: dict, _buffers: object) -> None:
        wanted = content.get("want") == "all" and content.get("generation") == self.generation
        if wanted and self._want is not None:
            self._want()


def _as_json(figure: go.Figure) -> tuple[dict, str]:
    """A figure as the page gets it, and its text alternative (its title, pointing to the
    table beside it)."""
    title = figure.layout.title.text or _("Plot")
    plain = re.sub(r"<[^>]+>", " ", title).strip()
    summary = _("{title}. The table below the plot lists every figure it draws.").format(
        title=plain
    )
    return json.loads(figure.to_json()), summary
