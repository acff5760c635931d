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

_VIEW_ESM = """
const KEY = Symbol.for("pnen-explorer.plotly");
const CONFIG = { displaylogo: false };

// plotly.js once per page: the bundle sets window.Plotly, which is put back as it was (a page
// may have its own plotly.js), and every view shares the one it loaded.
function plotly() {
  if (!globalThis[KEY]) {
    const page = document.getElementById("jupyter-config-data");
    const config = JSON.parse(page ? page.textContent : "{}");
    const base = config.fullLabextensionsUrl || "/voila/labextensions";
    const url = new URL(`${base}/%s`, document.baseURI).href;
    const before = globalThis.Plotly;
    globalThis[KEY] = import(url).then(() => {
      const Plotly = globalThis.Plotly;
      if (before === undefined) delete globalThis.Plotly;
      else globalThis.Plotly = before;
      return Plotly;
    });
  }
  return globalThis[KEY];
}

export default {
  async render({ model, el }) {
    el.classList.add("pnen-plot");
    let Plotly;
    try {
      Plotly = await plotly();
    } catch {
      el.textContent = "The plotting library did not load; please reload the page.";
      return;
    }
    const draw = () => {
      const figure = model.get("figure");
      if (!figure.layout) return; // nothing yet: its tab has not been opened
      return Plotly.react(el, figure.data || [], figure.layout, CONFIG);
    };
    await draw();
    model.on("change:figure", draw);
    // A figure drawn in a hidden tab gets plotly's default width: fit it to the page once
    // shown, and again whenever the page's width changes.
    const fit = new ResizeObserver(() => {
      const width = el.clientWidth;
      if (width > 0 && el._fullLayout && Math.abs(el._fullLayout.width - width) > 1) {
        Plotly.relayout(el, { width });
      }
    });
    fit.observe(el);
    return () => {
      fit.disconnect();
      model.off("change:figure", draw);
      Plotly.purge(el);
    };
  },
};
""".replace("%s", SHARED_PATH)


class PlotView(anywidget.AnyWidget):
    """One figure, redrawn in place when ``show`` gets a new one."""

    _esm = _VIEW_ESM
    figure = traitlets.Dict().tag(sync=True)

    def show(self, figure: go.Figure) -> None:
        """Draw ``figure`` (a plotly Figure) in place of the one shown."""
        self.figure = json.loads(figure.to_json())
