"""Command-line tools: `flask processes validate|deploy`, `flask seed`, `flask serve` and `flask scheduler`."""

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from engine import bundle as bundles
from engine.errors import DeploymentError
from engine.services import versions
from storage import db
from storage.accounts import password_hasher

processes_cli = AppGroup("processes", help="Check and deploy the BPMN diagrams and forms of processes/.")


def _print_problems(problems) -> None:
    for problem in problems:
        where = problem.file + (f", element {problem.element_id}" if problem.element_id else "")
        line = f"{where}: {problem.message}"
        if problem.hint:
            line += f" ({problem.hint})"
        click.echo(line, err=True)


def _overlay(folder: Path, paths: tuple[str, ...]) -> dict[str, bytes]:
    """Return the processes folder with the given files put in place of (or beside) its own."""
    files = bundles.read_folder(folder)
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = bundles.read_folder(path)
            continue
        name = path.name
        relative = f"forms/{name}" if name.endswith(".schema.json") or name.endswith(".uischema.json") else name
        if path.parent.name == "i18n":
            relative = f"i18n/{name}"
        files[relative] = path.read_bytes()
    return files


@processes_cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=True))
def validate_command(paths):
    """Check diagrams and forms without deploying them.

    Each FILE replaces its namesake in the processes folder for the check; a folder is checked as a whole.
    """
    folder = Path(current_app.config["PROCESSES_DIR"])
    problems = versions.validate_files(_overlay(folder, paths))
    if problems:
        _print_problems(problems)
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("No problems found.")


@processes_cli.command("deploy")
@click.option("--author", default=lambda: os.environ.get("USER", "cli"), help="Name stored with the version.")
@click.option("--comment", default="", help="Why this version is deployed.")
def deploy_command(author, comment):
    """Store the processes folder as a new version (nothing happens when it did not change)."""
    folder = Path(current_app.config["PROCESSES_DIR"])
    try:
        version, created = versions.deploy(bundles.read_folder(folder), author=author, comment=comment)
    except DeploymentError as exc:
        db.session.rollback()
        _print_problems(exc.problems)
        click.echo(f"Deployment rejected: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    verb = "Deployed" if created else "Unchanged:"
    click.echo(f"{verb} {version.process_id} version {version.number} ({version.content_sha256[:12]}).")


@click.command("seed")
def seed_command():
    """Load the referential (regions, directorates, demo schools and pupils) and the demo accounts."""
    from storage import seed

    counts = seed.seed_referential(db.session)
    users = seed.seed_demo_users(db.session, current_app.config["DEMO_PASSWORD"], password_hasher)
    db.session.commit()
    click.echo("Referential: " + ", ".join(f"{count} {name}" for name, count in counts.items()) + ".")
    click.echo("Demo accounts: " + ", ".join(users) + ".")


@click.command("serve")
@click.option("--host", default="127.0.0.1", help="Address to listen on.")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int,
              help="TCP port (default: the PORT environment variable, or 5000).")
def serve_command(host, port):
    """Serve the application with its timer scheduler in this one process."""
    from engine.services import scheduler

    current_app.config["SCHEDULER_ENABLED"] = True
    scheduler.start(current_app._get_current_object())
    from werkzeug.serving import run_simple

    click.echo(f"Sanad is running on http://{host}:{port}/ (demo password: see README).")
    # Flask ignores app.run() inside the `flask` command, so the development server is started directly.
    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run a single tick and print its figures, then exit.")
def scheduler_command(once):
    """Fire due timers and deliver e-mails every SCHEDULER_TICK_SECONDS (the production scheduler process)."""
    from engine.services import scheduler

    app = current_app._get_current_object()
    if once:
        figures = scheduler.tick(app)
        click.echo(", ".join(f"{name}={value}" for name, value in figures.items()))
        return
    scheduler.run_forever(app)


maintenance_cli = AppGroup("maintenance", help="Sweep orphaned upload files and check stored cases.")


@maintenance_cli.command("sweep")
@click.option("--older-than-minutes", default=60, show_default=True, type=click.IntRange(min=1),
              help="Delete only unreferenced files older than this many minutes.")
@click.option("--staged-days", default=14, show_default=True, type=click.IntRange(min=1),
              help="Delete staged uploads that were never submitted after this many days.")
def maintenance_sweep_command(older_than_minutes, staged_days):
    """Delete upload files that no document names, and staged uploads abandoned for too long."""
    from datetime import timedelta

    from engine.services import maintenance

    result = maintenance.sweep_orphan_files(timedelta(minutes=older_than_minutes),
                                            staged_older_than=timedelta(days=staged_days))
    click.echo(f"Deleted {result.orphan_files} orphan file(s), {result.partial_files} partial file(s), "
               f"{result.staged_documents} staged document(s) and {result.staged_files} of their file(s).")


@maintenance_cli.command("check")
@click.option("--case", "case_id", type=int, default=None, help="Check only the case with this id.")
def maintenance_check_command(case_id):
    """Check that each case's pending tasks, summary, timer, audit chain and files agree with its workflow."""
    from engine.services import maintenance
    from storage.models import Case

    if case_id is not None:
        case = db.session.get(Case, case_id)
        if case is None:
            click.echo(f"Case {case_id} was not found.", err=True)
            sys.exit(2)
        checked, problems = 1, maintenance.check_case_consistency(case)
    else:
        checked, problems = maintenance.check_all_cases()
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"Checked {checked} case(s): {len(problems)} problem(s) found.")
    if problems:
        sys.exit(1)


def init_app(app) -> None:
    app.cli.add_command(maintenance_cli)
    app.cli.add_command(processes_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(scheduler_command)
