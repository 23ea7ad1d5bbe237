"""Conditional requirements written as `if` / `then` (inside `allOf` or at the top level)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask_babel import gettext


def conditional_rules(schema: dict) -> Iterator[tuple[dict, list[str]]]:
    """Yield `(if schema, names required by then)` for every if/then of the form."""
    candidates = [schema, *[item for item in schema.get("allOf", []) if isinstance(item, dict)]]
    for candidate in candidates:
        condition, then = candidate.get("if"), candidate.get("then")
        if isinstance(condition, dict) and isinstance(then, dict):
            names = [name for name in then.get("required", []) if isinstance(name, str)]
            if names:
                yield condition, names


def describe_condition(condition: dict, properties: dict, translate: Callable[[str], str]) -> str:
    """Say in words when an `if` schema holds, such as "Hospitalised is Yes"."""
    parts = []
    for name, rule in (condition.get("properties") or {}).items():
        prop = properties.get(name, {})
        title = translate(prop.get("title", name))
        if isinstance(rule, dict) and "const" in rule:
            parts.append(gettext("%(field)s is %(value)s", field=title, value=_value_label(prop, rule["const"], translate)))
        elif isinstance(rule, dict) and isinstance(rule.get("enum"), list):
            values = ", ".join(_value_label(prop, value, translate) for value in rule["enum"])
            parts.append(gettext("%(field)s is one of %(values)s", field=title, values=values))
        elif isinstance(rule, dict) and isinstance(rule.get("contains"), dict) and "const" in rule["contains"]:
            label = _value_label(prop.get("items", {}), rule["contains"]["const"], translate)
            parts.append(gettext("%(field)s includes %(value)s", field=title, value=label))
        else:
            parts.append(gettext("%(field)s has certain answers", field=title))
    if not parts:
        return gettext("other answers require it")
    text = parts[0]
    for part in parts[1:]:
        text = gettext("%(first)s and %(second)s", first=text, second=part)
    return text


def _value_label(prop: dict, value: object, translate: Callable[[str], str]) -> str:
    if value is True:
        return gettext("Yes")
    if value is False:
        return gettext("No")
    for option in prop.get("oneOf", []) if isinstance(prop.get("oneOf"), list) else []:
        if isinstance(option, dict) and option.get("const") == value and "title" in option:
            return translate(option["title"])
    return str(value)
