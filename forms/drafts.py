"""Re-rendering values into HTML inputs, and drafts saved without validation."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .fields import MISSING
from .form import Form


def to_html_values(form: Form, data: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """Return the input values that show `data` again, raw invalid text included.

    A file field's value is its document reference (for the hidden `<name>__existing` input) or "", since
    a new upload cannot be put back into a file input.
    """
    values: dict[str, str | list[str]] = {}
    for field in form.fields:
        value = field.default if field.readonly else data.get(field.name, MISSING)
        if value is not MISSING:
            values[field.name] = field.to_html_value(value)
    return values


def draft_payload(form: Form, values: Any, files: Any = None) -> dict[str, str | list[str]]:
    """Return the submitted text of each field, unvalidated and JSON-serialisable, for a draft.

    New uploads are not kept, but a reference to a document uploaded earlier is.
    """
    draft: dict[str, str | list[str]] = {}
    for field in form.fields:
        if field.readonly:
            continue
        value = field.draft_value(values, files)
        if value is not None:
            draft[field.name] = value
    return draft


def load_draft(form: Form, payload: Mapping[str, Any] | None) -> dict[str, str | list[str]]:
    """Return the input values of a saved draft, ignoring fields the form no longer has.

    Read-only fields show their current case value rather than the one at the time of the draft.
    """
    payload = payload or {}
    values: dict[str, str | list[str]] = {}
    for field in form.fields:
        if field.readonly:
            if field.default is not MISSING:
                values[field.name] = field.to_html_value(copy.deepcopy(field.default))
            continue
        value = payload.get(field.name)
        if isinstance(value, str):
            values[field.name] = value
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            values[field.name] = list(value)
    return values
