"""Page render and interaction in a real browser, against plain Voila's hello-world page.

Run after `make test`'s set-up:  .venv/bin/python benchmarks/bench_page.py [--pairs 7]
[--interactions 10] [--pause SECONDS] [--baseline DIR]

Starts plain `voila` on a one-cell print("hello") notebook and the project's dashboard with
its own configuration, then loads them interleaved A B A B in fresh headless Chromium contexts
and prints medians, ranges and the ratio. Interaction: switching `Outcome` and typing a new
Ki-67, each timed until the plot has visibly changed: in the page, from the browser event that
commits the change to the animation frame that paints the new plot, and as the test driver sees
it (which adds its own round trips to the browser). Each is also given as a ratio to a floor
measured in the same run, interleaved: a bare notebook with one Dropdown and one HTML label
(switch the menu, wait for the label), the cheapest round trip a widget page can make; the
Ki-67 change is also given against a bare text field typed into the same way (the driver's
click, keystrokes and Enter are round trips of their own, before the page's event). Kernel
memory: resident memory of the page's kernel after render; widget models the explorer creates.

``--pause SECONDS`` waits that long before every interaction (the floor's too), as a person
reading the plot does; by default each change follows the last at once. The Outcomes tab draws
the other outcomes' figures ahead once the page is quiet, so a switch after a pause shows a
figure already drawn, and one right after a change of patient may draw it from memory.

``--baseline DIR`` serves a second dashboard from another checkout of the project (e.g.
``git worktree add /tmp/before <commit>``) in the same run, interleaved with the first, so a
change is measured side by side with what came before it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PLOT,
    free_port,
    rss_mb,
    server_kernels,
    set_ki67,
    stop,
    type_into,
    wait_for_http,
)


def start(
    command: list[str], cwd: Path, log: Path, env: dict | None = None
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [*command, f"--port={port}"],
        cwd=cwd,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/"
    wait_for_http(url, process)
    return process, url


KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def hello_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.cells = [nbformat.v4.new_code_cell('print("hello")')]
    path = folder / "hello.ipynb"
    nbformat.write(nb, path)
    return path


def floor_notebook(folder: Path) -> Path:
    """One Dropdown and one HTML label that follows it: the cheapest widget round trip; and a
    text field with its own label, typed into as the Ki-67 field is (the driver's keystrokes
    cost it round trips of its own, before the page's event)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import ipywidgets as w\n"
            "menu = w.Dropdown(options=['first', 'second'], description='Choice')\n"
            "label = w.HTML('first')\n"
            "menu.observe(lambda change: setattr(label, 'value', change['new']), 'value')\n"
            "field = w.Text('8', description='Typed', continuous_update=False)\n"
            "echo = w.HTML('8')\n"
            "field.observe(lambda change: setattr(echo, 'value', change['new']), 'value')\n"
            "w.VBox([menu, label, field, echo])"
        )
    ]
    path = folder / "floor.ipynb"
    nbformat.write(nb, path)
    return path


# Armed before a change of the floor: resolves when its label (the first HTML widget for the
# menu, the second for the text field) shows the new value.
ARM_FLOOR = """([want, which]) => {
  let start = null;
  const mark = (event) => {
    if (start === null && (event.type === 'change' || event.key === 'Enter')) {
      start = performance.now();
    }
  };
  document.addEventListener('change', mark, true);
  document.addEventListener('keydown', mark, true);
  window.__labelChange = new Promise(resolve => {
    const check = () => {
      const label = document.querySelectorAll('.widget-html-content')[which];
      if (start !== null && label && label.textContent === want) {
        document.removeEventListener('change', mark, true);
        document.removeEventListener('keydown', mark, true);
        resolve(performance.now() - start);
      } else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}"""


def floor_switch(page, choice: str) -> tuple[float, float]:
    """(seconds in the page, seconds as the driver sees it) for one switch of the floor."""
    page.evaluate(ARM_FLOOR, [choice, 0])
    start_at = time.perf_counter()
    page.get_by_label("Choice").select_option(label=choice)
    in_page = page.evaluate("() => window.__labelChange")
    return in_page / 1000, time.perf_counter() - start_at


