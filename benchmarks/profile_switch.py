"""Where the time of one Outcome switch and one Ki-67 change goes, in the kernel.

Run after `make test`'s set-up:  .venv/bin/python benchmarks/profile_switch.py [--repeats 20]

Drives the dashboard's `Explorer` without a browser and times each step a change costs the
kernel: the session's derived tables (matching, guidance), the figure and the cards, the
figure's serialisation, and its size (most of what goes over the websocket), and the other
outcomes' figures that the Outcomes tab sends once the page asks for them. Medians of
`--repeats`, with the same steps of a bare Dropdown + HTML label (the floor of `bench_page.py`)
beside them. The page's share (decode, `Plotly.react`) is in `bench_page.py`'s "in the page"
figures.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable

import ipywidgets as widgets

from pnen_explorer import applicable_therapies, match_evidence, plots
from pnen_explorer.app import Explorer
from pnen_explorer.vocabulary import CORE_OUTCOMES


def timed(action: Callable[[], object], repeats: int) -> tuple[float, object]:
    """(median seconds, last result) of ``action``."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    explorer = Explorer()
    session = explorer.session
    rows: list[tuple[str, float, str]] = []

    outcomes = itertools.cycle(["OS", "PFS"])
    ki67s = itertools.cycle(["30", "8"])
    choices = itertools.cycle(["b", "a"])

    def outcome_switch() -> None:
        session.outcome = next(outcomes)

    def ki67_change() -> None:
        explorer.form.controls["ki67"].value = next(ki67s)

    whole, _ = timed(outcome_switch, args.repeats)
    rows.append(
        ("Outcome switch, whole kernel side (the table: the page holds the figures)", whole, "")
    )
    figure_time, chart = timed(
        lambda: plots.outcome_ranges(session.matched, "OS", subtitle="x"), args.repeats
    )
    rows.append(("one figure (OS), as a change of patient builds it: build", figure_time, ""))
    json_time, text = timed(lambda: chart.figure.to_json(), args.repeats)
    rows.append(("  and serialise it", json_time, f"{len(text) / 1024:.0f} KiB of JSON"))
    others = [o for o in CORE_OUTCOMES if o != "OS"]
    rest_time, texts = timed(
        lambda: [
            plots.outcome_ranges(session.matched, o, subtitle="x").figure.to_json() for o in others
        ],
        args.repeats,
    )
    size = sum(map(len, texts)) / 1024
    rows.append(
        (
            "the other outcomes' figures, built and serialised when the page asks",
            rest_time,
            f"× {rest_time / (figure_time + json_time):.1f} of the one; {size:.0f} KiB of JSON",
        )
    )
    whole, _ = timed(ki67_change, args.repeats)
    rows.append(("Ki-67 change, whole kernel side (Outcomes open)", whole, ""))
    for name, step in (
        (
            "  of which: match the evidence",
            lambda: match_evidence(session.in_scope, session.profile),
        ),
        ("  of which: guidance", lambda: applicable_therapies(session.profile, session.in_scope)),
    ):
        seconds, _ = timed(step, args.repeats)
        rows.append((name, seconds, ""))
    session.tab = "treatments"
    whole, _ = timed(ki67_change, args.repeats)
    rows.append(("Ki-67 change with Treatment options open (cards)", whole, ""))
    menu, label = widgets.Dropdown(options=["a", "b"]), widgets.HTML("a")
    menu.observe(lambda change: setattr(label, "value", change["new"]), "value")
    floor, _ = timed(
        lambda: setattr(menu, "value", next(choices)),
        args.repeats,
    )
    rows.append(("floor: bare Dropdown -> HTML label", floor, ""))
    for name, seconds, note in rows:
        print(f"{name}: {seconds * 1000:.1f} ms" + (f" ({note})" if note else ""))


if __name__ == "__main__":
    main()
