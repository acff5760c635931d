"""A pool of kernels sized to a class: how many the machine can hold, and progress while they
start.

Each page of the dashboard runs in a kernel of its own. A class that opens the link in the same
minute waits for kernels to start unless they were started ahead (Voila's preheated pool); a
pool larger than the machine's memory would push it into swap. The memory per kernel is the one
measured by ``benchmarks/bench_page.py`` (kernel resident memory, about 123–130 MB).
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

from pnen_explorer.errors import PnenError

KERNEL_MB = 130
"""Resident memory of one dashboard kernel, measured (benchmarks/README.md), rounded up."""
SERVER_MB = 300
"""Room kept for the server itself and the rest of the machine."""


def budget_for(class_size: int) -> int:
    """Kernels allowed for a class: its pool plus a margin for pages opened twice."""
    return class_size + max(4, class_size // 5)


def available_mb() -> int:
    """Memory this machine can give without swapping (Linux ``MemAvailable``), in MB."""
    text = Path("/proc/meminfo").read_text(encoding="ascii")
    found = re.search(r"^MemAvailable:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) // 1024 if found else 0


class ClassSizeError(PnenError, ValueError):
    """A class larger than this machine's memory can serve."""


def check_class_size(class_size: int, free_mb: int) -> None:
    """Refuse a class this machine cannot hold, saying why in numbers and what would fit."""
    need = budget_for(class_size) * KERNEL_MB + SERVER_MB
    if need <= free_mb:
        return
    fits = max(0, (free_mb - SERVER_MB) // KERNEL_MB)
    largest = next((n for n in range(fits, 0, -1) if budget_for(n) <= fits), 0)
    raise ClassSizeError(
        f"a class of {class_size} needs about {need / 1024:.1f} GB ({budget_for(class_size)} "
        f"kernels of about {KERNEL_MB} MB each, measured, and {SERVER_MB} MB for the server); "
        f"this machine has {free_mb / 1024:.1f} GB available. "
        + (f"Use --class-size {largest} or fewer." if largest else "Free some memory first.")
    )


def kernels_started(server_pid: int) -> int:
    """How many kernel processes the server ``server_pid`` runs now."""
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == server_pid and b"ipykernel" in (entry / "cmdline").read_bytes():
                count += 1
        except (OSError, ValueError, IndexError):
            continue  # a process that ended while it was read
    return count


def report_progress(server_pid: int, class_size: int, timeout: float = 600) -> None:
    """Print '7 of 20 kernels started' as the server's pool fills, then say it is ready."""
    shown, deadline = -1, time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(server_pid, 0)
        except OSError:
            return  # the server stopped
        started = min(kernels_started(server_pid), class_size)
        if started != shown:
            print(f"{started} of {class_size} kernels started", flush=True)
            shown = started
        if started >= class_size:
            print(
                f"Ready for a class of {class_size}: every page opened now gets a kernel that "
                "has already drawn the dashboard (give the last ones a minute).",
                flush=True,
            )
            return
        time.sleep(1)
    print(f"Only {shown} of {class_size} kernels started within {timeout:.0f} s.", file=sys.stderr)
