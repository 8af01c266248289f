"""Match providers, built from LIKENESS_MATCH_PROVIDERS by one loader (see search.registry).

LIKENESS_MATCH_PROVIDERS = {"default": {"BACKEND": "search.providers.local", ...options}}
"""

from __future__ import annotations

from search.providers.base import Match, MatchProvider
from search.registry import Registry

__all__ = ["Match", "MatchProvider", "get_provider", "reset_providers"]

_registry: Registry[MatchProvider] = Registry("LIKENESS_MATCH_PROVIDERS", "Provider", "match provider")
get_provider = _registry.get
reset_providers = _registry.reset
