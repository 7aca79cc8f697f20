"""What the status bar says about syncing: how far catching up got ("Catching up: 12,400 of
100,000"), and when the device last was up to date ("Up to date · synced 14:29", or "last
synced 5 minutes ago" while the server cannot be reached), from the engine's typed events."""

import datetime
import time

from desktop.core.events import EngineState, Synced, SyncProgress
from desktop.ui.i18n import tr

SHOW_PROGRESS_FROM = 1  # entries to fetch from which the count is shown


class SyncStatus:
    """The latest progress and sync time; ``describe`` says them for a state."""

    def __init__(self, last_synced: int | None) -> None:
        self.last_synced = last_synced  # ms since the epoch
        self.progress: SyncProgress | None = None

    def on_event(self, event: SyncProgress | Synced) -> None:
        if isinstance(event, SyncProgress):
            self.progress = event
        else:
            self.last_synced = event.at
            self.progress = None

    def describe(self, state: EngineState, now: float | None = None) -> str:
        """The status bar's words for ``state`` (``now`` in seconds, for tests)."""
        now = time.time() if now is None else now
        if state == EngineState.SYNCING:
            p = self.progress
            if p is not None and p.total >= SHOW_PROGRESS_FROM:
                return tr("Catching up: {fetched} of {total}").format(
                    fetched=f"{min(p.fetched, p.total):,}", total=f"{p.total:,}"
                )
            return tr("Catching up…")
        if state == EngineState.ONLINE:
            if self.last_synced is None:
                return tr("Up to date")
            return tr("Up to date · synced {time}").format(time=_clock(self.last_synced))
        offline = {
            EngineState.OFFLINE: tr("Offline — showing saved messages"),
            EngineState.CONNECTING: tr("Connecting…"),
            EngineState.FAILED: tr("Stopped"),
        }[state]
        if self.last_synced is None:
            return offline
        return offline + " · " + _ago(self.last_synced, now)


def _clock(ms: int) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000).strftime("%H:%M")


def _ago(ms: int, now: float) -> str:
    """ "last synced 5 minutes ago", in the coarsest unit that fits."""
    minutes = int(max(0.0, now - ms / 1000) // 60)
    if minutes < 1:
        return tr("last synced just now")
    if minutes == 1:
        return tr("last synced a minute ago")
    if minutes < 60:
        return tr("last synced {count} minutes ago").format(count=minutes)
    if minutes < 120:
        return tr("last synced an hour ago")
    if minutes < 24 * 60:
        return tr("last synced {count} hours ago").format(count=minutes // 60)
    when = datetime.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M")
    return tr("last synced {when}").format(when=when)
