"""Hidden fields, which parse and check their value as the kind their schema would otherwise have."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from typing import Any

from ..fields import Field, field_class_for, register


@register
class HiddenField(Field):
    """A value carried in a hidden input (`"ui:widget": "hidden"`)."""

    kind = "hidden"
    priority = 0
    input_type = "hidden"

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return ui.get("ui:widget") == "hidden"

    def __post_init__(self) -> None:
        base_class = field_class_for(self.schema, {})
        values = {item.name: getattr(self, item.name) for item in dataclass_fields(self) if item.init}
        self.base = base_class(**values)
        super().__post_init__()

    def html_attributes(self) -> dict[str, str]:
        return {}

    def parse_html(self, values: Any, files: Any) -> Any:
        return self.base.parse_html(values, files)

    def parse_json(self, value: Any) -> Any:
        return self.base.parse_json(value)

    def coerce(self, value: Any) -> Any:
        return self.base.coerce(value)

    def check(self, value: Any) -> list[str]:
        return self.base.check(value)

    def schema_value(self, value: Any) -> Any:
        return self.base.schema_value(value)

    def type_error(self) -> str:
        return self.base.type_error()

    def required_error(self) -> str:
        return self.base.required_error()

    def choice_error(self) -> str:
        return self.base.choice_error()

    def to_html_value(self, value: Any) -> str | list[str]:
        return self.base.to_html_value(value)

    def draft_value(self, values: Any, files: Any = None) -> str | list[str] | None:
        return self.base.draft_value(values, files)
