"""Working hours: weekdays 9:00–18:00 in the bot's time zone, French public holidays off."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

OPENS, CLOSES = time(9, 0), time(18, 0)


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.France(years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def is_working_time(instant: datetime, tz: ZoneInfo) -> bool:
    local = instant.astimezone(tz)
    return is_working_day(local.date()) and OPENS <= local.time() < CLOSES


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def slot(day: date, tz: ZoneInfo) -> datetime:
    """When a reminder due on `day` may be sent: 9:00 that day, or the next working day's."""
    opening = datetime.combine(next_working_day(day), OPENS, tzinfo=tz)
    return opening.astimezone(UTC)


def slot_after(instant: datetime, tz: ZoneInfo) -> datetime:
    """The first working instant at or after `instant` (for a reminder moved to a time)."""
    if is_working_time(instant, tz):
        return instant.astimezone(UTC)
    local = instant.astimezone(tz)
    day = local.date() if local.time() < OPENS else local.date() + timedelta(days=1)
    return slot(day, tz)


def add_months(day: date, months: int) -> date:
    """31 January + 1 month = the last day of February."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def day_of_month(year: int, month: int, day: int) -> date:
    """The `day`-th of a month, or its last day (a due day of 31 in April is the 30th)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))
