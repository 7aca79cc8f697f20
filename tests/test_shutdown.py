"""Graceful shutdown: on SIGTERM the server finishes what it received, tells connected
devices it is going away, and they come back by themselves to the next server on the same
data directory with nothing acknowledged lost."""

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

from shared.client import ConnectionState
from shared.protocol import GoingAwayPush, OpenDirect, Sync
from syncserver.bench.harness import free_port_pair
from syncserver.config import ServerConfig
from syncserver.server import SyncServer
from tests.load import Sender, stored_texts
from tests.server_process import ServerProcess
from tests.support import PASSWORD, WAIT, ClientFactory, TestClient, same_place


class StateLog:
    """A connection's states as they change, to wait on."""

    def __init__(self, client: TestClient) -> None:
        self.states: list[ConnectionState] = []
        self.changed = asyncio.Event()
        client.conn.on_state = self._record

    def _record(self, state: ConnectionState) -> None:
        self.states.append(state)
        self.changed.set()

    async def wait_for(self, condition: Callable[[list[ConnectionState]], bool]) -> None:
        async with asyncio.timeout(WAIT):
            while not condition(self.states):
                self.changed.clear()
                await self.changed.wait()


def going_away(push: object) -> bool:
    return isinstance(push, GoingAwayPush)


async def test_sigterm_under_load_tells_devices_and_loses_nothing(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", free_port_pair())
    await server.start()
    devices: list[TestClient] = []

    async def register(user: str) -> TestClient:
        client = TestClient(server.connection())
        devices.append(client)
        await client.conn.open()
        await client.conn.wait_ready(WAIT)
        await client.conn.register(user, PASSWORD, "laptop")
        return client

    try:
        alice, bob = await register("alice"), await register("bob")
        channel = (await alice.request(OpenDirect(user="bob"))).channel.id
        states = StateLog(alice)
        sender = Sender(alice, channel)
        try:
            await sender.wait_for(50)
            assert server.proc is not None
            server.proc.send_signal(signal.SIGTERM)
            await alice.wait_push(going_away)
            await bob.wait_push(going_away)
            # The notice comes after every reply: the connection is given up at once, not
            # when a heartbeat or request times out.
            await states.wait_for(lambda s: ConnectionState.CONNECTING in s)
            assert await asyncio.wait_for(server.proc.wait(), WAIT) == 0
            acked_at_stop = len(sender.acked)
            await server.start()
            await states.wait_for(lambda s: s[-1] == ConnectionState.ONLINE)
            await sender.wait_for(acked_at_stop + 50)  # and sends go on
        finally:
            await sender.stop()
        page = await bob.request(Sync(after=0, limit=1000))
        received = [e.text for e in page.events if e.kind == "message"]
    finally:
        for client in devices:
            await client.conn.close()
        await server.stop()
    stored = stored_texts(tmp_path / "data" / "tidings.db")
    assert set(sender.acked) <= set(stored)
    assert len(stored) == len(set(stored))  # resent requests were not stored twice
    assert received == stored


async def test_stopping_tells_devices_and_they_resume_on_the_next_server(
    server_config: ServerConfig,
) -> None:
    """The same with the server in this process, on SQLite and on PostgreSQL."""
    first = SyncServer(server_config)
    second: SyncServer | None = None
    await first.start()
    factory = ClientFactory(first)
    try:
        alice = await factory.register("alice")
        await factory.register("bob")
        channel = (await alice.request(OpenDirect(user="bob"))).channel.id
        sender = Sender(alice, channel)
        try:
            await sender.wait_for(20)
            await first.stop()
            await alice.wait_push(going_away)
            acked_at_stop = len(sender.acked)
            second = SyncServer(same_place(first))
            await second.start()
            await sender.wait_for(acked_at_stop + 20)
        finally:
            await sender.stop()
        page = await alice.request(Sync(after=0, limit=1000))
        stored = [e.text for e in page.events if e.kind == "message"]
        assert set(sender.acked) <= set(stored)
        assert len(stored) == len(set(stored))
    finally:
        await factory.close_all()
        await first.stop()
        if second is not None:
            await second.stop()
