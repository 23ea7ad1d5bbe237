"""Uploaded files and document references as they travel from parsing to the document store."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from flask_babel import format_decimal

# The document store rejects larger files too; checking here lets the form show the error with the others.
# This is the limit outside an application. A running application uses its UPLOAD_MAX_BYTES setting.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MEBIBYTE = 1024 * 1024


def mebibytes(size: int) -> str:
    """Return a byte count in MiB with one decimal at most, in the user's number format within an application."""
    value = round(size / MEBIBYTE, 1)
    return format_decimal(value) if has_app_context() else f"{value:g}"


def max_upload_bytes() -> int:
    """Return the largest upload accepted: the application's UPLOAD_MAX_BYTES, or MAX_UPLOAD_BYTES without one."""
    if has_app_context():
        return int(current_app.config.get("UPLOAD_MAX_BYTES", MAX_UPLOAD_BYTES))
    return MAX_UPLOAD_BYTES

DOCUMENT_REFERENCE_PREFIX = "document:"
_DOCUMENT_REFERENCE = re.compile(r"^document:[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class UploadedFile:
    """A file received in a submission, not yet stored; the store sniffs its real type."""

    filename: str
    content: bytes = field(repr=False)
    media_type_declared: str = "application/octet-stream"

    @property
    def size(self) -> int:
        """Return the size of the content in bytes."""
        return len(self.content)


@dataclass(frozen=True)
class InvalidUpload:
    """A file value that could not be decoded; `message` is the field error shown to the user."""

    message: str
    raw: str = field(default="", repr=False)


def is_document_reference(value: object) -> bool:
    """Tell whether `value` is a `document:<id>` reference to a stored document."""
    return isinstance(value, str) and _DOCUMENT_REFERENCE.match(value) is not None
