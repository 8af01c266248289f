"""Keep an in-memory index in step with the database through the change log (IndexEvent).

Every process holds an index (the hash index, the look-alike index). Before it answers, it
replays the events it has not applied: removals drop ids, additions re-read what is stored for those
ids. It reloads everything every RELOAD_AFTER seconds, after REPLAY_LIMIT events, or when
`update_index` logged a reload. Events are re-read LOOKBACK ids back, for ids that were committed
out of order.

A reload maps the host's snapshot of the index when there is a current one (matching.index.snapshot) and
replays the events since; otherwise it builds from the database (one process of the host at a time)
and writes a snapshot for the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from matching.index import snapshot, store
from matching.models import IndexEvent

logger = logging.getLogger(__name__)

RELOAD_AFTER = 6 * 3600  # seconds; a full reload bounds how long any missed event can matter
REPLAY_LIMIT = 20_000  # more events than this: reload instead of replaying
LOOKBACK = 64
REFRESH_RETRY = 600  # seconds before a process whose background snapshot build failed tries again


class EventFollower:
    """Base of an index that follows the change log; subclasses load, add and remove by image id.

    A subclass that names a `snapshot_name` and implements `save_snapshot` and `load_snapshot` is
    shared through snapshots on disk.
    """

    snapshot_name: str | None = None
    snapshot_version = 1  # of what save_snapshot writes; a snapshot of another version is not used

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._last_event: int | None = None
        self._applied: deque[int] = deque(maxlen=LOOKBACK * 4)
        self._loaded_at = 0.0
        self._load_point = 0  # the newest event the last full load included
        self._refreshing: threading.Thread | None = None  # building a snapshot in the background
        self._refreshed = threading.Event()  # set when it has written one
        self.loaded_from = ""  # "database" or "snapshot": how the last reload got the index

    def load_all(self) -> None:
        """Replace the whole in-memory index with what is stored."""
        raise NotImplementedError

    def load_ids(self, ids: list[int]) -> None:
        """Add (or refresh) these ids from what is stored."""
        raise NotImplementedError

    def drop_id(self, image_id: int) -> None:
        raise NotImplementedError

    def save_snapshot(self, folder: Path) -> None:
        """Write the freshly loaded index's files into `folder`."""
        raise NotImplementedError

    def load_snapshot(self, found: snapshot.Snapshot) -> None:
        """Replace the index with the one in `found` (mapped, not copied, where it can be)."""
        raise NotImplementedError

    def load(self, *, rebuild: bool = False) -> bool:
        """Load the index into this process: from the host's snapshot where one is current, else from the
        database (`rebuild`: always from the database, leaving a new snapshot). True: it is held here."""
        if rebuild:
            self.reload_from_database()
        else:
            self.reload()
        return True

    def sync(self) -> None:
        """Bring the in-memory index up to date with the database."""
        with self._lock:
            if self._refreshed.is_set():  # a newer snapshot was written in the background: map it
                self._refreshed.clear()
                self.reload()
                return
            due = self._last_event is None or time.monotonic() - self._loaded_at > RELOAD_AFTER
            if due and not self._refresh_in_background():
                self.reload()
                return
            self._replay()

    def reload_soon(self) -> None:
        """Make the next answer start a full reload (for a mapping process: a fresh snapshot beside it)."""
        self._loaded_at = time.monotonic() - RELOAD_AFTER - 1

    def _refresh_in_background(self) -> bool:
        """The periodic full reload of a process that maps snapshots, kept out of its requests.

        When the host has a current snapshot (another process refreshed it), the process maps it as
        any reload does. Otherwise a thread builds a new one from the database (one per host, under
        the build lock) while this process goes on answering from what it holds, kept up to date by
        the change log; once the snapshot is written, the next answer maps it. False when that cannot
        be: no snapshots, nothing loaded yet, or the log since the last load was pruned.
        """
        if not (self.snapshot_name and snapshot.directory()) or self._last_event is None:
            return False
        found = snapshot.read(self.snapshot_name)
        if found is not None and found.last_event > self._load_point and self._current(found):
            return False  # a fresher snapshot is there: reloading maps it at once
        if self._last_event and not IndexEvent.objects.filter(id=self._last_event).exists():
            return False  # events this process has not applied may be gone
        if self._refreshing is None or not self._refreshing.is_alive():
            self._refreshing = threading.Thread(target=self._build_snapshot, daemon=True,
                                                name=f"{self.snapshot_name}-snapshot")  # fmt: skip
            self._refreshing.start()
        self._loaded_at = time.monotonic() - RELOAD_AFTER + REFRESH_RETRY  # look again later if it fails
        return True

    def _build_snapshot(self) -> None:
        from django.db import connection  # this thread's own connection, closed at the end

        try:
            builder = type(self)()  # a second index of the same kind: this one keeps answering meanwhile
            builder.reload_from_database()
            self._refreshed.set()
        except Exception:
            logger.exception("Building the %s index snapshot in the background failed", self.snapshot_name)
        finally:
            connection.close()

    def _replay(self, *, after_snapshot: bool = False) -> None:
        with self._lock:
            assert self._last_event is not None  # replayed only after a load (sync loads first)
            events = list(
                IndexEvent.objects.filter(id__gt=self._last_event - LOOKBACK)
                .order_by("id")
                .values_list("id", "image_id", "operation")[: REPLAY_LIMIT + LOOKBACK]
            )
            fresh = [event for event in events if event[0] not in self._applied]
            reloads = any(event[2] == IndexEvent.RELOAD and event[0] > self._load_point for event in fresh)
            if len(fresh) > REPLAY_LIMIT or reloads:
                # Many changes, or update_index asked every process to start afresh.
                self._rebuild(use_snapshot=False) if after_snapshot else self.reload()
                return
            final = {image_id: operation for _, image_id, operation in fresh}  # the last word per image
            for image_id, operation in final.items():
                if operation == IndexEvent.REMOVE:
                    self.drop_id(image_id)
            added = [image_id for image_id, operation in final.items() if operation == IndexEvent.ADD]
            if added:
                self.load_ids(added)
            for event_id, _, _ in fresh:
                self._applied.append(event_id)
            if events:
                self._last_event = max(self._last_event, events[-1][0])

    def reload(self) -> None:
        """Load the whole index afresh: from the host's snapshot when it is current, else from the database."""
        with self._lock:
            # Every process reloads within RELOAD_AFTER, so older change events can go.
            IndexEvent.objects.filter(created_at__lt=timezone.now() - timedelta(seconds=2 * RELOAD_AFTER)).delete()
            if self._from_snapshot():
                self._replay(after_snapshot=True)
                return
            self._rebuild()

    def _rebuild(self, *, use_snapshot: bool = True) -> None:
        """Build from the database and leave a snapshot for the other processes of this host."""
        with self._lock, snapshot.building(self.snapshot_name):
            if use_snapshot and self._from_snapshot():  # written by another process while we waited
                self._replay(after_snapshot=True)
                return
            last = IndexEvent.objects.order_by("-id").first()
            if last is None and self.snapshot_name and snapshot.directory():
                # An empty log (nothing changed for a long time) cannot vouch for a snapshot: mark it.
                last = IndexEvent.objects.create(image_id=0, operation=IndexEvent.RELOAD)
            self.load_all()
            self._last_event = self._load_point = last.id if last else 0
            self._applied.clear()
            self._loaded_at = time.monotonic()
            self.loaded_from = "database"
            if self.snapshot_name and last is not None:
                self.write_snapshot(last)

    def reload_from_database(self) -> None:
        """Build from the database even when the host has a current snapshot, and leave a new one."""
        self._rebuild(use_snapshot=False)

    def write_snapshot(self, last: IndexEvent) -> None:
        """Leave the index just built as the host's snapshot; `last` is the newest event it includes."""
        assert self.snapshot_name is not None  # only an index shared through snapshots writes one
        meta = {"last_event": last.id, "event_time": last.created_at.isoformat(), **self._snapshot_meta()}
        snapshot.write(self.snapshot_name, meta, self.save_snapshot)

    def _snapshot_meta(self) -> dict:
        return {"fingerprint_version": store.VERSION, "embedding_version": store.EMBEDDING_VERSION,
                "index_version": self.snapshot_version}  # fmt: skip

    def _from_snapshot(self) -> bool:
        """Map the host's snapshot if it is certainly current (see matching.index.snapshot); True when it was."""
        if not self.snapshot_name:
            return False
        found = snapshot.read(self.snapshot_name)
        if found is None or not self._current(found):
            return False
        try:
            self.load_snapshot(found)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            logger.warning("Ignoring the %s index snapshot in %s: %s", self.snapshot_name, found.folder, exc)
            return False
        self._last_event = self._load_point = found.last_event
        self._applied.clear()
        self._loaded_at = time.monotonic() - found.age  # its age counts towards the next full reload
        self.loaded_from = "snapshot"
        return True

    def _current(self, found: snapshot.Snapshot) -> bool:
        meta = found.meta
        if any(meta.get(key) != value for key, value in self._snapshot_meta().items()):
            return False
        if found.age >= RELOAD_AFTER:
            return False  # events logged since may have been pruned
        event = IndexEvent.objects.filter(id=found.last_event).first()
        if event is None or event.created_at.isoformat() != meta.get("event_time"):
            return False  # another database than the one it was written from
        later = IndexEvent.objects.filter(id__gt=found.last_event)
        if later.filter(operation=IndexEvent.RELOAD).exists():
            return False
        return later.count() <= REPLAY_LIMIT
