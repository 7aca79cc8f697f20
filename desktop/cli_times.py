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
