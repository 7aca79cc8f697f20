"""Quiet hours on the command line (``tidings-cli dnd --schedule``): the schedule a command
asks for, and how it is shown, as text and as JSON."""

import argparse
import datetime as dt

from desktop.cli_times import days_names
from desktop.core.quiet import Quiet, now_ms
from desktop.core.quiet_hours import hh_mm, quiet_until
from shared.protocol import QuietHours


def _at(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M")


def asked_hours(now: QuietHours, args: argparse.Namespace) -> QuietHours:
    """The schedule ``--schedule FROM-TO [--days DAYS]`` or ``--no-schedule`` asks for: days
    left out stay as they are; turned off, the hours are kept for next time."""
    if args.no_schedule:
        return QuietHours(on=False, start=now.start, end=now.end, days=now.days)
    start, end = args.schedule
    return QuietHours(
        on=True, start=start, end=end, days=now.days if args.days is None else args.days
    )


def hours_json(quiet: Quiet) -> dict[str, object]:
    """``{"on", "from", "to", "days", "now", "until", "everywhere"}``: ``now`` whether they
    hold at this moment on this computer's clock, ``until`` when that span ends (ms)."""
    hours = quiet.hours
    until = quiet_until(hours, now_ms())
    return {
        "on": hours.on,
        "from": hh_mm(hours.start),
        "to": hh_mm(hours.end),
        "days": days_names(hours.days),
        "now": until is not None,
        "until": until or 0,
        "everywhere": quiet.hours_on_server,
    }


def hours_text(quiet: Quiet) -> str:
    """For people: "quiet hours: 22:00-07:00 on mon,tue (now, until 2025-03-04 07:00)", or
    "quiet hours: off"."""
    hours = quiet.hours
    if not hours.on:
        return "quiet hours: off"
    days = ",".join(days_names(hours.days)) or "no day"
    until = quiet_until(hours, now_ms())
    now = f" (now, until {_at(until)})" if until is not None else ""
    return f"quiet hours: {hh_mm(hours.start)}-{hh_mm(hours.end)} on {days}{now}"
