"""File fields: an upload, or a reference to a document stored earlier."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from ..dataurl import DataURLError, parse_data_url
from ..fields import MISSING, Field, register, submitted
from ..uploads import (
    InvalidUpload,
    UploadedFile,
    is_document_reference,
    max_upload_bytes,
    mebibytes,
)

# What the document store accepts; the store sniffs the content, this only guides the browser's picker.
ACCEPTED_TYPES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
EXISTING_SUFFIX = "__existing"
# The JSON Schema validator sees this string instead of the file so that keywords on strings still apply.
_SCHEMA_STAND_IN = "document:upload"


@register
class FileField(Field):
    """A file input; a hidden `<name>__existing` input carries the document already uploaded."""

    kind = "file"
    priority = 100
    input_type = "file"

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return prop.get("format") == "data-url" or "x-document-type" in prop

    @property
    def existing_name(self) -> str:
        """Return the name of the hidden input that keeps an earlier upload."""
        return self.name + EXISTING_SUFFIX

    def html_attributes(self) -> dict[str, str]:
        return {"accept": ACCEPTED_TYPES}

    def parse_html(self, values: Any, files: Any) -> Any:
        for item in submitted(files, self.name):
            upload = _read_upload(item)
            if upload is not None:
                return upload
        for reference in submitted(values, self.existing_name):
            if isinstance(reference, str) and reference.strip():
                return reference.strip()
        return MISSING

    def parse_json(self, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return MISSING
        if not isinstance(value, str) or is_document_reference(value):
            return value
        try:
            return parse_data_url(value.strip(), default_filename=self.name)
        except DataURLError as error:
            return InvalidUpload(str(error), raw=value[:80])

    def coerce(self, value: Any) -> Any:
        # Data URLs that reach `validate` without `parse_json` are decoded here, so they are never taken
        # for unknown document references.
        if isinstance(value, str) and value.strip()[:5].lower() == "data:":
            return self.parse_json(value)
        return value

    def schema_value(self, value: Any) -> Any:
        if isinstance(value, (UploadedFile, InvalidUpload)):
            return _SCHEMA_STAND_IN
        return value

    def check(self, value: Any) -> list[str]:
        if isinstance(value, InvalidUpload):
            return [value.message]
        if isinstance(value, UploadedFile):
            if value.size == 0:
                return [gettext("The file %(filename)s is empty; choose the scanned document again.",
                                filename=value.filename)]
            limit = max_upload_bytes()
            if value.size > limit:
                return [gettext("The file %(filename)s is larger than the %(limit_mib)s MiB limit; scan it at a "
                                "lower resolution.", filename=value.filename, limit_mib=mebibytes(limit))]
            return []
        if isinstance(value, str) and not is_document_reference(value):
            return [gettext("Upload the file again: the earlier upload could not be found.")]
        return []

    def type_error(self) -> str:
        return gettext("Upload a file.")

    def required_error(self) -> str:
        return gettext("Upload a file.")

    def to_html_value(self, value: Any) -> str:
        # A file input cannot be pre-filled; only a stored document survives a re-render.
        return value if is_document_reference(value) else ""

    def draft_value(self, values: Any, files: Any = None) -> str | None:
        for reference in submitted(values, self.existing_name):
            if is_document_reference(reference):
                return reference
        return None


def _read_upload(item: Any) -> UploadedFile | None:
    """Return an `UploadedFile` for a werkzeug FileStorage-like object, None when no file was chosen."""
    if isinstance(item, UploadedFile):
        return item
    filename = getattr(item, "filename", None)
    if not filename:
        return None
    read = getattr(item, "read", None)
    content = read() if callable(read) else b""
    media_type = getattr(item, "mimetype", None) or getattr(item, "content_type", None)
    return UploadedFile(
        filename=filename.replace("\\", "/").rsplit("/", 1)[-1],
        content=content,
        media_type_declared=(media_type or "application/octet-stream").split(";")[0].strip().lower(),
    )
