"""The GUI thread keeps running while the engine opens: opening reads the keyring, which can
wait for the user to unlock it."""

import asyncio
import threading

import pytest
from PySide6.QtCore import QTimer

from desktop.core.account import open_engine
from desktop.core.engine import SyncEngine
from desktop.ui.bridge import EngineBridge
from tests.support import WAIT


def test_the_gui_runs_while_the_engine_opens(qtbot, qloop, profiles, credentials) -> None:
    profile = profiles("alice", "laptop", create=True)
    unlocked = threading.Event()

    def open_after_unlock() -> SyncEngine:  # as a keyring waiting for its password
        unlocked.wait(WAIT)
        return open_engine(profile, credentials)

    bridge = EngineBridge(open_after_unlock)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)

    async def scenario() -> None:
        starting = asyncio.ensure_future(bridge.start())
        async with asyncio.timeout(WAIT):
            while len(ticks) < 3:  # Qt's own timer, handled by the GUI thread meanwhile
                await asyncio.sleep(0.01)
        assert not starting.done()
        unlocked.set()
        await asyncio.wait_for(starting, WAIT)
        assert bridge.started and bridge.cache.me == "alice"

    try:
        qloop.run_until_complete(scenario())
    finally:
        timer.stop()
        unlocked.set()
        bridge.stop()


def test_a_failed_open_leaves_no_engine_thread(qloop) -> None:
    def refused() -> SyncEngine:
        raise RuntimeError("the keyring stayed locked")

    bridge = EngineBridge(refused)
    with pytest.raises(RuntimeError, match="stayed locked"):
        qloop.run_until_complete(bridge.start())
    assert "tidings-engine" not in [t.name for t in threading.enumerate()]
