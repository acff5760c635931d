"""Command line: ``pnen-explorer validate FILE``, ``pnen-explorer diff OLD NEW`` and
``pnen-explorer dashboard``.

Every failure is a message and an exit code, never a Python traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from pnen_explorer.errors import PnenError

RESOURCES = ("evidence", "references", "therapies", "glossary", "translations_zh")


def _guess_kind(path: Path) -> str:
    stem = path.stem.lower()
    named = {kind: kind.split("_")[0] for kind in RESOURCES if kind != "evidence"}
    return next((kind for kind, word in named.items() if word in stem), "evidence")


def validate(path: str, kind: str | None, references: str | None, therapies: str | None) -> int:
    """Print ``ok: N rows`` or every fault; return the exit code (0 valid, 1 faults)."""
    from pnen_explorer import data

    target = Path(path)
    kind = kind or _guess_kind(target)
    try:
        if kind == "evidence":
            refs = data.load_references(references)
            ther = data.load_therapies(therapies)
            frame = data.load_evidence(target, references=refs, therapies=ther)
        elif kind == "references":
            frame = data.load_references(target)
        elif kind == "therapies":
            frame = data.load_therapies(target)
        else:  # a translation table: its contract's schema, nothing to resolve
            frame, faults = data.validate_table(target, kind)
            if faults:
                print(data.EvidenceError(faults))
                return 1
    except data.EvidenceError as exc:
        print(exc)
        return 1
    print(f"ok: {len(frame)} rows ({kind}, data contract {data.data_version()})")
    return 0


def diff(old: str, new: str, fmt: str, old_version: str, new_version: str) -> int:
    """Print what changed between two evidence tables; exit code 0, or 1 if a file is unusable."""
    from pnen_explorer import release

    try:
        result = release.diff_tables(old, new)
    except release.ReleaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    if fmt == "csv":
        sys.stdout.write(release.format_csv(result))
    elif fmt == "markdown":
        sys.stdout.write(release.format_markdown(result, old_version, new_version))
    else:
        sys.stdout.write(release.format_text(result))
    return 0


def notebook_dir() -> Path:
    """Where dashboard.ipynb and voila.json live: the repository, or inside the wheel."""
    repo = Path(__file__).resolve().parent.parent / "notebooks"
    if (repo / "dashboard.ipynb").is_file():
        return repo
    return Path(__file__).resolve().parent / "notebooks"


def dashboard(
    port: int,
    open_browser: bool,
    max_kernels: int | None = None,
    idle_minutes: float | None = None,
    extra: list[str] | None = None,
    class_size: int | None = None,
) -> int:
    """Serve the dashboard on 127.0.0.1 (``pnen_explorer.server``: Voila with a kernel budget
    and a Host check), configured by ``notebooks/voila.json``.

    ``max_kernels`` and ``idle_minutes`` override the budget and the time after which an open
    but unused page's kernel ends; ``extra`` options (``--Class.trait=value``) go to the server.
    ``class_size`` starts that many kernels ahead (refused if the memory cannot hold them) and
    prints their progress; the budget then defaults to the class plus a margin.
    The process becomes the server (exec), so stopping it stops the server and its kernels too.
    """
    folder = notebook_dir()
    command = [
        sys.executable,
        "-m",
        "pnen_explorer.server",
        "dashboard.ipynb",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",  # a taken port is an error, not another address
        f"--Voila.open_browser={open_browser}",
    ]
    if class_size is not None:
        from pnen_explorer import classroom

        classroom.check_class_size(class_size, classroom.available_mb())
        command.append(f"--VoilaConfiguration.default_pool_size={class_size}")
        max_kernels = max_kernels or classroom.budget_for(class_size)
    if max_kernels is not None:
        command.append(f"--BudgetKernelManager.max_kernels={max_kernels}")
    if idle_minutes is not None:
        command.append(f"--BudgetKernelManager.connected_idle_timeout={round(idle_minutes * 60)}")
    command += extra or []
    limit = f"at most {max_kernels} kernels" if max_kernels else "the kernel budget of voila.json"
    print(
        f"Serving the dashboard on http://127.0.0.1:{port}/ ({limit}; Ctrl+C to stop)",
        flush=True,
    )
    os.chdir(folder)  # Voila reads voila.json from the folder it starts in
    if class_size is not None and os.fork() == 0:  # the child reports, the parent serves
        from pnen_explorer import classroom

        classroom.report_progress(os.getppid(), class_size)
        os._exit(0)
    os.execv(sys.executable, command)
    return 1  # not reached: exec replaces this process


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text}")
    return value


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 7 * 24 * 60:
        raise argparse.ArgumentTypeError(f"expected minutes from 0 to 10080, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pnen-explorer",
        description="Evidence explorer for pancreatic NEN with liver metastases.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("validate", help="check a CSV file against the data contract")
    check.add_argument("file", help="the CSV file to check")
    check.add_argument(
        "--kind", choices=RESOURCES, help="which table the file is (default: from its name)"
    )
    check.add_argument("--references", help="references.csv that ref_nos must resolve in")
    check.add_argument("--therapies", help="therapies.csv that therapy names must resolve in")
    compare = sub.add_parser(
        "diff", help="list the rows and cells that differ between two evidence tables"
    )
    compare.add_argument("old", help="the earlier evidence CSV")
    compare.add_argument("new", help="the later evidence CSV")
    form = compare.add_mutually_exclusive_group()
    form.add_argument(
        "--csv",
        dest="format",
        action="store_const",
        const="csv",
        help="one line per changed cell: change, evidence_id, column, old, new",
    )
    form.add_argument(
        "--markdown",
        dest="format",
        action="store_const",
        const="markdown",
        help="Markdown, as in data/CHANGES.md",
    )
    compare.add_argument("--old-version", default="", help="data version of OLD (Markdown title)")
    compare.add_argument("--new-version", default="", help="data version of NEW (Markdown title)")
    serve = sub.add_parser("dashboard", help="start the Voila dashboard on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8866)
    serve.add_argument("--open", action="store_true", help="open a browser tab")
    serve.add_argument(
        "--max-kernels",
        type=_positive,
        help="most kernels at once, the 2 preheated ones included: a page past it says the "
        "server is full (default 24 = a class of 20 + 4, from voila.json)",
    )
    serve.add_argument(
        "--class-size",
        type=_positive,
        help="start this many kernels ahead for a class that opens the link at once, and say "
        "when they are ready (refused if this machine's memory cannot hold them)",
    )
    serve.add_argument(
        "--idle-minutes",
        type=_minutes,
        help="end the kernel of a page left open but unused this long (default 30; 0: never)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and (args.command != "dashboard" or not all(_is_server_option(e) for e in extra)):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.command == "validate":
            return validate(args.file, args.kind, args.references, args.therapies)
        if args.command == "diff":
            return diff(
                args.old, args.new, args.format or "text", args.old_version, args.new_version
            )
        return dashboard(
            args.port, args.open, args.max_kernels, args.idle_minutes, extra, args.class_size
        )
    except PnenError as exc:  # refused in words: the words are the message
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # the promise: a message, never a traceback
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _is_server_option(text: str) -> bool:
    """``--Class.trait=value``: a setting passed through to the server as it is."""
    return re.fullmatch(r"--[A-Za-z_]\w*\.[A-Za-z_]\w*=.*", text) is not None


if __name__ == "__main__":
    sys.exit(main())
