"""Where one Outcome switch and one Ki-67 change spend their time in the page, step by step.

Run after `make test`'s set-up:  .venv/bin/python benchmarks/trace_switch.py [--repeats 8]
[--pause SECONDS] [--trace DIR] [--profile] [--parts]

Serves the dashboard with its own configuration, opens it in headless Chromium on the Outcomes
tab and, for each change, splits the time from the browser's event to the painted plot into:
the page sending its message to the kernel; the kernel's answer arriving (the kernel's work,
the figure's serialisation and the wire; the largest message is the figure, its size is
given); the widget manager decoding it and updating the model until `Plotly.react` starts;
`Plotly.react` itself; and the last step to the painted frame. The page is instrumented from
outside (the WebSocket and `Plotly.react` are wrapped before use); the kernel's own steps are in
`profile_switch.py`. The floor of `bench_page.py` (a bare Dropdown and HTML label) is switched
in the same run, interleaved, and every step is also given as a ratio to it. With ``--trace
DIR`` one switch of each kind is also recorded as a Chromium performance trace (open it in
Chrome's Performance panel), and its main-thread time summarised by event; with ``--profile``
the page's JavaScript during one change is listed by function; with ``--parts`` the Outcomes
figure is redrawn as drawn and without its legends and footnotes, to see what a lighter figure
would save.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_page import ARM, ROOT, floor_notebook, floor_switch, start
from conftest import CHROMIUM, CHROMIUM_ARGS, PLOT, set_ki67, stop

# Before any script of the page: every WebSocket message in and out, with its time and size.
WIRE = """(() => {
  const log = (window.__wire = []);
  const size = (d) => (typeof d === 'string' ? d.length : d.byteLength ?? d.size ?? 0);
  const Original = window.WebSocket;
  const send = Original.prototype.send;
  Original.prototype.send = function (data) {
    log.push({ kind: 'send', t: performance.now(), size: size(data) });
    return send.call(this, data);
  };
  function Traced(...args) {
    const socket = new Original(...args);
    socket.addEventListener('message', (e) =>
      log.push({ kind: 'recv', t: performance.now(), size: size(e.data) }));
    return socket;
  }
  Traced.prototype = Original.prototype;
  Object.assign(Traced, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = Traced;
  const mark = () => log.push({ kind: 'event', t: performance.now() });
  document.addEventListener('change', mark, true);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') mark();
  }, true);
})()"""

# Once plotly.js is loaded: each Plotly.react call, start and end.
REACT = """async () => {
  const Plotly = await globalThis[Symbol.for('pnen-explorer.plotly')].bundle;
  const react = Plotly.react;
  Plotly.react = async function (...args) {
    const t0 = performance.now();
    const result = await react.apply(this, args);
    window.__wire.push({ kind: 'react', t0, t: performance.now() });
    return result;
  };
}"""

STEPS = (
    "event to message sent",
    "message sent to figure received",
    "figure received to Plotly.react",
    "Plotly.react",
    "Plotly.react to painted",
    "event to painted",
)


def breakdown(log: list[dict], painted_after: float) -> dict[str, float]:
    """Milliseconds of each step of one change, and the figure message's size in KiB. Only
    what happens before the new plot is painted counts (figures drawn ahead afterwards do not).
    A figure the page already held (an Outcome switch) has no wire steps: its `Plotly.react`
    starts before any answer from the kernel, or, drawn ahead, there is none; those steps are
    NaN."""
    nan = float("nan")
    event = next(e["t"] for e in log if e["kind"] == "event")
    painted = event + painted_after
    sent = next(e["t"] for e in log if e["kind"] == "send" and e["t"] >= event)
    received = [e for e in log if e["kind"] == "recv" and sent <= e["t"] <= painted]
    reacts = [e for e in log if e["kind"] == "react" and event <= e["t0"] and e["t"] <= painted]
    first_answer = min((e["t"] for e in received), default=float("inf"))
    figure = {"size": nan}
    if not reacts or reacts[0]["t0"] < first_answer:  # from the page's own figures
        react = reacts[0] if reacts else {"t0": painted, "t": painted}
        wire = dict.fromkeys(STEPS[1:3], nan)
        source = "page memory" if reacts else "drawn ahead"
    else:
        react = reacts[-1]  # the figure shown
        figure = [e for e in received if e["t"] <= react["t0"]][-1]  # the message it came in
        wire = {STEPS[1]: figure["t"] - sent, STEPS[2]: react["t0"] - figure["t"]}
        source = "the kernel"
    return {
        STEPS[0]: sent - event,
        **wire,
        STEPS[3]: react["t"] - react["t0"],
        STEPS[4]: painted - react["t"],
        STEPS[5]: painted_after,
        "figure message (KiB)": figure["size"] / 1024,
        "messages received until painted": len(received),
        "bytes received until painted (KiB)": sum(e["size"] for e in received) / 1024,
        f"figure from {source}": 1,
    }


def change(page, action) -> dict[str, float]:
    page.evaluate("() => { window.__wire.length = 0; }")
    page.evaluate(ARM)
    action()
    painted_after = page.evaluate("() => window.__plotChange")
    page.wait_for_timeout(300)  # late messages (status: idle) are counted too
    return breakdown(page.evaluate("() => window.__wire"), painted_after)


TASK_WRAPPERS = {
    "RunTask",
    "ThreadControllerImpl::RunTask",
    "ThreadPool_RunTask",
    "Receive mojo message",
    "SimpleWatcher::OnHandleReady",
    "V8.StackGuard",
}
"""Events that only wrap the work of a task: their children are summarised instead."""


def main_thread_summary(trace: Path, top: int = 10) -> list[tuple[str, float]]:
    """The renderer main thread's time by event name: complete events, the outermost below the
    task wrappers, so no time is counted twice."""
    events = json.loads(trace.read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    names = {
        (e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("name") == "thread_name"
    }
    main = [
        e
        for e in events
        if e.get("ph") == "X"
        and e["name"] not in TASK_WRAPPERS
        and names.get((e["pid"], e["tid"])) == "CrRendererMain"
    ]
    main.sort(key=lambda e: e["ts"])
    totals: Counter = Counter()
    end = -1.0
    for e in main:
        if e["ts"] >= end:  # outermost: not inside the previous top-level event
            totals[e["name"]] += e.get("dur", 0) / 1000
            end = e["ts"] + e.get("dur", 0)
    return totals.most_common(top)


def js_profile(page, action, top: int = 15) -> list[tuple[str, float]]:
    """The page's JavaScript during one change, by function: self time in ms (V8's sampling
    profiler through the DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 100})
    cdp.send("Profiler.start")
    change(page, action)
    profile = cdp.send("Profiler.stop")["profile"]
    cdp.detach()
    nodes = {n["id"]: n for n in profile["nodes"]}
    totals: Counter = Counter()
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        frame = nodes[sample]["callFrame"]
        where = frame["url"].rsplit("/", 1)[-1] or "(page)"
        name = f"{frame['functionName'] or '(anonymous)'} {where}:{frame['lineNumber'] + 1}"
        if frame["functionName"] not in ("(idle)", "(program)"):
            totals[name] += delta / 1000
    return totals.most_common(top)


