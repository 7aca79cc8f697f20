"""The window after the server was restored from a backup: it says so, and the open chat
shows what the server has."""

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
        status = alice.window.statusBar()
        await until(lambda: "restored from a backup" in status.currentMessage())
        assert "no longer has 1 of the messages" in status.currentMessage()
        await until(lambda: texts(alice) == ["kept"])

    qloop.run_until_complete(scenario())
