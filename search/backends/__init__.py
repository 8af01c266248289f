"""Search backends, built from settings by one loader (as Wagtail builds its search backends).

    LIKENESS_SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database", ...options}}

BACKEND names a module with a `SearchBackend` alias, or a dotted path to a class.
"""

from __future__ import annotations

import copy
import importlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from search.backends.base import BaseSearchBackend

_backends: dict[str, BaseSearchBackend] = {}


def load_backend_class(path: str) -> type[BaseSearchBackend]:
    try:
        return importlib.import_module(path).SearchBackend
    except (ImportError, AttributeError):
        pass
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"Unknown search backend {path!r}: {exc}") from exc


def backend_names() -> list[str]:
    return list(getattr(settings, "LIKENESS_SEARCH_BACKENDS", {}))


def get_search_backend(name: str = "default") -> BaseSearchBackend:
    """The configured search backend `name`, built once per process."""
    if name not in _backends:
        configured = getattr(settings, "LIKENESS_SEARCH_BACKENDS", {})
        if name not in configured:
            raise ImproperlyConfigured(f"No search backend named {name!r} in LIKENESS_SEARCH_BACKENDS.")
        params = copy.deepcopy(configured[name])  # never mutate the settings
        _backends[name] = load_backend_class(params.pop("BACKEND"))(**params)
    return _backends[name]


def reset_backends() -> None:
    _backends.clear()
