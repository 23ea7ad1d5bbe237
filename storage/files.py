"""The document file store: uploads kept on disk under random names, checked by content."""

from __future__ import annotations

import hashlib
import os
import secrets
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
    """Write-once files under `root`; a file is never overwritten or renamed after it is stored."""

    def __init__(self, root: str | os.PathLike, max_bytes: int):
        self.root = Path(root)
        self.max_bytes = max_bytes

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
        """Check and store an upload, and return where and what it is.

        The file is written to a temporary name, flushed to disk and renamed, so a crash never leaves a
        partial file under a stored name.
        """
        media_type = self.check(content, filename)
        self.root.mkdir(parents=True, exist_ok=True)
        stored_name = secrets.token_hex(16)
        final_path = self.root / stored_name
        temporary_path = self.root / f".{stored_name}.part"
        with open(temporary_path, "xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary_path, final_path)
        final_path.chmod(0o440)
        return StoredFile(stored_name, hashlib.sha256(content).hexdigest(), len(content), media_type)

    def path(self, stored_name: str) -> Path:
        """Return the path of a stored file, refusing any name that is not one this store produced."""
        if len(stored_name) != 32 or any(c not in "0123456789abcdef" for c in stored_name):
            raise FileNotFoundError(stored_name)
        return self.root / stored_name

    def delete(self, stored_name: str) -> None:
        """Remove a file whose database row was never committed."""
        self.path(stored_name).unlink(missing_ok=True)
