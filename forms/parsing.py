"""Turning an HTML form submission or a JSON payload into raw typed data for `validate`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import FormDataError
from .fields import MISSING
from .form import Form


def parse_html(form: Form, values: Any, files: Any = None) -> dict:
    """Read a submitted HTML form into typed values, leaving out empty inputs and read-only fields.

    `values` and `files` are werkzeug MultiDicts or plain dicts of lists. Text that cannot be read as the
    field's type is kept as typed, so that `validate` can reject it and the form can show it again.
    """
    data = {}
    for field in form.fields:
        if field.readonly:
            continue
        value = field.parse_html(values, files)
        if value is not MISSING:
            data[field.name] = value
    return data


def parse_json(form: Form, payload: Any) -> dict:
    """Read a JSON API payload: file fields become `UploadedFile`, `InvalidUpload` or a document reference.

    Unknown keys, nulls and empty strings are left out. Raise `FormDataError` if `payload` is not an object.
    """
    if not isinstance(payload, Mapping):
        raise FormDataError("the form data must be a JSON object")
    data = {}
    for field in form.fields:
        if field.readonly or field.name not in payload:
            continue
        value = field.parse_json(payload[field.name])
        if value is not MISSING:
            data[field.name] = value
    return data
