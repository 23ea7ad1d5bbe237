"""The `x-date-range` extension: date bounds relative to today or to a date in the case data."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from .context import FormContext
from .errors import FormSchemaError
from .temporal import date_of, parse_iso_date

TODAY = "today"
_EVENT_SUFFIX = re.compile(r"_(date|day|on|at)$")


@dataclass(frozen=True)
class DateBound:
    """A concrete bound: `value`, found by adding `days` to today or to the case date `anchor`."""

    value: date
    anchor: str | None  # "today", a case data key, or None for a literal date
    days: int = 0


def resolve_date_range(name: str, spec: object, context: FormContext) -> tuple[DateBound | None, DateBound | None]:
    """Return the (minimum, maximum) bounds of the field `name` for `context`.

    A bound anchored on a case data key that the case does not hold yet is None, because the served schema
    can state only concrete dates.
    """
    if not isinstance(spec, dict) or not set(spec) <= {"min", "max"}:
        raise FormSchemaError(f"{name}: x-date-range must be an object with 'min' and/or 'max'")
    return _resolve_bound(name, spec.get("min"), context), _resolve_bound(name, spec.get("max"), context)


def _resolve_bound(name: str, spec: object, context: FormContext) -> DateBound | None:
    if spec is None:
        return None
    if spec == TODAY:
        return DateBound(context.today, TODAY)
    if isinstance(spec, str):
        literal = parse_iso_date(spec)
        if literal is None:
            raise FormSchemaError(f"{name}: x-date-range bound {spec!r} is neither 'today' nor a YYYY-MM-DD date")
        return DateBound(literal, None)
    if not isinstance(spec, dict) or not isinstance(spec.get("field"), str) or not set(spec) <= {"field", "days"}:
        raise FormSchemaError(f"{name}: x-date-range bound must be 'today', a date or {{'field': ..., 'days': ...}}")
    days = spec.get("days", 0)
    if isinstance(days, bool) or not isinstance(days, int):
        raise FormSchemaError(f"{name}: x-date-range 'days' must be an integer, not {days!r}")

    anchor = spec["field"]
    if anchor == TODAY:
        base = context.today
    else:
        # NOTE: a missing or unreadable case date drops the bound instead of failing the whole form.
        base = date_of(context.case_data.get(anchor), context.zone)
        if base is None:
            return None
    return DateBound(base + timedelta(days=days), anchor, days)


def event_phrase(anchor: str) -> str:
    """Name the event behind a case data key in English: `accident_date` becomes "the accident"."""
    words = _EVENT_SUFFIX.sub("", anchor).replace("_", " ").strip()
    return f"the {words or anchor}"


def explain_bound(
    bound: DateBound,
    gettext: Callable[..., str],
    ngettext: Callable[..., str],
    translate: Callable[[str], str],
) -> str | None:
    """Say where a bound comes from ("10 days after the accident"), or None for a literal date.

    `gettext` and `ngettext` follow flask_babel's signatures; pass the English ones to get English text.
    """
    if bound.anchor is None:
        return None
    if bound.anchor == TODAY:
        if bound.days > 0:
            return ngettext("%(num)s day after today", "%(num)s days after today", bound.days)
        if bound.days < 0:
            return ngettext("%(num)s day before today", "%(num)s days before today", -bound.days)
        return gettext("today")

    event = translate(event_phrase(bound.anchor))
    if bound.days > 0:
        return ngettext("%(num)s day after %(event)s", "%(num)s days after %(event)s", bound.days, event=event)
    if bound.days < 0:
        return ngettext("%(num)s day before %(event)s", "%(num)s days before %(event)s", -bound.days, event=event)
    return gettext("the day of %(event)s", event=event)


def english_gettext(text: str, **variables: object) -> str:
    """Format an English message id the way gettext would without a catalogue."""
    return text % variables if variables else text


def english_ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """Pick and format the English singular or plural form the way ngettext would without a catalogue."""
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables
