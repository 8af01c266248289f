"""Index snapshots on disk, memory-mapped by every process of a host instead of each building its own.

A process that loads an index from the database writes it to `LIKENESS["INDEX_DIR"]/<name>/` as
plain files (numpy `.npy` arrays, faiss's own format) with a `meta.json` that says which change-log
event it includes. Another process then maps those files read-only (the operating system keeps one
copy in its page cache for all of them), replays the few events logged since, and answers: no
fingerprint is read from the database and nothing is rebuilt.

A snapshot is only used while it is certainly the catalog's:
- its format and the fingerprint version match this code;
- it is younger than the follower's full-reload period (matching.index.follower.RELOAD_AFTER), so the
  events logged since it was written are all still in the change log;
- its last event is still in the database, with the same time (a recreated or restored database
  has other events);
- no reload was asked for since (`update_index`), and at most REPLAY_LIMIT events came after it.

Writing goes to a temporary folder that is renamed into place, so a reader sees the old snapshot
or the whole new one; a lock file serialises the builds of one host, so processes that start
together build the index once and map what the first one wrote. Anything unreadable is ignored
(and logged): the process builds from the database as it would without a snapshot.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

logger = logging.getLogger(__name__)

FORMAT = 1
META = "meta.json"
CURRENT = "current"  # inside <INDEX_DIR>/<name>/: the folder name of the snapshot in use


def directory() -> Path | None:
    """Where snapshots live, or None when they are turned off (`LIKENESS["INDEX_DIR"]` empty)."""
    configured = settings.LIKENESS.get("INDEX_DIR")
    return Path(configured) if configured else None


@dataclass(frozen=True)
class Snapshot:
    folder: Path
    meta: dict

    @property
    def last_event(self) -> int:
        return int(self.meta["last_event"])

    @property
    def age(self) -> float:
        """Seconds since it was written (wall clock)."""
        return max(0.0, time.time() - float(self.meta["written_at"]))

    def array(self, name: str, *, writable: bool = False) -> np.ndarray:
        """A stored array: memory-mapped read-only, or a private copy when it will be changed."""
        array = np.load(self.folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        return np.array(array) if writable else array

    def path(self, name: str) -> Path:
        return self.folder / name


def read(name: str) -> Snapshot | None:
    """The current snapshot of index `name`, if there is a readable one."""
    base = directory()
    if base is None:
        return None
    try:
        current = (base / name / CURRENT).read_text().strip()
        folder = base / name / current
        meta = json.loads((folder / META).read_text())
        if meta.get("format") != FORMAT or meta.get("name") != name:
            return None
        int(meta["last_event"]), float(meta["written_at"])  # both must be numbers
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("Ignoring the %s index snapshot: %s", name, exc)
        return None
    return Snapshot(folder, meta)


def write(name: str, meta: dict, fill: Callable[[Path], None]) -> Snapshot | None:
    """Write a new snapshot of index `name`: `fill(folder)` puts its files in; `meta` is stored with them.

    Returns None (and logs why) when the folder cannot be written: the index works without it.
    """
    base = directory()
    if base is None:
        return None
    target = base / name
    try:
        target.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".writing-", dir=target))
        meta = {**meta, "format": FORMAT, "name": name, "written_at": time.time()}
        fill(folder)
        (folder / META).write_text(json.dumps(meta))
        final = target / f"{meta['last_event']}-{folder.name.removeprefix('.writing-')}"
        os.rename(folder, final)
        pointer = target / f".{CURRENT}-{os.getpid()}"
        pointer.write_text(final.name)
        os.replace(pointer, target / CURRENT)  # atomic: readers see the old snapshot or this one
    except OSError as exc:
        logger.warning("Could not write the %s index snapshot to %s: %s", name, target, exc)
        with contextlib.suppress(UnboundLocalError):
            shutil.rmtree(folder, ignore_errors=True)
        return None
    _remove_others(target, final.name)
    return Snapshot(final, meta)


def _remove_others(target: Path, keep: str) -> None:
    """Older snapshots go; processes that still map their files keep them until they let go (POSIX)."""
    for entry in target.iterdir():
        if entry.is_dir() and entry.name != keep:
            if entry.name.startswith(".writing-") and time.time() - entry.stat().st_mtime < 3600:
                continue  # another process is writing it right now
            shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def building(name: str | None) -> Iterator[None]:
    """Held while a process builds index `name` from the database: the others of this host wait for it."""
    base = directory()
    if base is None or not name:
        yield
        return
    try:
        (base / name).mkdir(parents=True, exist_ok=True)
        handle = open(base / name / "build.lock", "a")  # noqa: SIM115 - closed below
    except OSError as exc:
        logger.warning("No build lock for the %s index: %s", name, exc)
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
