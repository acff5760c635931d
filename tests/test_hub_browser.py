"""JupyterHub run for real: deploy/jupyterhub/jupyterhub_config.py on this machine, three users
logged in through headless Chromium, each on a server of their own, then culled after they left.

Needs the ``[hub]`` extra and the hub's proxy (``make hub-deps`` installs configurable-http-proxy
into ``.hub/``); in CI (``CI=true``) a missing proxy or node fails the test instead of skipping
it. ``benchmarks/bench_hub.py`` uses the helpers below for 20 users at once.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import CHROMIUM, PLOT, ROOT, free_port, start_server, stop

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
PROXY = Path(
    os.environ.get(
        "PNEN_HUB_PROXY", ROOT / ".hub" / "node_modules" / ".bin" / "configurable-http-proxy"
    )
)
DASHBOARD = "voila/render/dashboard.ipynb"
ERROR_TEXT = ("Traceback", "Error", "Exception", "Kernel error", "No Jupyter kernel")


def missing_hub_parts() -> str | None:
    """What this machine lacks to run the hub, in words (None: nothing)."""
    try:
        import jupyterhub  # noqa: F401
        import jupyterhub_idle_culler  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[hub]')"
    if shutil.which("node") is None:
        return "node is not installed (the hub's proxy runs on it; make hub-deps)"
    if not PROXY.exists():
        return f"configurable-http-proxy not found at {PROXY} (make hub-deps installs it)"
    return None


def require_hub_parts() -> None:
    """Skip without the hub's parts; in CI their absence fails the test (as Chromium's does)."""
    missing = missing_hub_parts()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)


@dataclass
class Hub:
    """A running hub: its process, the address browsers use, the password and an API token."""

    process: subprocess.Popen
    url: str
    password: str
    token: str

    def api(self, path: str):
        request = urllib.request.Request(
            f"{self.url}/hub/api{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)

    def servers(self) -> dict[str, dict]:
        """User name -> their default server's record, for users whose server runs or starts."""
        return {
            user["name"]: user["servers"][""]
            for user in self.api("/users")
            if "" in user.get("servers", {})
        }

    def user_servers(self) -> dict[str, int]:
        """User name -> pid of the single-user server process the hub started for them."""
        found = {}
        for pid in descendants(self.process.pid):
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"jupyterhub-singleuser" not in cmdline:
                continue
            for entry in environ:
                if entry.startswith(b"JUPYTERHUB_USER="):
                    found[entry.split(b"=", 1)[1].decode()] = pid
        return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children...), read from Linux's /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@contextmanager
def running_hub(
    state: Path,
    *,
    cull_timeout: int,
    cull_every: int,
    activity_interval: int,
    log: Path | None = None,
) -> Iterator[Hub]:
    """Start deploy/jupyterhub/jupyterhub_config.py on free 127.0.0.1 ports; stop it at the end,
    and with it every process it started (proxy, culler, users' servers and their kernels)."""
    state.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    token = secrets.token_hex(16)
    for _attempt in range(3):
        proxy_port, proxy_api_port = free_port(), free_port()
        settings = {
            "PNEN_HUB_PASSWORD": password,
            "PNEN_HUB_API_TOKEN": token,
            "PNEN_HUB_STATE": str(state),
            "PNEN_HUB_PROXY": str(PROXY),
            "PNEN_HUB_PORT": str(proxy_port),
            "PNEN_HUB_PROXY_API_PORT": str(proxy_api_port),
            "PNEN_HUB_CULL_TIMEOUT": str(cull_timeout),
            "PNEN_HUB_CULL_EVERY": str(cull_every),
            "PNEN_HUB_ACTIVITY_INTERVAL": str(activity_interval),
        }
        # `env` execs the hub, so the process started is the hub itself; the port start_server
        # picks is the hub's own (the proxy, which browsers use, is a child process).
        command = [
            "env",
            *(f"{name}={value}" for name, value in settings.items()),
            sys.executable,
            "-m",
            "jupyterhub",
            "-f",
            str(CONFIG),
            "--JupyterHub.hub_port={port}",
        ]
        process, _hub_url = start_server(
            command, path="/hub/health", log=log, cwd=state, timeout=120, port_zero=False
        )
        url = f"http://127.0.0.1:{proxy_port}"
        try:
            deadline = time.monotonic() + 60
            while True:  # the proxy starts after the hub answers
                try:
                    with urllib.request.urlopen(f"{url}/hub/health", timeout=5):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
        except OSError:
            stop_hub(process)
            continue  # the proxy's port was taken meanwhile: start again on others
        break
    else:
        raise RuntimeError("the hub's proxy could not bind a port in 3 attempts")
    try:
        yield Hub(process, url, password, token)
    finally:
        stop_hub(process)


