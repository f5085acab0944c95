"""The one clock: every "now" in the bot goes through it, so tests and demos can travel in time."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    """Real time, optionally shifted so that it starts at `start` and runs forward from there."""

    def __init__(self, tz: ZoneInfo, start: datetime | None = None) -> None:
        self.tz = tz
        if start is not None and start.tzinfo is None:
            start = start.replace(tzinfo=tz)
        self._start = start.astimezone(UTC) if start else None
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        """Aware UTC instant."""
        if self._start is None:
            return datetime.now(UTC)
        return self._start + timedelta(seconds=time.monotonic() - self._t0)

    def local_now(self) -> datetime:
        return self.now().astimezone(self.tz)

    def today(self) -> date:
        return self.local_now().date()


class FixedClock(Clock):
    """A clock that does not move unless told to: for unit tests."""

    def __init__(self, tz: ZoneInfo, at: datetime) -> None:
        super().__init__(tz, at)
        self._at = self._start or datetime.now(UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta
