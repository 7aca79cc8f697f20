"""Quiet hours: when the account's weekly do-not-disturb schedule (``QuietHours``) keeps a
device quiet. The schedule says wall-clock times; each device applies them on its own clock
in its own time zone (``zone``; None: the one this computer is set to), so that every
device is quiet during its own local night and the server never needs to know a zone."""

import datetime as dt

from shared.protocol import QuietHours

DAY_MINUTES = 24 * 60
EVERY_DAY = 0b1111111
WEEK_DAYS = 7


def _local(ms: int, zone: dt.tzinfo | None) -> dt.datetime:
    """``ms`` (since the epoch) as a wall-clock time in ``zone``, without the zone."""
    when = (
        dt.datetime.fromtimestamp(ms / 1000, zone) if zone else dt.datetime.fromtimestamp(ms / 1000)
    )
    return when.replace(tzinfo=None)


def _ms(wall: dt.datetime, zone: dt.tzinfo | None) -> int:
    """A wall-clock time in ``zone`` as ms since the epoch (a naive time is local time)."""
    return int((wall.replace(tzinfo=zone) if zone else wall).timestamp() * 1000)


def hh_mm(minutes: int) -> str:
    """Minutes after midnight as "07:00" (24-hour, as the schedule is shown everywhere)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def length_minutes(hours: QuietHours) -> int:
    """How long one quiet span lasts: past midnight when it ends before it starts, a whole
    day when it ends when it starts."""
    return (hours.end - hours.start) % DAY_MINUTES or DAY_MINUTES


def _span(hours: QuietHours, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """The quiet span that begins on ``day`` (wall-clock start and end), if it is one of
    the schedule's days."""
    if not hours.days & (1 << day.weekday()):
        return None
    start = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=hours.start)
    return start, start + dt.timedelta(minutes=length_minutes(hours))


def quiet_until(hours: QuietHours, now: int, zone: dt.tzinfo | None = None) -> int | None:
    """The end (ms since the epoch) of the quiet span ``now`` falls in; None outside of
    them, or while the schedule is off."""
    if not hours.on:
        return None
    wall = _local(now, zone)
    for back in (0, 1):  # a span begun today, or yesterday and running past midnight
        span = _span(hours, wall.date() - dt.timedelta(days=back))
        if span is not None and span[0] <= wall < span[1]:
            return _ms(span[1], zone)
    return None


def next_change(hours: QuietHours, now: int, zone: dt.tzinfo | None = None) -> int | None:
    """When (ms since the epoch) quiet hours next begin or end after ``now``; None when they
    never will (off, or no day chosen)."""
    until = quiet_until(hours, now, zone)
    if until is not None:
        return until
    if not hours.on or not hours.days:
        return None
    wall = _local(now, zone)
    for ahead in range(WEEK_DAYS + 1):
        span = _span(hours, wall.date() + dt.timedelta(days=ahead))
        if span is not None and span[0] > wall:
            return _ms(span[0], zone)
    return None
