"""A device meets a server restored from a backup: it notices the database's new epoch and
reconciles its cache with the server, keeping its outbox."""

from desktop.core.events import ServerRestored
from shared.protocol import OpenDirect, Send
from syncserver.server import SyncServer
from syncserver.store.backup import backup_sqlite, restore_sqlite
from tests.desktop.test_engine import started, until
from tests.desktop.test_holes import server_history, stored
from tests.support import ClientFactory, new_id, same_place


async def test_device_reconciles_with_a_restored_server(
    make_profile, engines, clients: ClientFactory, server: SyncServer, tmp_path
):
    laptop = await started(engines(await make_profile("alice", "laptop", create=True)))
    told: list[ServerRestored] = []
    laptop.subscribe(lambda e: told.append(e) if isinstance(e, ServerRestored) else None)
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel.id
    await bob.request(Send(channel=channel, client_id=new_id(), text="kept"))
    await until(lambda: len(stored(laptop, channel)) == 2)
    database = server.config.data_dir / "tidings.db"
    backup_sqlite(database, tmp_path / "backup.db")

    for text in ("lost 1", "lost 2"):
        await bob.request(Send(channel=channel, client_id=new_id(), text=text))
    laptop.send(channel, "mine, lost")
    await until(lambda: laptop.cache.outbox() == [] and len(stored(laptop, channel)) == 5)
    config = same_place(server)
    await server.stop()
    laptop.send(channel, "written while the server was down")
    restore_sqlite(tmp_path / "backup.db", database)

    restored = SyncServer(config)
    await restored.start()
    others = ClientFactory(restored)
    try:
        bob_again = await others.login("bob", "phone")
        # The restored server numbers new events from where the backup ended: 3 and 4
        # meant "lost 1" and "lost 2" on this device.
        sent = await bob_again.request(Send(channel=channel, client_id=new_id(), text="new"))
        assert sent.seq in (3, 4)

        await until(lambda: bool(told) and laptop.cache.outbox() == [])
        whole = await server_history(bob_again, channel)
        assert [text for _, _, text in whole[:2]] == ["", "kept"]
        assert sorted(text for _, _, text in whole[2:]) == [
            "new",
            "written while the server was down",
        ]
        await until(lambda: stored(laptop, channel) == whole)
        assert (told[0].dropped, told[0].chats) == (3, 1)
        [mine] = [seq for seq, _, text in whole if text.startswith("written")]
        # The read position came down from 5, which numbered "mine, lost" before.
        view = laptop.cache.channel(channel)
        assert view is not None and mine is not None and 2 <= view.read_seq <= mine
    finally:
        await others.close_all()
        await restored.stop()
