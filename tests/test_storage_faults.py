"""Storage that cannot take writes (disk full, database read-only): writes are refused with
a clear error, nothing half-done is stored, reads go on, and the server recovers.

Filling a real disk or remounting it read-only needs privileges a test should not use, so
the server's own SQLite connections (the socket loop's and the writer thread's) are made to
hit the same errors SQLite reports then:
``max_page_count`` gives "database or disk is full", ``query_only`` gives "attempt to write a
readonly database"."""

from typing import Any

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import History, MarkRead, OpenDirect, Request, Send
from syncserver.server import SyncServer
from tests.support import ClientFactory, new_id


async def _pragma(server: SyncServer, pragma: str) -> None:
    """Set a pragma on both of the server's connections."""
    db = server.ctx.store.db
    db.execute_sql(pragma)
    await server._writer.on_writer_thread(lambda: db.execute_sql(pragma))


# The faults are injected through SQLite pragmas.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@sqlite_only
async def test_disk_full_refuses_writes_keeps_reads_and_recovers(
    clients: ClientFactory, server: SyncServer
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    await alice.request(Send(channel=channel.id, client_id=new_id(), text="before"))
    pages = server.ctx.store.db.execute_sql("PRAGMA page_count").fetchone()[0]
    await _pragma(server, f"PRAGMA max_page_count = {pages}")

    big = "x" * 60_000  # needs new pages
    message_id = new_id()
    with pytest.raises(ProtocolError) as err:
        await alice.request(Send(channel=channel.id, client_id=message_id, text=big))
    assert err.value.code == ErrorCode.UNAVAILABLE and "full" in err.value.message
    page = await bob.request(History(channel=channel.id))  # reads go on
    assert [e.text for e in page.events if e.kind == "message"] == ["before"]

    await _pragma(server, "PRAGMA max_page_count = 1073741823")  # space returns
    sent = await alice.request(Send(channel=channel.id, client_id=message_id, text=big))
    page = await bob.request(History(channel=channel.id))
    assert [e.seq for e in page.events if e.kind == "message"] == [2, sent.seq]
    assert sent.seq == 3  # the refused attempt used no sequence number


@sqlite_only
async def test_read_only_database_refuses_writes_and_recovers(
    clients: ClientFactory, server: SyncServer
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    first = await alice.request(Send(channel=channel.id, client_id=new_id(), text="first"))
    await _pragma(server, "PRAGMA query_only = 1")
    refused: list[Request[Any]] = [
        Send(channel=channel.id, client_id=new_id(), text="refused"),
        MarkRead(channel=channel.id, seq=first.seq),
    ]
    for request in refused:
        with pytest.raises(ProtocolError) as err:
            await bob.request(request)
        assert err.value.code == ErrorCode.UNAVAILABLE and "readonly" in err.value.message
    page = await bob.request(History(channel=channel.id))
    assert [e.text for e in page.events if e.kind == "message"] == ["first"]

    await _pragma(server, "PRAGMA query_only = 0")
    again = await bob.request(Send(channel=channel.id, client_id=new_id(), text="after"))
    assert again.seq == first.seq + 1
    await bob.request(MarkRead(channel=channel.id, seq=again.seq))
