"""Request-time facts a form needs: case data, today's date, option lists, time zone, translation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo


def _identity(text: str) -> str:
    return text


@dataclass
class FormContext:
    """Facts that turn a form file into the form one user sees at one moment.

    `case_data` holds values that earlier steps stored (such as `accident_date`), `options` maps an
    `x-options-source` name to `(value, label)` pairs, `timezone` is the IANA zone that gives naive
    `datetime-local` input its offset, and `translate` maps English form text to the user's language.
    """

    case_data: dict = field(default_factory=dict)
    today: date = field(default_factory=date.today)
    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    timezone: str = "Africa/Casablanca"
    translate: Callable[[str], str] = _identity

    @property
    def zone(self) -> ZoneInfo:
        """Return the `ZoneInfo` of `timezone`."""
        return ZoneInfo(self.timezone)
