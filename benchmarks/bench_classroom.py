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
Pools side by side (one server per round, each started with `--class-size N` and left to
draw its pool's dashboards before the pages come):
    .venv/bin/python benchmarks/bench_classroom.py --compare-pools 2,20 --past-pool 40 --wait 300
--pages pages at once per pool, and --past-pool pages on the largest pool. Per page: end to end
(from the driver's request to the plot drawn, in one of the headless Chromium pages) and the
server's share, from the page's own clock: its Navigation Timing entry from requestStart to
responseEnd (the server renders the page with its kernel), plus the widget state asked of the
kernel over the websocket (`request_states`) until it arrived (`update_states`); the rest is the
browser's. Also the CPU seconds of the server and its kernels, of the test browsers and of the
rest of the machine meanwhile (from /proc), and the highest load average.
Any `--Class.trait=value` option is passed to the server as it is (as `pnen-explorer dashboard`
does), e.g. `--BudgetKernelManager.page_connect_timeout=0` to see the idle culler alone.
Only local traffic; every wait is bounded; the server it started (and any kernel of that
server still alive) is stopped by pid at the end, also on error or Ctrl+C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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


TIMING_SCRIPT = """(() => {
  // When this page asked its kernel for the widget state, and when the state arrived.
  const seen = (window.pnenTimes = {});
  const text = (data) =>
    typeof data === "string" ? data
    : data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? new TextDecoder().decode(data)
    : "";
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("open", () => { seen.open ??= performance.now(); });
      this.addEventListener("message", (event) => {
        if (seen.asked && !seen.delivered && text(event.data).includes("update_states"))
          seen.delivered = performance.now();
      });
    }
    send(data) {
      if (!seen.asked && text(data).includes("request_states")) seen.asked = performance.now();
      return super.send(data);
    }
  };
})();"""
TIMES = """() => {
  const n = performance.getEntriesByType("navigation")[0], t = window.pnenTimes || {};
  return [n.requestStart, n.responseEnd, t.open ?? null, t.asked ?? null, t.delivered ?? null];
}"""


@dataclass
class Load:
    """One page load: seconds until the plot showed (None if it never did), what went wrong.

    From the page's own clock (Navigation Timing and its websocket, see ``TIMING_SCRIPT``):
    ``html`` is the request until the last byte of the page (the server renders it with the
    page's kernel), ``state`` the widget state asked of the kernel until it arrived, and
    ``connect`` the browser's own time from the last byte of the page until its websocket to
    the kernel opened (loading and running the page's JavaScript)."""

    seconds: float | None
    problem: str
    kernel_id: str | None
    full: bool = False  # the server said it is full
    html: float | None = None
    state: float | None = None
    connect: float | None = None

    @property
    def server(self) -> float | None:
        """The server's share: the page's HTML and the kernel's widget state."""
        return None if self.html is None or self.state is None else self.html + self.state


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
    await context.add_init_script(TIMING_SCRIPT)
    return context, await context.new_page()


async def load_page(page, url: str, timeout: float) -> Load:
    """Open the dashboard in ``page``: time until its plot shows, error text, kernel id."""
    began = time.perf_counter()
    deadline = began + timeout

    def left() -> float:
        return max(1.0, deadline - time.perf_counter()) * 1000

    kernel_id = None
    try:
        answer = await page.goto(url, wait_until="commit", timeout=left())
        if answer is not None and answer.status == 503:
            await page.wait_for_selector(f"text={FULL_TEXT}", timeout=left())
            return Load(time.perf_counter() - began, "", None, full=True)
        config = await page.wait_for_selector(
            "#jupyter-config-data", state="attached", timeout=left()
        )
        kernel_id = json.loads(await config.text_content() or "{}").get("kernelId")
        await page.wait_for_selector(PLOT, state="visible", timeout=left())
        seconds = time.perf_counter() - began
        found = ERROR_TEXT.search(await page.inner_text("body"))
        request, response, opened, asked, delivered = await page.evaluate(TIMES)
        return Load(
            seconds,
            found.group(0) if found else "",
            kernel_id,
            html=(response - request) / 1000,
            state=(delivered - asked) / 1000 if asked and delivered else None,
            connect=(opened - response) / 1000 if opened else None,
        )
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


def spread(values: list[float | None]) -> tuple[float, float] | None:
    """(median, max) of the values that were measured."""
    known = [v for v in values if v is not None]
    return (statistics.median(known), max(known)) if known else None


def describe(loads: list[Load]) -> str:
    dashboards = [r for r in loads if r.seconds is not None and not r.full]
    rendered = f"{len(dashboards)} of {len(loads)} rendered"
    if dashboards:
        rendered += ", median {:.1f} s, max {:.1f} s".format(
            *spread([r.seconds for r in dashboards])
        )
    server = spread([r.server for r in dashboards])
    if server:
        rendered += ", server's share median {:.1f} s, max {:.1f} s".format(*server)
    full = sum(r.full for r in loads)
    return rendered + (f", {full} 'server full'" if full else "")


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


@contextlib.contextmanager
def dashboard_server(options: list[str], pool: int, ready_within: float = 60):
    """`pnen-explorer dashboard` with ``options`` on a free port: yields (server, base URL, the
    kernels seen) once it answers and ``pool`` kernels run; stops it and any kernel of it left."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    log = Path(tempfile.gettempdir()) / f"pnen-classroom-{port}.log"
    command = [sys.executable, "-m", "pnen_explorer.cli", "dashboard", "--port", str(port)]
    with open(log, "w") as out:
        server = subprocess.Popen([*command, *options], stdout=out, stderr=subprocess.STDOUT)
    seen: dict[str, int] = {}  # every kernel of this server we saw: id -> pid
    try:
        wait_for_http(base + "voila/static/voila.js", server)  # a static file takes no kernel
        deadline = time.monotonic() + ready_within  # let the preheated pool fill
        while len(server_kernels(server)) < pool and time.monotonic() < deadline:
            time.sleep(1)
        print(f"Voila server pid {server.pid} on {base} (log: {log})", flush=True)
        yield server, base, seen
    finally:
        stop(server, timeout=60)
        end_left_kernels(seen)


# --- pools side by side: the server's share and the browsers' ------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def process_table() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds used, command name) of every process, from /proc."""
    table = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat.rsplit(")", 1)[1].split()
        table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK, name)
    return table


def machine_busy() -> float:
    """CPU seconds the machine's cores have been busy since boot (/proc/stat)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICK  # less idle and iowait


def kind_of(pid: int, table: dict, server_pid: int) -> str:
    """'server' (the server and its kernels), 'browsers' (the Chromium this benchmark runs),
    'driver' (Playwright's) or 'other' (the rest of the machine)."""
    at = pid
    while at in table and at > 1:
        if at == server_pid:
            return "server"
        if at == os.getpid():
            return "browsers" if "chrom" in table[pid][2] else "driver"
        at = table[at][0]
    return "other"


class CpuMeter:
    """CPU seconds used by each kind of process while a round runs (/proc, read every second),
    the machine's busy share of its cores and the highest 1-minute load average."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.result: dict[str, float] = {}

    def sample(self) -> None:
        table = process_table()
        for pid, (_, cpu, _) in table.items():
            kind = kind_of(pid, table, self.server_pid)
            if kind != "other":
                self.last[pid] = (cpu, kind)
        load = float(Path("/proc/loadavg").read_text().split()[0])
        self.load = max(self.load, load)

    async def poll(self) -> None:
        while True:
            await asyncio.sleep(1)
            self.sample()

    async def __aenter__(self):
        self.began, self.busy = time.monotonic(), machine_busy()
        self.before = {pid: cpu for pid, (_, cpu, _) in process_table().items()}
        self.last: dict[int, tuple[float, str]] = {}
        self.load = 0.0
        self.task = asyncio.ensure_future(self.poll())
        return self

    async def __aexit__(self, *exc) -> None:
        self.task.cancel()
        self.sample()
        used = {"server": 0.0, "browsers": 0.0, "driver": 0.0}
        for pid, (cpu, kind) in self.last.items():
            used[kind] += cpu - self.before.get(pid, 0.0)
        seconds = time.monotonic() - self.began
        busy = machine_busy() - self.busy
        self.result = {
            **{kind: round(cpu) for kind, cpu in used.items()},
            "other": round(max(0.0, busy - sum(used.values()))),
            "busy_share": round(busy / (seconds * (os.cpu_count() or 1)), 2),
            "load_max": self.load,
            "seconds": round(seconds),
        }


def wait_until_quiet(server: subprocess.Popen, timeout: float) -> float:
    """Wait until the server and its kernels use under a tenth of a core (the pool has drawn
    its dashboards); returns the seconds waited."""
    began = time.monotonic()

    def used() -> float:
        table = process_table()
        return sum(
            c for pid, (_, c, _) in table.items() if kind_of(pid, table, server.pid) == "server"
        )

    before = used()
    while time.monotonic() - began < timeout:
        time.sleep(3)
        now = used()
        if now - before < 0.3:
            break
        before = now
    return time.monotonic() - began


async def pool_round(server: subprocess.Popen, base: str, pages: int, wait: float) -> dict:
    """``pages`` pages at the same moment in fresh headless Chromium, with the CPU it took."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            async with CpuMeter(server.pid) as cpu:
                loads = await classroom(browser, base, pages, wait)
        finally:
            await browser.close()
    return {"loads": loads, "cpu": cpu.result}


def compare_pools(args, server_options: list[str]) -> list[str]:
    """One server per round: each pool of ``--compare-pools`` with ``--pages`` pages, then
    ``--past-pool`` pages with the largest pool; the rounds side by side."""
    from pnen_explorer.classroom import budget_for

    config = json.loads((ROOT / "notebooks" / "voila.json").read_text())
    configured = config["BudgetKernelManager"]["max_kernels"]
    rounds = [(pool, args.pages) for pool in args.compare_pools]
    if args.past_pool:
        rounds.append((max(args.compare_pools), args.past_pool))
    results = []
    for pool, pages in rounds:
        budget = max(budget_for(pool), configured)  # pool 2: the configuration as shipped
        options = [f"--class-size={pool}", f"--max-kernels={budget}", *server_options]
        began = time.monotonic()
        with dashboard_server(options, pool, ready_within=600) as (server, base, seen):
            quiet = wait_until_quiet(server, 600)
            ready = time.monotonic() - began
            print(f"pool of {pool} ready after {ready:.0f} s (quiet after {quiet:.0f} s)")
            result = asyncio.run(pool_round(server, base, pages, args.wait))
            seen.update(server_kernels(server))
        loads = result["loads"]
        print(f"pool {pool}, budget {budget}, {pages} pages at once: {describe(loads)}")
        print(f"  CPU seconds meanwhile: {json.dumps(result['cpu'])}", flush=True)
        for problem in sorted(set(problems(loads)))[:5]:
            print(f"  {problems(loads).count(problem)} x {problem}")
        results.append({"pool": pool, "pages": pages, "ready_s": ready, **result})
    return side_by_side(results)


def side_by_side(results: list[dict]) -> list[str]:
    """A Markdown table, one column per round, and the ratio of the second round to the first."""
    measures = [
        ("end to end: request to plot drawn", lambda r: r.seconds),
        ("server's share: page's HTML + widget state", lambda r: r.server),
        ("of which the page's HTML", lambda r: r.html),
        ("of which the widget state", lambda r: r.state),
        ("browser: HTML received to websocket open", lambda r: r.connect),
    ]
    names = " | ".join(f"pool {r['pool']}, {r['pages']} pages" for r in results)
    lines = [
        f"| measure (median / max) | {names} | pool {results[1]['pool']} / pool "
        f"{results[0]['pool']} |",
        "|---" * (len(results) + 2) + "|",
    ]

    def count(result: dict) -> str:
        loads, text = result["loads"], f"{len(dashboards(result))} of {result['pages']}"
        full, bad = sum(r.full for r in loads), len(problems(loads))
        return (
            text
            + (f", {full} 'server full'" if full else "")
            + (f", {bad} problems" if bad else "")
        )

    lines.append(f"| dashboards drawn | {' | '.join(count(r) for r in results)} | |")
    for label, measure in measures:
        values = [spread([measure(x) for x in dashboards(r)]) for r in results]
        cells = " | ".join(f"{v[0]:.1f} / {v[1]:.1f} s" if v else "—" for v in values)
        first, second = values[0], values[1]
        ratio = (
            f"× {second[0] / first[0]:.2f} / × {second[1] / first[1]:.2f}"
            if first and second and first[0] > 0 and first[1] > 0
            else ""
        )
        lines.append(f"| {label} | {cells} | {ratio} |")
    cpu = [r["cpu"] for r in results]
    for label, key in [
        ("CPU seconds: server and kernels", "server"),
        ("CPU seconds: the test browsers", "browsers"),
        ("CPU seconds: the rest of the machine", "other"),
    ]:
        lines.append(f"| {label} | {' | '.join(str(c[key]) for c in cpu)} | |")
    busy = " | ".join(f"{c['busy_share']:.0%} / {c['load_max']:.0f}" for c in cpu)
    lines.append(f"| cores busy / highest load average | {busy} | |")
    ready = " | ".join(f"{r['ready_s']:.0f} s" for r in results)
    lines.append(f"| pool ready after (server start to quiet) | {ready} | |")
    return lines


def dashboards(result: dict) -> list[Load]:
    return [r for r in result["loads"] if r.seconds is not None and not r.full]


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
    parser.add_argument(
        "--compare-pools",
        type=lambda text: [int(n) for n in text.split(",")],
        help="pool sizes, e.g. 2,20: --pages pages at once on a server per pool (started with "
        "--class-size N), the server's share and end to end side by side",
    )
    parser.add_argument(
        "--past-pool",
        type=int,
        help="with --compare-pools: one more round of this many pages on the largest pool",
    )
    args, server_options = parser.parse_known_args()
    if not all(_is_server_option(option) for option in server_options):
        parser.error(f"unrecognized arguments: {' '.join(server_options)}")
    if args.compare_pools and len(args.compare_pools) + bool(args.past_pool) < 2:
        parser.error("--compare-pools needs two pools, or one and --past-pool")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the server

    began = time.monotonic()
    if args.compare_pools:
        summary = compare_pools(args, server_options)
    elif args.budget:
        options = [f"--max-kernels={args.budget}", "--BudgetKernelManager.closed_page_grace=30"]
        with dashboard_server([*options, *server_options], pool_size()) as (server, base, seen):
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
            "| measure | target | result | met? |\n|---|---|---|---|",
            f"| {args.pages} pages at once, budget {args.budget} | "
            f"{min(args.budget, args.pages)} dashboards, "
            f"{max(0, args.pages - args.budget)} 'server full', 0 stuck, 0 kernels left | "
            f"{result['dashboards']} dashboards (slowest {result['slowest_dashboard_s']} s), "
            f"{result['full']} 'server full' (slowest {result['slowest_full_s']} s), "
            f"{result['stuck']} stuck, {result['left']} kernels left "
            f"(gone within {result['gone_within_s']} s), peak {result['kernels_at_peak']} "
            f"kernels | {'yes' if met else 'no'} |",
        ]
    else:
        with dashboard_server(server_options, pool_size()) as (server, base, seen):
            summary = [
                "| measure | target | result | met? |\n|---|---|---|---|",
                *asyncio.run(run(args, server, base, seen)),
            ]
    print(f"\nTotal time {time.monotonic() - began:.0f} s. Summary for the README:\n")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
