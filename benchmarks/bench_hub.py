"""A class through JupyterHub: 20 users log in at once, each on a server of their own, then leave.

Run after `make test`'s set-up (the [hub] extra and `make hub-deps` for the proxy):
    .venv/bin/python benchmarks/bench_hub.py [--users 20] [--wait 300] [--no-standalone]
Quick smoke run: --users 3 --no-standalone

1. The same number of pages opened at the same moment on the standalone dashboard
   (`pnen-explorer dashboard`, as `make dashboard` serves it), for a ratio measured in the same
   run (skipped with --no-standalone).
2. deploy/jupyterhub/jupyterhub_config.py started on free 127.0.0.1 ports with its default
   culling (PNEN_HUB_CULL_TIMEOUT etc. in the environment change it). --users users, each in
   their own headless Chromium context, log in at the same moment and go to their dashboard;
   the hub starts a server for each. Per user: seconds from the login click to the plot (end to
   end: login, server start, redirects, page) and from the dashboard page's own navigation to
   the plot (the page on its server); error text; the hub's record of the server; memory of each
   user's server process and its kernels.
3. The pages close; the hub's API is polled until each user's server is gone (the idle
   culler stops it), for at most --wait seconds: seconds from each page's closing to its server's
   end. The goal: every server culled within 300 s.
Only local traffic; every wait is bounded; the hub (and everything it started) and the
standalone server are stopped by pid at the end, also on error.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PLOT,
    rss_mb,
    start_server,
    stop,
)
from tests.test_hub_browser import (  # noqa: E402
    DASHBOARD,
    Hub,
    alive,
    descendants,
    missing_hub_parts,
    running_hub,
)

ERROR_TEXT = re.compile(r"Traceback|Error|Exception|error when executing|Something went wrong")
CULL_GOAL = 300  # seconds from a page's closing to its server's end


@dataclass
class Visit:
    """One user's (or one standalone page's) visit."""

    name: str
    seconds: float | None = None  # login click (or request) to plot visible
    page_seconds: float | None = None  # the dashboard page's own navigation to plot visible
    problem: str = ""
    closed_at: float = 0.0
    culled_after: float | None = None
    memory: dict[str, float] = field(default_factory=dict)


async def visit(context, url: str, visitor: Visit, timeout: float, hub: Hub | None) -> None:
    page = await context.new_page()
    began = time.time()
    try:
        if hub is None:
            await page.goto(url, wait_until="commit", timeout=timeout * 1000)
        else:
            await page.goto(f"{hub.url}/hub/login?next=/user/{visitor.name}/{DASHBOARD}")
            await page.fill("#username_input", visitor.name)
            await page.fill("#password_input", hub.password)
            began = time.time()
            await page.click("#login_submit", no_wait_after=True)
        await page.wait_for_selector(PLOT, state="visible", timeout=timeout * 1000)
        shown = time.time()
        visitor.seconds = shown - began
        origin = await page.evaluate("performance.timeOrigin") / 1000
        visitor.page_seconds = shown - origin
        found = ERROR_TEXT.search(await page.inner_text("body"))
        visitor.problem = found.group(0) if found else ""
    except Exception as exc:  # a page that never renders is a result, not a crash
        visitor.problem = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"[:160]


def figures(values: list[float | None]) -> str:
    done = [v for v in values if v is not None]
    if not done:
        return "none"
    return f"median {statistics.median(done):.1f} s, max {max(done):.1f} s"


async def classroom(browser, url: str, visitors: list[Visit], timeout: float, hub=None):
    """Every visitor at the same moment, each in a context of their own; returns the contexts
    (still open: the caller closes them)."""
    contexts = await asyncio.gather(
        *(browser.new_context(viewport={"width": 1280, "height": 900}) for _ in visitors)
    )
    await asyncio.gather(
        *(visit(c, url, v, timeout, hub) for c, v in zip(contexts, visitors, strict=True))
    )
    return contexts


def server_memory(hub: Hub) -> dict[str, dict[str, float]]:
    """User -> resident MB of their server process and of its kernels together."""
    found = {}
    for user, pid in hub.user_servers().items():
        kernels = [
            child
            for child in descendants(pid)
            if "ipykernel" in Path(f"/proc/{child}/cmdline").read_text(errors="replace")
        ]
        found[user] = {
            "server": rss_mb(pid),
            "kernels": sum(rss_mb(k) for k in kernels),
            "kernel_count": len(kernels),
        }
    return found


async def standalone(browser, pages: int, timeout: float, folder: Path) -> list[Visit]:
    command = [sys.executable, "-m", "pnen_explorer.cli", "dashboard", "--port", "{port}"]
    server, url = await asyncio.to_thread(
        start_server, command, log=folder / "dashboard.log", port_zero=False
    )
    try:
        visitors = [Visit(f"page{i + 1}") for i in range(pages)]
        contexts = await classroom(browser, url, visitors, timeout)
        await asyncio.gather(*(c.close() for c in contexts))
        return visitors
    finally:
        await asyncio.to_thread(stop, server)


async def through_hub(browser, hub: Hub, users: int, timeout: float, wait: float) -> list[Visit]:
    visitors = [Visit(f"student{i + 1:02d}") for i in range(users)]
    contexts = await classroom(browser, "", visitors, timeout, hub)
    memory = server_memory(hub)
    for visitor in visitors:
        visitor.memory = memory.get(visitor.name, {})
    records = await asyncio.to_thread(hub.servers)
    running = sorted(name for name, server in records.items() if server.get("ready"))
    print(f"servers ready by the hub's record: {len(running)} of {users}", flush=True)
    pids = hub.user_servers()
    for context, visitor in zip(contexts, visitors, strict=True):
        await context.close()
        visitor.closed_at = time.monotonic()
    deadline = time.monotonic() + wait
    waiting = {v.name: v for v in visitors}
    while waiting and time.monotonic() < deadline:
        records = await asyncio.to_thread(hub.servers)
        now = time.monotonic()
        for name in [n for n in waiting if n not in records]:
            waiting.pop(name).culled_after = now
        await asyncio.sleep(2)
    for visitor in visitors:
        if visitor.culled_after is not None:
            visitor.culled_after -= visitor.closed_at
    left = [pid for pid in pids.values() if alive(pid)]
    print(f"user server processes still running after culling: {len(left)}", flush=True)
    return visitors


def report(name: str, visitors: list[Visit]) -> tuple[bool, float | None]:
    rendered = [v for v in visitors if v.seconds is not None]
    bad = [v for v in visitors if v.problem]
    print(
        f"{name}: {len(rendered)} of {len(visitors)} rendered; end to end "
        f"{figures([v.seconds for v in visitors])}; the dashboard page itself "
        f"{figures([v.page_seconds for v in visitors])}; {len(bad)} with problems",
        flush=True,
    )
    for visitor in bad[:5]:
        print(f"  {visitor.name}: {visitor.problem}")
    times = [v.seconds for v in rendered]
    return not bad and len(rendered) == len(visitors), statistics.median(times) if times else None


async def run(args, folder: Path) -> int:
    from playwright.async_api import async_playwright

    summary = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            base = None
            if args.standalone:
                pages = await standalone(browser, args.users, args.timeout, folder)
                ok, base = report(f"standalone dashboard, {args.users} pages at once", pages)
                summary.append(
                    f"| {args.users} pages at once on the standalone dashboard | — | "
                    f"end to end {figures([v.seconds for v in pages])} | {'yes' if ok else 'no'} |"
                )
            with running_hub(
                folder / "hub",
                cull_timeout=args.cull_timeout,
                cull_every=args.cull_every,
                activity_interval=args.activity_interval,
                log=folder / "hub.log",
            ) as hub:
                visitors = await through_hub(browser, hub, args.users, args.timeout, args.wait)
        finally:
            await browser.close()
    ok, median = report(f"through the hub, {args.users} users at once", visitors)
    ratio = f" (× {median / base:.2f} the standalone median)" if median and base else ""
    summary.append(
        f"| {args.users} users through the hub at once | all render, no error text | "
        f"end to end {figures([v.seconds for v in visitors])}{ratio}; the page on its server "
        f"{figures([v.page_seconds for v in visitors])} | {'yes' if ok else 'no'} |"
    )
    servers = [v.memory["server"] for v in visitors if v.memory]
    kernels = [v.memory["kernels"] for v in visitors if v.memory]
    if servers:
        summary.append(
            f"| memory per user while the pages are open (median) | — | server "
            f"{statistics.median(servers):.0f} MB + kernel "
            f"{statistics.median(kernels):.0f} MB | — |"
        )
    culled = [v.culled_after for v in visitors]
    all_culled = all(c is not None for c in culled)
    met = all_culled and max(culled) <= CULL_GOAL
    summary.append(
        f"| servers culled after their pages closed (timeout {args.cull_timeout} s, checked "
        f"every {args.cull_every} s) | all within {CULL_GOAL} s | "
        f"{sum(c is not None for c in culled)} of {len(culled)}, {figures(culled)} | "
        f"{'yes' if met else 'no'} |"
    )
    print("\n| measure | target | result | met? |\n|---|---|---|---|")
    print("\n".join(summary))
    return 0 if ok and met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=300, help="seconds for one page")
    parser.add_argument("--wait", type=float, default=360, help="seconds to wait for culling")
    parser.add_argument("--cull-timeout", type=int, default=180, help="the hub's default: 180")
    parser.add_argument("--cull-every", type=int, default=30, help="the hub's default: 30")
    parser.add_argument("--activity-interval", type=int, default=30, help="the hub's default")
    parser.add_argument("--no-standalone", dest="standalone", action="store_false")
    args = parser.parse_args()
    missing = missing_hub_parts()
    if missing:
        print(f"cannot run the hub: {missing}", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-hub-") as folder:
        try:
            return asyncio.run(run(args, Path(folder)))
        finally:
            log = Path(folder) / "hub.log"
            if log.exists():
                errors = [
                    line for line in log.read_text(errors="replace").splitlines() if "[E " in line
                ]
                print(f"hub log: {len(errors)} error lines", *errors[:5], sep="\n  ")


if __name__ == "__main__":
    sys.exit(main())
