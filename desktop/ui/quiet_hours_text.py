"""Quiet hours in words, for the menus, the status bar and the settings page: the days of
the week by their short names, and a schedule as "22:00 to 07:00, Mon to Fri"."""

from desktop.core.quiet_hours import EVERY_DAY, hh_mm
from desktop.ui.i18n import tr
from shared.protocol import QuietHours

WEEKDAYS = 0b0011111


def day_names() -> list[str]:
    """Monday to Sunday, short, in the user's language (bit ``i`` of ``QuietHours.days`` is
    the ``i``-th)."""
    return [tr("Mon"), tr("Tue"), tr("Wed"), tr("Thu"), tr("Fri"), tr("Sat"), tr("Sun")]


def days_text(days: int) -> str:
    """The days quiet hours begin on: "every day", "Mon to Fri", "Sat, Sun", "Mon, Wed"."""
    if days == EVERY_DAY:
        return tr("every day")
    if days == WEEKDAYS:
        return tr("Mon to Fri")
    if not days:
        return tr("no day")
    return ", ".join(name for i, name in enumerate(day_names()) if days & (1 << i))


def schedule_text(hours: QuietHours) -> str:
    """The schedule, as the menus show it: "Quiet hours 22:00 to 07:00, Mon to Fri"; empty while
    it is off."""
    if not hours.on:
        return ""
    return tr("Quiet hours {start} to {end}, {days}").format(
        start=hh_mm(hours.start), end=hh_mm(hours.end), days=days_text(hours.days)
    )
