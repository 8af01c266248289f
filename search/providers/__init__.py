"""Match providers, built from settings by one loader (like Django's cache and storage backends).

    LIKENESS_MATCH_PROVIDERS = {"default": {"BACKEND": "search.providers.local", ...options}}

BACKEND names a module with a `Provider` class, or a dotted path to a class.
"""

from __future__ import annotations

import copy
import importlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from search.providers.base import Match, MatchProvider

__all__ = ["Match", "MatchProvider", "get_provider", "reset_providers"]

_providers: dict[str, MatchProvider] = {}


def load_provider_class(path: str) -> type[MatchProvider]:
    try:
        module = importlib.import_module(path)
        return module.Provider
    except (ImportError, AttributeError):
        pass
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"Unknown match provider {path!r}: {exc}") from exc


def get_provider(name: str = "default") -> MatchProvider:
    """The configured provider `name`, built once per process."""
    if name not in _providers:
        configured = getattr(settings, "LIKENESS_MATCH_PROVIDERS", {})
        if name not in configured:
            raise ImproperlyConfigured(f"No match provider named {name!r} in LIKENESS_MATCH_PROVIDERS.")
        options = copy.deepcopy(configured[name])  # never mutate the settings
        backend = options.pop("BACKEND")
        _providers[name] = load_provider_class(backend)(**options)
    return _providers[name]


def reset_providers() -> None:
    """Forget built providers (after settings change)."""
    _providers.clear()
