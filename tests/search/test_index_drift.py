"""Index drift across processes, with real processes on a file-backed SQLite database.

A worker killed between its commit and its indexing must not leave the other workers unaware of
the item, and `update_index` must reach every running process, not only its own.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import migrated_database

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def catalog_env(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'drift.sqlite3'}", "LOG_LEVEL": "WARNING"}  # fmt: skip
    shutil.copyfile(migrated_database(), tmp_path / "drift.sqlite3")
    return env


def run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.search.drift_process", *args], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


class Reader:
    """A long-running process with its own in-memory match index, asked questions over a pipe."""

    def __init__(self, env) -> None:
        command = [sys.executable, "-m", "tests.search.drift_process", "reader"]
        self.process = subprocess.Popen(command, env=env, cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)  # fmt: skip
        assert self.process.stdout.readline().split() == ["ready", "0"]

    def ask(self, line: str) -> str:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def test_a_worker_killed_after_its_commit_leaves_no_other_worker_unaware(catalog_env):
    reader = Reader(catalog_env)
    try:
        writer = run(catalog_env, "writer", "7")
        assert writer.returncode == -9, writer.stderr  # died right after the commit, before indexing
        assert reader.ask("count") == "1"
        assert reader.ask("match 7") != "-"
        assert reader.ask("match 8") == "-"
    finally:
        reader.close()


def test_update_index_reaches_every_running_process(catalog_env):
    reader = Reader(catalog_env)
    try:
        silent = run(catalog_env, "silent", "9")
        assert silent.returncode == 0, silent.stderr
        assert reader.ask("count") == "0"  # no change was logged: the reader cannot know
        done = subprocess.run([sys.executable, "manage.py", "update_index", "--verbosity", "0"], env=catalog_env,
                              cwd=PROJECT, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert reader.ask("count") == "1"
        assert reader.ask("match 9") == silent.stdout.strip()
    finally:
        reader.close()
