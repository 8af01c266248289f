"""Django for a benchmark script: the test settings on a fresh SQLite file in a temporary folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def setup() -> Path:
    """Configure and start Django; returns the benchmark's temporary folder."""
    workdir = Path(tempfile.mkdtemp(prefix="likeness-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    return workdir
