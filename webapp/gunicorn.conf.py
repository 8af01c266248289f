"""gunicorn settings: `gunicorn -c webapp/gunicorn.conf.py webapp.wsgi` (what the Dockerfile runs).

The application is imported once, in the master (`preload_app`), so a worker starts without
importing anything. The indexes are made ready outside any request:
- `when_ready` (the master, once, before any worker starts) runs `load_indexes` in a forked child:
  it maps the host's current index snapshots (matching.index.snapshot) or builds them from the database.
  The master itself loads no index and runs no native thread pool (a forked worker would inherit
  it broken and abort), so it stays small;
- `post_worker_init` (each worker) maps those snapshots and replays the changes since, in
  milliseconds, before the worker takes its first request.

Settings from the environment: GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_TIMEOUT, GUNICORN_PRELOAD (1/0).
"""

import os
import time

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"


def when_ready(server) -> None:
    started = time.monotonic()
    if preload_app:  # the index modules too (importing starts no thread pool; using them would)
        import matching.index.lookalike_memory
        import matching.providers.local  # noqa: F401
    child = os.fork()
    if child == 0:  # the child loads and leaves the snapshots, then exits without running the master's cleanup
        code = 1
        try:
            from io import StringIO

            import django
            from django.core.management import call_command
            from django.db import connections

            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
            django.setup()
            output = StringIO()
            call_command("load_indexes", stdout=output, stderr=output)
            for line in output.getvalue().splitlines():
                server.log.info("load_indexes: %s", line)
            connections.close_all()
            code = 0
        except BaseException:
            server.log.exception("load_indexes failed; the workers load the indexes themselves")
        finally:
            os._exit(code)
    os.waitpid(child, 0)
    server.log.info("indexes ready for the workers in %.2f s", time.monotonic() - started)


def post_fork(server, worker) -> None:
    worker.forked_at = time.monotonic()


def post_worker_init(worker) -> None:
    loaded = time.monotonic()  # the application is imported by now
    from matching.index.lookalike import get_lookalike_index
    from matching.providers import get_provider

    provider, lookalike = get_provider(), get_lookalike_index()
    provider.count()  # count() brings an index up to date first: a mapped snapshot and the changes since
    lookalike.count()
    done = time.monotonic()
    worker.log.info(
        "worker ready %.2f s after its start: application %.2f s, indexes %.3f s (match index from the %s, "
        "look-alike index from the %s)", done - worker.forked_at, loaded - worker.forked_at, done - loaded,
        provider.loaded_from or "provider, not held here", lookalike.loaded_from or "index, not held here",
    )  # fmt: skip


def worker_exit(server, worker) -> None:
    """Leave at once once the worker's last request is answered: skip the interpreter's teardown.

    Native libraries' thread pools (onnxruntime, faiss's OpenMP, OpenCV) are torn down at interpreter exit,
    and in a forked worker one of them may abort or hang there, which held every stop for gunicorn's whole
    graceful timeout. Nothing is left to save by then: requests are answered, database connections are
    closed here, log records flushed.
    """
    import logging

    from django.db import connections

    connections.close_all()
    logging.shutdown()
    os._exit(0)
