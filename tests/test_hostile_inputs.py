"""The security probe's cases, replayed: each hostile input and the answer it must get.

Found by the probe (issue "Hardening") and answered here:
formulas inside exported cells, links with absurd values, a foreign Host header and Origin,
a kernel that cannot start, more pages than the kernel budget, uploads over the size limit,
and files the CLI must refuse (FIFO, device, folder, symlink loop, oversized, huge cell,
header with empty lines, missing cells, NaN in a number column).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pnen_explorer import release
from pnen_explorer.export import formula_cells
from pnen_explorer.server import host_is_local
from pnen_explorer.share import parse_query

from .conftest import DATA, PLOT, start_server, stop

sys.path.insert(0, str(DATA.parent / "benchmarks"))
from bench_classroom import kernels_of as server_kernels

FORMULAS = ("x;=cmd|' /C calc'!A0", "x\t=1+1", "=1+1", "+1+1", "-1+1", "@SUM(A1)", "a\n=2")

# --- exports: pnen-explorer diff --csv -----------------------------------------------------------


def test_diff_csv_holds_no_formula_for_any_separator(tmp_path, capsys):
    """`pnen-explorer diff --csv` writes cells from the files compared: hostile ones stay inert."""
    with open(DATA / "evidence.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames or []), list(reader)
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    for path, table in ((old, rows), (new, [dict(r) for r in rows])):
        if path is new:
            for row, text in zip(table, FORMULAS, strict=False):
                row["statement"] = text
                row["timepoint"] = text
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, header)
            writer.writeheader()
            writer.writerows(table)
    text = release.format_csv(release.diff_tables(old, new))
    assert text.startswith("change,evidence_id,column,old,new\n")
    assert formula_cells(text) == []
    for separator in (",", ";", "\t"):
        for record in csv.reader(io.StringIO(text), delimiter=separator):
            for cell in record:
                assert formula_cells(cell) == [], (separator, cell)
    read_back = list(csv.DictReader(io.StringIO(text)))
    assert any(r["new"] == "x;'=cmd|' /C calc'!A0" for r in read_back)


# --- links (item 8: bounds and ASCII spellings live in share.py / vocabulary.py) ----------------


@pytest.mark.parametrize(
    "query",
    [
        "age=1e308",
        "liver_lesions=1e300",
        "mitoses_per_10hpf=1e308",
        "age=1e308&liver_lesions=1e300&mitoses_per_10hpf=1e308",
        "liver_type=%C4%B1%C4%B1%C4%B1",  # 'ııı' (dotless i) is not 'III'
    ],
)
def test_absurd_link_values_are_refused_with_a_notice(query):
    case = parse_query(query)
    assert case.notices
    profile = case.profile
    assert profile.age is None or profile.age <= 120
    assert profile.liver_lesions is None or profile.liver_lesions < 1e6
    assert profile.mitoses_per_10hpf is None or profile.mitoses_per_10hpf <= 500
    assert profile.liver_type is None


# --- CLI: files that are no CSV to read -----------------------------------------------------------


def cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pnen_explorer.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def hostile_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """Each hostile file of the probe and the words its fault must hold."""
    text = (DATA / "evidence.csv").read_text(encoding="utf-8")
    header, first, *_ = text.splitlines()
    cells = next(csv.reader([first]))
    names = header.split(",")
    files: dict[str, tuple[Path, str]] = {}

    def put(name: str, content: str, words: str) -> None:
        path = folder / f"{name}.csv"
        path.write_text(content, encoding="utf-8")
        files[name] = (path, words)

    big = list(cells)
    big[names.index("note")] = "x" * 140_000
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([names, big])
    put("cell-over-128-KiB", out.getvalue(), "a cell is longer than 128 KiB")
    put("header-then-blank-lines", header + "\n\n\n\n", "the header is followed by empty lines")
    put("missing-cells", header + "\n" + ",".join(cells[:5]) + "\n", "the cell is empty")
    for spelling in ("NAN", "nan", "inf", "Infinity"):
        row = list(cells)
        row[names.index("value")] = spelling
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([names, row])
        put(f"value-{spelling}", out.getvalue(), "NaN and infinity are not figures")
    fifo = folder / "fifo.csv"
    os.mkfifo(fifo)
    files["fifo"] = (fifo, "a regular file (this is a named pipe)")
    files["/dev/zero"] = (Path("/dev/zero"), "a regular file (this is a device)")
    files["directory"] = (folder, "a regular file (this is a folder)")
    loop = folder / "loop.csv"
    loop.symlink_to(folder / "loop2.csv")
    (folder / "loop2.csv").symlink_to(loop)
    files["symlink-loop"] = (loop, "a loop of symbolic links")
    sparse = folder / "200MB.csv"
    with open(sparse, "wb") as handle:
        handle.truncate(200 * 2**20)
    files["200-MB"] = (sparse, "a file of at most 50 MB")
    return files


@pytest.mark.slow  # seconds on a quiet machine, minutes on a busy one
def test_every_hostile_file_gets_a_fault_in_the_usual_format(tmp_path):
    for name, (path, words) in hostile_files(tmp_path).items():
        result = cli("validate", str(path))
        out = result.stdout
        assert result.returncode == 1, (name, out, result.stderr)
        assert words in out, (name, out)
        assert "Traceback" not in out + result.stderr and "error:" not in result.stderr, name
        assert "None" not in out and "field limit" not in out and "unmatched-header" not in out


# --- the server: Host header, Origin, a kernel that cannot start ---------------------------------


def test_host_check_names():
    assert host_is_local("127.0.0.1:8866", ["localhost"])
    assert host_is_local("127.8.9.10", [])
    assert host_is_local("[::1]:8866", [])
    assert host_is_local("localhost:8866", ["localhost"])
    assert host_is_local("LOCALHOST.:8866", ["localhost"])
    assert host_is_local("class.example:8866", ["class.example"])
    for foreign in ("evil.example:8891", "evil.example", "127.0.0.1.evil.example", "", "[::2]"):
        assert not host_is_local(foreign, ["localhost"]), foreign
    assert not host_is_local("0.0.0.0:8866", ["localhost"])


def fetch(
    url: str, headers: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read().decode("utf-8", "replace"), dict(answer.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace"), dict(exc.headers)


def server_command(*options: str) -> list[str]:
    return [sys.executable, "-m", "pnen_explorer.cli", "dashboard", "--port", "{port}", *options]


READY = "/voila/static/voila.js"
"""Asked for until the server answers: a static file, so no page (and no kernel) is taken."""


def serve(tmp_path: Path, *options: str) -> tuple[subprocess.Popen, str]:
    process, url = start_server(
        server_command(*options), path=READY, log=tmp_path / "voila.log", port_zero=False
    )
    return process, url.removesuffix(READY.lstrip("/"))


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    """The dashboard server with a budget of 3 kernels (2 preheated + 1)."""
    process, url = serve(tmp_path_factory.mktemp("budget"), "--max-kernels", "3")
    try:
        yield process, url
    finally:
        stop(process)


@pytest.mark.slow
def test_a_foreign_host_is_refused_in_words(small_server):
    _, url = small_server
    port = url.rsplit(":", 1)[1].strip("/")
    for path in ("", "voila/static/voila.js", "api/kernels/00000000-0000-0000-0000-000000000000"):
        status, body, _ = fetch(url + path, {"Host": "evil.example:8891"})
        assert status == 403, path
        assert "answers only to addresses of the computer it runs on" in body
        assert "evil.example:8891" in body
    status, _, _ = fetch(url + "voila/static/voila.js", {"Host": f"localhost:{port}"})
    assert status == 200


def websocket_handshake(url: str, kernel_id: str, host: str, origin: str) -> str:
    """The first line of the server's answer to a websocket upgrade for ``kernel_id``."""
    import socket

    port = int(url.rsplit(":", 1)[1].strip("/"))
    request = (
        f"GET /api/kernels/{kernel_id}/channels HTTP/1.1\r\nHost: {host}\r\n"
        f"Origin: {origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request.encode())
        return sock.recv(4096).decode("latin-1").splitlines()[0]


@pytest.mark.slow
def test_the_kernel_websocket_refuses_a_foreign_host_or_origin(small_server):
    process, url = small_server
    deadline = time.monotonic() + 60
    while not server_kernels(process) and time.monotonic() < deadline:
        time.sleep(0.5)
    kernel_id = next(iter(server_kernels(process)))
    port = url.rsplit(":", 1)[1].strip("/")
    local = f"127.0.0.1:{port}"
    foreign = "evil.example:8891"
    assert " 403 " in websocket_handshake(url, kernel_id, foreign, f"http://{foreign}")
    assert " 403 " in websocket_handshake(url, kernel_id, local, f"http://{foreign}")
    assert " 101 " in websocket_handshake(url, kernel_id, local, f"http://{local}")


@pytest.mark.slow
def test_a_kernel_that_cannot_start_is_said_in_words(tmp_path):
    """A Python kernel that exits at once (as one whose ports clashed did): the page ends with a
    sentence instead of heartbeats, with and without the preheated pool."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps({"argv": ["/bin/false", "{connection_file}"], "display_name": "broken"})
    )
    env_path = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(tmp_path / "jupyter")
    try:
        for options in ((), ("--VoilaConfiguration.preheat_kernel=False",)):
            process, url = serve(tmp_path, "--max-kernels", "3", *options)
            try:
                began = time.monotonic()
                _, body, _ = fetch(url)
                assert "could not start" in body or "stopped before the dashboard" in body
                assert time.monotonic() - began < 90
            finally:
                stop(process)
    finally:
        if env_path is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = env_path


@pytest.mark.slow
def test_past_the_budget_a_page_says_the_server_is_full(tmp_path):
    """A budget of 3 kernels, 2 of them preheated: three pages at once get dashboards, the
    fourth is told in words (503, Retry-After) and no kernel is started for it."""
    process, url = serve(tmp_path, "--max-kernels", "3")
    try:
        wait_for_kernels(process, lambda n: n == 2, 90)  # the preheated pool

        answers = pages_at_once(url, 4)
        assert sorted(a[0] for a in answers) == [200, 200, 200, 503]
        _, body, headers = next(a for a in answers if a[0] == 503)
        assert "The server is full" in body and "try again" in body
        assert headers.get("Retry-After")
        assert len(server_kernels(process)) <= 3
    finally:
        stop(process)


def pages_at_once(url: str, count: int, timeout: float = 60) -> list[tuple[int, str, dict]]:
    """``count`` pages asked for at the same moment, each from a thread of its own (threads,
    not an event loop: the browser tests' driver keeps one running in this process)."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda i: fetch(f"{url}?n={i}", None, timeout), range(count)))


def wait_for_kernels(process: subprocess.Popen, wanted, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not wanted(len(server_kernels(process))):
        assert time.monotonic() < deadline, f"kernels: {len(server_kernels(process))}"
        time.sleep(0.5)


# --- uploads: the page refuses a file over the limit before sending it ----------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_a_12_mb_upload_is_refused_in_words_and_a_valid_one_works_after_it(
    page, dashboard_url, tmp_path
):
    from .test_user_data import own_file

    page.goto(dashboard_url)
    page.wait_for_selector(PLOT, state="visible", timeout=120_000)
    page.get_by_role("tab", name="Evidence", exact=True).click()
    button = page.get_by_role("button", name="Add your evidence (.csv)")
    big = tmp_path / "big.csv"
    big.write_bytes(b"evidence_id,source\n" + b"x" * (12 * 2**20))
    with page.expect_file_chooser() as chooser:
        button.click()
    began = time.monotonic()
    chooser.value.set_files(str(big))
    refusal = page.locator(".pnen-upload-status")
    refusal.filter(has_text="files of at most 2.0 MB are accepted").wait_for(timeout=10_000)
    assert time.monotonic() - began < 5
    assert "big.csv" in refusal.inner_text() and "12.0 MB" in refusal.inner_text()

    mine = tmp_path / "mine.csv"
    mine.write_bytes(own_file())
    with page.expect_file_chooser() as chooser:
        button.click()
    chooser.value.set_files(str(mine))
    page.get_by_text("Added 2 row(s) from mine.csv").wait_for(timeout=30_000)
    assert "received" in page.locator(".pnen-upload-status").inner_text()


def test_the_kernel_refuses_an_upload_over_the_limit_that_skipped_the_page():
    """A client that bypasses the page's check still gets the limit in words."""
    from pnen_explorer.views.upload import UploadButton

    widget = UploadButton(max_bytes=2 * 2**20, accept=".csv")
    sent, seen = [], []
    widget.send = sent.append
    widget.observe(lambda change: seen.append(change["new"]), names="value")
    widget._on_message(widget, {"kind": "file", "name": "big.csv"}, [b"x" * (12 * 2**20)])
    assert sent[-1]["kind"] == "refused" and "at most 2.0 MB" in sent[-1]["text"]
    assert seen == []
    widget._on_message(widget, {"kind": "file", "name": "ok.csv"}, [b"a,b\n"])
    assert sent[-1]["kind"] == "received"
    assert seen[-1][0]["name"] == "ok.csv" and bytes(seen[-1][0]["content"]) == b"a,b\n"
    widget._on_message(widget, {"kind": "file", "name": "ok.csv"}, [b"a,b\n"])
    assert len([s for s in seen if s]) == 2  # the same file chosen twice is seen twice


def test_the_server_accepts_websocket_messages_past_the_upload_limit():
    config = json.loads((DATA.parent / "notebooks" / "voila.json").read_text(encoding="utf-8"))
    from pnen_explorer.user_data import MAX_UPLOAD_BYTES

    assert config["ClassroomVoila"]["websocket_max_message_size"] >= 8 * MAX_UPLOAD_BYTES


# --- a classroom past its budget -----------------------------------------------------------------


@pytest.mark.slow
def test_thirty_pages_at_once_with_a_budget_of_twenty(tmp_path):
    """30 pages asked for at once, budget 20: 20 dashboards, 10 'server full' answers, none
    left waiting, and no page's kernel left once the pages are gone (only the preheated pool).

    Pages are asked for over HTTP, not in 30 browsers: on two cores the browsers themselves
    take the machine (``benchmarks/bench_classroom.py --budget 20 --pages 30`` measures that).
    """
    process, url = serve(
        tmp_path,
        "--max-kernels",
        "20",
        "--MappingKernelManager.cull_idle_timeout=30",
        "--MappingKernelManager.cull_interval=5",
        # pages asked for over HTTP never connect: let the culler end them soon after
        "--BudgetKernelManager.page_connect_timeout=30",
    )
    try:
        wait_for_kernels(process, lambda n: n == 2, 90)  # the preheated pool

        answers = pages_at_once(url, 30, timeout=240)
        statuses = sorted(a[0] for a in answers)
        assert statuses == [200] * 20 + [503] * 10, statuses
        assert all("The server is full" in a[1] for a in answers if a[0] == 503)
        assert all("pnen" in a[1] for a in answers if a[0] == 200)
        wait_for_kernels(process, lambda n: n <= 2, 180)  # pages gone: their kernels end
    finally:
        stop(process, timeout=60)
