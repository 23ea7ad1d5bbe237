"""The document file store: uploads kept on disk under random names, checked by content."""

from __future__ import annotations

import hashlib
import os
import secrets
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

# Leading bytes of the accepted formats; the declared type and the file name are never trusted.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
ACCEPTED_TYPES = tuple(media_type for _, media_type in SIGNATURES)


class UploadRejected(Exception):
    """An upload that is empty, too large or not a PDF, JPEG or PNG document.

    `code` is one of "empty", "too_large", "unsupported_type"; `params` fill the user message.
    """

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    sha256: str
    size: int
    media_type: str


def sniff_media_type(content: bytes) -> str | None:
    """Return the media type that the content's leading bytes show, or None for an unknown format."""
    for signature, media_type in SIGNATURES:
        if content.startswith(signature):
            return media_type
    return None


class DocumentStore:
    """Write-once files under `root`: a file is never overwritten or renamed."""

    def __init__(self, root: str | os.PathLike, max_bytes: int, *, sync: bool = True):
        self.root = Path(root)
        self.max_bytes = max_bytes
        # Whether each file is flushed to the disk (fsync) before its row may be committed.
        self.sync = sync

    def check(self, content: bytes, filename: str) -> str:
        """Return the sniffed media type of an upload, or raise UploadRejected."""
        if not content:
            raise UploadRejected("empty", filename=filename)
        if len(content) > self.max_bytes:
            raise UploadRejected("too_large", filename=filename, limit=self.max_bytes, size=len(content))
        media_type = sniff_media_type(content)
        if media_type is None:
            raise UploadRejected("unsupported_type", filename=filename)
        return media_type

    def save(self, content: bytes, filename: str) -> StoredFile:
        """Check and store an upload, and return where and what it is once the file is on disk."""
        stored, done = self.start_save(content, filename)
        done.result()
        return stored

    def start_save(self, content: bytes, filename: str) -> tuple[StoredFile, Future]:
        """Check an upload, start storing it, and return what it is with a future that ends once it is stored.

        The content is written under its stored name, read-only from the start. With `sync`, a background thread
        then flushes it to disk while the caller goes on running the step's engine. Without it, the future is
        already done. The caller waits for the future before it commits the document's row, and the future
        raises OSError if the flush failed. Only a committed row makes a file reachable, so a file that a crash
        cut short has no row: it is an orphan, which `maintenance.sweep_orphan_files` deletes.
        """
        media_type = self.check(content, filename)
        stored_name = secrets.token_hex(16)
        path = self.root / stored_name
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o440)
        except FileNotFoundError:
            # The folder does not exist yet (first upload) or was removed: create it once and try again.
            self.root.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o440)
        handle = open(descriptor, "wb")  # noqa: SIM115 - closed by _flush or below
        try:
            handle.write(content)
            handle.flush()
        except BaseException:
            handle.close()
            path.unlink(missing_ok=True)
            raise
        if self.sync:
            done = _FLUSHER.submit(_flush, handle)
        else:
            handle.close()
            done = Future()
            done.set_result(None)
        return StoredFile(stored_name, hashlib.sha256(content).hexdigest(), len(content), media_type), done

    def path(self, stored_name: str) -> Path:
        """Return the path of a stored file, refusing any name that is not one this store produced."""
        if len(stored_name) != 32 or any(c not in "0123456789abcdef" for c in stored_name):
            raise FileNotFoundError(stored_name)
        return self.root / stored_name

    def delete(self, stored_name: str) -> None:
        """Remove a file whose database row was never committed."""
        self.path(stored_name).unlink(missing_ok=True)


# Disk flushes of uploads run here, beside the request that wrote them; see DocumentStore.start_save.
_FLUSHER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sanad-file-flush")


def _flush(handle) -> None:
    try:
        os.fsync(handle.fileno())
    finally:
        handle.close()
