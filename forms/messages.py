"""Translatable English sentences shared by the served schema, the field model and validation."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext

from .daterange import DateBound, explain_bound

MASSAR_PATTERN = "^[A-Z][0-9]{9}$"
CIN_PATTERN = "^[A-Z]{1,2}[0-9]{1,6}$"
RIB_PATTERN = "^[0-9]{24}$"
TELEPHONE_PATTERN = "^\\+?[0-9 ]{9,15}$"


def pattern_message(pattern: str) -> str:
    """Return the error for a value that does not match `pattern`, naming the expected shape when known."""
    if pattern == MASSAR_PATTERN:
        return gettext("Enter a Massar code: one capital letter and nine digits, such as J130012345.")
    if pattern == CIN_PATTERN:
        return gettext("Enter a CIN: one or two capital letters and up to six digits, such as AB123456.")
    if pattern == RIB_PATTERN:
        return gettext("Enter a RIB of 24 digits.")
    if pattern == TELEPHONE_PATTERN:
        return gettext("Enter a telephone number of 9 to 15 digits, optionally starting with +.")
    return gettext("The value does not have the expected format.")


def bound_sentence(
    minimum: DateBound | None,
    maximum: DateBound | None,
    gettext: Callable[..., str],
    ngettext: Callable[..., str],
    translate: Callable[[str], str],
) -> str:
    """Describe the allowed dates, such as "On or before 2026-11-13 (10 days after the accident)."."""
    sentences = []
    if minimum is not None:
        reason = explain_bound(minimum, gettext, ngettext, translate)
        if reason:
            sentences.append(gettext("On or after %(date)s (%(reason)s).", date=minimum.value.isoformat(), reason=reason))
        else:
            sentences.append(gettext("On or after %(date)s.", date=minimum.value.isoformat()))
    if maximum is not None:
        reason = explain_bound(maximum, gettext, ngettext, translate)
        if reason:
            sentences.append(gettext("On or before %(date)s (%(reason)s).", date=maximum.value.isoformat(), reason=reason))
        else:
            sentences.append(gettext("On or before %(date)s.", date=maximum.value.isoformat()))
    return " ".join(sentences)


def date_too_early(limit: str, reason: str | None) -> str:
    """Return the error for a date before its minimum `limit` (ISO text)."""
    if reason:
        return gettext("The date must be on or after %(date)s (%(reason)s).", date=limit, reason=reason)
    return gettext("The date must be on or after %(date)s.", date=limit)


def date_too_late(limit: str, reason: str | None) -> str:
    """Return the error for a date after its maximum `limit` (ISO text)."""
    if reason:
        return gettext("The date must be on or before %(date)s (%(reason)s).", date=limit, reason=reason)
    return gettext("The date must be on or before %(date)s.", date=limit)


def format_limit(number: float) -> str:
    """Write a schema limit without a useless `.0`."""
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)
