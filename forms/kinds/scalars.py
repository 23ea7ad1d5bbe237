"""Text, e-mail, number and yes/no fields."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from flask_babel import gettext

from ..fields import MISSING, Field, register, submitted
from ..messages import format_limit

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_DIGIT_GROUP_SEPARATORS = (" ", "\u00a0", "\u202f", "_")


def parse_number(text: str, integer: bool) -> int | float | None:
    """Read a number typed with a dot or a comma as decimal mark, or None when it is not one."""
    compact = text.strip()
    for separator in _DIGIT_GROUP_SEPARATORS:
        compact = compact.replace(separator, "")
    if not _NUMBER.match(compact):
        return None
    if "." not in compact and "," not in compact:
        return int(compact)
    number = float(compact.replace(",", "."))
    if integer:
        # "12.0" is a whole number typed with a decimal mark; "12.5" is not one.
        return int(number) if number.is_integer() else None
    return number


def _string_attributes(schema: dict) -> dict[str, str]:
    attributes = {}
    if "minLength" in schema:
        attributes["minlength"] = str(schema["minLength"])
    if "maxLength" in schema:
        attributes["maxlength"] = str(schema["maxLength"])
    if "pattern" in schema:
        attributes["pattern"] = schema["pattern"]
    return attributes


@register
class TextField(Field):
    """A one-line text input, the fallback for strings."""

    kind = "text"
    priority = 900

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return prop.get("type") == "string"

    def html_attributes(self) -> dict[str, str]:
        return _string_attributes(self.schema)


@register
class TextareaField(TextField):
    """A multi-line text input."""

    kind = "textarea"
    priority = 800

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return prop.get("type") == "string" and ui.get("ui:widget") == "textarea"

    def parse_text(self, text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n")


@register
class EmailField(TextField):
    """An e-mail address."""

    kind = "email"
    priority = 500
    input_type = "email"

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return prop.get("type") == "string" and prop.get("format") == "email"

    def coerce(self, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    def check(self, value: Any) -> list[str]:
        if isinstance(value, str) and not _EMAIL.match(value):
            return [gettext("Enter a valid e-mail address, such as name@example.ma.")]
        return []


@register
class IntegerField(Field):
    """A whole number."""

    kind = "integer"
    priority = 500
    input_type = "number"
    integer = True

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return prop.get("type") == "integer"

    def html_attributes(self) -> dict[str, str]:
        attributes = {}
        if "minimum" in self.schema:
            attributes["min"] = format_limit(self.schema["minimum"])
        if "maximum" in self.schema:
            attributes["max"] = format_limit(self.schema["maximum"])
        step = self.schema.get("multipleOf")
        attributes["step"] = format_limit(step) if step else ("1" if self.integer else "any")
        return attributes

    def parse_text(self, text: str) -> Any:
        number = parse_number(text, self.integer)
        return text if number is None else number

    def coerce(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            return self.parse_text(value)
        if self.integer and isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def check(self, value: Any) -> list[str]:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return []
        if not math.isfinite(value):
            return [self.type_error()]
        step = self.schema.get("multipleOf")
        # Decimal arithmetic, because 12.07 is not a multiple of 0.01 in binary floating point.
        if isinstance(step, (int, float)) and step > 0 and Decimal(str(value)) % Decimal(str(step)) != 0:
            return [gettext("Enter a multiple of %(step)s.", step=format_limit(step))]
        return []

    def type_error(self) -> str:
        return gettext("Enter a whole number.")

    def to_html_value(self, value: Any) -> str:
        if isinstance(value, float) and not isinstance(value, bool):
            return format_limit(value)
        return super().to_html_value(value)


@register
class NumberField(IntegerField):
    """A decimal number; a comma is accepted as decimal mark."""

    kind = "number"
    integer = False

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return prop.get("type") == "number"

    def type_error(self) -> str:
        return gettext("Enter a number, such as 12.5.")


@register
class BooleanField(Field):
    """A yes/no answer: a checkbox, or two radio buttons with `"ui:widget": "radio"`."""

    kind = "boolean"
    priority = 500
    input_type = "checkbox"

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return prop.get("type") == "boolean"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.options:
            self.options = [("true", gettext("Yes")), ("false", gettext("No"))]

    @property
    def is_radio(self) -> bool:
        """Tell whether the field renders as two radio buttons instead of a checkbox."""
        return self.widget in ("radio", "select")

    @property
    def must_tick(self) -> bool:
        """Tell whether the box must be ticked to submit (the schema allows only `true`)."""
        return self.schema.get("const") is True or self.schema.get("enum") == [True]

    def parse_html(self, values: Any, files: Any) -> Any:
        texts = [item.strip().lower() for item in submitted(values, self.name) if isinstance(item, str)]
        texts = [text for text in texts if text]
        if self.is_radio:
            return self.coerce(texts[0]) if texts else MISSING
        if texts:
            # A checked box sends its value ("true" or the browser default "on"); "false" comes from drafts.
            return texts[-1] not in ("false", "0", "off", "no")
        # An unticked checkbox is an answer ("no"); a box that must be ticked fails on its `const`.
        return False

    def coerce(self, value: Any) -> Any:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("true", "on", "1", "yes"):
                return True
            if lowered in ("false", "off", "0", "no"):
                return False
        return value

    def type_error(self) -> str:
        return gettext("Choose yes or no.")

    def required_error(self) -> str:
        # Only a box that must be ticked needs a tick. A yes/no value left out (possible in JSON) is missing.
        if self.must_tick:
            return gettext("Tick this box to continue.")
        return gettext("Choose yes or no.")

    def choice_error(self) -> str:
        # A boolean limited to one value (such as "const": true) is a box the user must tick.
        return self.required_error()

    def to_html_value(self, value: Any) -> str:
        if value is True:
            return "true"
        if value is False:
            return "false"
        return super().to_html_value(value)