def floor_typed(page, value: str) -> tuple[float, float]:
    """(seconds in the page, seconds as the driver sees it) for one value typed into the
    floor's text field and committed with Enter, as the Ki-67 field is."""
    page.evaluate(ARM_FLOOR, [value, 1])
    start_at = time.perf_counter()
    type_into(page, "Typed", value)
    in_page = page.evaluate("() => window.__labelChange")
    return in_page / 1000, time.perf_counter() - start_at


def render_time(browser, url: str, selector: str) -> float:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    start_at = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(selector, state="visible", timeout=120_000)
    elapsed = time.perf_counter() - start_at
    context.close()
    return elapsed


# Armed before each action: notes when the page receives the user's change (the `change` event
# of a dropdown, Enter in a number field) and resolves, in the animation frame that paints it,
# with the milliseconds until every plot shown on the page shows a new drawing (figures drawn
# ahead and kept hidden do not count).
ARM = """() => {
  const signature = () => [...document.querySelectorAll('.js-plotly-plot')]
    .filter(p => p.offsetParent).map(p =>
    (p.querySelector('.main-svg')?.innerHTML.length ?? 0) + '|' +
    (p.querySelector('.gtitle')?.textContent ?? '')).join(';');
  const before = signature();
  let start = null;
  const mark = (event) => {
    if (start === null && (event.type === 'change' || event.key === 'Enter')) {
      start = performance.now();
    }
  };
  document.addEventListener('change', mark, true);
  document.addEventListener('keydown', mark, true);
  const done = () => {
    document.removeEventListener('change', mark, true);
    document.removeEventListener('keydown', mark, true);
  };
  const limit = performance.now() + 30000;
  window.__plotChange = new Promise((resolve, reject) => {
    const check = () => {
      const now = signature();
      if (start !== null && now !== before && !now.split(';').some(p => p.startsWith('0|'))) {
        done();
        resolve(performance.now() - start);
      } else if (performance.now() > limit) {
        done();
        reject(new Error('the plot did not change within 30 s'));
      } else {
        requestAnimationFrame(check);
      }
    };
    requestAnimationFrame(check);
  });
}"""


def time_until_plot_changes(page, action) -> tuple[float, float]:
    """(seconds in the page from the user's change to the painted plot, seconds as the test
    driver sees it, which adds its own round trips to the browser)."""
    page.evaluate(ARM)
    start_at = time.perf_counter()
    action()
    in_page = page.evaluate("() => window.__plotChange")
    return in_page / 1000, time.perf_counter() - start_at


def interactions(
    browser, urls: dict[str, str], floor_url: str, repeats: int, pause: float = 0.0
) -> dict[str, list[float]]:
    """Timings of every interaction, the floor's switch interleaved with the dashboards'."""
    pages = {}
    for name, url in {"floor": floor_url, **urls}.items():
        page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        page.goto(url)
        if name == "floor":
            page.wait_for_selector(".widget-html-content", timeout=120_000)
        else:
            page.wait_for_selector(PLOT, state="visible", timeout=120_000)
            page.get_by_role("tab", name="Outcomes").click()  # the default tab; to be sure
        pages[name] = page
    timings: dict[str, list[float]] = {}

    def record(name: str, measured: tuple[float, float]) -> None:
        time.sleep(pause)  # before the next interaction: the measured one is over
        timings.setdefault(f"{name}, in the page", []).append(measured[0])
        timings.setdefault(f"{name}, as the test driver sees it", []).append(measured[1])

    for i in range(repeats):
        record(
            "floor: switch a bare Dropdown",
            floor_switch(pages["floor"], ["second", "first"][i % 2]),
        )
        record("typed floor: a bare text field", floor_typed(pages["floor"], ["30", "8"][i % 2]))
        for name in urls:
            page = pages[name]
            outcome = page.get_by_label("Outcome", exact=True)
            label = ["Overall survival (OS)", "Progression-free survival (PFS)"][i % 2]
            record(
                f"{name}: switch Outcome",
                time_until_plot_changes(page, lambda o=outcome, v=label: o.select_option(label=v)),
            )
            record(
                f"{name}: change Ki-67",
                time_until_plot_changes(page, lambda p=page, v=["30", "8"][i % 2]: set_ki67(p, v)),
            )
    for page in pages.values():
        page.context.close()
    return timings


