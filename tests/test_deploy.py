"""The deployment files parse and carry the dashboard's own settings (quick tier).

Nothing here builds an image or starts a cluster: deploy/Dockerfile is read instruction by
instruction, deploy/z2jh/values.yaml with a YAML parser, deploy/jupyterhub/jupyterhub_config.py
is run against a plain traitlets Config (tests/test_hub_browser.py runs the hub for real), and
binder/ is checked for repo2docker's conventions.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import stat
import tomllib

import pytest
import yaml
from traitlets.config import Config

from .conftest import ROOT

DEPLOY = ROOT / "deploy"
VOILA = json.loads((ROOT / "notebooks" / "voila.json").read_text())
SERVER_CONFIG = json.loads((DEPLOY / "jupyter_server_config.json").read_text())
KERNEL_MB = 130  # resident memory of one dashboard kernel (benchmarks/README.md)
DOCKER_INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
    "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}  # fmt: skip


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: comments dropped, continued lines joined."""
    instructions, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):  # a comment inside a continued instruction
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    assert not current, "the Dockerfile ends inside a continued instruction"
    return instructions


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return dockerfile_instructions((DEPLOY / "Dockerfile").read_text())


def test_dockerfile_parses_into_known_instructions(dockerfile):
    assert dockerfile[0][0] in {"FROM", "ARG"}
    assert {keyword for keyword, _ in dockerfile} <= DOCKER_INSTRUCTIONS
    assert any(keyword == "FROM" and "python:3.11" in args for keyword, args in dockerfile)
    exec_form = [args for keyword, args in dockerfile if keyword in {"CMD", "ENTRYPOINT"}]
    for args in exec_form:
        if args.startswith("["):
            json.loads(args)  # the exec form is a JSON array


def test_dockerfile_installs_the_wheel_with_the_dashboard_extra(dockerfile):
    runs = " ".join(args for keyword, args in dockerfile if keyword == "RUN")
    copies = [args for keyword, args in dockerfile if keyword == "COPY"]
    assert any(args.startswith("dist/") for args in copies)  # the built wheel
    # each wheel in dist/ with the extra that brings voila, ipykernel and ipywidgets
    assert "for wheel in /tmp/dist/pnen_explorer-*.whl" in runs
    assert re.search(r'pip install [^;]*"\$\{wheel\}\[dashboard\]"', runs)
    assert "jupyterhub" in runs  # jupyterhub-singleuser for a hub's spawner
    assert any("jupyter_server_config.json" in args for args in copies)


def test_dockerfile_runs_as_a_non_root_user_serving_the_dashboard(dockerfile):
    args = dict(
        (args.split("=")[0], args.split("=")[1]) for keyword, args in dockerfile if keyword == "ARG"
    )
    users = [args for keyword, args in dockerfile if keyword == "USER"]
    assert users, "the image must name a user"
    last = users[-1].replace("${NB_USER}", args.get("NB_USER", "")).split(":")[0]
    assert last not in {"", "root", "0"}
    assert args.get("NB_UID") not in {None, "0"}
    command = json.loads(next(a for k, a in reversed(dockerfile) if k == "CMD"))
    assert command[0] == "voila" and "dashboard.ipynb" in command
    assert "--Voila.ip=0.0.0.0" in command  # reachable from outside the container
    workdir = [args for keyword, args in dockerfile if keyword == "WORKDIR"][-1]
    assert workdir == SERVER_CONFIG["ServerApp"]["root_dir"]  # voila.json is read from there


def test_server_config_carries_the_settings_of_voila_json():
    """The image and Binder serve Voila as a Jupyter server extension, which does not read the
    dashboard's voila.json sections other than VoilaConfiguration: they are copied here."""
    voila_settings = SERVER_CONFIG["VoilaConfiguration"]
    assert voila_settings["template"] == VOILA["VoilaConfiguration"]["template"] == "pnen-explorer"
    for name in ("show_tracebacks", "strip_sources"):
        assert voila_settings[name] == VOILA["VoilaConfiguration"][name]
    assert SERVER_CONFIG["MappingKernelManager"] == VOILA["MappingKernelManager"]
    assert (
        SERVER_CONFIG["VoilaExecutor"]["iopub_timeout"] == VOILA["VoilaExecutor"]["iopub_timeout"]
    )
    size = SERVER_CONFIG["ServerApp"]["tornado_settings"]["websocket_max_message_size"]
    assert size == VOILA["ClassroomVoila"]["websocket_max_message_size"]


def megabytes(quantity: str) -> float:
    """A Kubernetes memory quantity (``300M``, ``1G``, ``512Mi``) in MB."""
    number, unit = re.fullmatch(r"([\d.]+)([KMGT]i?)?", str(quantity)).groups()
    scale = {None: 1e-6, "K": 1e-3, "M": 1, "G": 1e3, "T": 1e6}
    scale |= {"Ki": 1024 / 1e6, "Mi": 1024**2 / 1e6, "Gi": 1024**3 / 1e6, "Ti": 1024**4 / 1e6}
    return float(number) * scale[unit]


