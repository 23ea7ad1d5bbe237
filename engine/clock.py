"""The application's clock: real UTC time, which tests can freeze or move forward."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


class Clock:
    """UTC time with an optional fixed point and offset, shared by the engine, the services and the scheduler."""

    def __init__(self):
        self._frozen: datetime | None = None
        self._offset = timedelta()

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
        self._frozen = None
        self._offset = timedelta()


clock = Clock()
