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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def set_ki67(page, value: str) -> None:
    """Type a Ki-67 into the slider's readout and commit it, as a person does."""
    readout = page.locator(".widget-slider", has_text="Ki-67").locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")


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
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pnen_explorer.cli", "dashboard", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, process)
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
