"""A classroom at once: many pages opened together, kernels after they close, a long soak.

Run after `make test`'s set-up:
    .venv/bin/python benchmarks/bench_classroom.py [--pages 20] [--soak 100] [--wait 180]
Quick smoke run: --pages 3 --soak 5 --wait 120

Starts `pnen-explorer dashboard` (the project's own Voila configuration) on a free 127.0.0.1
port; opens --pages pages at the same moment in headless Chromium and checks that each shows
its plot and no error text; closes them and waits until the kernels they used are culled
(the preheated pool of kernels waiting for the next pages is not theirs and is not counted);
then loads --soak pages one after another and compares the Voila server's resident memory
before and after. Only local traffic; the server it started is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CHROMIUM, CHROMIUM_ARGS, free_port, stop, wait_for_http  # noqa: E402

PLOT = ".js-plotly-plot .main-svg"
ERROR_TEXT = ("Traceback", "Error", "Exception", "Kernel error")


def pool_size() -> int:
    config = json.loads((ROOT / "notebooks" / "voila.json").read_text())
    voila = config.get("VoilaConfiguration", {})
    return voila.get("default_pool_size", 1) if voila.get("preheat_kernel") else 0


def kernel_pids(server: subprocess.Popen) -> list[int]:
    """The kernel processes this Voila server started (its ipykernel children)."""
    out = subprocess.run(
        ["ps", "-o", "pid=,args=", "--ppid", str(server.pid)], capture_output=True, text=True
    ).stdout
    return [int(line.split()[0]) for line in out.splitlines() if "ipykernel" in line]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def open_page(browser, url: str) -> tuple[float, str]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    start = time.perf_counter()
    try:
        await page.goto(url, timeout=180_000)
        await page.wait_for_selector(PLOT, state="visible", timeout=180_000)
        elapsed = time.perf_counter() - start
        body = await page.inner_text("body")
        problem = next((w for w in ERROR_TEXT if w in body), "")
        return elapsed, problem
    except Exception as exc:  # a page that never renders is a result, not a crash
        return float("nan"), f"{type(exc).__name__}: {exc}"[:200]
    finally:
        await context.close()


async def classroom(url: str, pages: int) -> list[tuple[float, str]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results = await asyncio.gather(*(open_page(browser, url) for _ in range(pages)))
        await browser.close()
    return results


async def soak(url: str, loads: int) -> list[tuple[float, str]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results = [await open_page(browser, url) for _ in range(loads)]
        await browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--soak", type=int, default=100)
    parser.add_argument("--wait", type=int, default=180, help="seconds to wait for culling")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = open(Path("/tmp") / f"pnen-classroom-{port}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "pnen_explorer.cli", "dashboard", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    pool = pool_size()
    try:
        wait_for_http(url, server)
        time.sleep(5)  # let the preheated pool fill
        print(
            f"server pid {server.pid}, kernel pool {pool}, "
            f"kernels at start {len(kernel_pids(server))}"
        )

        results = asyncio.run(classroom(url, args.pages))
        times = [t for t, _ in results if t == t]
        failures = [p for _, p in results if p]
        print(
            f"{args.pages} pages at once: {len(times)} rendered, {len(failures)} with errors"
            + (f" ({failures[:3]})" if failures else "")
        )
        if times:
            print(f"  render time median {statistics.median(times):.1f} s, max {max(times):.1f} s")
        used = len(kernel_pids(server))
        print(f"  kernels right after the pages closed: {used} (pool {pool})")
        start = time.monotonic()
        while len(kernel_pids(server)) > pool and time.monotonic() - start < args.wait:
            time.sleep(5)
        left = len(kernel_pids(server)) - pool
        print(
            f"  kernels of closed pages left after {time.monotonic() - start:.0f} s: "
            f"{max(left, 0)} (limit {args.wait} s)"
        )

        asyncio.run(soak(url, 1))  # one warm load before the baseline
        before = rss_mb(server.pid)
        results = asyncio.run(soak(url, args.soak))
        after = rss_mb(server.pid)
        failures = [p for _, p in results if p]
        print(
            f"soak of {args.soak} sequential loads: {len(failures)} with errors; "
            f"Voila server memory {before:.0f} MB -> {after:.0f} MB "
            f"({after - before:+.0f} MB; limit +50 MB: "
            f"{'met' if after - before <= 50 else 'NOT met'})"
        )
        sizes = [rss_mb(pid) for pid in kernel_pids(server)] or [0.0]
        print(
            f"  kernels alive at the end: {len(sizes)}; each about "
            f"{statistics.median(sizes):.0f} MB"
        )
    finally:
        stop(server, timeout=60)
        log.close()


if __name__ == "__main__":
    main()
