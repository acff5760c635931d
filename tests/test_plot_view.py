"""The in-place plot widget: what it sends to the page (the drawing is tested in the browser)."""

from __future__ import annotations

import json
import re

from pnen_explorer import load_evidence, plots
from pnen_explorer.plot_view import PLOTLY_JS, PlotView, plotly_library


def test_a_view_sends_the_figure_as_plotly_json():
    chart = plots.outcome_ranges(load_evidence(), "OS")
    view = PlotView()
    view.show(chart.figure)
    assert view.figure == json.loads(chart.figure.to_json())
    assert view.figure["layout"]["title"]["text"].startswith("Overall survival")


def test_every_view_of_a_kernel_shares_one_library():
    first, second = PlotView(), PlotView()
    assert first.library is second.library is plotly_library()
    assert first.figure == {}  # nothing drawn until its tab is opened


def test_the_library_carries_plotly_js_and_restores_the_pages_globals():
    esm = plotly_library()._esm
    bundle = PLOTLY_JS.read_text(encoding="utf-8")
    assert bundle in esm and "plotly.js (cartesian - minified) v4.1.1" in bundle
    assert esm.index("const before") < esm.index(bundle) < esm.index("plotlySlot().resolve")
    assert "export default" in esm


def test_the_bundle_draws_every_trace_type_the_figures_use():
    evidence = load_evidence()
    used = set()
    for chart in (
        plots.outcome_ranges(evidence, "PFS"),
        plots.two_arm_comparison(evidence),
        plots.forest_plot(evidence, "PFS"),
        plots.evidence_map(evidence),
    ):
        used |= {trace.get("type", "scatter") for trace in chart.figure.to_dict()["data"]}
    bundle = PLOTLY_JS.read_text(encoding="utf-8")
    registered = set(re.findall(r'moduleType:"trace",name:"(\w+)"', bundle))
    assert {"scatter", "heatmap"} <= used <= registered, (used, registered)
