"""One-choice and several-choice fields."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from ..fields import MISSING, Field, register, submitted


def choice_values(schema: dict) -> list[Any]:
    """Return the allowed values of a `oneOf` of consts or of an `enum`."""
    if isinstance(schema.get("oneOf"), list):
        return [option["const"] for option in schema["oneOf"] if isinstance(option, dict) and "const" in option]
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    return []


def html_text(value: Any) -> str:
    """Write a choice value the way an HTML form submits it."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def _match_choice(schema: dict, text: str) -> Any:
    for value in choice_values(schema):
        if html_text(value) == text:
            return value
    return text


@register
class ChoiceField(Field):
    """One value out of a list: a select, or radio buttons with `"ui:widget": "radio"`."""

    kind = "choice"
    priority = 400

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return prop.get("type") != "array" and ("oneOf" in prop or "enum" in prop)

    def parse_text(self, text: str) -> Any:
        return _match_choice(self.schema, text)

    def coerce(self, value: Any) -> Any:
        return _match_choice(self.schema, value) if isinstance(value, str) else value

    def type_error(self) -> str:
        return gettext("Choose one of the listed options.")

    def required_error(self) -> str:
        return gettext("Choose an option.")

    def to_html_value(self, value: Any) -> str:
        return "" if value is MISSING else html_text(value)


@register
class MultiChoiceField(Field):
    """Several values out of a list, shown as checkboxes."""

    kind = "multichoice"
    priority = 400
    input_type = "checkbox"

    @classmethod
    def matches(cls, prop: dict, ui: dict) -> bool:
        return prop.get("type") == "array" and isinstance(prop.get("items"), dict)

    @property
    def item_schema(self) -> dict:
        """Return the schema of one chosen value."""
        return self.schema.get("items", {})

    def parse_html(self, values: Any, files: Any) -> Any:
        texts = [item.strip() for item in submitted(values, self.name) if isinstance(item, str)]
        chosen = [_match_choice(self.item_schema, text) for text in texts if text]
        if not chosen:
            # All boxes unticked means "none of them", unless an answer is required.
            return MISSING if self.required else []
        return chosen

    def parse_json(self, value: Any) -> Any:
        if value is None:
            return MISSING
        return value

    def coerce(self, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [_match_choice(self.item_schema, item) if isinstance(item, str) else item for item in value]
        return value

    def type_error(self) -> str:
        return gettext("Choose options from the list.")

    def choice_error(self) -> str:
        return gettext("Choose options from the list.")

    def required_error(self) -> str:
        return gettext("Choose at least one option.")

    def to_html_value(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return [html_text(item) for item in value]
        if value is None or value is MISSING:
            return []
        return [html_text(value)]

    def draft_value(self, values: Any, files: Any = None) -> list[str] | None:
        texts = [item for item in submitted(values, self.name) if isinstance(item, str) and item != ""]
        return texts or None
