"""When someone was last online, as people say it: just now, 5 minutes ago, today at 14:29,
yesterday at 14:29, or the date; in the user's language and date format."""

import datetime

from PySide6.QtCore import QDate, QLocale

from desktop.ui.i18n import tr

JUST_NOW_SECS = 60  # under a minute ago
MINUTES_UNTIL = 60  # "N minutes ago" up to an hour, then the time of day


def last_seen_text(last_seen_ms: int, now: datetime.datetime | None = None) -> str:
    """``last seen ...`` for a time in ms since the epoch, relative to ``now`` (local)."""
    now = now or datetime.datetime.now()
    seen = datetime.datetime.fromtimestamp(last_seen_ms / 1000)
    ago = (now - seen).total_seconds()
    if ago < JUST_NOW_SECS:
        return tr("last seen just now")
    if ago < MINUTES_UNTIL * 60:
        return tr("last seen %n minute(s) ago", "", int(ago // 60))
    time = f"{seen:%H:%M}"
    if seen.date() == now.date():
        return tr("last seen today at {time}").format(time=time)
    if seen.date() == now.date() - datetime.timedelta(days=1):
        return tr("last seen yesterday at {time}").format(time=time)
    day = QLocale().toString(QDate(seen.year, seen.month, seen.day), QLocale.FormatType.ShortFormat)
    return tr("last seen on {date}").format(date=day)
