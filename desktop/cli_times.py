"""Times the command line takes for do not disturb and mutes: a span (``--for 90m``) or a
moment (``--until 18:00``), both turned into ms since the epoch, local time."""

import argparse
import datetime as dt
import re

UNITS_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_SPAN = re.compile(r"(\d+)([mhdw])")


def span(text: str) -> int:
    """``30m``, ``1h``, ``2d``, ``1w`` or a sum of them (``1h30m``), in ms; for argparse."""
    parts = _SPAN.findall(text.strip().lower())
    if not parts or "".join(n + u for n, u in parts) != text.strip().lower():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a span of time: say 30m, 1h, 2d, 1w or 1h30m"
        )
    total = sum(int(n) * UNITS_MS[u] for n, u in parts)
    if total <= 0:
        raise argparse.ArgumentTypeError("the span must be longer than nothing")
    return total


def moment(text: str, now: dt.datetime | None = None) -> int:
    """``HH:MM`` (its next occurrence) or an ISO date and time (``2025-03-01 08:00``), local
    time unless it names its zone, in ms since the epoch; for argparse."""
    now = now or dt.datetime.now().astimezone()
    try:
        clock = dt.time.fromisoformat(text.strip())
    except ValueError:
        clock = None
    if clock is not None:
        when = now.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
        if when <= now:
            when += dt.timedelta(days=1)
        return int(when.timestamp() * 1000)
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time: say 18:00 or 2025-03-01 08:00"
        ) from None
    if when.tzinfo is None:
        when = when.astimezone()  # local time
    return int(when.timestamp() * 1000)


DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # bit i of QuietHours.days


def hours_span(text: str) -> tuple[int, int]:
    """``22:00-07:00``: quiet hours from a time to a time (past midnight when the second is
    earlier), in minutes after midnight; for argparse."""
    start, sep, end = text.strip().partition("-")
    try:
        if not sep:
            raise ValueError
        times = [dt.time.fromisoformat(t.strip()) for t in (start, end)]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a span of the day: say 22:00-07:00"
        ) from None
    first, last = (t.hour * 60 + t.minute for t in times)
    return first, last


def week_days(text: str) -> int:
    """``mon,tue,fri`` (or ``all``): days of the week as ``QuietHours.days`` bits; for
    argparse."""
    names = [n.strip().lower()[:3] for n in text.split(",") if n.strip()]
    if names == ["all"]:
        return (1 << len(DAY_NAMES)) - 1
    unknown = [n for n in names if n not in DAY_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of days: say mon,tue,wed,thu,fri,sat,sun or all"
        )
    return sum(1 << DAY_NAMES.index(n) for n in set(names))


def days_names(days: int) -> list[str]:
    """``QuietHours.days`` as short names, Monday first."""
    return [name for i, name in enumerate(DAY_NAMES) if days & (1 << i)]