def test_z2jh_values_use_the_image_culling_and_measured_memory():
    values = yaml.safe_load((DEPLOY / "z2jh" / "values.yaml").read_text())
    single = values["singleuser"]
    assert single["image"]["name"].endswith("pnen-explorer-singleuser")
    assert single["cmd"] == "jupyterhub-singleuser"
    assert single["defaultUrl"] == "/voila/render/dashboard.ipynb"
    assert single["notebookDir"] == SERVER_CONFIG["ServerApp"]["root_dir"]
    assert single["uid"] == 1000 != 0  # the image's non-root user
    assert single["storage"]["type"] == "none"
    assert (
        KERNEL_MB < megabytes(single["memory"]["guarantee"]) < megabytes(single["memory"]["limit"])
    )
    cull = values["cull"]
    assert cull["enabled"] is True
    assert cull["timeout"] + cull["every"] <= 300  # a closed page's server gone within 5 min
    hub = values["hub"]["config"]["JupyterHub"]
    interval = int(single["extraEnv"]["JUPYTERHUB_ACTIVITY_INTERVAL"])
    assert hub["last_activity_interval"] + interval + 30 < cull["timeout"]  # open pages stay


def load_hub_config(monkeypatch, tmp_path, **environment) -> Config:
    for name in [n for n in os.environ if n.startswith("PNEN_HUB_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PNEN_HUB_STATE", str(tmp_path / "state"))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = Config()
    runpy.run_path(
        str(DEPLOY / "jupyterhub" / "jupyterhub_config.py"), {"get_config": lambda: config}
    )
    return config


def test_hub_config_serves_the_dashboard_with_its_settings(monkeypatch, tmp_path):
    config = load_hub_config(monkeypatch, tmp_path, PNEN_HUB_PASSWORD="a-class-password")
    args = config.Spawner.args
    assert "--VoilaConfiguration.template=pnen-explorer" in args
    assert f"--VoilaExecutor.iopub_timeout={VOILA['VoilaExecutor']['iopub_timeout']}" in args
    culling = VOILA["MappingKernelManager"]
    assert f"--MappingKernelManager.cull_idle_timeout={culling['cull_idle_timeout']}" in args
    assert "--VoilaConfiguration.strip_sources=True" in args
    assert ("--ServerApp.allow_root=True" in args) == (os.geteuid() == 0)
    assert config.JupyterHub.spawner_class == "simple"
    assert config.Spawner.default_url == "/voila/render/dashboard.ipynb"
    assert (ROOT / "notebooks" / "dashboard.ipynb").samefile(
        f"{config.Spawner.notebook_dir}/dashboard.ipynb"
    )
    assert config.DummyAuthenticator.password == "a-class-password"
    assert config.JupyterHub.bind_url == "http://127.0.0.1:8000"
    assert config.ConfigurableHTTPProxy.command[0].endswith(
        ".hub/node_modules/.bin/configurable-http-proxy"
    )
    (culler,) = [s for s in config.JupyterHub.services if s["name"] == "idle-culler"]
    assert culler["command"][1:3] == ["-m", "jupyterhub_idle_culler"]
    assert "--timeout=180" in culler["command"] and "--cull-every=30" in culler["command"]
    (role,) = [r for r in config.JupyterHub.load_roles if r["name"] == "idle-culler"]
    assert "delete:servers" in role["scopes"]


def test_hub_config_takes_short_culling_from_the_environment(monkeypatch, tmp_path):
    config = load_hub_config(
        monkeypatch,
        tmp_path,
        PNEN_HUB_PASSWORD="x" * 12,
        PNEN_HUB_CULL_TIMEOUT="60",
        PNEN_HUB_CULL_EVERY="10",
        PNEN_HUB_PORT="18000",
    )
    (culler,) = [s for s in config.JupyterHub.services if s["name"] == "idle-culler"]
    assert "--timeout=60" in culler["command"] and "--cull-every=10" in culler["command"]
    assert config.JupyterHub.bind_url == "http://127.0.0.1:18000"


def test_hub_config_refuses_to_start_without_a_password(monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="PNEN_HUB_PASSWORD"):
        load_hub_config(monkeypatch, tmp_path)
    with pytest.raises(SystemExit, match="PNEN_HUB_CULL_TIMEOUT"):
        load_hub_config(monkeypatch, tmp_path, PNEN_HUB_PASSWORD="pw", PNEN_HUB_CULL_TIMEOUT="0")


def test_the_hub_extra_is_part_of_the_test_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    hub = " ".join(extras["hub"])
    assert "jupyterhub>" in hub and "jupyterhub-idle-culler" in hub
    assert "pnen-explorer[hub]" in extras["test"]


def test_binder_follows_repo2docker_conventions():
    binder = ROOT / "binder"
    post_build = binder / "postBuild"
    assert post_build.read_text().startswith("#!/usr/bin/env bash")
    assert post_build.stat().st_mode & stat.S_IXUSR  # repo2docker runs it only if executable
    assert "pip install --no-cache-dir '.[dashboard]'" in post_build.read_text()
    assert "deploy/jupyter_server_config.json" in post_build.read_text()
    runtime = (binder / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.(1[1-9])", runtime)  # within requires-python >= 3.11


def test_readme_links_binder_straight_into_the_dashboard():
    readme = (ROOT / "README.md").read_text()
    link = re.search(
        r"https://mybinder\.org/v2/gh/([^/\s]+)/([^/\s]+)/HEAD\?urlpath=(\S+?)\)", readme
    )
    assert link, "README has no Binder link"
    assert link.group(3) == "voila/render/notebooks/dashboard.ipynb"
    assert (ROOT / "notebooks" / "dashboard.ipynb").is_file()
