"""A plotly figure in a widget that the page redraws in place.

Why not plotly's own routes: a ``FigureWidget`` ships all of plotly.js (4.8 MB) with the page,
and a figure shown in an ``Output`` widget is thrown away and drawn from scratch on every
change, then drawn once more off-screen by the renderer to cache a PNG. Here one
``PlotlyLibrary`` per kernel carries plotly.js's *cartesian* bundle (1.5 MB: scatter, heatmap
and the other trace types the dashboard draws), and each ``PlotView`` sends only its figure,
which the page updates with ``Plotly.react``.

The bundle is plotly.js 4.1.1 (``plotly.js-cartesian-dist-min``, MIT licence, in ``static/``),
the version this project's plotly package writes figures for.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import anywidget
import ipywidgets as widgets
import traitlets

if TYPE_CHECKING:
    import plotly.graph_objects as go

PLOTLY_JS = Path(__file__).parent / "static" / "plotly-cartesian.min.js"

# One promise per page under a registered symbol: views wait on it, the library resolves it,
# whichever of the two modules the page evaluates first.
_SLOT = """
const KEY = Symbol.for("pnen-explorer.plotly");
function plotlySlot() {
  if (!globalThis[KEY]) {
    let resolve;
    const slot = new Promise((r) => (resolve = r));
    slot.resolve = resolve;
    globalThis[KEY] = slot;
  }
  return globalThis[KEY];
}
"""

_VIEW_ESM = (
    _SLOT
    + """
const CONFIG = { displaylogo: false };

function loaded() {
  const late = new Promise((_, reject) =>
    setTimeout(() => reject(new Error("timeout")), 60000));
  return Promise.race([plotlySlot(), late]);
}

export default {
  async render({ model, el }) {
    el.classList.add("pnen-plot");
    let Plotly;
    try {
      Plotly = await loaded();
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
"""
)


@cache
def _library_esm() -> str:
    """plotly.js as a module that hands Plotly to the views and leaves the page's globals be.

    The bundle sets ``window.Plotly`` (and ``moduleName``); a page may have its own plotly.js
    (JupyterLab's renderer), so both are put back as they were.
    """
    bundle = PLOTLY_JS.read_text(encoding="utf-8")
    return (
        "const before = { Plotly: globalThis.Plotly, moduleName: globalThis.moduleName };\n"
        + bundle
        + "\n;const Plotly = globalThis.Plotly;\n"
        "for (const [name, value] of Object.entries(before)) {\n"
        "  if (value === undefined) delete globalThis[name]; else globalThis[name] = value;\n"
        "}\n" + _SLOT + "plotlySlot().resolve(Plotly);\nexport default {};\n"
    )


class PlotlyLibrary(anywidget.AnyWidget):
    """plotly.js for the ``PlotView`` widgets of a page; nothing to see."""

    _esm = traitlets.Unicode().tag(sync=True)

    def __init__(self) -> None:
        super().__init__(_esm=_library_esm())


@cache
def plotly_library() -> PlotlyLibrary:
    """The kernel's one library widget: every view refers to it, so the page loads it once."""
    return PlotlyLibrary()


class PlotView(anywidget.AnyWidget):
    """One figure, redrawn in place when ``show`` gets a new one."""

    _esm = _VIEW_ESM
    figure = traitlets.Dict().tag(sync=True)
    library = traitlets.Instance(PlotlyLibrary).tag(sync=True, **widgets.widget_serialization)

    def __init__(self, **kwargs) -> None:
        super().__init__(library=plotly_library(), **kwargs)

    def show(self, figure: go.Figure) -> None:
        """Draw ``figure`` (a plotly Figure) in place of the one shown."""
        self.figure = json.loads(figure.to_json())
