"""Measure what persistence costs: per-step saving, HTTP throughput, inbox latency at scale, long rework loops.

Run by hand from the repository root:

    .venv/bin/python bench/bench_persistence.py                       # SQLite in a temporary folder
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_persistence.py

The PostgreSQL database must be a scratch one: its public schema is dropped first. `--instances` and
`--pending` shrink the inbox data set when time is short. Figures are printed, one line each.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "api"))
sys.path.insert(0, str(ROOT / "tests" / "persistence"))

import sqlalchemy as sa  # noqa: E402
from schema_data import random_object  # noqa: E402

PASSWORD = "bench-password-123"
BULK_CHUNK = 5000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(name: str, values_ms: list[float]) -> None:
    print(f"{name}: p50 {percentile(values_ms, 0.5):.1f} ms, p95 {percentile(values_ms, 0.95):.1f} ms "
          f"(n={len(values_ms)})")


def machine() -> str:
    model = ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        model = "unknown"
    return f"{os.cpu_count()} CPU(s), {model}"


# --- Set-up ------------------------------------------------------------------------------------------------


def make_app(database_url: str, workdir: Path):
    from flask_migrate import upgrade

    from storage import db
    from web import create_app

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DOCUMENTS_DIR": str(workdir / "documents"),
        "SECRET_KEY": "bench-secret",
        "DEMO_PASSWORD": PASSWORD,
        "SCHEDULER_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
    })
    with app.app_context():
        if database_url.startswith("postgresql"):
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        runner = app.test_cli_runner()
        for command in (["processes", "deploy"], ["seed"]):
            result = runner.invoke(args=command)
            assert result.exit_code == 0, result.output
        db.session.remove()
    return app


# --- Per-step persistence against the bare engine -----------------------------------------------------------


def walk_cases(app, cases: int, max_steps: int, seed: int = 42) -> tuple[float, float, list[float], list[list]]:
    """Declare cases and complete their steps through the services, each case then replayed on the bare engine.

    The engine inputs of each case (start data, then each completed task's BPMN id and data) are recorded, and
    the bare engine replays exactly the same steps in memory right after the case was walked, so both figures
    see the machine in the same state. Returns (service seconds, bare seconds, step ms, inputs).
    """
    import forms
    from engine import workflow
    from engine.services import cases as case_service
    from engine.services import steps, tasks
    from storage import db
    from storage.models import PendingTask, User

    recorded: list[list] = []
    original_start, original_complete = workflow.start, workflow.complete

    def recording_start(bundle, data, *, script_engine):
        recorded.append([("start", dict(data))])
        return original_start(bundle, data, script_engine=script_engine)

    def recording_complete(bundle, wf, task_id, data):
        # Read straight from the task, so that recording adds next to nothing to the measured time.
        bpmn_id = wf.get_task_from_id(UUID(str(task_id))).task_spec.bpmn_id
        recorded[-1].append((bpmn_id, dict(data)))
        return original_complete(bundle, wf, task_id, data)

    workflow.start, workflow.complete = recording_start, recording_complete
    rng = random.Random(seed)
    service_seconds = bare_seconds = 0.0
    step_ms: list[float] = []
    try:
        with app.app_context(), app.test_request_context():
            school = db.session.scalar(sa.select(User).where(User.username == "ecole.demo"))
            _, bundle, declaration = case_service.declaration_form(school)
            for _ in range(cases):
                raw = forms.parse_json(declaration, random_object(declaration.resolved, rng))
                # A request loads its user before it calls a service.
                db.session.refresh(school)
                started = time.perf_counter()
                case = case_service.declare(school, raw)
                service_seconds += time.perf_counter() - started
                for _ in range(max_steps):
                    pending = db.session.scalars(sa.select(PendingTask).where(PendingTask.case_id == case.id)).first()
                    if pending is None:
                        break
                    user = steps.holders(pending)[0]
                    view = tasks.open_task(user, pending.id)
                    raw = forms.parse_json(view.form, random_object(view.form.resolved, rng))
                    # As in a request, the read transaction that opened the task is still open: the completion
                    # ends it and starts its own, and the user stays loaded.
                    started = time.perf_counter()
                    tasks.complete(user, pending.id, raw)
                    elapsed = time.perf_counter() - started
                    service_seconds += elapsed
                    step_ms.append(elapsed * 1000)
                # The median of three replays, so one slow pass of the machine does not move the ratio.
                bare_seconds += statistics.median(
                    replay_bare(bundle, recorded[-1], original_start, original_complete) for _ in range(3))
            db.session.remove()
    finally:
        workflow.start, workflow.complete = original_start, original_complete
    return service_seconds, bare_seconds, step_ms, recorded


def replay_bare(bundle, case_steps: list, start, complete) -> float:
    """Run one case's recorded steps on the bare engine in memory and return the seconds it took.

    `start` and `complete` are engine.workflow's functions; the replay lists the ready tasks to find each one.
    """
    from engine import workflow
    from engine.services import steps

    engine = steps.script_engine()
    started = time.perf_counter()
    (_, start_data), *rest = case_steps
    wf = start(bundle, start_data, script_engine=engine)
    for bpmn_id, data in rest:
        task = next(task for task in workflow.ready_tasks(bundle, wf) if task.bpmn_id == bpmn_id)
        complete(bundle, wf, task.id, data)
    return time.perf_counter() - started


# --- HTTP throughput with gunicorn --------------------------------------------------------------------------


def http_throughput(database_url: str, workdir: Path, seconds: float, clients: int) -> tuple[float, list[float]]:
    """Serve with gunicorn (2 workers) and complete tasks from `clients` threads; return (per second, ms)."""
    from persistence_support import ServerProcess, bearer, free_port, request_json

    env = {key: value for key, value in os.environ.items() if not key.startswith("SANAD_")}
    env.update({"DATABASE_URL": database_url, "SANAD_DOCUMENTS_DIR": str(workdir / "documents"),
                "SANAD_SECRET_KEY": "bench-secret", "DEMO_PASSWORD": PASSWORD, "LOG_FORMAT": "plain",
                "GUNICORN_ACCESS_LOG": str(workdir / "access.log")})
    port = free_port()
    server = ServerProcess(env, port, workdir / "gunicorn.log", workers=2)
    server.start()
    latencies: list[float] = []
    completed = [0]
    lock = threading.Lock()
    try:
        tokens = {name: bearer(port, name, PASSWORD)
                  for name in ("ecole.demo", "parent.demo", "province.demo", "region.demo", "central.demo")}
        form = request_json(port, "GET", "/api/v1/cases/form", headers=tokens["ecole.demo"])[1]["form"]
        by_role = {"school": ["ecole.demo"], "parent": ["ecole.demo", "parent.demo"],
                   "province": ["province.demo"], "region": ["region.demo"], "central": ["central.demo"]}
        deadline = time.monotonic() + seconds

        def client(index: int) -> None:
            rng = random.Random(index)
            while time.monotonic() < deadline:
                status, case = request_json(port, "POST", "/api/v1/cases", {"data": random_object(form, rng)},
                                            tokens["ecole.demo"])
                while status in (200, 201) and case["current_steps"] and time.monotonic() < deadline:
                    step = case["current_steps"][0]
                    for name in by_role.get(step["role"], []):
                        status, served = request_json(port, "GET", f"/api/v1/tasks/{step['task_id']}", None,
                                                      tokens[name])
                        if status == 200:
                            break
                    if status != 200:
                        break
                    started = time.perf_counter()
                    status, case = request_json(port, "POST", f"/api/v1/tasks/{step['task_id']}/complete",
                                                {"data": random_object(served["form"], rng)}, tokens[name])
                    elapsed = (time.perf_counter() - started) * 1000
                    if status == 200:
                        with lock:
                            completed[0] += 1
                            latencies.append(elapsed)

        threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
    finally:
        server.kill()
    return completed[0] / elapsed, latencies


# --- Inbox at scale -----------------------------------------------------------------------------------------


def bulk_fill(app, instances: int, pending: int, start_index: int = 0) -> None:
    """Insert `instances` closed-looking cases and `pending` pending tasks over synthetic schools, in plain SQL."""
    from storage import db

    with app.app_context():
        connection = db.session.connection()
        provinces = [row for row in connection.execute(sa.text("SELECT id, region_id FROM province ORDER BY id"))]
        version_id = connection.execute(sa.text("SELECT max(id) FROM process_version")).scalar()
        user_id = connection.execute(sa.text("SELECT id FROM app_user WHERE username = 'ecole.demo'")).scalar()
        schools = list(connection.execute(sa.text(
            "SELECT s.id, s.province_id, p.region_id, (SELECT min(id) FROM pupil WHERE school_id = s.id) "
            "FROM school s JOIN province p ON p.id = s.province_id WHERE s.code LIKE 'BENCH-%'")))
        if not schools:
            for index, (province_id, _) in enumerate(provinces * 10):
                connection.execute(sa.text(
                    "INSERT INTO school (code, name_fr, name_ar, is_public, province_id) "
                    "VALUES (:code, :name, :name, true, :province)"),
                    {"code": f"BENCH-{index:05d}", "name": f"Bench school {index}", "province": province_id})
            bench_schools = connection.execute(sa.text("SELECT id FROM school WHERE code LIKE 'BENCH-%'")).scalars()
            connection.execute(sa.text(
                "INSERT INTO pupil (massar_code, first_name, last_name, first_name_ar, last_name_ar, birth_date, "
                "level, insured, insurance_receipt, school_id, guardian_name) "
                "VALUES (:code, 'Bench', 'Pupil', '', '', :birth, '', true, '', :school, '')"),
                [{"code": f"B{school_id:09d}", "birth": date(2012, 1, 1), "school": school_id}
                 for school_id in bench_schools])
            schools = list(connection.execute(sa.text(
                "SELECT s.id, s.province_id, p.region_id, (SELECT min(id) FROM pupil WHERE school_id = s.id) "
                "FROM school s JOIN province p ON p.id = s.province_id WHERE s.code LIKE 'BENCH-%'")))
        now = datetime.now(timezone.utc)
        rng = random.Random(start_index)
        roles = ("school", "province", "region", "central", "parent")
        first_case = connection.execute(sa.text("SELECT coalesce(max(id), 0) FROM accident_case")).scalar() + 1
        for chunk_start in range(0, instances, BULK_CHUNK):
            rows = []
            for offset in range(chunk_start, min(instances, chunk_start + BULK_CHUNK)):
                school_id, province_id, region_id, pupil_id = schools[offset % len(schools)]
                rows.append({
                    "id": first_case + offset, "reference": f"BENCH-{start_index + offset:08d}",
                    "version": version_id, "pupil": pupil_id, "school": school_id, "province": province_id,
                    "region": region_id, "accident": date(2026, 1, 1), "state": "open" if offset < pending else "closed",
                    "status": "bench", "workflow": "{}", "engine": "bench", "user": user_id, "at": now,
                })
            connection.execute(sa.text(
                "INSERT INTO accident_case (id, reference, process_version_id, pupil_id, school_id, province_id, "
                "region_id, accident_date, state, status, workflow, engine_version, created_by_id, created_at, "
                "updated_at, row_version) VALUES (:id, :reference, :version, :pupil, :school, :province, :region, "
                ":accident, :state, :status, :workflow, :engine, :user, :at, :at, 1)"), rows)
        for chunk_start in range(0, pending, BULK_CHUNK):
            rows = []
            for offset in range(chunk_start, min(pending, chunk_start + BULK_CHUNK)):
                school_id, province_id, region_id, _ = schools[offset % len(schools)]
                rows.append({
                    "id": f"bench-{start_index + offset:012d}", "case": first_case + offset, "role": roles[offset % 5],
                    "school": school_id, "province": province_id, "region": region_id,
                    "due": now + timedelta(hours=rng.randint(-500, 500)), "at": now,
                })
            connection.execute(sa.text(
                "INSERT INTO pending_task (id, case_id, bpmn_id, title, lane, role, school_id, province_id, "
                "region_id, form, due_at, created_at) VALUES (:id, :case, 'Bench_Task', 'Bench task', 'Bench', "
                ":role, :school, :province, :region, 'bench.schema.json', :due, :at)"), rows)
        if db.engine.dialect.name == "postgresql":
            # Explicit ids leave the sequence behind; move it past them so later declarations still insert.
            connection.execute(sa.text(
                "SELECT setval(pg_get_serial_sequence('accident_case', 'id'), (SELECT max(id) FROM accident_case))"))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        db.session.remove()


def inbox_latency(app, repetitions: int) -> dict[str, list[float]]:
    """Time the first inbox page of each demo holder, `repetitions` times; return ms per username."""
    from storage import db, queries
    from storage.models import User

    results = {}
    with app.app_context():
        for username in ("ecole.demo", "province.demo", "region.demo", "central.demo"):
            user = db.session.scalar(sa.select(User).where(User.username == username))
            values = []
            for _ in range(repetitions):
                started = time.perf_counter()
                queries.inbox(user, page=1)
                values.append((time.perf_counter() - started) * 1000)
                db.session.rollback()
            results[username] = values
        db.session.remove()
    return results


# --- Rework loops -------------------------------------------------------------------------------------------


def rework_cost(loops: int, samples: int = 20) -> tuple[float, float, int, int]:
    """Return the median persisted step (load, two completions, save) of a fresh and a long case, and sizes."""
    from engine import workflow
    from engine.bundle import load_bundle, read_folder

    bundle = load_bundle(read_folder(ROOT / "tests" / "data" / "looped_rework"))
    engine = workflow.make_script_engine()

    def persisted_pass(text: str, rework: bool) -> tuple[str, float]:
        started = time.perf_counter()
        wf = workflow.loads(bundle, text, script_engine=engine)
        workflow.complete(bundle, wf, workflow.ready_tasks(bundle, wf)[0].id, {"note": "pass"})
        workflow.complete(bundle, wf, workflow.ready_tasks(bundle, wf)[0].id, {"rework_needed": rework})
        result = workflow.dumps(wf)
        return result, time.perf_counter() - started

    text = workflow.dumps(workflow.start(bundle, {}, script_engine=engine))
    fresh_size = len(text)
    fresh = []
    for _ in range(samples):
        _, elapsed = persisted_pass(text, True)
        fresh.append(elapsed)
    for _ in range(loops):
        text, _ = persisted_pass(text, True)
    long_size = len(text)
    long = []
    for _ in range(samples):
        _, elapsed = persisted_pass(text, True)
        long.append(elapsed)
    return statistics.median(fresh) * 1000, statistics.median(long) * 1000, fresh_size, long_size


# --- Main ---------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="scratch database to use (default: SQLite in a temporary folder)")
    parser.add_argument("--cases", type=int, default=60, help="cases walked through the services")
    parser.add_argument("--warmup-cases", type=int, default=5, help="cases walked before measuring")
    parser.add_argument("--max-steps", type=int, default=8, help="steps completed per walked case")
    parser.add_argument("--http-seconds", type=float, default=20.0, help="duration of the HTTP throughput run")
    parser.add_argument("--http-clients", type=int, default=4, help="client threads of the HTTP run")
    parser.add_argument("--instances", type=int, default=200_000, help="stored cases for the inbox measure")
    parser.add_argument("--pending", type=int, default=50_000, help="pending tasks for the inbox measure")
    parser.add_argument("--inbox-repetitions", type=int, default=200, help="inbox pages timed per user")
    parser.add_argument("--rework-loops", type=int, default=200, help="rework passes of the long case")
    arguments = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sanad-bench-"))
    database_url = arguments.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    dialect = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    print(f"machine: {machine()}")
    print(f"database: {dialect}, work folder: {workdir}")
    app = make_app(database_url, workdir)

    # A few unmeasured cases first, so the figures are those of a running server: statements compiled, forms and
    # schema checks cached, the workflow pool filled.
    walk_cases(app, arguments.warmup_cases, arguments.max_steps, seed=7)
    service_seconds, bare_seconds, step_ms, recorded = walk_cases(app, arguments.cases, arguments.max_steps)
    steps_run = sum(len(case_steps) for case_steps in recorded)
    print(f"persisted vs bare engine: {service_seconds * 1000 / steps_run:.1f} ms vs "
          f"{bare_seconds * 1000 / steps_run:.2f} ms per step over {steps_run} steps of {len(recorded)} cases, "
          f"ratio {service_seconds / bare_seconds:.1f}x")
    report("complete a task (service)", step_ms)

    if arguments.http_seconds > 0:
        # Several clients keep both workers busy, so their latencies include queueing. The latency of one
        # completion comes from a second run with one client at a time.
        per_second, http_ms = http_throughput(database_url, workdir, arguments.http_seconds, arguments.http_clients)
        print(f"HTTP completions (gunicorn 2 workers, {arguments.http_clients} clients): {per_second:.1f}/s")
        if http_ms:
            report(f"complete a task (HTTP, {arguments.http_clients} clients, with queueing)", http_ms)
        _, single_ms = http_throughput(database_url, workdir, arguments.http_seconds / 2, 1)
        if single_ms:
            report("complete a task (HTTP, one client)", single_ms)

    small_instances = min(2000, arguments.instances)
    small_pending = min(500, arguments.pending)
    bulk_fill(app, small_instances, small_pending, start_index=0)
    small = inbox_latency(app, arguments.inbox_repetitions)
    bulk_fill(app, arguments.instances - small_instances, arguments.pending - small_pending, start_index=small_instances)
    large = inbox_latency(app, arguments.inbox_repetitions)
    for username in small:
        report(f"inbox page {username} at {small_instances} instances", small[username])
        report(f"inbox page {username} at {arguments.instances} instances / {arguments.pending} pending",
               large[username])
        print(f"inbox p95 ratio {username}: "
              f"{percentile(large[username], 0.95) / percentile(small[username], 0.95):.1f}x")

    fresh_ms, long_ms, fresh_size, long_size = rework_cost(arguments.rework_loops)
    print(f"rework step (load, 2 completions, save): fresh {fresh_ms:.2f} ms, after {arguments.rework_loops} loops "
          f"{long_ms:.2f} ms, ratio {long_ms / fresh_ms:.1f}x; serialized {fresh_size} -> {long_size} bytes")


if __name__ == "__main__":
    main()
