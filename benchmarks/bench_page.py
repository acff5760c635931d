"""Page render and interaction in a real browser, against plain Voila's hello-world page.

Run after `make test`'s set-up:  .venv/bin/python benchmarks/bench_page.py [--pairs 7]

Starts plain `voila` on a one-cell print("hello") notebook and the project's dashboard with
its own configuration, then loads them interleaved A B A B in fresh headless Chromium contexts
and prints medians, ranges and the ratio. Interaction: switching `Outcome` and moving Ki-67,
each timed until the plot has visibly changed. Kernel memory: resident memory of the page's
kernel after render.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CHROMIUM, CHROMIUM_ARGS, free_port, wait_for_http  # noqa: E402

PLOT = ".js-plotly-plot .main-svg"


def start(command: list[str], cwd: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [*command, f"--port={port}"], cwd=cwd, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/"
    wait_for_http(url, process)
    return process, url


def hello_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell('print("hello")')]
    path = folder / "hello.ipynb"
    nbformat.write(nb, path)
    return path


def render_time(browser, url: str, selector: str) -> float:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    start_at = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(selector, state="visible", timeout=120_000)
    elapsed = time.perf_counter() - start_at
    context.close()
    return elapsed


def plot_signature(page) -> str:
    return page.eval_on_selector_all(
        ".js-plotly-plot",
        "els => els.map(e => e.querySelector('.main-svg')?.innerHTML.length + "
        "(e.querySelector('.gtitle')?.textContent || '')).join('|')",
    )


def time_until_plot_changes(page, action) -> float:
    before = plot_signature(page)
    start_at = time.perf_counter()
    action()
    page.wait_for_function(
        "before => Array.from(document.querySelectorAll('.js-plotly-plot')).map(e => "
        "e.querySelector('.main-svg')?.innerHTML.length + (e.querySelector('.gtitle')?.textContent"
        " || '')).join('|') !== before",
        arg=before,
        timeout=30_000,
    )
    return time.perf_counter() - start_at


def interactions(browser, url: str, repeats: int) -> dict[str, list[float]]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(PLOT, state="visible", timeout=120_000)
    page.get_by_role("tab", name="Outcomes").click()  # the default tab; clicked to be sure
    outcome = page.get_by_label("Outcome", exact=True)
    timings: dict[str, list[float]] = {"switch Outcome": [], "change Ki-67": []}
    for i in range(repeats):
        label = ["Overall survival (OS)", "Progression-free survival (PFS)"][i % 2]
        timings["switch Outcome"].append(
            time_until_plot_changes(page, lambda v=label: outcome.select_option(label=v))
        )
        ki67 = ["30", "8"][i % 2]

        def type_ki67(v=ki67):
            page.locator(".widget-slider", has_text="Ki-67").locator(".widget-readout").click()
            page.keyboard.press("Control+A")
            page.keyboard.type(v)
            page.keyboard.press("Enter")

        timings["change Ki-67"].append(time_until_plot_changes(page, type_ki67))
    context.close()
    return timings


def kernel_rss_mb(voila: subprocess.Popen) -> list[float]:
    """Resident memory of each kernel process that this Voila server started."""
    out = subprocess.run(
        ["ps", "-o", "pid=,ppid=,rss=,args=", "--ppid", str(voila.pid)],
        capture_output=True,
        text=True,
    ).stdout
    return [int(line.split()[2]) / 1024 for line in out.splitlines() if "ipykernel" in line]


def describe(name: str, values: list[float], unit: str = "s") -> str:
    return (
        f"{name}: median {statistics.median(values):.3f} {unit} "
        f"(range {min(values):.3f}–{max(values):.3f}, n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--interactions", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="pnen-bench-"))
    hello = hello_notebook(folder)
    plain, plain_url = start(
        [sys.executable, "-m", "voila", str(hello), "--no-browser"], folder, folder / "plain.log"
    )
    project, project_url = start(
        [sys.executable, "-m", "pnen_explorer.cli", "dashboard"], ROOT, folder / "project.log"
    )
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            render_time(browser, plain_url, "text=hello")  # warm both servers once
            render_time(browser, project_url, PLOT)
            hello_times, dash_times = [], []
            for _ in range(args.pairs):
                hello_times.append(render_time(browser, plain_url, "text=hello"))
                dash_times.append(render_time(browser, project_url, PLOT))
            print(describe("plain Voila hello-world render", hello_times))
            print(describe("dashboard render (plot and controls visible)", dash_times))
            ratio = statistics.median(dash_times) / statistics.median(hello_times)
            print(f"render ratio dashboard / hello-world: {ratio:.2f} (target ≤ 1.25)")
            for name, values in interactions(browser, project_url, args.interactions).items():
                print(describe(f"interaction: {name} until the plot changed", values))
            rss = kernel_rss_mb(project)
            if rss:
                print(
                    f"dashboard kernel resident memory: max {max(rss):.0f} MB over {len(rss)} "
                    "live kernels (target ≤ 150 MB)"
                )
            browser.close()
    finally:
        for process in (plain, project):
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
