"""Keep an in-memory index in step with the database through the change log (IndexEvent).

Every process holds its own copy of an index (the hash index, the look-alike index). Before it
answers, it replays the events it has not applied: removals drop ids, additions re-read what is
stored for those ids. It reloads everything every RELOAD_AFTER seconds, after REPLAY_LIMIT events,
or when `update_index` logged a reload. Events are re-read LOOKBACK ids back, for ids that were
committed out of order.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import timedelta

from django.utils import timezone

from matching.models import IndexEvent

RELOAD_AFTER = 6 * 3600  # seconds; a full reload bounds how long any missed event can matter
REPLAY_LIMIT = 20_000  # more events than this: reload instead of replaying
LOOKBACK = 64


class EventFollower:
    """Base of an index that follows the change log; subclasses load, add and remove by image id."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._last_event: int | None = None
        self._applied: deque[int] = deque(maxlen=LOOKBACK * 4)
        self._loaded_at = 0.0

    def load_all(self) -> None:
        """Replace the whole in-memory index with what is stored."""
        raise NotImplementedError

    def load_ids(self, ids: list[int]) -> None:
        """Add (or refresh) these ids from what is stored."""
        raise NotImplementedError

    def drop_id(self, image_id: int) -> None:
        raise NotImplementedError

    def sync(self) -> None:
        """Bring the in-memory index up to date with the database."""
        with self._lock:
            if self._last_event is None or time.monotonic() - self._loaded_at > RELOAD_AFTER:
                self.reload()
                return
            events = list(
                IndexEvent.objects.filter(id__gt=self._last_event - LOOKBACK)
                .order_by("id")
                .values_list("id", "image_id", "operation")[: REPLAY_LIMIT + LOOKBACK]
            )
            fresh = [event for event in events if event[0] not in self._applied]
            if len(fresh) > REPLAY_LIMIT or any(event[2] == IndexEvent.RELOAD for event in fresh):
                self.reload()  # many changes, or update_index asked every process to start afresh
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
        """Rebuild the in-memory index from what is stored."""
        with self._lock:
            # Every process reloads within RELOAD_AFTER, so older change events can go.
            IndexEvent.objects.filter(created_at__lt=timezone.now() - timedelta(seconds=2 * RELOAD_AFTER)).delete()
            last = IndexEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            self.load_all()
            self._last_event = last
            self._applied.clear()
            self._loaded_at = time.monotonic()
