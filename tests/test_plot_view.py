"""The in-place plot widget: what it sends to the page (the drawing is tested in the browser)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from pnen_explorer import load_evidence, plots
from pnen_explorer.plot_view import PLOTLY_JS, SHARED_PATH, PlotView


def test_a_view_sends_the_figure_as_plotly_json():
    chart = plots.outcome_ranges(load_evidence(), "OS")
    view = PlotView()
    assert view.figure == {}  # nothing drawn until its tab is opened
    view.show(chart.figure)
    assert view.figure == json.loads(chart.figure.to_json())
    assert view.figure["layout"]["title"]["text"].startswith("Overall survival")


def test_plotly_js_never_passes_through_the_kernel():
    """What a view sends the page is its small script (which loads the bundle over HTTP from
    where the wheel installs it) and its figure, never plotly.js itself."""
    view = PlotView()
    view.show(plots.outcome_ranges(load_evidence(), "OS").figure)
    state = view.get_state()
    sent = len(json.dumps({k: v for k, v in state.items() if k != "_esm"})) + len(state["_esm"])
    assert SHARED_PATH in state["_esm"]
    assert sent < PLOTLY_JS.stat().st_size / 10


def test_the_installed_bundle_is_the_vendored_one():
    installed = Path(sys.prefix) / "share/jupyter/labextensions" / SHARED_PATH
    assert installed.read_bytes() == PLOTLY_JS.read_bytes()
    assert b"plotly.js (cartesian - minified) v4.1.1" in installed.read_bytes()[:200]


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
