"""Coercion and validation of parsed form data against the resolved schema, with every error at once."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext, ngettext
from jsonschema.exceptions import ValidationError

from .conditions import describe_condition
from .fields import MISSING, Field
from .form import Form
from .messages import format_limit, pattern_message
from .schema import properties_of

FORM_LEVEL = ""


def validate(form: Form, data: Mapping[str, Any]) -> tuple[dict, dict[str, list[str]]]:
    """Coerce `data` and check it against the form, returning `(clean data, errors by field name)`.

    Form-level errors are under "". Unknown fields are dropped and read-only fields take their case value.
    Files stay `UploadedFile` objects or `document:<id>` references; the caller must check that a reference
    belongs to the case before storing it.
    """
    fields = {field.name: field for field in form.fields}
    clean: dict[str, Any] = {}
    for field in form.fields:
        if field.readonly:
            if field.default is not MISSING:
                clean[field.name] = copy.deepcopy(field.default)
            continue
        value = data.get(field.name, MISSING)
        if value is not MISSING and value is not None:
            clean[field.name] = field.coerce(value)

    errors: dict[str, list[str]] = {}
    instance = {name: fields[name].schema_value(value) for name, value in clean.items()}
    schema_errors = list(form.validator.iter_errors(instance))
    wrong_type = {error.path[0] for error in schema_errors if error.validator == "type" and len(error.path) == 1}
    for error in schema_errors:
        if error.path and error.path[0] in wrong_type and error.validator != "type":
            # Further errors on a value of the wrong type (such as a const) only repeat the type error.
            continue
        for name, message in _messages_for(error, form, fields, instance):
            if name in fields and fields[name].readonly:
                # The user cannot change a read-only value, so an error on it would block the form for good.
                continue
            _add(errors, name, message)

    for field in form.fields:
        if field.name in clean and field.name not in wrong_type and not field.readonly:
            for message in field.check(clean[field.name]):
                _add(errors, field.name, message)

    order = {FORM_LEVEL: -1, **{field.name: index for index, field in enumerate(form.fields)}}
    return clean, dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order))))


def _add(errors: dict[str, list[str]], name: str, message: str) -> None:
    messages = errors.setdefault(name, [])
    if message not in messages:
        messages.append(message)


def _messages_for(
    error: ValidationError, form: Form, fields: dict[str, Field], instance: dict
) -> list[tuple[str, str]]:
    path = list(error.path)
    if not path:
        return _form_level_messages(error, form, fields, instance)
    name = path[0]
    field = fields.get(name)
    if field is None or not isinstance(name, str):
        return [(FORM_LEVEL, gettext("Some answers do not fit together; check the form."))]
    if len(path) > 1 and error.validator in ("type", "enum", "const", "oneOf", "anyOf"):
        return [(name, field.choice_error())]
    return [(name, _field_message(error, field))]


def _form_level_messages(
    error: ValidationError, form: Form, fields: dict[str, Field], instance: dict
) -> list[tuple[str, str]]:
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in instance]
        condition = _condition_of(error, form)
        return [_required_message(name, fields, condition) for name in missing]
    if error.validator == "dependentRequired":
        missing = [
            name
            for trigger, names in error.validator_value.items()
            if trigger in instance
            for name in names
            if name not in instance
        ]
        return [_required_message(name, fields, None) for name in missing]
    return [(FORM_LEVEL, gettext("Some answers do not fit together; check the form."))]


def _required_message(name: str, fields: dict[str, Field], condition: str | None) -> tuple[str, str]:
    field = fields.get(name)
    if field is None:
        return FORM_LEVEL, gettext("The form requires %(name)s but has no such field.", name=name)
    if condition:
        return name, gettext("This field is required when %(condition)s.", condition=condition)
    return name, field.required_error()


def _condition_of(error: ValidationError, form: Form) -> str | None:
    """Describe the `if` whose `then` produced a required error, or return None for a plain `required`."""
    schema_path = list(error.schema_path)
    if len(schema_path) < 2 or schema_path[-2] != "then":
        return None
    node: Any = form.resolved
    for key in schema_path[:-2]:
        node = node[key]
    condition = node.get("if") if isinstance(node, dict) else None
    if not isinstance(condition, dict):
        return None
    return describe_condition(condition, properties_of(form.resolved), form.context.translate)


def _field_message(error: ValidationError, field: Field) -> str:
    keyword, limit = error.validator, error.validator_value
    if keyword == "type":
        return field.type_error()
    if keyword in ("enum", "const", "oneOf", "anyOf"):
        return field.choice_error()
    if keyword == "minLength":
        return ngettext("Enter at least %(num)s character.", "Enter at least %(num)s characters.", limit)
    if keyword == "maxLength":
        return ngettext("Enter at most %(num)s character.", "Enter at most %(num)s characters.", limit)
    if keyword == "minimum":
        return gettext("Enter a value of at least %(limit)s.", limit=format_limit(limit))
    if keyword == "maximum":
        return gettext("Enter a value of at most %(limit)s.", limit=format_limit(limit))
    if keyword == "exclusiveMinimum":
        return gettext("Enter a value greater than %(limit)s.", limit=format_limit(limit))
    if keyword == "exclusiveMaximum":
        return gettext("Enter a value less than %(limit)s.", limit=format_limit(limit))
    if keyword == "pattern":
        return pattern_message(limit)
    if keyword == "minItems":
        return ngettext("Choose at least %(num)s option.", "Choose at least %(num)s options.", limit)
    if keyword == "maxItems":
        return ngettext("Choose at most %(num)s option.", "Choose at most %(num)s options.", limit)
    if keyword == "uniqueItems":
        return gettext("Choose each option only once.")
    return gettext("This value is not valid.")
