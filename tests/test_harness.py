"""The test harness itself: servers start on a port nothing else can take, and are found."""

from __future__ import annotations

import sys
import urllib.request

from . import conftest
from .conftest import listening_ports, start_server, stop


def test_servers_started_together_each_answer_on_their_own_port(tmp_path):
    servers = []
    try:
        for name in ("one", "two", "three"):
            folder = tmp_path / name
            folder.mkdir()
            (folder / "who.txt").write_text(name)
            command = [sys.executable, "-m", "http.server", "{port}", "--bind", "127.0.0.1"]
            servers.append((name, *start_server(command, path="/who.txt", cwd=folder)))
        ports = set()
        for name, process, url in servers:
            with urllib.request.urlopen(url, timeout=10) as answer:
                assert answer.read().decode() == name
            port = int(url.split(":")[2].split("/")[0])
            assert port > 0 and listening_ports(process.pid) == {port}
            ports.add(port)
        assert len(ports) == 3
    finally:
        for _, process, _ in servers:
            stop(process)
    assert all(process.poll() is not None for _, process, _ in servers)


def test_a_server_given_a_taken_port_is_started_again_on_another(tmp_path):
    """The real-port path (Voila's): the first port is taken by another server, which must not
    be mistaken for ours."""
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for folder in (ours, theirs):
        folder.mkdir()
        (folder / "who.txt").write_text(folder.name)
    command = [sys.executable, "-m", "http.server", "{port}", "--bind", "127.0.0.1"]
    other, other_url = start_server(command, path="/who.txt", cwd=theirs)
    taken = int(other_url.split(":")[2].split("/")[0])
    ports = iter([taken, taken, 0])
    original = conftest.free_port
    conftest.free_port = lambda: next(ports) or original()
    try:
        process, url = start_server(command, path="/who.txt", cwd=ours, port_zero=False)
    finally:
        conftest.free_port = original
        stop(other)
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert answer.read().decode() == "ours"
        assert f":{taken}/" not in url
    finally:
        stop(process)
