"""Two servers in one process, each on a database of its own: each server's store is its own
(no database is global to the process), so neither sees the other's accounts, channels or
messages, and each numbers its events as if it were alone."""

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import Event, History, OpenDirect, Send, Sync
from syncserver.config import ServerConfig
from syncserver.server import SyncServer
from tests import postgres_server
from tests.support import ClientFactory, TestClient, new_id

ROUNDS = 5  # messages each server stores, sent to both servers in turn


@pytest.fixture(params=["sqlite", "postgresql"])
def second_database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The second server's database: SQLite in its own data directory (None), or a scratch
    PostgreSQL database."""
    if request.param == "sqlite":
        yield None
    else:
        with postgres_server.new_database(request.getfixturevalue("postgres_admin_url")) as url:
            yield url


def config(data_dir: Path, database_url: str | None) -> ServerConfig:
    return ServerConfig(
        data_dir=data_dir,
        listen="tcp://127.0.0.1:0",
        key_listen="tcp://127.0.0.1:0",
        database_url=database_url,
        address_burst=10_000,  # every test client comes from 127.0.0.1
    )


@asynccontextmanager
async def running(config: ServerConfig) -> AsyncIterator[ClientFactory]:
    server = SyncServer(config)
    await server.start()
    factory = ClientFactory(server)
    try:
        yield factory
    finally:
        await factory.close_all()
        await server.stop()


def texts(events: list[Event]) -> list[str]:
    return [e.text for e in events if e.kind == "message"]


async def refused_direct(client: TestClient, user: str) -> str:
    with pytest.raises(ProtocolError) as err:
        await client.request(OpenDirect(user=user))
    return err.value.code


async def test_two_servers_in_one_process_each_keep_to_their_own_database(
    tmp_path: Path, second_database: str | None
) -> None:
    async with (
        running(config(tmp_path / "first", None)) as first,
        running(config(tmp_path / "second", second_database)) as second,
    ):
        # The same name on both: each database has accounts of its own.
        alice, carol_first = await first.register("alice"), await first.register("carol")
        bob, carol_second = await second.register("bob"), await second.register("carol")
        assert await refused_direct(alice, "bob") == ErrorCode.NO_SUCH_USER
        assert await refused_direct(bob, "alice") == ErrorCode.NO_SUCH_USER

        here = (await alice.request(OpenDirect(user="carol"))).channel
        there = (await bob.request(OpenDirect(user="carol"))).channel
        assert here.members == ["alice", "carol"] and there.members == ["bob", "carol"]
        assert here.id == there.id  # each database numbers its channels from the start
        sent_first, sent_second = [], []
        for n in range(ROUNDS):
            sent_first.append(
                await alice.request(Send(channel=here.id, client_id=new_id(), text=f"first {n}"))
            )
            sent_second.append(
                await bob.request(Send(channel=there.id, client_id=new_id(), text=f"second {n}"))
            )
        # Numbered on each server as if it were alone: the channel's creation, then these.
        assert [s.seq for s in sent_first] == [s.seq for s in sent_second] == list(range(2, 7))

        mine_first = [f"first {n}" for n in range(ROUNDS)]
        mine_second = [f"second {n}" for n in range(ROUNDS)]
        for client, mine in ((carol_first, mine_first), (carol_second, mine_second)):
            assert texts((await client.request(Sync(after=0))).events) == mine
            assert texts((await client.request(History(channel=here.id))).events) == mine

    with sqlite3.connect(tmp_path / "first" / "tidings.db") as db:
        stored = db.execute("SELECT text FROM event WHERE kind = 'message' ORDER BY pos")
        assert [text for (text,) in stored] == mine_first
        assert [name for (name,) in db.execute("SELECT name FROM user ORDER BY id")] == [
            "alice",
            "carol",
        ]
