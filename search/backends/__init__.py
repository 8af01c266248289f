"""Search backends, built from LIKENESS_SEARCH_BACKENDS by one loader (see matching.registry).

LIKENESS_SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database", ...options}}
"""

from __future__ import annotations

from matching.registry import Registry
from search.backends.base import BaseSearchBackend

__all__ = ["BaseSearchBackend", "backend_names", "get_search_backend", "reset_backends"]

_registry: Registry[BaseSearchBackend] = Registry("LIKENESS_SEARCH_BACKENDS", "SearchBackend", "search backend")
get_search_backend = _registry.get
backend_names = _registry.names
reset_backends = _registry.reset
