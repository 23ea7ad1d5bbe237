"""Health check and the front-end packages installed under node_modules."""

from __future__ import annotations

from pathlib import Path

from flask import abort, send_from_directory

from .common import bp

BPMN_JS_DIST = Path(__file__).resolve().parents[2] / "node_modules" / "bpmn-js" / "dist"


@bp.route("/healthz")
def healthz():
    """Tell a load balancer the process is up; touches no database so a slow one does not fail the check."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/vendor/bpmn-js/<path:filename>")
def bpmn_js(filename: str):
    if not BPMN_JS_DIST.is_dir():
        abort(404)
    # send_from_directory rejects paths that leave the folder and returns 404 for missing files.
    return send_from_directory(BPMN_JS_DIST, filename, max_age=86400)
