"""Process deployment: every deploy stores the processes folder as a new immutable version."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from engine import bundle as bundles
from engine import workflow
from engine.errors import DeploymentError
from storage import db
from storage.models import ProcessVersion

from .errors import NotFound

log = logging.getLogger("sanad.engine")

MAIN_PROCESS_ID = "school_accident"


def _encode(files: dict[str, bytes]) -> dict[str, str]:
    return {path: content.decode("utf-8") for path, content in sorted(files.items())}


def _decode(files: dict[str, str]) -> dict[str, bytes]:
    return {path: text.encode("utf-8") for path, text in files.items()}


def validate_files(files: dict[str, bytes]):
    """Return the problems found in a set of process files (an empty list when they can be deployed)."""
    return bundles.validate(files)


def deploy(files: dict[str, bytes], *, author: str = "", comment: str = "",
           process_id: str = MAIN_PROCESS_ID) -> tuple[ProcessVersion, bool]:
    """Store `files` as the newest version of `process_id`, unless the newest version has the same content.

    Returns the version and whether it was created. Raises DeploymentError listing every problem found.
    """
    try:
        text_files = _encode(files)
    except UnicodeDecodeError as exc:
        raise DeploymentError("A process file is not UTF-8 text.", problems=[]) from exc
    from . import steps  # steps imports this module

    loaded = bundles.load_bundle(files, process_id=process_id)
    # The version number is read and written in one write transaction, so two deployments cannot share one.
    steps.begin_write()
    latest = latest_version(process_id)
    if latest is not None and latest.content_sha256 == loaded.sha256:
        return latest, False
    number = (latest.number if latest else 0) + 1
    version = ProcessVersion(process_id=process_id, number=number, content_sha256=loaded.sha256, files=text_files,
                             author=author, comment=comment)
    db.session.add(version)
    db.session.flush()
    log.info("process deployed", extra={"process_id": process_id, "version": number})
    return version, True


def latest_version(process_id: str = MAIN_PROCESS_ID) -> ProcessVersion | None:
    return db.session.scalar(
        sa.select(ProcessVersion).where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.number.desc()).limit(1)
    )


def require_latest(process_id: str = MAIN_PROCESS_ID) -> ProcessVersion:
    version = latest_version(process_id)
    if version is None:
        raise NotFound("No version of the process %(process)s is deployed; run `flask processes deploy`.",
                       process=process_id)
    return version


# Parsed bundles by version id and content hash; a version is immutable, so an entry never goes stale.
_BUNDLES: dict[tuple[int, str], object] = {}


def bundle_for(version: ProcessVersion):
    """Return the parsed bundle of a stored version, reading its files only the first time."""
    key = (version.id, version.content_sha256)
    bundle = _BUNDLES.get(key)
    if bundle is None:
        bundle = bundles.load_bundle(_decode(version.files), process_id=version.process_id)
        _BUNDLES[key] = bundle
    return bundle


def bundle_for_id(version_id: int):
    """Return the parsed bundle of the version with this id, which a case or task row refers to by foreign key."""
    return bundle_for(db.session.get(ProcessVersion, version_id))


def bundle_of_case(case) -> object:
    """Return the parsed bundle a case runs on, without reading its version row when the bundle is parsed already.

    The saved workflow names the content hash of its bundle, which with the version id is the cache key.
    """
    sha = workflow.saved_bundle_sha256(case.workflow) if case.workflow else None
    bundle = _BUNDLES.get((case.process_version_id, sha)) if sha else None
    return bundle if bundle is not None else bundle_for(case.process_version)


def all_versions() -> list[ProcessVersion]:
    return list(db.session.scalars(sa.select(ProcessVersion).order_by(ProcessVersion.process_id,
                                                                      ProcessVersion.number.desc())))
