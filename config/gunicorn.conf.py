"""gunicorn settings: `gunicorn -c config/gunicorn.conf.py config.wsgi` (what the Dockerfile runs).

The indexes are made ready outside any request:
- `when_ready` (the master, once, before any worker starts) runs `manage.py load_indexes` in a child
  process: it maps the host's current index snapshots (matching.snapshot) or builds them from the
  database. The master itself loads nothing (forking a process that holds native thread pools
  leaves workers that abort), so it stays small;
- `post_worker_init` (each worker) maps those snapshots and replays the changes since, in
  milliseconds, before the worker takes its first request.
"""

import os
import subprocess
import sys
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))


def when_ready(server) -> None:
    manage = Path(__file__).resolve().parent.parent / "manage.py"
    done = subprocess.run([sys.executable, str(manage), "load_indexes"], capture_output=True, text=True)  # noqa: S603 - our own command
    for line in (done.stdout + done.stderr).splitlines():
        server.log.info("load_indexes: %s", line)
    if done.returncode:  # the workers then load for themselves, as they would without snapshots
        server.log.warning("load_indexes failed (exit %s); workers load the indexes themselves", done.returncode)


def post_worker_init(worker) -> None:
    from matching.lookalike import get_index
    from matching.providers import get_provider

    get_provider().count()  # count() brings an index up to date first: a mapped snapshot and the changes since
    get_index().count()
