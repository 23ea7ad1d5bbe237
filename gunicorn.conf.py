"""Gunicorn settings for `gunicorn wsgi:app`; each one can be changed through the environment variable named.

Web workers never run the timer scheduler: run `flask scheduler` as a separate process next to them.
"""

import os

# Address to listen on: GUNICORN_BIND, or all interfaces on PORT (default 8000).
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Worker processes; WEB_CONCURRENCY is the name hosting platforms set. Two per CPU core is a starting point
# for this I/O-bound app, to be adjusted after measuring.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Seconds a request may take before its worker is restarted, and the drain time on shutdown.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5

# Each worker builds its own app after the fork, so no database connection or pool crosses a fork.
preload_app = False

# Workers start no scheduler whatever the environment sets, because `flask scheduler` owns the timers.
os.environ["SANAD_SCHEDULER_ENABLED"] = "false"
# JSON log lines from the application unless the deployment sets LOG_FORMAT=plain.
os.environ.setdefault("LOG_FORMAT", "json")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# One JSON-like object per request. NOTE: gunicorn does not escape the values, so a path or user agent that
# contains a double quote yields a line that is not valid JSON.
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "request_id": "%({x-request-id}o)s", '
    '"remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", "query": "%(q)s", "status": %(s)s, '
    '"bytes": "%(B)s", "duration_ms": %(M)s, "user_agent": "%(a)s"}'
)
