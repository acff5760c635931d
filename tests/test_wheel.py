"""The built wheel carries the data: it loads from a fresh environment outside the repository."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow


def test_wheel_loads_data_outside_the_repository(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(dist),
            str(ROOT),
        ],
        check=True,
    )
    wheel = next(dist.glob("pnen_explorer-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    # Dependencies come from the test environment; the package itself only from the wheel.
    (site / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            str(wheel),
        ],
        check=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import pnen_explorer as p; e = p.load_evidence(); "
        "print(p.__file__); print(len(e), len(p.load_references()))"
    )
    out = subprocess.run(
        [python, "-c", script], cwd=elsewhere, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0].startswith(str(venv)), out
    rows, refs = map(int, out[1].split())
    assert rows > 50 and refs == 64
    bundle = venv / "share/jupyter/labextensions/pnen-explorer/static/plotly-cartesian.min.js"
    assert bundle.stat().st_size > 1_000_000  # where Voila serves the plots' plotly.js from
    validate = subprocess.run(
        [venv / "bin" / "pnen-explorer", "validate", str(site / "pnen_explorer/data/evidence.csv")],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
