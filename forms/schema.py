"""Resolution of the `x-` extensions into the standard JSON Schema served to clients."""

from __future__ import annotations

import copy
from datetime import date, datetime

from .context import FormContext
from .daterange import DateBound, english_gettext, english_ngettext, resolve_date_range
from .errors import FormSchemaError
from .messages import bound_sentence

# Resolved into standard keywords, so the served schema drops them; x-document-type stays for clients.
RESOLVED_EXTENSIONS = ("x-options-source", "x-date-range", "x-readonly-from")


def properties_of(schema: dict) -> dict[str, dict]:
    """Return the `properties` of a form schema, checking that the form is a flat object."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise FormSchemaError('a form schema must be an object schema ("type": "object")')
    properties = schema.get("properties", {})
    if not isinstance(properties, dict) or not all(isinstance(value, dict) for value in properties.values()):
        raise FormSchemaError("'properties' must map each field name to a schema object")
    return properties


def date_bounds(schema: dict, context: FormContext) -> dict[str, tuple[DateBound | None, DateBound | None]]:
    """Return the concrete `x-date-range` bounds of each date field that has them."""
    bounds = {}
    for name, prop in properties_of(schema).items():
        if "x-date-range" not in prop:
            continue
        if prop.get("format") != "date":
            raise FormSchemaError(f"{name}: x-date-range applies only to fields with \"format\": \"date\"")
        bounds[name] = resolve_date_range(name, prop["x-date-range"], context)
    return bounds


def resolve(schema: dict, context: FormContext) -> dict:
    """Return a deep copy of `schema` with every `x-` extension resolved for `context`.

    `x-options-source` becomes a `oneOf` of `{const, title}`, `x-date-range` becomes `formatMinimum` /
    `formatMaximum` plus a sentence in `description`, and `x-readonly-from` becomes `readOnly` with the case
    value as `default`. Text stays in English.
    """
    resolved = copy.deepcopy(schema)
    bounds = date_bounds(schema, context)
    for name, prop in properties_of(resolved).items():
        _resolve_options(name, prop, context)
        if isinstance(prop.get("items"), dict):
            _resolve_options(name, prop["items"], context)
        if name in bounds:
            _resolve_date_range(prop, *bounds[name])
        if "x-readonly-from" in prop:
            _resolve_readonly(name, prop, context)
        for keyword in RESOLVED_EXTENSIONS:
            prop.pop(keyword, None)
    return resolved


def _resolve_options(name: str, prop: dict, context: FormContext) -> None:
    source = prop.pop("x-options-source", None)
    if source is None:
        return
    if source not in context.options:
        raise FormSchemaError(f"{name}: the application gave no options for x-options-source {source!r}")
    prop.pop("enum", None)
    choices = [{"const": value, "title": label} for value, label in context.options[source]]
    if choices:
        prop["oneOf"] = choices
    else:
        # oneOf must not be empty (draft 2020-12 meta-schema); an empty enum accepts nothing, as intended.
        prop.pop("oneOf", None)
        prop["enum"] = []


def _resolve_date_range(prop: dict, minimum: DateBound | None, maximum: DateBound | None) -> None:
    if minimum is not None:
        prop["formatMinimum"] = minimum.value.isoformat()
    if maximum is not None:
        prop["formatMaximum"] = maximum.value.isoformat()
    sentence = bound_sentence(minimum, maximum, english_gettext, english_ngettext, lambda text: text)
    if sentence:
        prop["description"] = f"{prop['description']} {sentence}" if prop.get("description") else sentence


def _resolve_readonly(name: str, prop: dict, context: FormContext) -> None:
    key = prop["x-readonly-from"]
    if not isinstance(key, str):
        raise FormSchemaError(f"{name}: x-readonly-from must name a case data key")
    prop["readOnly"] = True
    if key in context.case_data:
        value = context.case_data[key]
        prop["default"] = value.isoformat() if isinstance(value, (date, datetime)) else copy.deepcopy(value)
    else:
        prop.pop("default", None)
