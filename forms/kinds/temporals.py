"""Date, date-and-time and time fields."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, ngettext

from .. import messages
from ..daterange import explain_bound
from ..fields import Field, register
from ..temporal import (
    format_rfc3339,
    normalize_typed_date,
    parse_date_time,
    parse_iso_date,
    parse_time,
    to_local_input,
)


def _is_string_format(prop: dict, fmt: str) -> bool:
    return prop.get("type") == "string" and prop.get("format") == fmt


@register
class DateField(Field):
    """A calendar date, exchanged as `YYYY-MM-DD`, with optional `formatMinimum` / `formatMaximum`."""

    kind = "date"
    priority = 500
    input_type = "date"

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return _is_string_format(prop, "date")

    def html_attributes(self) -> dict[str, str]:
        attributes = {}
        if parse_iso_date(self.schema.get("formatMinimum")):
            attributes["min"] = self.schema["formatMinimum"]
        if parse_iso_date(self.schema.get("formatMaximum")):
            attributes["max"] = self.schema["formatMaximum"]
        return attributes

    def parse_text(self, text: str) -> str:
        return normalize_typed_date(text)

    def coerce(self, value: Any) -> Any:
        return normalize_typed_date(value.strip()) if isinstance(value, str) else value

    def type_error(self) -> str:
        return gettext("Enter a valid date as YYYY-MM-DD, such as 2026-11-03.")

    def check(self, value: Any) -> list[str]:
        if not isinstance(value, str):
            return []
        day = parse_iso_date(value)
        if day is None:
            return [self.type_error()]
        errors = []
        minimum, maximum = parse_iso_date(self.min), parse_iso_date(self.max)
        if minimum is not None and day < minimum:
            errors.append(messages.date_too_early(minimum.isoformat(), self._reason(0)))
        if maximum is not None and day > maximum:
            errors.append(messages.date_too_late(maximum.isoformat(), self._reason(1)))
        return errors

    def _reason(self, index: int) -> str | None:
        bound = self.date_bounds[index]
        if bound is None:
            return None
        return explain_bound(bound, gettext, ngettext, self.context.translate)


@register
class DateTimeField(Field):
    """A date and time, exchanged as RFC 3339; naive input gets the offset of the context's time zone."""

    kind = "datetime"
    priority = 500
    input_type = "datetime-local"

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return _is_string_format(prop, "date-time")

    def parse_text(self, text: str) -> str:
        moment = parse_date_time(text, self.context.zone)
        return text if moment is None else format_rfc3339(moment)

    def coerce(self, value: Any) -> Any:
        return self.parse_text(value.strip()) if isinstance(value, str) else value

    def type_error(self) -> str:
        return gettext("Enter a valid date and time, such as 2026-11-03 10:15.")

    def check(self, value: Any) -> list[str]:
        if isinstance(value, str) and parse_date_time(value, self.context.zone) is None:
            return [self.type_error()]
        return []

    def to_html_value(self, value: Any) -> str:
        local = to_local_input(value, self.context.zone)
        return local if local is not None else super().to_html_value(value)


@register
class TimeField(Field):
    """A time of day, exchanged as `HH:MM` or `HH:MM:SS`, optionally with an offset."""

    kind = "time"
    priority = 500
    input_type = "time"

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return _is_string_format(prop, "time")

    def coerce(self, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    def type_error(self) -> str:
        return gettext("Enter a valid time as HH:MM, such as 10:15.")

    def check(self, value: Any) -> list[str]:
        if isinstance(value, str) and parse_time(value) is None:
            return [self.type_error()]
        return []

    def to_html_value(self, value: Any) -> str:
        moment = parse_time(value)
        if moment is not None and moment.tzinfo is None:
            return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")
        return super().to_html_value(value)
