"""The window after the server was restored from a backup: it says so, the status bar still
says what state the app is in, and the open chat shows what the server has."""

from PySide6.QtWidgets import QMessageBox

from shared.protocol import OpenDirect
from syncserver.store.backup import backup_sqlite, restore_sqlite
from tests.desktop.ui.test_window import send_as, texts, until
from tests.support import WAIT


def test_window_says_the_server_was_restored(qtbot, qloop, net, host, profiles, people, windows):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = people("bob")
        channel = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT).channel
        send_as(net, bob, channel.id, "kept")
        await until(lambda: alice.window.channels.row_of(channel.id) is not None)
        alice.window.open_channel(channel.id)
        await until(lambda: texts(alice) == ["kept"])
        database = host.data_dir / "tidings.db"
        backup = host.data_dir.parent / "backup.db"
        backup_sqlite(database, backup)
        send_as(net, bob, channel.id, "lost")
        await until(lambda: texts(alice) == ["kept", "lost"])

        host.stop()
        restore_sqlite(backup, database)
        host.restart()
        box = await _notice(alice.window)
        assert "no longer has 1 of the messages" in box.text()
        await until(lambda: texts(alice) == ["kept"])
        await until(lambda: alice.window.state_label.text().startswith("Up to date"))
        assert alice.window.state_label.isVisible()

        # Restored again from a backup that lacks nothing this device has: nothing to count.
        box.accept()
        await until(lambda: _boxes(alice.window) == [])
        backup_sqlite(database, backup)
        host.stop()
        restore_sqlite(backup, database)
        host.restart()
        box = await _notice(alice.window)
        assert "this device is in step with it" in box.text() and "0" not in box.text()
        assert texts(alice) == ["kept"]

    qloop.run_until_complete(scenario())


def _boxes(window) -> list[QMessageBox]:
    return [b for b in window.findChildren(QMessageBox) if b.isVisible()]


async def _notice(window) -> QMessageBox:
    await until(lambda: any("restored from a backup" in b.text() for b in _boxes(window)))
    [box] = _boxes(window)
    return box