def checkout_env(checkout: Path) -> dict:
    """The environment in which Python (and the kernels Voila starts) imports ``checkout``."""
    return {**os.environ, "PYTHONPATH": str(checkout)}


def widget_models(checkout: Path) -> int:
    """How many widget models the explorer of ``checkout`` creates (each costs the page a
    round trip when it opens)."""
    script = (
        "import warnings; warnings.simplefilter('ignore');"
        "import ipywidgets; from pnen_explorer.app import Explorer; Explorer();"
        "print(len(ipywidgets.Widget.widgets))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tempfile.gettempdir(),
        env=checkout_env(checkout),
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.split()[-1])


def describe(name: str, seconds: list[float], unit: str = "s") -> str:
    scale, digits = (1000, 0) if unit == "ms" else (1, 2)
    values = [v * scale for v in seconds]
    return (
        f"{name}: median {statistics.median(values):.{digits}f} {unit} "
        f"(range {min(values):.{digits}f}–{max(values):.{digits}f}, n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--interactions", type=int, default=10)
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds of reading before each interaction"
    )
    parser.add_argument(
        "--baseline", type=Path, help="another checkout of the project, served side by side"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="pnen-bench-"))
    hello = hello_notebook(folder)
    plain, plain_url = start(
        [sys.executable, "-m", "voila", str(hello), "--no-browser"], folder, folder / "plain.log"
    )
    floor, floor_url = start(
        [sys.executable, "-m", "voila", str(floor_notebook(folder)), "--no-browser"],
        folder,
        folder / "floor.log",
    )
    checkouts = {"dashboard": ROOT}
    if args.baseline:
        checkouts["baseline"] = args.baseline.resolve()
    servers = {
        name: start(
            [sys.executable, "-m", "pnen_explorer.cli", "dashboard"],
            checkout,
            folder / f"{name}.log",
            checkout_env(checkout),
        )
        for name, checkout in checkouts.items()
    }
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            render_time(browser, plain_url, "text=hello")  # warm every server once
            for _, url in servers.values():
                render_time(browser, url, PLOT)
            hello_times: list[float] = []
            times: dict[str, list[float]] = {name: [] for name in servers}
            for _ in range(args.pairs):
                hello_times.append(render_time(browser, plain_url, "text=hello"))
                for name, (_, url) in servers.items():
                    times[name].append(render_time(browser, url, PLOT))
            print(describe("plain Voila hello-world render", hello_times))
            for name, values in times.items():
                print(describe(f"{name} render (plot and controls visible)", values))
                ratio = statistics.median(values) / statistics.median(hello_times)
                print(f"render ratio {name} / hello-world: {ratio:.2f} (target ≤ 1.15)")
            urls = {name: url for name, (_, url) in servers.items()}
            timings = interactions(browser, urls, floor_url, args.interactions, args.pause)
            for measure, values in timings.items():
                print(describe(measure, values, "ms"), end="")
                where = measure.split(", ", 1)[1]
                base = statistics.median(timings[f"floor: switch a bare Dropdown, {where}"])
                print(f"; × {statistics.median(values) / base:.2f} of the floor", end="")
                if "Ki-67" in measure or measure.startswith("typed floor"):
                    typed = statistics.median(timings[f"typed floor: a bare text field, {where}"])
                    print(f", × {statistics.median(values) / typed:.2f} of the typed floor", end="")
                print()
            for name, (process, _) in servers.items():
                rss = [rss_mb(pid) for pid in server_kernels(process).values()]
                if rss:
                    print(
                        f"{name}: kernel resident memory max {max(rss):.0f} MB over {len(rss)} "
                        "live kernels (target ≤ 150 MB)"
                    )
                print(f"{name}: widget models {widget_models(checkouts[name])}")
            browser.close()
    finally:
        for process in (plain, floor, *(p for p, _ in servers.values())):
            stop(process)


if __name__ == "__main__":
    main()
