"""Build configured components from settings once per process (as Django builds caches and storages).

A setting maps names to option dicts, {"default": {"BACKEND": "search.backends.database", ...}};
BACKEND names a module with the expected alias (e.g. `SearchBackend`) or a dotted path to a class;
the other keys become keyword arguments. Settings are copied, never mutated.
"""

from __future__ import annotations

import copy
import importlib
from typing import Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, setting: str, alias: str, kind: str) -> None:
        self.setting, self.alias, self.kind = setting, alias, kind
        self._built: dict[str, T] = {}
        # A changed setting (override_settings, the test `settings` fixture) builds components anew.
        setting_changed.connect(self._setting_changed, weak=False)

    def load_class(self, path: str) -> type[T]:
        try:
            return getattr(importlib.import_module(path), self.alias)
        except (ImportError, AttributeError):
            pass
        try:
            return import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"Unknown {self.kind} {path!r}: {exc}") from exc

    def names(self) -> list[str]:
        return list(getattr(settings, self.setting, {}))

    def get(self, name: str = "default") -> T:
        """The configured component `name`, built on first use."""
        if name not in self._built:
            configured = getattr(settings, self.setting, {})
            if name not in configured:
                raise ImproperlyConfigured(f"No {self.kind} named {name!r} in {self.setting}.")
            options = copy.deepcopy(configured[name])
            self._built[name] = self.load_class(options.pop("BACKEND"))(**options)
        return self._built[name]

    def reset(self) -> None:
        """Forget what was built (after the setting changed)."""
        self._built.clear()

    def _setting_changed(self, setting: str, **kwargs) -> None:
        if setting == self.setting:
            self.reset()
