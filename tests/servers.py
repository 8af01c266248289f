"""Real servers on loopback: an HTTP server for tests that fetch URLs, a second Likeness, a stalled port."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Route = Callable[[BaseHTTPRequestHandler], None]
PROJECT = Path(__file__).resolve().parent.parent


class LoopbackServer:
    """Serves registered routes on 127.0.0.1 on a free port, in a background thread."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []  # (path, Host header) of every request, in order
        routes, seen = self.routes, self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append((self.path, self.headers.get("Host", "")))
                route = routes.get(self.path)
                if route is None:
                    self.send_error(404)
                else:
                    route(self)

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def serve(self, path: str, body: bytes, content_type: str = "image/jpeg", status: int = 200) -> str:
        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        self.routes[path] = route
        return self.url(path)

    def redirect(self, path: str, location: str) -> str:
        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(302)
            handler.send_header("Location", location)
            handler.end_headers()

        self.routes[path] = route
        return self.url(path)

    def stall(self, path: str, seconds: float) -> str:
        def route(handler: BaseHTTPRequestHandler) -> None:
            time.sleep(seconds)
            handler.send_response(200)
            handler.end_headers()

        self.routes[path] = route
        return self.url(path)

    def drip(self, path: str, interval: float = 0.2, limit: float = 30.0, headers: bool = False) -> str:
        """A 200 whose body (or, `headers`, whose header lines) arrives one byte every `interval` seconds, for at
        most `limit` seconds: each byte restarts a read timeout, so only a deadline on the whole exchange ends it."""

        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "image/png")
            if not headers:
                handler.end_headers()
            handler.wfile.flush()
            stop = time.monotonic() + limit
            while time.monotonic() < stop:
                try:
                    handler.wfile.write(b"x" if headers else b"\x89")  # headers: an endless header name
                    handler.wfile.flush()
                except OSError:  # the client gave up: what the test wants
                    return
                time.sleep(interval)

        self.routes[path] = route
        return self.url(path)

    def endless(self, path: str, limit_bytes: int = 200 * 1024 * 1024) -> str:
        """A 200 with no Content-Length whose body never ends (until the client leaves, or `limit_bytes`)."""

        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "image/jpeg")
            handler.end_headers()
            chunk = b"\xff" * 65536
            for _ in range(limit_bytes // len(chunk)):
                try:
                    handler.wfile.write(chunk)
                except OSError:
                    return

        self.routes[path] = route
        return self.url(path)

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class LikenessInstance:
    """Another Likeness, with its own SQLite database, media and index folders, served by gunicorn on loopback
    with the production gunicorn settings (webapp/gunicorn.conf.py).

    The remote match provider's tests use its MatchEngine-compatible /rest/ API as the remote.
    """

    USER, PASSWORD = "matcher", "matcher-password"

    def __init__(self, root: Path, workers: int = 1) -> None:
        self.root = root
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "MATCH"))},
            "DJANGO_SETTINGS_MODULE": "webapp.settings", "SECRET_KEY": "second-instance-not-a-secret",
            "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
            "MEDIA_ROOT": str(root / "media"), "ORIGINALS_ROOT": str(root / "originals"),
            "QUERY_IMAGE_DIR": str(root / "queries"), "MATCH_PROVIDER": "local",
            "SEARCH_BACKEND": "database", "TASKS_BACKEND": "immediate", "LOG_LEVEL": "WARNING",
            "DJANGO_SUPERUSER_PASSWORD": self.PASSWORD, "LIKENESS_INDEX_DIR": str(root / "index"),
        }  # fmt: skip

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/rest/"

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], env=self.env, cwd=PROJECT, check=True,
                       capture_output=True)  # fmt: skip

    def start(self) -> LikenessInstance:
        if not (self.root / "db.sqlite3").exists():
            shutil.copyfile(migrated_database(), self.root / "db.sqlite3")
        log = (self.root / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "webapp/gunicorn.conf.py", "webapp.wsgi",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--threads", "4", "--timeout", "60"],
            env=self.env, cwd=PROJECT, stdout=log, stderr=log,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The second Likeness exited; see {self.root / 'server.log'}.")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("The second Likeness did not start listening within 60 s.")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a master stopped while still starting up may not exit
                self.process.kill()
                self.process.wait(timeout=30)
            self.process = None


class SilentPort:
    """A port that accepts connections and never answers: a remote that has stalled."""

    def __enter__(self) -> SilentPort:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)  # the kernel completes handshakes; nobody ever reads or replies
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}/rest/"

    def __exit__(self, *exc) -> None:
        self.socket.close()


def migrated_database() -> Path:
    """A migrated SQLite database with LikenessInstance's staff login (hashed as production settings hash it),
    made once per machine for the migrations as they are; every test process copies it (migrating takes
    seconds, a copy milliseconds)."""
    migrations = sorted(PROJECT.glob("*/migrations/0*.py"))
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in migrations)).hexdigest()[:16]
    template = Path(tempfile.gettempdir()) / f"likeness-migrated-{digest}.sqlite3"
    with (template.parent / f"{template.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process makes it; the others wait and copy it
        if not template.exists():
            building = template.with_suffix(".building")
            building.unlink(missing_ok=True)
            made = {**LikenessInstance(template.parent).env, "DATABASE_URL": f"sqlite:///{building}"}
            staff = ["--username", LikenessInstance.USER, "--email", "m@likeness.test"]
            for command in (["migrate", "--no-input"], ["createsuperuser", "--no-input", *staff]):
                subprocess.run([sys.executable, "manage.py", *command], env=made, cwd=PROJECT, check=True,
                               capture_output=True)  # fmt: skip
            os.replace(building, template)
    return template


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
