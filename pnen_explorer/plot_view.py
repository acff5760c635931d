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
from pathlib import Path
from typing import TYPE_CHECKING

import anywidget
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
    """One figure, redrawn in place when ``show`` gets a new one."""

    _esm = Path(__file__).parent / "static" / "plot_view.js"
    figure = traitlets.Dict().tag(sync=True)
    summary = traitlets.Unicode().tag(sync=True)
    locale = traitlets.Unicode("en").tag(sync=True)
    """plotly.js's locale for the figure's own texts (mode bar, number formats): en or zh-CN."""
    failed = traitlets.Unicode().tag(sync=True)
    """What the page says if plotly.js did not load."""

    def show(self, figure: go.Figure) -> None:
        """Draw ``figure`` (a plotly Figure) in place of the one shown.

        Its title becomes the plot's text alternative, which points to the table beside it.
        """
        title = figure.layout.title.text or _("Plot")
        plain = re.sub(r"<[^>]+>", " ", title).strip()
        self.summary = _("{title}. The table below the plot lists every figure it draws.").format(
            title=plain
        )
        self.failed = _("The plotting library did not load; please reload the page.")
        self.locale = PLOTLY_LOCALES[current()]
        self.figure = json.loads(figure.to_json())
