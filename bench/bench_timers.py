"""Measure the timer scheduler: the cost of a tick, the e-mail delivery rate and the lateness of a due timer.

Run by hand, not in CI:

    .venv/bin/python bench/bench_timers.py [--rows 200000] [--due 100] [--tick-seconds 1]
    DATABASE_URL=postgresql+psycopg://user@127.0.0.1/empty_db .venv/bin/python bench/bench_timers.py

Without DATABASE_URL the bench builds a fresh SQLite file in a temporary folder. With it, the database must be
empty (the bench runs the migrations and refuses a database that already holds cases).

The stored cases are copies of one real case declared an hour before the 48-hour declaration deadline began, so
each due copy fires a real reminder and escalation. NOTE: only the copies that fall due carry the real workflow
JSON (with fresh task ids); the idle copies carry a placeholder, so the database is smaller than one holding
N real cases. The due-case query reads only the indexed `next_timer_at` and `state` columns.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "timers"))

UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FAR_FUTURE = timedelta(days=3650)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="stored open cases (default 200000)")
    parser.add_argument("--due", type=int, default=100, help="cases whose timer is due in the busy tick")
    parser.add_argument("--tick-seconds", type=float, default=1.0,
                        help="tick interval of the lateness measurement, in seconds")
    parser.add_argument("--repeat", type=int, default=5, help="samples of each timing")
    return parser.parse_args()


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}: {os.cpu_count()} CPU(s), {model}, Python {platform.python_version()}"


def build_app(database_url: str, instance: Path):
    from flask_migrate import upgrade

    from web import create_app

    app = create_app({
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DOCUMENTS_DIR": str(instance / "documents"),
        "SCHEDULER_ENABLED": False,
        "MAIL_SERVER": "",
    })
    with app.app_context():
        from storage import db
        from storage.models import Case

        upgrade()
        if db.session.scalar(sa.select(sa.func.count()).select_from(Case)):
            sys.exit("The database already holds cases; point DATABASE_URL at an empty database.")
        runner = app.test_cli_runner()
        for command in (["processes", "deploy"], ["seed"]):
            result = runner.invoke(args=command)
            if result.exit_code != 0:
                sys.exit(f"`flask {' '.join(command)}` failed: {result.output}")
        db.session.remove()
    return app


def declare_template(app) -> int:
    """Declare one case whose 48-hour declaration deadline passed, frozen before its timer fires."""
    from timer_helpers import declare

    from engine.clock import clock

    with app.test_request_context():
        # Declared 49 hours ago (clock moved back), so its declaration deadline passed an hour ago.
        clock.advance(-timedelta(hours=49))
        try:
            case_id = declare(clock.now())
        finally:
            clock.reset()
    return case_id


def insert_copies(app, template_id: int, rows: int, due: int) -> list[int]:
    """Insert `rows` copies of the template case in bulk with plain SQL; return the ids of the `due` due ones."""
    from engine.clock import clock
    from storage import db

    now = clock.now()
    with app.app_context():
        connection = db.session.connection()
        template = connection.execute(sa.text("SELECT * FROM accident_case WHERE id = :id"),
                                      {"id": template_id}).mappings().one()
        tasks = list(connection.execute(sa.text("SELECT * FROM pending_task WHERE case_id = :id"),
                                        {"id": template_id}).mappings())
        columns = [name for name in template.keys() if name != "id"]
        insert = sa.text(f"INSERT INTO accident_case ({', '.join(columns)}) "
                         f"VALUES ({', '.join(':' + name for name in columns)})")
        batch = []
        for index in range(rows):
            row = dict(template)
            row.pop("id")
            row["reference"] = f"BENCH-{index:07d}"
            row["workflow"] = "{}"
            row["next_timer_at"] = now + FAR_FUTURE + timedelta(seconds=index)
            batch.append(row)
            if len(batch) == 10_000:
                connection.execute(insert, batch)
                batch = []
        if batch:
            connection.execute(insert, batch)
        due_ids = list(connection.scalars(sa.text(
            "SELECT id FROM accident_case WHERE reference LIKE 'BENCH-%' ORDER BY id LIMIT :due"), {"due": due}))
        # Take the template off the schedule, so it does not count as due.
        connection.execute(sa.text("UPDATE accident_case SET next_timer_at = NULL WHERE id = :id"),
                           {"id": template_id})
        db.session.commit()
        if connection.dialect.name == "postgresql":
            # Autovacuum would gather these statistics on a live database; right after a bulk insert the
            # planner has none and may scan the table.
            db.session.execute(sa.text("ANALYZE accident_case"))
            db.session.commit()
        _give_real_workflows(template, tasks, due_ids)
    return due_ids


def _give_real_workflows(template, tasks, case_ids: list[int]) -> None:
    """Give each case its own copy of the template workflow and pending tasks, with fresh task ids."""
    from storage import db

    connection = db.session.connection()
    for case_id in case_ids:
        mapping: dict[str, str] = {}

        def fresh(match, mapping=mapping):
            return mapping.setdefault(match.group(0), str(uuid.uuid4()))

        workflow = UUID_PATTERN.sub(fresh, template["workflow"])
        connection.execute(sa.text("UPDATE accident_case SET workflow = :workflow WHERE id = :id"),
                           {"workflow": workflow, "id": case_id})
        for task in tasks:
            row = dict(task)
            row["id"] = mapping.get(row["id"], str(uuid.uuid4()))
            row["case_id"] = case_id
            names = list(row)
            connection.execute(sa.text(f"INSERT INTO pending_task ({', '.join(names)}) "
                                       f"VALUES ({', '.join(':' + name for name in names)})"), row)
    db.session.commit()


def set_due(app, case_ids: list[int], moment) -> None:
    from storage import db

    with app.app_context():
        db.session.execute(sa.text("UPDATE accident_case SET next_timer_at = :moment WHERE id = :id"),
                           [{"moment": moment, "id": case_id} for case_id in case_ids])
        db.session.commit()
        db.session.remove()


def _restore_states(app, snapshot: dict[int, tuple[str, str]]) -> None:
    """Put the due cases back as they were before they fired, and empty the outbox and audit trail."""
    from storage import db

    with app.app_context():
        for case_id, (workflow, status) in snapshot.items():
            db.session.execute(sa.text("UPDATE accident_case SET workflow = :workflow, status = :status, "
                                       "state = 'open' WHERE id = :id"),
                               {"workflow": workflow, "status": status, "id": case_id})
        db.session.execute(sa.text("DELETE FROM notification"))
        db.session.execute(sa.text("DELETE FROM audit_event WHERE kind = 'timer_fired'"))
        db.session.commit()
        db.session.remove()


def _snapshot(app, case_ids: list[int]) -> dict[int, tuple[str, str]]:
    from storage import db

    with app.app_context():
        rows = db.session.execute(sa.text("SELECT id, workflow, status FROM accident_case WHERE id IN "
                                          f"({', '.join(str(case_id) for case_id in case_ids)})"))
        snapshot = {row.id: (row.workflow, row.status) for row in rows}
        db.session.remove()
    return snapshot


def measure_ticks(app, due_ids: list[int], repeat: int) -> None:
    from engine.clock import clock
    from engine.services import scheduler

    idle = []
    for _ in range(repeat):
        began = time.perf_counter()
        figures = scheduler.tick(app, "bench")
        idle.append(time.perf_counter() - began)
        assert figures["fired"] == 0, figures
    print(f"idle tick: median {statistics.median(idle) * 1000:.1f} ms (min {min(idle) * 1000:.1f}, "
          f"{repeat} ticks)")

    snapshot = _snapshot(app, due_ids)
    busy = []
    for _ in range(repeat):
        set_due(app, due_ids, clock.now() - timedelta(seconds=1))
        began = time.perf_counter()
        figures = scheduler.tick(app, "bench")
        busy.append(time.perf_counter() - began)
        assert figures["fired"] == len(due_ids), figures
        _restore_states(app, snapshot)
    per_case = statistics.median(busy) / len(due_ids) * 1000
    print(f"tick with {len(due_ids)} due: median {statistics.median(busy):.2f} s "
          f"({per_case:.1f} ms per case, {repeat} ticks)")


def measure_delivery(app, due_ids: list[int]) -> None:
    from timer_helpers import CapturingHandler, start_smtp

    from engine.clock import clock
    from engine.services import mail, timers

    snapshot = _snapshot(app, due_ids)
    set_due(app, due_ids, clock.now() - timedelta(seconds=1))
    with app.app_context():
        timers.fire_due()
    handler = CapturingHandler()
    controller = start_smtp(handler)
    try:
        app.config.update(MAIL_SERVER=controller.hostname, MAIL_PORT=controller.port,
                          PUBLIC_BASE_URL="https://sanad.example.test")
        with app.test_request_context():
            began = time.perf_counter()
            sent, failed = mail.deliver(limit=100_000)
            elapsed = time.perf_counter() - began
    finally:
        app.config.update(MAIL_SERVER="")
        controller.stop()
        controller.loop.close()
    print(f"e-mail delivery to aiosmtpd on loopback: {sent} sent, {failed} failed in {elapsed:.2f} s "
          f"({sent / elapsed:.0f} per second, one SMTP session per batch)")
    _restore_states(app, snapshot)


def measure_lateness(app, case_id: int, tick_seconds: float, repeat: int) -> None:
    """Run the tick every `tick_seconds` and report how long after its due time each timer fired."""
    from engine.clock import clock
    from engine.services import scheduler
    from storage import db

    snapshot = _snapshot(app, [case_id])
    lateness = []
    for sample in range(repeat):
        # Spread the due times over the tick interval, as real deadlines are.
        due_at = clock.now() + timedelta(seconds=0.3 + tick_seconds * sample / repeat)
        set_due(app, [case_id], due_at)
        while True:
            began = time.monotonic()
            figures = scheduler.tick(app, "bench")
            if figures["fired"]:
                with app.app_context():
                    fired_at = db.session.scalar(sa.text(
                        "SELECT MAX(at) FROM audit_event WHERE case_id = :id AND kind = 'timer_fired'"),
                        {"id": case_id})
                    db.session.remove()
                fired_at = _aware(fired_at)
                lateness.append((fired_at - due_at).total_seconds())
                break
            time.sleep(max(0.0, tick_seconds - (time.monotonic() - began)))
        _restore_states(app, snapshot)
    print(f"lateness with a {tick_seconds:g} s tick: median {statistics.median(lateness):.2f} s, "
          f"max {max(lateness):.2f} s ({repeat} timers; expected at most tick interval + processing)")


def _aware(value):
    from datetime import datetime, timezone

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def main() -> None:
    args = parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="sanad-bench-") as folder:
        instance = Path(folder)
        url = database_url or f"sqlite:///{instance / 'bench.sqlite3'}"
        print(machine())
        print(f"database: {url.split('@')[-1] if database_url else 'SQLite (fresh file)'}, "
              f"{args.rows} stored open cases, {args.due} due")
        app = build_app(url, instance)
        template_id = declare_template(app)
        began = time.perf_counter()
        due_ids = insert_copies(app, template_id, args.rows, args.due)
        print(f"bulk insert: {time.perf_counter() - began:.1f} s")
        measure_ticks(app, due_ids, args.repeat)
        measure_delivery(app, due_ids)
        measure_lateness(app, due_ids[0], args.tick_seconds, args.repeat)


if __name__ == "__main__":
    main()
