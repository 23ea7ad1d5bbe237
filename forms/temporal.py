"""Parsing and formatting of dates, times and date-times as forms exchange them."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_FIRST_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|z|[+-]\d{2}:\d{2})?$"
)
_TIME = re.compile(r"^(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|z|[+-]\d{2}:\d{2})?$")


def parse_iso_date(text: object) -> date | None:
    """Return the date written as `YYYY-MM-DD`, or None when `text` is not one."""
    if not isinstance(text, str) or not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def normalize_typed_date(text: str) -> str:
    """Rewrite a day-first date (`03/11/2026`) as ISO; return other text unchanged.

    Browsers without a date picker send what the user typed, and Moroccan users write the day first.
    """
    match = _DAY_FIRST_DATE.match(text)
    if not match:
        return text
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return text


def parse_date_time(text: object, zone: ZoneInfo) -> datetime | None:
    """Return the aware date-time written in `text`, giving a naive one the offset of `zone`.

    Accept RFC 3339 and the `datetime-local` form (`2026-11-03T10:15`); return None otherwise.
    """
    if not isinstance(text, str):
        return None
    match = _DATE_TIME.match(text.strip())
    if not match:
        return None
    day, clock, offset = match.groups()
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}")
        if offset is None:
            return moment.replace(tzinfo=zone)
        offset = "+00:00" if offset in ("Z", "z") else offset
        return datetime.fromisoformat(f"{day}T{clock}{offset}")
    except ValueError:
        return None


def format_rfc3339(moment: datetime) -> str:
    """Format an aware date-time as RFC 3339 with seconds and a numeric offset."""
    return moment.isoformat(timespec="seconds")


def to_local_input(text: object, zone: ZoneInfo) -> str | None:
    """Return the `datetime-local` value (`YYYY-MM-DDTHH:MM`) for `text` in `zone`, or None."""
    moment = parse_date_time(text, zone)
    if moment is None:
        return None
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def parse_time(text: object) -> time | None:
    """Return the time of day written as `HH:MM`, `HH:MM:SS` or RFC 3339 full-time, or None."""
    if not isinstance(text, str):
        return None
    match = _TIME.match(text)
    if not match:
        return None
    clock, offset = match.groups()
    if offset in ("Z", "z"):
        offset = "+00:00"
    try:
        return time.fromisoformat(clock + (offset or ""))
    except ValueError:
        return None


def date_of(value: object, zone: ZoneInfo) -> date | None:
    """Return the calendar date of a stored case value (date, date-time or their ISO text), or None."""
    if isinstance(value, datetime):
        return value.astimezone(zone).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        parsed = parse_iso_date(value.strip())
        if parsed is not None:
            return parsed
        moment = parse_date_time(value, zone)
        if moment is not None:
            return moment.astimezone(zone).date()
    return None