# In the page: Plotly.react of the figure as drawn, and without its legends and footnotes, from
# an empty plot and over the same figure; medians of `repeats`, interleaved.
PARTS = """async (repeats) => {
  const Plotly = await globalThis[Symbol.for('pnen-explorer.plotly')].bundle;
  const el = document.querySelector('.js-plotly-plot:not([style*="display: none"])');
  const copy = (x) => JSON.parse(JSON.stringify(x));
  const data = copy(el.data), layout = copy(el.layout);
  const variants = {
    'as drawn': (l) => l,
    'without legends': (l) => ({ ...l, showlegend: false }),
    'without footnotes': (l) => ({ ...l, annotations: [] }),
    'without both': (l) => ({ ...l, showlegend: false, annotations: [] }),
  };
  const settle = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const times = {};
  for (let i = 0; i < repeats; i++) {
    for (const [name, change] of Object.entries(variants)) {
      Plotly.purge(el);
      await settle();
      let start = performance.now();
      await Plotly.react(el, copy(data), change(copy(layout)));
      (times[`${name}, from empty`] ||= []).push(performance.now() - start);
      await settle();
      start = performance.now();
      await Plotly.react(el, copy(data), change(copy(layout)));
      (times[`${name}, over itself`] ||= []).push(performance.now() - start);
      await settle();
    }
  }
  await Plotly.react(el, data, layout);
  const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  return Object.entries(times).map(([k, v]) => [k, median(v)]);
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds of reading before each change"
    )
    parser.add_argument("--trace", type=Path, help="also save one Chromium trace of each change")
    parser.add_argument(
        "--profile", action="store_true", help="also list the page's JavaScript by self time"
    )
    parser.add_argument(
        "--parts",
        action="store_true",
        help="also time Plotly.react of the figure without its legends and footnotes",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="pnen-trace-"))
    server, url = start(
        [sys.executable, "-m", "pnen_explorer.cli", "dashboard"], ROOT, folder / "server.log"
    )
    floor, floor_url = start(
        [sys.executable, "-m", "voila", str(floor_notebook(folder)), "--no-browser"],
        folder,
        folder / "floor.log",
    )
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            page.add_init_script(WIRE)
            page.goto(url)
            page.wait_for_selector(PLOT, state="visible", timeout=120_000)
            page.get_by_role("tab", name="Outcomes").click()
            page.evaluate(REACT)
            floor_page = browser.new_context().new_page()
            floor_page.goto(floor_url)
            floor_page.wait_for_selector(".widget-html-content", timeout=120_000)
            choices = itertools.cycle(["second", "first"])
            floors: list[float] = []
            outcome = page.get_by_label("Outcome", exact=True)
            outcomes = itertools.cycle(["Overall survival (OS)", "Progression-free survival (PFS)"])
            ki67s = itertools.cycle(["30", "8"])
            actions = {  # each call changes the value: the other of the two
                "switch Outcome": lambda: outcome.select_option(label=next(outcomes)),
                "change Ki-67": lambda: set_ki67(page, next(ki67s)),
            }
            results: dict[str, list[dict[str, float]]] = {name: [] for name in actions}
            for _ in range(args.repeats):  # the floor interleaved with the changes
                floors.append(floor_switch(floor_page, next(choices))[0] * 1000)
                for name, action in actions.items():
                    time.sleep(args.pause)
                    results[name].append(change(page, action))
            base = statistics.median(floors)
            print(f"floor: a bare Dropdown -> HTML label, in the page: {base:.1f} ms")
            for name, runs in results.items():
                print(f"{name} (medians of {len(runs)}; ratio to the floor):")
                keys = dict.fromkeys(k for r in runs for k in r)
                for key in keys:
                    if key.startswith("figure from"):
                        print(f"  {key}: {sum(r.get(key, 0) for r in runs)} of {len(runs)}")
                        continue
                    values = [r[key] for r in runs if r[key] == r[key]]  # NaN: no such step
                    if not values:
                        print(f"  {key}: none (the page held the figure)")
                        continue
                    value = statistics.median(values)
                    if "(" in key or key.startswith("messages"):  # sizes and counts
                        print(f"  {key}: {value:.1f}")
                    else:
                        print(f"  {key}: {value:.1f} ms, × {value / base:.2f}")
            if args.trace:
                args.trace.mkdir(parents=True, exist_ok=True)
                for name, action in actions.items():
                    path = args.trace / f"{name.replace(' ', '-')}.json"
                    browser.start_tracing(page=page, path=str(path))
                    change(page, action)
                    browser.stop_tracing()
                    print(f"{name}: main thread by event, from {path}")
                    for event, ms in main_thread_summary(path):
                        print(f"  {event}: {ms:.1f} ms")
            if args.profile:
                for name, action in actions.items():
                    print(f"{name}: the page's JavaScript by self time")
                    for function, ms in js_profile(page, action):
                        print(f"  {ms:6.1f} ms  {function}")
            if args.parts:
                print(f"Plotly.react of the Outcomes figure (medians of {args.repeats}):")
                for name, ms in page.evaluate(PARTS, args.repeats):
                    print(f"  {name}: {ms:.1f} ms, × {ms / base:.2f} of the floor")
            browser.close()
    finally:
        stop(server)
        stop(floor)


if __name__ == "__main__":
    main()
