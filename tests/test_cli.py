"""`pnen-explorer validate`: ok and exit 0, or every fault and exit 1; never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pnen_explorer.cli import main

from .conftest import DATA, ROOT


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pnen_explorer.cli", *args], capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("evidence.csv", "evidence"),
        ("references.csv", "references"),
        ("therapies.csv", "therapies"),
        ("glossary.csv", "glossary"),
        ("translations_zh.csv", "translations_zh"),
    ],
)
def test_curated_files_validate(capsys, name, kind):
    assert main(["validate", str(DATA / name)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: ") and f"({kind}, data contract " in out, out


def test_a_translation_table_gets_its_faults_in_the_usual_form(capsys, tmp_path):
    lines = (DATA / "glossary.csv").read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "my_glossary.csv"
    broken.write_text("\n".join([lines[0], lines[1], "no,comma,enough"]) + "\n", encoding="utf-8")
    assert main(["validate", str(broken)]) == 1
    out = capsys.readouterr().out
    assert str(broken) in out and "line 3" in out, out


@pytest.mark.slow
def test_the_module_validates_in_a_process_of_its_own():
    result = run("validate", str(DATA / "evidence.csv"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: ")


def test_console_script_matches_module(evidence_copy):
    evidence_copy.write_text("evidence_id;source\nx;y\n", encoding="utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("pnen-explorer")), "validate", str(evidence_copy)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "separated by ';'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe\x00garbage", b'evidence_id,source\n"unterminated,lu2025\n', b"a,b\n1,2\n"],
    ids=["empty", "binary", "quote", "foreign-columns"],
)
def test_bad_files_exit_1_without_traceback(tmp_path, capsys, content):
    path = tmp_path / "mine.csv"
    path.write_bytes(content)
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr()
    assert "expected" in out.out
    assert "Traceback" not in out.out + out.err


def test_directory_instead_of_file(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert str(tmp_path) in out and "expected" in out and "directory" in out, out


def test_the_served_configuration_holds_what_a_classroom_needs():
    """Measured with benchmarks/bench_classroom.py: with Voila's default 4 s wait for a busy
    kernel's output, 19 of 20 pages opened together came up without their dashboard.

    Kernels end by three rules (pnen_explorer/server.py). A closed page's kernel ends
    ``closed_page_grace`` after its connection went, and Jupyter's idle culler backs that up:
    both within the 180 s the README promises. A page that has been sent but has not connected
    yet keeps its kernel for ``page_connect_timeout``: with 30 pages opening at once on 2 cores
    the browsers connected more than 120 s after the request, and with the idle culler alone
    (120 s) only 3 of 20 admitted pages drew their dashboard: it ended the others' kernels.
    An open page left unused keeps its kernel for ``connected_idle_timeout`` (30 minutes)."""
    config = json.loads((ROOT / "notebooks" / "voila.json").read_text(encoding="utf-8"))
    assert config["VoilaExecutor"]["iopub_timeout"] >= 30
    culling, budget = config["MappingKernelManager"], config["BudgetKernelManager"]
    assert 0 < budget["closed_page_grace"] <= 180
    assert culling["cull_idle_timeout"] > 0  # on: the culler also applies the two rules below
    assert culling["cull_idle_timeout"] + culling["cull_interval"] <= 180
    assert budget["page_connect_timeout"] >= 300
    assert budget["connected_idle_timeout"] == 30 * 60
    assert config["VoilaConfiguration"]["preheat_kernel"] is True
    assert config["Voila"]["ip"] == "127.0.0.1"


def test_a_loading_page_keeps_its_kernel_and_a_forgotten_one_does_not():
    """The idle culler passes over a kernel whose page has not connected yet, for
    ``page_connect_timeout``; past it, or for a kernel no page was given, it culls as Jupyter
    does; a page that connects ends the wait."""
    import asyncio
    from datetime import timedelta
    from types import SimpleNamespace

    from jupyter_server._tz import utcnow

    from pnen_explorer.server import BudgetKernelManager

    manager = BudgetKernelManager(page_connect_timeout=600, cull_idle_timeout=120)
    ended = []

    async def shutdown_kernel(kernel_id, *args, **kwargs):
        ended.append(kernel_id)

    manager.shutdown_kernel = shutdown_kernel
    idle_since = utcnow() - timedelta(seconds=300)  # idle past cull_idle_timeout
    for kernel_id in ("loading", "forgotten", "no-page", "connected"):
        manager._kernels[kernel_id] = SimpleNamespace(
            execution_state="idle",
            last_activity=idle_since,
            kernel_name="python3",
            kernel_spec=SimpleNamespace(metadata={}),
        )
        manager._kernel_connections[kernel_id] = 0
    for kernel_id in ("loading", "forgotten", "connected"):
        manager.given_to_page(kernel_id)
    manager._awaiting_page["forgotten"] -= 601  # sent 601 s ago, never connected
    manager.notify_connect("connected")

    async def cull_all():
        for kernel_id in list(manager._kernels):
            await manager.cull_kernel_if_idle(kernel_id)

    # in a thread of its own: a browser test's Playwright may hold this thread's event loop
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, cull_all()).result()
    assert sorted(ended) == ["forgotten", "no-page"]
    assert set(manager._awaiting_page) == {"loading"}


# --- files that are no regular file, too large, or a loop (issue: hardening) ---------------------


def validate_quickly(path: Path, timeout: float = 20) -> subprocess.CompletedProcess:
    """`pnen-explorer validate PATH` that must finish: a blocking read fails the test."""
    return subprocess.run(
        [sys.executable, "-m", "pnen_explorer.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_fault(result: subprocess.CompletedProcess, path: Path, words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("1 fault in "), result.stdout
    assert f"- {path}: expected " in result.stdout and words in result.stdout, result.stdout
    assert "error:" not in result.stderr and "Traceback" not in result.stderr


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "evidence.csv"
    os.mkfifo(fifo)
    assert_fault(validate_quickly(fifo), fifo, "a regular file (this is a named pipe)")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused_unread(device):
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    assert_fault(validate_quickly(Path(device)), Path(device), "a regular file (this is a device)")


def test_a_directory_is_a_fault_in_the_usual_format(tmp_path):
    assert_fault(validate_quickly(tmp_path), tmp_path, "a regular file (this is a folder)")


def test_a_symlink_loop_is_a_fault_in_the_usual_format(tmp_path):
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.symlink_to(two)
    two.symlink_to(one)
    assert_fault(validate_quickly(one), one, "a loop of symbolic links")


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    from pnen_explorer.data import MAX_FILE_BYTES

    big = tmp_path / "evidence.csv"
    with open(big, "wb") as handle:  # sparse: no disk used, and reading it would take long
        handle.truncate(4 * MAX_FILE_BYTES)
    began = time.monotonic()
    assert_fault(validate_quickly(big), big, "a file of at most 50 MB (this one is 200 MB")
    assert time.monotonic() - began < 15


@pytest.mark.slow
def test_memory_stays_within_a_small_multiple_of_the_file_size(tmp_path):
    """A 20 MB table (the curated rows repeated) costs at most 6 times its size above the
    memory of validating the small curated file."""
    text = (DATA / "evidence.csv").read_bytes()
    header, body = text.split(b"\n", 1)
    big = tmp_path / "evidence.csv"
    copies = (20 * 2**20) // len(body)
    big.write_bytes(header + b"\n" + (body.rstrip(b"\n") + b"\n") * copies)

    def peak_mb(path: Path) -> float:
        script = (
            "import resource, sys; from pnen_explorer.cli import main; "
            f"main(['validate', {str(path)!r}]); "
            "sys.stderr.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))"
        )
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
        )
        return int(result.stderr.strip().splitlines()[-1]) / 1024

    size_mb = big.stat().st_size / 2**20
    growth = peak_mb(big) - peak_mb(DATA / "evidence.csv")
    assert growth <= 6 * size_mb, f"{growth:.0f} MB for a {size_mb:.0f} MB file"