def stop_hub(process: subprocess.Popen) -> None:
    """Stop the hub by its pid (it stops the proxy and the servers it started), then end any
    process it started that is still running, by pid."""
    below = descendants(process.pid)
    stop(process, timeout=90)
    deadline = time.monotonic() + 15
    while [pid for pid in below if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in below:
        if alive(pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def log_in(page, hub: Hub, user: str) -> None:
    """Log ``user`` in on ``page`` and go on to their dashboard (the hub starts their server)."""
    page.goto(f"{hub.url}/hub/login?next=/user/{user}/{DASHBOARD}")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.password)
    page.click("#login_submit", no_wait_after=True)


def error_words(page) -> list[str]:
    body = page.inner_text("body")
    return [word for word in ERROR_TEXT if word in body]


@pytest.fixture
def hub(tmp_path):
    require_hub_parts()
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    log = tmp_path / "hub.log"
    try:
        with running_hub(
            tmp_path / "state", cull_timeout=60, cull_every=10, activity_interval=10, log=log
        ) as running:
            yield running
    finally:
        if log.exists():
            print(log.read_text(errors="replace")[-5000:])  # shown when the test fails


def test_three_users_each_on_their_own_server_then_culled(hub, browser, artifacts):
    users = ["ada", "ben", "cleo"]
    contexts = {
        user: browser.new_context(viewport={"width": 1440, "height": 900}) for user in users
    }
    try:
        pages = {user: contexts[user].new_page() for user in users}
        for user in users:  # all three log in before any page is waited for: they spawn together
            log_in(pages[user], hub, user)
        for user, page in pages.items():
            page.wait_for_selector(PLOT, state="visible", timeout=240_000)
            page.wait_for_selector(".pnen-grade", timeout=60_000)
            assert page.url.split("?")[0] == f"{hub.url}/user/{user}/{DASHBOARD}"
            assert not error_words(page), page.inner_text("body")[:2000]
            assert "not clinical decision support" in page.inner_text("body")
            page.screenshot(path=str(artifacts / f"hub_{user}.png"))

        servers = hub.servers()
        assert sorted(servers) == users
        assert all(servers[user]["ready"] for user in users)
        assert {servers[user]["url"] for user in users} == {f"/user/{u}/" for u in users}
        processes = hub.user_servers()
        assert sorted(processes) == users  # one server process per user...
        assert len(set(processes.values())) == 3  # ...each a process of its own
        for pid in processes.values():  # and each runs its user's dashboard kernel
            kernels = [
                child
                for child in descendants(pid)
                if b"ipykernel" in Path(f"/proc/{child}/cmdline").read_bytes()
            ]
            assert kernels, f"no kernel under the server {pid}"
    finally:
        for context in contexts.values():
            context.close()

    left = time.monotonic()
    deadline = left + 240  # culler timeout 60 s, checks every 10 s, activity reports every 10 s
    while hub.servers() and time.monotonic() < deadline:
        time.sleep(2)
    assert hub.servers() == {}, f"not culled {time.monotonic() - left:.0f} s after leaving"
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in processes.values()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [pid for pid in processes.values() if alive(pid)]
    assert sorted(user["name"] for user in hub.api("/users")) == users  # users stay, servers go
