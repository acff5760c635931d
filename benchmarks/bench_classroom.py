"""A classroom at once: many pages opened together, their kernels after they close, a long soak.

Run after `make test`'s set-up:
    .venv/bin/python benchmarks/bench_classroom.py [--pages 20] [--soak 100] [--wait 180]
Quick smoke run: --pages 3 --soak 5 --wait 90
Past the kernel budget (the hardening case):
    .venv/bin/python benchmarks/bench_classroom.py --budget 20 --pages 30

Starts `pnen-explorer dashboard` (the project's own Voila configuration) on a free 127.0.0.1
port, then:
1. opens --pages pages at the same moment, each in its own headless Chromium context, and
   checks that each shows its plot and no error text; then closes them all;
2. waits up to --wait seconds until the kernels those pages used are gone. Each page's kernel
   is known by its id (Voila writes it into the page) and asked for at /api/kernels/<id>
   (Voila answers for one kernel; it does not list them). The preheated pool of kernels that
   waits for the next pages is not theirs and is not counted;
3. loads --soak pages one after another (open, plot visible, close) and compares the Voila
   server's resident memory before and after.
With --budget N the server gets `--max-kernels N` and only one phase runs: --pages pages at the
same moment, each counted as a dashboard, a "server full" page or a stuck page (neither within
--wait seconds); then, once all are closed, the kernels of those pages still alive.
Any `--Class.trait=value` option is passed to the server as it is (as `pnen-explorer dashboard`
does), e.g. `--BudgetKernelManager.page_connect_timeout=0` to see the idle culler alone.
Only local traffic; every wait is bounded; the server it started (and any kernel of that
server still alive) is stopped by pid at the end, also on error or Ctrl+C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PLOT,
    free_port,
    rss_mb,
    server_kernels,
    stop,
    wait_for_http,
)

from pnen_explorer.cli import _is_server_option  # noqa: E402

FULL_TEXT = "The server is full"
ERROR_TEXT = re.compile(r"Traceback|Error|Exception|error when executing|Something went wrong")
SOAK_TIMEOUT = 60  # seconds for one soak load
SOAK_GIVE_UP = 3  # consecutive failed soak loads: the server is down, stop early
MEMORY_LIMIT_MB = 50


@dataclass
class Load:
    """One page load: seconds until the plot showed (None if it never did), what went wrong."""

    seconds: float | None
    problem: str
    kernel_id: str | None


def pool_size() -> int:
    config = json.loads((ROOT / "notebooks" / "voila.json").read_text())
    voila = config.get("VoilaConfiguration", {})
    return voila.get("default_pool_size", 1) if voila.get("preheat_kernel") else 0


def kernel_alive(base: str, kernel_id: str) -> bool:
    """Whether the server still has this kernel (GET /api/kernels/<id>: 200 yes, 404 no)."""
    try:
        with urllib.request.urlopen(f"{base}api/kernels/{kernel_id}", timeout=10):
            return True
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return False
        raise


async def new_tab(browser):
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    return context, await context.new_page()


async def load_page(page, url: str, timeout: float) -> Load:
    """Open the dashboard in ``page``: time until its plot shows, error text, kernel id."""
    began = time.perf_counter()
    deadline = began + timeout

    def left() -> float:
        return max(1.0, deadline - time.perf_counter()) * 1000

    kernel_id = None
    try:
        await page.goto(url, wait_until="commit", timeout=left())
        config = await page.wait_for_selector(
            "#jupyter-config-data", state="attached", timeout=left()
        )
        kernel_id = json.loads(await config.text_content() or "{}").get("kernelId")
        await page.wait_for_selector(PLOT, state="visible", timeout=left())
        seconds = time.perf_counter() - began
        found = ERROR_TEXT.search(await page.inner_text("body"))
        return Load(seconds, found.group(0) if found else "", kernel_id)
    except Exception as exc:  # a page that never renders is a result, not a crash
        problem = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"[:160]
        return Load(None, problem, kernel_id)


async def classroom(browser, url: str, pages: int, timeout: float) -> list[Load]:
    """``pages`` pages opened at the same moment; all closed once every one has finished."""
    tabs = await asyncio.gather(*(new_tab(browser) for _ in range(pages)))
    try:  # every context and tab exists before the first request
        return list(await asyncio.gather(*(load_page(page, url, timeout) for _, page in tabs)))
    finally:
        await asyncio.gather(*(context.close() for context, _ in tabs))


async def wait_for_culling(base: str, kernel_ids: set[str], wait: float) -> tuple[float, set[str]]:
    """Poll until none of ``kernel_ids`` is left or ``wait`` seconds pass; (seconds, left)."""
    began = time.monotonic()
    left = set(kernel_ids)
    while left:
        alive = await asyncio.gather(*(asyncio.to_thread(kernel_alive, base, k) for k in left))
        left = {k for k, a in zip(list(left), alive, strict=True) if a}
        if not left or time.monotonic() - began >= wait:
            break
        await asyncio.sleep(5)
    return time.monotonic() - began, left


async def soak(browser, url: str, loads: int) -> list[Load]:
    """``loads`` page loads one after another: open a tab, wait for the plot, close the tab.

    One browser context throughout, so its HTTP cache serves plotly.js as a returning
    student's browser would; the server still gives every load a page and a kernel.
    """
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    results: list[Load] = []
    try:
        for _ in range(loads):
            page = await context.new_page()
            try:
                results.append(await load_page(page, url, SOAK_TIMEOUT))
            finally:
                await page.close()
            if len(results) >= SOAK_GIVE_UP and all(r.problem for r in results[-SOAK_GIVE_UP:]):
                break  # the server is down: say so rather than wait out every load
    finally:
        await context.close()
    return results


def describe(loads: list[Load]) -> str:
    times = [r.seconds for r in loads if r.seconds is not None]
    rendered = f"{len(times)} of {len(loads)} rendered"
    if times:
        rendered += f", median {statistics.median(times):.1f} s, max {max(times):.1f} s"
    return rendered


def problems(loads: list[Load]) -> list[str]:
    return [r.problem for r in loads if r.problem]


async def run(args, server: subprocess.Popen, base: str, seen: dict[str, int]) -> list[str]:
    """The three phases; returns the summary lines."""
    from playwright.async_api import async_playwright

    pool = pool_size()
    summary = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            seen.update(server_kernels(server))
            print(f"kernels before the pages: {len(seen)} (preheated pool of {pool})", flush=True)

            loads = await classroom(browser, base, args.pages, args.wait)
            seen.update(server_kernels(server))
            bad = problems(loads)
            print(f"{args.pages} pages at once: {describe(loads)}; {len(bad)} with problems")
            for problem in sorted(set(bad))[:5]:
                print(f"  {bad.count(problem)} x {problem}")
            theirs = {r.kernel_id for r in loads if r.kernel_id}
            print(f"  kernel ids read from the pages: {len(theirs)} of {args.pages}", flush=True)
            ok = len(bad) == 0 and all(r.seconds is not None for r in loads)
            summary.append(
                f"| {args.pages} pages opened at the same moment | all render, no error text "
                f"| {describe(loads)}, {len(bad)} with problems | {'yes' if ok else 'no'} |"
            )

            seconds, left = await wait_for_culling(base, theirs, args.wait)
            alive = server_kernels(server)
            seen.update(alive)
            print(
                f"kernels of the closed pages left after {seconds:.0f} s: {len(left)} of "
                f"{len(theirs)}; kernels alive now {len(alive)} (pool {pool}, not theirs)",
                flush=True,
            )
            gone = f"none (gone within {seconds:.0f} s)" if not left else f"{len(left)} left"
            summary.append(
                f"| kernels of closed pages left after {args.wait} s | none "
                f"| {gone} | {'yes' if not left and theirs else 'no'} |"
            )

            (warm,) = await soak(browser, base, 1)  # one load before the baseline
            before = rss_mb(server.pid)
            loads = await soak(browser, base, args.soak)
            after = rss_mb(server.pid)
            seen.update(server_kernels(server))
            bad = problems([warm, *loads])
            growth = after - before
            met = growth <= MEMORY_LIMIT_MB and not bad and len(loads) == args.soak
            print(
                f"soak of {args.soak} sequential loads: {describe(loads)}; {len(bad)} with "
                f"problems; Voila server memory {before:.0f} -> {after:.0f} MB "
                f"({growth:+.0f} MB, limit +{MEMORY_LIMIT_MB} MB)",
                flush=True,
            )
            for problem in sorted(set(bad))[:5]:
                print(f"  {bad.count(problem)} x {problem}")
            alive = server_kernels(server)
            sizes = [rss_mb(pid) for pid in alive.values()]
            if sizes:
                print(
                    f"  kernels alive after the soak: {len(alive)} (closed pages' kernels "
                    f"wait for the idle cull), median {statistics.median(sizes):.0f} MB each"
                )
            summary.append(
                f"| Voila server memory over {len(loads)} sequential loads | within "
                f"+{MEMORY_LIMIT_MB} MB | {before:.0f} → {after:.0f} MB ({growth:+.0f} MB), "
                f"{len(bad)} errors | {'yes' if met else 'no'} |"
            )
        finally:
            await browser.close()
    return summary


def kernels_of(server: subprocess.Popen) -> dict[str, int]:
    """Kernel id -> pid of the server's kernel processes, read from /proc (``ps`` cuts its
    lines to the terminal width when COLUMNS is set, as it is under pytest)."""
    kernels = {}
    for child in Path("/proc").glob("[0-9]*"):
        try:
            status = (child / "status").read_text()
            cmdline = (child / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parent = re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE)
        found = re.search(r"kernel-([0-9a-f-]{36})\.json", cmdline)
        if parent and int(parent.group(1)) == server.pid and found and "ipykernel" in cmdline:
            kernels[found.group(1)] = int(child.name)
    return kernels


async def budget_page(page, url: str, timeout: float) -> tuple[str, float, str | None]:
    """Open one page: ('dashboard' | 'full' | 'stuck', seconds, kernel id)."""
    began = time.perf_counter()
    kernel_id = None
    try:
        answer = await page.goto(url, wait_until="commit", timeout=timeout * 1000)
        if answer is not None and answer.status == 503:
            await page.wait_for_selector(f"text={FULL_TEXT}", timeout=timeout * 1000)
            return "full", time.perf_counter() - began, None
        config = await page.wait_for_selector(
            "#jupyter-config-data", state="attached", timeout=timeout * 1000
        )
        kernel_id = json.loads(await config.text_content() or "{}").get("kernelId")
        await page.wait_for_selector(PLOT, state="visible", timeout=timeout * 1000)
        return "dashboard", time.perf_counter() - began, kernel_id
    except Exception:  # neither a dashboard nor a refusal in time: a stuck page
        return "stuck", time.perf_counter() - began, kernel_id


async def budget_run(server: subprocess.Popen, base: str, pages: int, wait: float) -> dict:
    """``pages`` pages at the same moment against a server with a kernel budget.

    Returns the counts of dashboards, "server full" pages and stuck pages, the slowest answer
    of each kind, and how many kernels of the pages were still alive ``wait`` seconds after
    the pages closed (``left``).
    """
    from playwright.async_api import async_playwright

    deadline = time.monotonic() + 200  # the pool filled, any earlier page's kernel culled
    while len(kernels_of(server)) != pool_size() and time.monotonic() < deadline:
        await asyncio.sleep(1)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tabs = await asyncio.gather(*(new_tab(browser) for _ in range(pages)))
            peak = len(kernels_of(server))
            try:
                answers = await asyncio.gather(
                    *(budget_page(page, f"{base}?n={i}", wait) for i, (_, page) in enumerate(tabs))
                )
                peak = max(peak, len(kernels_of(server)))
            finally:
                await asyncio.gather(*(context.close() for context, _ in tabs))
        finally:
            await browser.close()
    kinds = [kind for kind, _, _ in answers]
    theirs = {k for _, _, k in answers if k}
    seconds, left = await wait_for_culling(base, theirs, wait)
    result = {
        "pages": pages,
        "dashboards": kinds.count("dashboard"),
        "full": kinds.count("full"),
        "stuck": kinds.count("stuck"),
        "kernels_at_peak": peak,
        "left": len(left),
        "gone_within_s": round(seconds),
    }
    for kind in ("dashboard", "full"):
        times = [t for k, t, _ in answers if k == kind]
        result[f"slowest_{kind}_s"] = round(max(times), 1) if times else None
    return result


def end_left_kernels(seen: dict[str, int]) -> None:
    """Stop any kernel of ours that outlived its server (checked by pid and kernel id)."""
    for kernel_id, pid in seen.items():
        try:
            alive = kernel_id in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
        except OSError:
            continue
        if alive:
            print(f"stopping kernel {pid}, left behind by the server")
            os.kill(pid, signal.SIGTERM)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20, help="pages opened at the same moment")
    parser.add_argument("--soak", type=int, default=100, help="sequential page loads")
    parser.add_argument(
        "--wait", type=int, default=180, help="seconds allowed for rendering and for culling"
    )
    parser.add_argument(
        "--budget",
        type=int,
        help="serve with --max-kernels BUDGET and count dashboards, 'server full' pages and "
        "stuck pages among --pages opened at once",
    )
    args, server_options = parser.parse_known_args()
    if not all(_is_server_option(option) for option in server_options):
        parser.error(f"unrecognized arguments: {' '.join(server_options)}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the server

    began = time.monotonic()
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    log = Path(tempfile.gettempdir()) / f"pnen-classroom-{port}.log"
    command = [sys.executable, "-m", "pnen_explorer.cli", "dashboard", "--port", str(port)]
    if args.budget:
        command += [f"--max-kernels={args.budget}", "--BudgetKernelManager.closed_page_grace=30"]
    command += server_options
    with open(log, "w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    seen: dict[str, int] = {}  # every kernel of this server we saw: id -> pid
    try:
        wait_for_http(base + "voila/static/voila.js", server)  # a static file takes no kernel
        deadline = time.monotonic() + 60  # let the preheated pool fill
        while len(server_kernels(server)) < pool_size() and time.monotonic() < deadline:
            time.sleep(1)
        print(f"Voila server pid {server.pid} on {base} (log: {log})", flush=True)
        if args.budget:
            result = asyncio.run(budget_run(server, base, args.pages, args.wait))
            seen.update(server_kernels(server))
            print(json.dumps(result, indent=1))
            met = (
                result["dashboards"] == min(args.budget, args.pages)
                and result["full"] == max(0, args.pages - args.budget)
                and result["stuck"] == 0
                and result["left"] == 0
            )
            summary = [
                f"| {args.pages} pages at once, budget {args.budget} | "
                f"{min(args.budget, args.pages)} dashboards, "
                f"{max(0, args.pages - args.budget)} 'server full', 0 stuck, 0 kernels left | "
                f"{result['dashboards']} dashboards (slowest {result['slowest_dashboard_s']} s), "
                f"{result['full']} 'server full' (slowest {result['slowest_full_s']} s), "
                f"{result['stuck']} stuck, {result['left']} kernels left "
                f"(gone within {result['gone_within_s']} s), peak {result['kernels_at_peak']} "
                f"kernels | {'yes' if met else 'no'} |"
            ]
        else:
            summary = asyncio.run(run(args, server, base, seen))
    finally:
        stop(server, timeout=60)
        end_left_kernels(seen)
    print(f"\nTotal time {time.monotonic() - began:.0f} s. Summary for the README:\n")
    print("| measure | target | result | met? |\n|---|---|---|---|")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
