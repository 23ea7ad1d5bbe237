"""Real HTTP servers for the persistence tests: the app in a thread, or the whole server as a subprocess."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
START_TIMEOUT_SECONDS = 60


def request_json(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None,
                 timeout: float = 120.0) -> tuple[int, dict]:
    """Send one JSON request to 127.0.0.1:`port` and return (status, decoded body or {})."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        raw = response.read()
        try:
            decoded = json.loads(raw) if raw else {}
        except ValueError:
            decoded = {"raw": raw[:2000].decode(errors="replace")}
        return response.status, decoded
    finally:
        connection.close()


def bearer(port: int, username: str, password: str) -> dict:
    status, body = request_json(port, "POST", "/api/v1/auth/token", {"username": username, "password": password})
    assert status == 200, body
    return {"Authorization": f"Bearer {body['token']}"}


class ThreadedServer:
    """The test app served by werkzeug's threaded server on an ephemeral loopback port."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask_command(env: dict, *args: str) -> subprocess.CompletedProcess:
    """Run `flask --app wsgi ARGS` in the repository with `env`, and fail with its output when it fails."""
    result = subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


class ServerProcess:
    """The application under gunicorn (or `flask serve` without it) in its own process group."""

    def __init__(self, env: dict, port: int, log_path: Path, workers: int = 2):
        self.env = env
        self.port = port
        self.log_path = log_path
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = Path(PYTHON).with_name("gunicorn")
        if gunicorn.exists():
            command = [str(gunicorn), "--config", str(ROOT / "gunicorn.conf.py"), "--workers", str(self.workers),
                       "--bind", f"127.0.0.1:{self.port}", "wsgi:app"]
        else:
            command = [PYTHON, "-m", "flask", "--app", "wsgi", "serve", "--port", str(self.port)]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited with {self.process.returncode}:\n{self.log_path.read_text()}")
            try:
                status, _ = request_json(self.port, "GET", "/readyz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.kill()
        raise AssertionError(f"server not ready after {START_TIMEOUT_SECONDS} s:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL the server and its workers (its whole process group), as a power cut would."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


API_TESTS = ROOT / "tests" / "api"
if str(API_TESTS) not in sys.path:
    # The API tests' helpers draw valid random form data from the served schemas; reuse them.
    sys.path.insert(0, str(API_TESTS))
