"""The `Form`: a resolved schema plus its fields in display order, grouped into fieldsets."""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import cached_property

from flask_babel import get_locale, gettext, ngettext
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from . import kinds  # noqa: F401  (fills the field registry)
from .conditions import conditional_rules, describe_condition
from .context import FormContext
from .daterange import DateBound
from .errors import FormSchemaError
from .fields import Field, field_class_for
from .kinds.choices import html_text
from .messages import bound_sentence
from .schema import date_bounds, properties_of, resolve

UI_WIDGETS = ("textarea", "radio", "checkboxes", "select", "hidden")


@dataclass
class Fieldset:
    """A group of fields shown under one heading; the title is empty for the unnamed group."""

    title: str
    fields: list[Field]


@dataclass(eq=False)
class Form:
    """A form file made concrete for one context: the served schema and the field model."""

    schema: dict
    ui_schema: dict
    context: FormContext
    resolved: dict
    fields: list[Field]
    fieldsets: list[Fieldset] = field(default_factory=list)

    @classmethod
    def build(cls, schema: dict, ui_schema: dict | None = None, context: FormContext | None = None) -> Form:
        """Resolve `schema` for `context` and build its fields in `ui:order`, grouped by `ui:fieldsets`.

        Raise `FormSchemaError` when the schema, once resolved, is not a valid draft 2020-12 schema or breaks
        the form-file conventions.
        """
        context = context or FormContext()
        ui_schema = ui_schema or {}
        _schema_inputs(schema)
        resolved = resolve(schema, context)
        return cls._from_resolved(schema, ui_schema, context, resolved)

    @classmethod
    def build_shared(cls, schema: dict, ui_schema: dict | None, context: FormContext, language: str) -> Form:
        """Like `build`, but return the form built earlier from the same files, language and context values.

        A form is never changed once built, so requests may share one. `schema` and `ui_schema` must be
        long-lived objects (those of a parsed process bundle), because the cache compares them by identity.
        `language` names what `context.translate` translates to. The key contains only what resolving the schema
        reads from `context`: the day, the time zone, the option lists and the case values that the schema names.
        """
        ui_schema = _NO_UI if ui_schema is None else ui_schema
        sources, case_keys = _schema_inputs(schema)
        key = (id(schema), id(ui_schema), language, str(get_locale() or ""), context.today, context.timezone,
               tuple(repr(context.case_data.get(name, _MISSING)) for name in case_keys),
               tuple(tuple(map(tuple, context.options.get(source, ()))) for source in sources))
        with _SHARED_LOCK:
            entry = _SHARED.get(key)
            if entry is not None and entry[0] is schema and entry[1] is ui_schema:
                _SHARED.move_to_end(key)
                return entry[2]
        # The kept form must not hold on to the caller's case data, which may be a live workflow dictionary.
        context = replace(context, case_data={name: context.case_data[name] for name in case_keys
                                              if name in context.case_data})
        form = cls._from_resolved(schema, ui_schema, context, resolve(schema, context))
        with _SHARED_LOCK:
            _SHARED[key] = (schema, ui_schema, form)
            while len(_SHARED) > SHARED_FORMS:
                _SHARED.popitem(last=False)
        return form

    @classmethod
    def _from_resolved(cls, schema: dict, ui_schema: dict, context: FormContext, resolved: dict) -> Form:
        if not isinstance(ui_schema, dict):
            raise FormSchemaError("the UI schema must be an object")
        bounds = date_bounds(schema, context)
        notes = _conditional_notes(resolved, context)
        required = set(resolved.get("required", []))
        fields = {
            name: _build_field(name, schema["properties"][name], prop, ui_schema.get(name) or {}, context,
                               name in required, notes.get(name), bounds.get(name, (None, None)))
            for name, prop in properties_of(resolved).items()
        }
        ordered = [fields[name] for name in _display_order(list(fields), ui_schema.get("ui:order"))]
        form = cls(schema=schema, ui_schema=ui_schema, context=context, resolved=resolved, fields=ordered)
        form.fieldsets = _group(ordered, ui_schema.get("ui:fieldsets"), context)
        # Fieldsets list their fields in their own order, so the flat order follows the groups.
        form.fields = [member for fieldset in form.fieldsets for member in fieldset.fields]
        return form

    def field(self, name: str) -> Field:
        """Return the field called `name`; raise KeyError if the form has none."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    @cached_property
    def validator(self) -> Draft202012Validator:
        """Return a validator of the resolved schema without the keywords that `Field.check` handles."""
        return Draft202012Validator(_for_validator(self.resolved))


def _build_field(
    name: str,
    original: dict,
    prop: dict,
    ui: dict,
    context: FormContext,
    required: bool,
    note: str | None,
    bounds: tuple[DateBound | None, DateBound | None],
) -> Field:
    if not isinstance(ui, dict):
        raise FormSchemaError(f"{name}: the UI schema entry must be an object")
    widget = ui.get("ui:widget")
    if widget is not None and widget not in UI_WIDGETS:
        raise FormSchemaError(f"{name}: unknown ui:widget {widget!r}; use one of {', '.join(UI_WIDGETS)}")

    translate = context.translate
    help_parts = [translate(text) for text in (original.get("description"), ui.get("ui:help")) if text]
    sentence = bound_sentence(*bounds, gettext, ngettext, translate)
    if sentence:
        help_parts.append(sentence)

    # Options from the application (a roster of pupils) are data, not form text to translate.
    from_application = "x-options-source" in original or "x-options-source" in (original.get("items") or {})
    options = [
        (html_text(value), title if from_application else translate(title))
        for value, title in _options_of(prop.get("items") if prop.get("type") == "array" else prop)
    ]

    field_class = field_class_for(prop, ui)
    return field_class(
        name=name,
        title=translate(prop.get("title") or name),
        schema=prop,
        context=context,
        help=" ".join(help_parts),
        required=required,
        conditional_required=note,
        options=options,
        widget=widget,
        readonly=bool(prop.get("readOnly")),
        placeholder=translate(ui["ui:placeholder"]) if ui.get("ui:placeholder") else "",
        document_type=prop.get("x-document-type"),
        date_bounds=bounds,
    )


def _options_of(prop: dict | None) -> list[tuple[object, str]]:
    if not isinstance(prop, dict):
        return []
    if isinstance(prop.get("oneOf"), list):
        return [
            (option["const"], str(option.get("title", option["const"])))
            for option in prop["oneOf"]
            if isinstance(option, dict) and "const" in option
        ]
    if isinstance(prop.get("enum"), list):
        return [(value, str(value)) for value in prop["enum"]]
    return []


def _conditional_notes(resolved: dict, context: FormContext) -> dict[str, str]:
    properties = properties_of(resolved)
    conditions: dict[str, list[str]] = {}
    for condition, names in conditional_rules(resolved):
        text = describe_condition(condition, properties, context.translate)
        for name in names:
            conditions.setdefault(name, []).append(text)
    return {
        name: gettext("Required when %(condition)s.", condition=_either(texts))
        for name, texts in conditions.items()
    }


def _either(texts: list[str]) -> str:
    text = texts[0]
    for other in texts[1:]:
        text = gettext("%(first)s or %(second)s", first=text, second=other)
    return text


def _display_order(names: list[str], order: object) -> list[str]:
    if order is None:
        return names
    if not isinstance(order, list) or not all(isinstance(name, str) for name in order):
        raise FormSchemaError("ui:order must be a list of field names")
    unknown = [name for name in order if name != "*" and name not in names]
    if unknown:
        raise FormSchemaError(f"ui:order names fields the schema does not have: {', '.join(unknown)}")
    if len(set(order)) != len(order):
        raise FormSchemaError("ui:order lists a name twice")
    rest = [name for name in names if name not in order]
    if "*" not in order:
        if rest:
            raise FormSchemaError(f"ui:order leaves out {', '.join(rest)}; add them or \"*\"")
        return list(order)
    star = order.index("*")
    return [*order[:star], *rest, *order[star + 1:]]


def _group(fields: list[Field], fieldsets: object, context: FormContext) -> list[Fieldset]:
    if fieldsets is None:
        return [Fieldset(title="", fields=list(fields))]
    if not isinstance(fieldsets, list) or not all(
        isinstance(item, dict) and isinstance(item.get("fields"), list) for item in fieldsets
    ):
        raise FormSchemaError('ui:fieldsets must be a list of {"title": ..., "fields": [...]}')
    by_name = {item.name: item for item in fields}
    placed: set[str] = set()
    groups = []
    for item in fieldsets:
        names = item["fields"]
        unknown = [name for name in names if name not in by_name]
        if unknown:
            raise FormSchemaError(f"ui:fieldsets names fields the schema does not have: {', '.join(unknown)}")
        twice = [name for name in names if name in placed]
        if twice:
            raise FormSchemaError(f"ui:fieldsets places a field in two groups: {', '.join(twice)}")
        placed.update(names)
        members = [by_name[name] for name in names]
        title = item.get("title")
        groups.append(Fieldset(title=context.translate(title) if title else "", fields=members))
    leftover = [candidate for candidate in fields if candidate.name not in placed]
    if leftover:
        groups.append(Fieldset(title="", fields=leftover))
    return groups


def _for_validator(schema: dict) -> dict:
    """Return the resolved schema as the validator checks it: without `multipleOf`, and with choices as `enum`.

    jsonschema tests multipleOf in binary floating point, so 12.07 fails multipleOf 0.01; the number fields
    check it with decimals instead. A `oneOf` of distinct constants accepts the same values as an `enum` of them,
    which jsonschema checks without validating every choice as a sub-schema.
    """
    properties = {}
    for name, prop in properties_of(schema).items():
        prop = _simplified(prop)
        if isinstance(prop.get("items"), dict):
            prop["items"] = _simplified(prop["items"])
        properties[name] = prop
    return {**schema, "properties": properties}


def _simplified(prop: dict) -> dict:
    prop = {key: value for key, value in prop.items() if key != "multipleOf"}
    choices = prop.get("oneOf")
    if isinstance(choices, list) and choices and all(isinstance(choice, dict) and "const" in choice
                                                      and set(choice) <= {"const", "title"} for choice in choices):
        values = [choice["const"] for choice in choices]
        if len({json.dumps(value, sort_keys=True) for value in values}) == len(values):
            del prop["oneOf"]
            prop["enum"] = values
    return prop


# The UI schema given to a form file without one. It is a single object, so such forms share cache entries.
_NO_UI: dict = {}
# Forms built by `Form.build_shared`, least recently used first.
SHARED_FORMS = 512
_SHARED: OrderedDict[tuple, tuple[dict, dict, Form]] = OrderedDict()
_SHARED_LOCK = threading.Lock()

_MISSING = object()
# Facts about each form file's schema, by id: the schema itself (kept alive, so the id cannot be reused), its
# option sources and the case data keys it reads (see _schema_inputs).
_SCHEMAS: dict[int, tuple[dict, tuple[str, ...], tuple[str, ...]]] = {}


def _schema_inputs(schema: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the option sources and case data keys that resolving `schema` reads, checking it on first sight.

    A form file is checked as draft 2020-12 once per schema object, rather than each resolved copy. Resolving
    only adds keywords that are valid by construction (`oneOf` of constants, `formatMinimum`/`formatMaximum`,
    `readOnly`, `default`), and the copies differ with every case, so checking them would defeat any cache.
    """
    entry = _SCHEMAS.get(id(schema))
    if entry is not None and entry[0] is schema:
        return entry[1], entry[2]
    _check_schema(json.dumps(schema, sort_keys=True, default=str))
    sources, keys = [], []
    for prop in properties_of(schema).values():
        for part in (prop, prop.get("items")):
            if isinstance(part, dict) and isinstance(part.get("x-options-source"), str):
                sources.append(part["x-options-source"])
        if isinstance(prop.get("x-readonly-from"), str):
            keys.append(prop["x-readonly-from"])
        bounds = prop.get("x-date-range")
        for bound in bounds.values() if isinstance(bounds, dict) else ():
            if isinstance(bound, dict) and isinstance(bound.get("field"), str) and bound["field"] != "today":
                keys.append(bound["field"])
    if len(_SCHEMAS) > 1024:
        _SCHEMAS.clear()
    entry = _SCHEMAS[id(schema)] = (schema, tuple(sources), tuple(dict.fromkeys(keys)))
    return entry[1], entry[2]


@functools.lru_cache(maxsize=512)
def _check_schema(encoded: str) -> None:
    """Check a schema once per distinct content, because a check costs milliseconds and a cache hit microseconds."""
    try:
        Draft202012Validator.check_schema(json.loads(encoded))
    except SchemaError as error:
        raise FormSchemaError(f"invalid JSON Schema at {'/'.join(map(str, error.path))}: {error.message}") from error
