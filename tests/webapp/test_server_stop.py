"""Stopping the production server: every gunicorn process is gone within seconds of SIGTERM, so a container
platform's stop (Docker's 10 s) never has to kill it."""

import os
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.servers import LikenessInstance

pytestmark = pytest.mark.slow


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_stops_the_master_and_both_workers_within_seconds(tmp_path):
    server = LikenessInstance(tmp_path, workers=2).start()
    try:
        auth = (server.USER, server.PASSWORD)
        assert requests.get(server.rest_url + "ping/", auth=auth, timeout=30).status_code == 200
        master = server.process.pid
        deadline = time.monotonic() + 30
        while len(workers := children(master)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) == 2
        started = time.monotonic()
        os.kill(master, signal.SIGTERM)
        server.process.wait(timeout=5)
        while any(alive(pid) for pid in workers) and time.monotonic() - started < 5:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in workers)
        assert time.monotonic() - started < 5
    finally:
        server.stop()
