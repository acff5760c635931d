"""The built wheel, installed without extras in a fresh environment outside the repository: it
carries the data, and the library works there without the dashboard's server stack.

The fresh environment holds the wheel (installed by pip, without its dependencies) and exactly
the distributions that its core requirements need, linked from the test environment and found
by following their metadata: nothing from the ``[dashboard]`` extra is there to be imported.
``pip check`` in that environment confirms the core requirements are met.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import ROOT

SERVER_STACK = ("voila", "jupyterlab", "ipywidgets", "ipykernel", "anywidget", "jupyter_server")


def core_requirements(wheel: Path) -> list[Requirement]:
    """The wheel's requirements that hold without any extra."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode()
    requirements = [
        Requirement(line.split(":", 1)[1].strip())
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:")
    ]
    return [r for r in requirements if r.marker is None or r.marker.evaluate({"extra": ""})]


def closure(requirements: list[Requirement]) -> list[importlib.metadata.Distribution]:
    """The installed distributions these requirements need, transitively (no extras)."""
    environment = {**default_environment(), "extra": ""}
    seen: dict[str, importlib.metadata.Distribution] = {}
    todo = list(requirements)
    while todo:
        requirement = todo.pop()
        key = canonicalize_name(requirement.name)
        if key in seen:
            continue
        dist = importlib.metadata.distribution(requirement.name)
        assert dist.version in requirement.specifier, (requirement, dist.version)
        seen[key] = dist
        for line in dist.requires or []:
            needed = Requirement(line)
            if needed.marker is None or needed.marker.evaluate(environment):
                todo.append(needed)
    return list(seen.values())


def link_distribution(dist: importlib.metadata.Distribution, site: Path) -> None:
    """Make ``dist`` importable in ``site`` by linking its top-level files and folders."""
    origin = Path(str(dist.locate_file("")))
    tops = {f.parts[0] for f in dist.files or () if f.parts and f.parts[0] != ".."}
    for top in tops:
        target = site / top
        if not target.exists() and (origin / top).exists():
            target.symlink_to(origin / top)


def test_the_library_imports_no_server_stack():
    """The quick check of the same promise, in the test environment (which has them all)."""
    script = (
        "import sys, pnen_explorer as pe\n"
        "pe.applicable_therapies(pe.Profile(ki67=8), pe.load_evidence())\n"
        "import pnen_explorer.export, pnen_explorer.user_data, pnen_explorer.share\n"
        f"print([m for m in {SERVER_STACK!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def lean(tmp_path_factory) -> dict:
    """A fresh venv with the wheel and only its core dependencies."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    build = ["wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(dist)]
    subprocess.run([sys.executable, "-m", "pip", *build, str(ROOT)], check=True)
    wheel = next(dist.glob("pnen_explorer-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    requirements = core_requirements(wheel)
    for dependency in closure(requirements):
        link_distribution(dependency, site)
    install = ["--python", str(python), "install", "--quiet", "--no-deps", str(wheel)]
    subprocess.run([sys.executable, "-m", "pip", *install], check=True)
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return {
        "python": python,
        "venv": venv,
        "site": site,
        "cwd": elsewhere,
        "requirements": requirements,
    }


def run(lean: dict, script: str) -> str:
    done = subprocess.run(
        [lean["python"], "-c", script], cwd=lean["cwd"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_the_core_requirements_leave_the_server_stack_to_the_dashboard_extra(lean):
    names = {canonicalize_name(r.name) for r in lean["requirements"]}
    assert {"pandas", "numpy", "plotly", "frictionless"} <= names
    assert not names & {canonicalize_name(n) for n in SERVER_STACK}
    for module in SERVER_STACK:  # not installed in the lean environment at all
        assert not (lean["site"] / module).exists(), module
    check = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(lean["python"]), "check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.slow
def test_the_library_works_without_extras_and_imports_no_server(lean):
    script = (
        "import json, sys\n"
        "import pnen_explorer as pe\n"
        "evidence = pe.load_evidence()\n"
        "guidance = pe.applicable_therapies(pe.Profile(ki67=8), pe.load_evidence())\n"
        "from pnen_explorer.export import evidence_csv, references_bibtex, references_ris\n"
        "refs = pe.load_references()\n"
        "sizes = [len(evidence_csv(evidence)), len(references_bibtex(refs)),"
        " len(references_ris(refs))]\n"
        "mods = ('voila', 'jupyterlab', 'ipywidgets', 'ipykernel', 'jupyter_server')\n"
        "print(json.dumps({'file': pe.__file__, 'rows': len(evidence), 'refs': len(refs),"
        " 'guidance': len(guidance), 'sizes': sizes,"
        " 'loaded': [m for m in mods if m in sys.modules]}))\n"
    )
    out = json.loads(run(lean, script))
    assert out["file"].startswith(str(lean["venv"])), out
    assert out["rows"] > 50 and out["refs"] == 64 and out["guidance"] >= 17
    assert all(size > 1000 for size in out["sizes"])
    assert out["loaded"] == []


@pytest.mark.slow
def test_the_wheel_carries_the_data_the_plot_bundle_and_the_validator(lean):
    bundle = (
        lean["venv"] / "share/jupyter/labextensions/pnen-explorer/static/plotly-cartesian.min.js"
    )
    assert bundle.stat().st_size > 1_000_000  # where Voila serves the plots' plotly.js from
    validate = subprocess.run(
        [
            lean["venv"] / "bin" / "pnen-explorer",
            "validate",
            str(lean["site"] / "pnen_explorer/data/evidence.csv"),
        ],
        cwd=lean["cwd"],
        capture_output=True,
        text=True,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert validate.stdout.startswith("ok: ")
