"""Request counts for rate limits, shared by every web process of the host (the `rates` file cache).

Django's default cache lives in each process: behind gunicorn's workers a limit counted there lets a client
send as many times the limit as there are workers. The partner API's throttles and the licence form's hourly
allowance count here instead.
"""

from __future__ import annotations

from typing import cast

from django.core.cache import BaseCache, caches
from django.utils.connection import ConnectionProxy
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

rates = cast(BaseCache, ConnectionProxy(caches, "rates"))  # as django.core.cache.cache: each thread's own client


def count(key: str, window_seconds: int) -> int:
    """Count one more request under `key` in a window of `window_seconds` from its first; how many now."""
    rates.add(key, 0, window_seconds)
    try:
        return rates.incr(key)
    except ValueError:  # expired between add and incr
        rates.set(key, 1, window_seconds)
        return 1


class AnonThrottle(AnonRateThrottle):
    cache = rates


class ScopedThrottle(ScopedRateThrottle):
    cache = rates
