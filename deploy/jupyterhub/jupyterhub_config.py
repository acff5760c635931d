"""JupyterHub on one machine for a class: every student gets a Jupyter server of their own that
serves the pnen-explorer dashboard through Voila.

Start it from the repository (after ``make hub-deps``, which installs the ``[hub]`` extra and the
hub's proxy into ``.hub/``)::

    PNEN_HUB_PASSWORD=... .venv/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

and send students to ``http://HOST:8000/hub/login?next=/user/NAME/voila/render/dashboard.ipynb``
(any name, the shared password). ``tests/test_hub_browser.py`` runs this file for real.

Settings come from the environment (all optional except the password):

=============================  ==================================================  ===========
variable                       what                                                default
=============================  ==================================================  ===========
PNEN_HUB_PASSWORD              the one password every user logs in with            (required)
PNEN_HUB_IP / PNEN_HUB_PORT    where the hub's proxy listens for browsers          127.0.0.1 / 8000
PNEN_HUB_API_PORT              the hub's own port (the proxy and servers use it)    8081
PNEN_HUB_PROXY_API_PORT        the proxy's REST API port                           8001
PNEN_HUB_STATE                 database, cookie secret, users' home folders        .hub/state
PNEN_HUB_PROXY                 the configurable-http-proxy executable              in .hub/
PNEN_HUB_CULL_TIMEOUT          seconds without activity before a server is stopped 180
PNEN_HUB_CULL_EVERY            seconds between the culler's checks                 30
PNEN_HUB_ACTIVITY_INTERVAL     seconds between activity reports to the hub         30
PNEN_HUB_API_TOKEN             if set: a read-only service token (tests, monitor)  unset
=============================  ==================================================  ===========

The dashboard's Voila settings are read from ``notebooks/voila.json`` (the file
``pnen-explorer dashboard`` uses), so the hub and the single-server dashboard cannot drift
apart: the page template, hidden tracebacks and stripped sources, kernel culling, and the time a
busy kernel's output may take (``VoilaExecutor.iopub_timeout``). Voila runs here as an
extension of each user's Jupyter server, which has no preheated kernel pool and no kernel budget
(those belong to ``pnen_explorer/server.py``): each user opens one page on a server of their own.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

c = get_config()  # type: ignore[name-defined]  # noqa: F821 (JupyterHub provides it)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def _setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _seconds(name: str, default: int) -> int:
    text = _setting(name, str(default))
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        sys.exit(f"{name} must be a whole number of seconds of at least 1, not {text!r}")
    return value


def _notebook_dir() -> Path:
    """The folder of dashboard.ipynb and voila.json: the repository's, or the installed wheel's."""
    try:
        from pnen_explorer.cli import notebook_dir
    except ImportError:
        return REPO / "notebooks"
    return notebook_dir()


PASSWORD = os.environ.get("PNEN_HUB_PASSWORD", "")
if not PASSWORD:
    sys.exit("Set PNEN_HUB_PASSWORD: the password every user of this hub logs in with.")
STATE = Path(_setting("PNEN_HUB_STATE", str(REPO / ".hub" / "state"))).resolve()
STATE.mkdir(parents=True, exist_ok=True)
PROXY = _setting(
    "PNEN_HUB_PROXY", str(REPO / ".hub" / "node_modules" / ".bin" / "configurable-http-proxy")
)
NOTEBOOKS = _notebook_dir()
VOILA = json.loads((NOTEBOOKS / "voila.json").read_text())

# --- the hub and its proxy ------------------------------------------------------------------
c.JupyterHub.bind_url = (
    f"http://{_setting('PNEN_HUB_IP', '127.0.0.1')}:{_seconds('PNEN_HUB_PORT', 8000)}"
)
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = _seconds("PNEN_HUB_API_PORT", 8081)
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_seconds('PNEN_HUB_PROXY_API_PORT', 8001)}"
# The proxy is the npm package, installed into the project (make hub-deps), not globally.
c.ConfigurableHTTPProxy.command = [PROXY]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the users' servers and the proxy
c.JupyterHub.cleanup_proxy = True
# A link to a server that is not running starts it (after 1 s on the "not running" page)
# instead of waiting for a click on "Launch Server": students follow the link and see the page.
c.JupyterHub.implicit_spawn_seconds = 1
# How often the hub asks the proxy for activity (default 300 s): the culler sees it sooner.
c.JupyterHub.last_activity_interval = _seconds("PNEN_HUB_ACTIVITY_INTERVAL", 30)

# --- who may log in: a class trial, not a campus ---------------------------------------------
# One shared password from the environment and any user name. For real accounts use another
# authenticator (e.g. the institution's OAuth); the rest of this file stays as it is.
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = PASSWORD
c.Authenticator.allow_all = True

# --- each user's server ------------------------------------------------------------------------
# SimpleLocalProcessSpawner runs every user's server as the hub's own system user, each with a
# home folder of its own under PNEN_HUB_STATE. Chosen over LocalProcessSpawner, which needs a
# system account per student: a test or a trial on this machine would have to create (and later
# remove) accounts with useradd, as root, on a shared machine or in CI. The price: students'
# servers are not isolated from each other by the operating system, which is acceptable for a
# dashboard that keeps no files but not for a hub where students write their own notebooks (use
# LocalProcessSpawner with real accounts, or deploy/z2jh/, where each server is a container
# running as a non-root user). Where the hub runs as root (CI, containers), Jupyter servers
# refuse to start unless allowed to, so allow_root is set only then.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "home" / "{username}")
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = str(NOTEBOOKS)
c.Spawner.default_url = "/voila/render/dashboard.ipynb"
c.Spawner.start_timeout = 180  # a class logging in together shares the machine's cores
c.Spawner.http_timeout = 180
c.Spawner.environment = {
    # how often each server reports its last activity to the hub (default 300 s)
    "JUPYTERHUB_ACTIVITY_INTERVAL": str(_seconds("PNEN_HUB_ACTIVITY_INTERVAL", 30)),
}


def voila_arguments(voila: dict) -> list[str]:
    """The dashboard's settings from voila.json as command-line options of a Jupyter server with
    the Voila extension (its standalone-only settings, such as the pool, are left out)."""
    sections = {
        "VoilaConfiguration": ("template", "show_tracebacks", "strip_sources"),
        "MappingKernelManager": ("cull_idle_timeout", "cull_interval", "cull_connected"),
        "VoilaExecutor": ("iopub_timeout",),
    }
    arguments = []
    for section, names in sections.items():
        for name in names:
            if name in voila.get(section, {}):
                value = voila[section][name]
                arguments.append(f"--{section}.{name}={value}")
    size = voila.get("ClassroomVoila", {}).get("websocket_max_message_size")
    if size:  # uploads up to the page's own limit reach the kernel
        settings = json.dumps({"websocket_max_message_size": size})
        arguments.append(f"--ServerApp.tornado_settings={settings}")
    return arguments


c.Spawner.args = [
    *voila_arguments(VOILA),
    # Only what the dashboard needs: no JupyterLab, language server or terminals (a faster start
    # for a class logging in at once, and no shell in the browser). Each student's server is still
    # a Jupyter server: a student who knows its API can run code in a kernel as the hub's system
    # user. This file is for a test or a trusted group on one machine; see the spawner above.
    "--ServerApp.jpserver_extensions=jupyterlab=False",
    "--ServerApp.jpserver_extensions=jupyter_lsp=False",
    "--ServerApp.jpserver_extensions=notebook_shim=False",
    "--ServerApp.jpserver_extensions=jupyter_server_terminals=False",
    "--ServerApp.terminals_enabled=False",
]
if hasattr(os, "geteuid") and os.geteuid() == 0:
    c.Spawner.args.append("--ServerApp.allow_root=True")

# --- the idle culler: servers of students who left are stopped -------------------------------
# An open page keeps its server: the kernel connection's websocket pings (every 30 s) pass the
# proxy, which the hub asks for activity every PNEN_HUB_ACTIVITY_INTERVAL seconds (seen here: an
# idle open page's server active every 30 s). A closed page's server is stopped once it has been
# idle for PNEN_HUB_CULL_TIMEOUT seconds, at the culler's next check: with the defaults, within
# 180 + 30 s of the page closing (the goal is 5 minutes). Keep the timeout well above the ping
# and activity intervals (30 + 30 s) or open pages may lose their servers.
CULL_TIMEOUT = _seconds("PNEN_HUB_CULL_TIMEOUT", 180)
CULL_EVERY = _seconds("PNEN_HUB_CULL_EVERY", 30)
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={CULL_TIMEOUT}",
            f"--cull-every={CULL_EVERY}",
        ],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
MONITOR_TOKEN = os.environ.get("PNEN_HUB_API_TOKEN")
if MONITOR_TOKEN:  # read-only access for the tests and benchmarks that watch the servers
    c.JupyterHub.services.append({"name": "monitor", "api_token": MONITOR_TOKEN})
    c.JupyterHub.load_roles.append(
        {
            "name": "monitor",
            "scopes": ["list:users", "read:users", "read:servers"],
            "services": ["monitor"],
        }
    )
