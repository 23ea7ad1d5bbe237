"""The application's clock: real UTC time, which tests can freeze or move forward.

The environment variable SANAD_CLOCK_OFFSET_SECONDS (a number of seconds, default 0) starts the clock that far
ahead of the system time. It lets a test run `flask scheduler --once` in a subprocess as if days had passed;
production leaves it unset.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

OFFSET_VARIABLE = "SANAD_CLOCK_OFFSET_SECONDS"


class Clock:
    """UTC time with an optional fixed point and offset, shared by the engine, the services and the scheduler."""

    def __init__(self, offset: timedelta = timedelta()):
        self._frozen: datetime | None = None
        self._base_offset = offset
        self._offset = offset

    def now(self) -> datetime:
        base = self._frozen if self._frozen is not None else datetime.now(timezone.utc)
        return base + self._offset

    def freeze(self, moment: datetime) -> None:
        """Stop the clock at `moment` (an aware datetime) until `reset`."""
        if moment.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._frozen = moment.astimezone(timezone.utc)
        self._offset = timedelta()

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta`, frozen or not."""
        self._offset += delta

    def reset(self) -> None:
        """Unfreeze the clock and return to the offset it started with."""
        self._frozen = None
        self._offset = self._base_offset


def offset_from_environment() -> timedelta:
    """Return the start offset named by SANAD_CLOCK_OFFSET_SECONDS; raise ValueError if it is not a number."""
    raw = os.environ.get(OFFSET_VARIABLE, "").strip()
    if not raw:
        return timedelta()
    try:
        return timedelta(seconds=float(raw))
    except ValueError:
        raise ValueError(f"{OFFSET_VARIABLE} must be a number of seconds, not {raw!r}") from None


clock = Clock(offset_from_environment())


class _ClockDatetime(datetime):
    """A datetime class whose `now` reads the application clock, for SpiffWorkflow's timer module."""

    @classmethod
    def now(cls, tz=None):
        moment = clock.now()
        return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)


def install_in_spiffworkflow() -> None:
    """Make SpiffWorkflow's timer events read the application clock instead of the system time.

    SpiffWorkflow 3.2 calls `datetime.now(timezone.utc)` in `bpmn/specs/event_definitions/timer.py` to start
    durations and to decide whether a timer is due; replacing that module's `datetime` name is the only hook.
    With the clock neither frozen nor advanced, the behaviour is unchanged.
    """
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _ClockDatetime
