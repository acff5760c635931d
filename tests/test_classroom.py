"""A pool sized to the class: refused when the memory cannot hold it, and progress while it
starts."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from pnen_explorer.classroom import (
    KERNEL_MB,
    SERVER_MB,
    ClassSizeError,
    budget_for,
    check_class_size,
)

from .conftest import start_server, stop


def test_a_class_the_memory_can_hold_is_accepted():
    check_class_size(20, budget_for(20) * KERNEL_MB + SERVER_MB)


def test_a_class_too_large_is_refused_with_the_numbers_and_what_fits():
    with pytest.raises(ClassSizeError) as refused:
        check_class_size(40, 2048)
    message = str(refused.value)
    assert "a class of 40" in message and f"{KERNEL_MB} MB each" in message
    assert "2.0 GB available" in message
    largest = int(message.split("--class-size ")[1].split()[0])
    check_class_size(largest, 2048)  # what it suggests fits
    with pytest.raises(ClassSizeError):
        check_class_size(largest + 1, 2048)


def test_the_budget_leaves_a_margin_over_the_class():
    assert budget_for(2) == 6 and budget_for(20) == 24 and budget_for(50) == 60


def test_the_command_refuses_a_class_this_machine_cannot_hold():
    result = subprocess.run(
        [sys.executable, "-m", "pnen_explorer.cli", "dashboard", "--class-size", "1000000"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: a class of 1000000 needs about")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_pool_starts_ahead_and_says_when_it_is_ready(tmp_path):
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "pnen_explorer.cli", "dashboard", "--port", "{port}"]
    process, _ = start_server([*command, "--class-size", "3"], log=log, port_zero=False)
    try:
        deadline = time.monotonic() + 180
        while "Ready for a class of 3" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(1)
        text = log.read_text()
        assert "3 of 3 kernels started" in text
        assert f"at most {budget_for(3)} kernels" in text
    finally:
        stop(process)
