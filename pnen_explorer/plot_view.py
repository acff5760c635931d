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

if TYPE_CHECKING:
    import plotly.graph_objects as go

PLOTLY_JS = Path(__file__).parent / "static" / "plotly-cartesian.min.js"
SHARED_PATH = "pnen-explorer/static/plotly-cartesian.min.js"
"""Where the wheel installs the bundle, under ``share/jupyter/labextensions/``: Voila serves it
at ``voila/labextensions/…``, JupyterLab at ``lab/extensions/…`` (the page says which)."""


class PlotView(anywidget.AnyWidget):
    """One figure, redrawn in place when ``show`` gets a new one."""

    _esm = Path(__file__).parent / "static" / "plot_view.js"
    figure = traitlets.Dict().tag(sync=True)
    summary = traitlets.Unicode().tag(sync=True)

    def show(self, figure: go.Figure) -> None:
        """Draw ``figure`` (a plotly Figure) in place of the one shown.

        Its title becomes the plot's text alternative, which points to the table beside it.
        """
        title = figure.layout.title.text or "Plot"
        plain = re.sub(r"<[^>]+>", " ", title).strip()
        self.summary = f"{plain}. The table below the plot lists every figure it draws."
        self.figure = json.loads(figure.to_json())
