"""Shared fixtures: the curated data, a Voila server on the dashboard, and headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CHROMIUM = os.environ.get("PNEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A port that was free a moment ago. Another process may take it before a server binds it:
    start servers with ``start_server``, which cannot lose that race."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_ports(pid: int) -> set[int]:
    """The TCP ports that process ``pid`` itself listens on (read from Linux's /proc)."""
    inodes = set()
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return set()
    for fd in descriptors:
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("tcp", "tcp6"):
        try:
            rows = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def start_server(
    command: Sequence[str],
    *,
    path: str = "/",
    log: Path | None = None,
    cwd: Path | None = None,
    timeout: float = 90,
    port_zero: bool = True,
) -> tuple[subprocess.Popen, str]:
    """Start an HTTP server on 127.0.0.1 and return it with its URL once that answers.

    ``command`` holds ``{port}`` where the port goes. The server is given port 0, so the
    operating system picks a free port when the server binds it (nothing can take it between
    choosing and binding, as it can after ``free_port``), and the port is read from the
    sockets the process listens on. Where /proc cannot tell (not Linux), a port from
    ``free_port`` is used, and the server is started again on a new port if it exits early
    (another process took the port first). Stop the server with ``stop``.

    With ``port_zero=False`` the server is always given a real port (Voila tells its
    preheated kernels the port it was configured with, and port 0 is no address for them);
    the server must then exit when its port is taken (Voila: ``port_retries=0``), and it is
    started again on another; an answer counts only from a port the server itself listens on.
    """
    proc = Path("/proc/self/net/tcp").exists()
    linux = port_zero and proc
    for _attempt in range(1 if linux else 5):
        port = 0 if linux else free_port()
        out = open(log, "a") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
        try:
            process = subprocess.Popen(
                [part.replace("{port}", str(port)) for part in command],
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        finally:
            if log:
                out.close()
        deadline = time.monotonic() + timeout
        while linux and not port:
            ports = listening_ports(process.pid)
            if ports:
                port = min(ports)
            elif process.poll() is not None:
                raise RuntimeError(f"the server exited early with code {process.returncode}")
            elif time.monotonic() > deadline:
                stop(process)
                raise TimeoutError(f"{command[0]} listened on no port within {timeout} s")
            else:
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}{path}"
        try:
            wait_for_http(url, process, max(1.0, deadline - time.monotonic()))
        except RuntimeError:
            if linux:
                raise
            continue  # the port was taken before the server bound it: try another
        except BaseException:
            stop(process)
            raise
        if proc and port not in listening_ports(process.pid):  # another server answered
            stop(process)
            continue
        return process, url
    raise RuntimeError(f"{command[0]} could not bind a port in 5 attempts")


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """End a server this suite started (by its pid), forcefully if it does not stop in time."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


PLOT = ".js-plotly-plot .main-svg"
"""A drawn plotly figure in the page: what the browser tests and benchmarks wait for."""
KERNEL_FILE = re.compile(r"kernel-([0-9a-f-]{36})\.json")


def open_tab(page, title: str) -> None:
    """Open a tab by its title (in the page's language) and wait for its plot, if it has one."""
    page.get_by_role("tab", name=title, exact=True).click()
    page.wait_for_function(
        "t => [...document.querySelectorAll('.lm-TabBar-tab.lm-mod-current')]"
        ".some(e => e.textContent.trim() === t)",
        arg=title,
    )
    page.wait_for_timeout(300)  # the tab's widgets settle
    if page.locator(".pnen-plot:visible").count():
        page.wait_for_selector(".pnen-plot:visible .main-svg", timeout=60_000)


def type_into(page, label: str, value: str) -> None:
    """Type ``value`` into the field labelled ``label`` and commit it with Enter, as a person
    does."""
    page.get_by_label(label, exact=True).click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")


def set_ki67(page, value: str) -> None:
    """Type a Ki-67 into its field and commit it with Enter."""
    type_into(page, "Ki-67 (%)", value)


def server_kernels(server: subprocess.Popen) -> dict[str, int]:
    """Kernel id -> pid of every kernel process a Voila server started and still runs."""
    out = subprocess.run(
        ["ps", "-o", "pid=,args=", "--ppid", str(server.pid)], capture_output=True, text=True
    ).stdout
    kernels = {}
    for line in out.splitlines():
        found = KERNEL_FILE.search(line)
        if "ipykernel" in line and found:
            kernels[found.group(1)] = int(line.split()[0])
    return kernels


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (nan once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    found = re.search(r"^VmRSS:\s+(\d+)", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else float("nan")


@pytest.fixture
def evidence_copy(tmp_path: Path) -> Path:
    """A private copy of the curated evidence file, free to corrupt."""
    target = tmp_path / "evidence.csv"
    shutil.copy(DATA / "evidence.csv", target)
    return target


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where browser tests leave their screenshots (kept for people to look at)."""
    folder = Path(os.environ.get("PNEN_ARTIFACTS", ROOT / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def dashboard_url(tmp_path_factory):
    """The dashboard served by `pnen-explorer dashboard`, exactly as `make dashboard` runs it."""
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    command = [sys.executable, "-m", "pnen_explorer.cli", "dashboard", "--port", "{port}"]
    process, url = start_server(command, log=log, port_zero=False)
    try:
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright. In CI its absence fails the test."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (make test installs Debian's chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, artifacts, request):
    """A fresh page; its screenshot is saved under test-artifacts/ when the test ends."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    try:
        tab.screenshot(path=str(artifacts / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()
