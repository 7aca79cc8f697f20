"""What the status bar says while catching up, once up to date, and offline."""

import datetime

from desktop.core.events import EngineState, Synced, SyncProgress
from desktop.ui.sync_status import SyncStatus

SYNCED_AT = datetime.datetime(2026, 3, 4, 14, 29).timestamp()


def test_catching_up_counts_and_up_to_date_says_when(qapp) -> None:
    status = SyncStatus(None)
    assert status.describe(EngineState.SYNCING) == "Catching up…"
    status.on_event(SyncProgress(12_400, 100_000))
    assert status.describe(EngineState.SYNCING) == "Catching up: 12,400 of 100,000"
    assert status.describe(EngineState.ONLINE) == "Up to date"  # never synced yet
    status.on_event(Synced(int(SYNCED_AT * 1000)))
    assert status.describe(EngineState.SYNCING) == "Catching up…"  # the next round, no count
    assert status.describe(EngineState.ONLINE) == "Up to date · synced 14:29"


def test_offline_says_how_long_ago_it_synced(qapp) -> None:
    status = SyncStatus(int(SYNCED_AT * 1000))
    offline = EngineState.OFFLINE

    def ago(seconds: float) -> str:
        return status.describe(offline, now=SYNCED_AT + seconds).split(" · ")[1]

    assert status.describe(offline, now=SYNCED_AT + 300) == (
        "Offline — showing saved messages · last synced 5 minutes ago"
    )
    assert ago(20) == "last synced just now"
    assert ago(90) == "last synced a minute ago"
    assert ago(3 * 3600 + 5) == "last synced 3 hours ago"
    assert ago(3 * 86400) == "last synced 2026-03-04 14:29"
    assert SyncStatus(None).describe(offline) == "Offline — showing saved messages"
