"""The field model: one `Field` subclass per kind, found through a registry instead of an if-chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from flask_babel import gettext

from .context import FormContext
from .daterange import DateBound


class _Missing:
    """The value of a field the submission left empty."""

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()

FIELD_TYPES: dict[str, type[Field]] = {}


def register(cls: type[Field]) -> type[Field]:
    """Add a field class to the registry under its `kind`."""
    FIELD_TYPES[cls.kind] = cls
    return cls


def field_class_for(prop: dict, ui: dict) -> type[Field]:
    """Return the registered class with the lowest `priority` whose `matches` accepts the property."""
    for cls in sorted(FIELD_TYPES.values(), key=lambda candidate: candidate.priority):
        if cls.matches(prop, ui):
            return cls
    raise LookupError(f"no field kind matches the schema {prop!r}")


def submitted(values: Any, name: str) -> list:
    """Return every value submitted under `name` from a MultiDict-like object or a dict of lists."""
    if values is None:
        return []
    getlist = getattr(values, "getlist", None)
    if callable(getlist):
        return list(getlist(name))
    value = values.get(name)
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


@dataclass(eq=False)
class Field:
    """One input of a form, with its translated labels and the HTML attributes that mirror the schema.

    `schema` is the resolved property. `attributes` holds the HTML constraint attributes (min, max,
    minlength, maxlength, pattern, step, accept) as strings. Subclasses override the parse, coerce, check
    and render steps of their kind.
    """

    kind: ClassVar[str] = ""
    priority: ClassVar[int] = 100
    input_type: ClassVar[str] = "text"

    name: str
    title: str
    schema: dict
    context: FormContext
    help: str = ""
    required: bool = False
    conditional_required: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    widget: str | None = None
    readonly: bool = False
    placeholder: str = ""
    document_type: str | None = None
    date_bounds: tuple[DateBound | None, DateBound | None] = (None, None)
    attributes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.attributes = {**self.html_attributes(), **self.attributes}

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        """Tell whether this kind renders the property `prop` with UI hints `ui`."""
        return False

    @property
    def min(self) -> str | None:
        """Return the HTML `min` attribute, if any."""
        return self.attributes.get("min")

    @property
    def max(self) -> str | None:
        """Return the HTML `max` attribute, if any."""
        return self.attributes.get("max")

    @property
    def default(self) -> Any:
        """Return the schema default (the case value of a read-only field), or MISSING."""
        return self.schema.get("default", MISSING)

    def html_attributes(self) -> dict[str, str]:
        """Return the HTML constraint attributes implied by the schema."""
        return {}

    def parse_html(self, values: Any, files: Any) -> Any:
        """Turn the submitted strings into a typed value, MISSING when empty, the raw text when unreadable."""
        text = self.first_text(values)
        return MISSING if text is None else self.parse_text(text)

    def parse_text(self, text: str) -> Any:
        """Turn one non-empty submitted string into a typed value."""
        return text

    def parse_json(self, value: Any) -> Any:
        """Turn a JSON value into the raw value `validate` expects, MISSING for null or empty text."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return MISSING
        return value

    def coerce(self, value: Any) -> Any:
        """Convert a value of a near type (such as "12" for an integer) or return it unchanged."""
        return value

    def check(self, value: Any) -> list[str]:
        """Return the errors that JSON Schema keywords do not cover (formats, date bounds, files)."""
        return []

    def schema_value(self, value: Any) -> Any:
        """Return the stand-in that the JSON Schema validator sees for `value`."""
        return value

    def type_error(self) -> str:
        """Return the error for a value of the wrong type."""
        return gettext("Enter text.")

    def required_error(self) -> str:
        """Return the error for a missing required value."""
        return gettext("This field is required.")

    def choice_error(self) -> str:
        """Return the error for a value outside `enum`, `const` or `oneOf`."""
        return gettext("Choose one of the listed options.")

    def to_html_value(self, value: Any) -> str | list[str]:
        """Return the string that re-renders `value` in this field's input."""
        if value is None or value is MISSING:
            return ""
        return str(value)

    def draft_value(self, values: Any, files: Any = None) -> str | list[str] | None:
        """Return the raw submitted text to keep in a draft, or None when nothing was entered."""
        items = [item for item in submitted(values, self.name) if isinstance(item, str)]
        return items[0] if items and items[0] != "" else None

    def first_text(self, values: Any) -> str | None:
        """Return the first submitted string stripped of surrounding blanks, None when empty."""
        for item in submitted(values, self.name):
            if isinstance(item, str):
                text = item.strip()
                return text or None
        return None
