"""A server of several nodes: devices keep their endpoints in the profile, learn them from
the welcome, and move to another node within 5 s when theirs dies. Real server processes
killed with SIGKILL, real CURVE on loopback, real cache files and keyring."""

import asyncio
import json
import os
import shutil
import signal
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from desktop.core.account import open_engine, sign_in
from desktop.core.engine import EngineState, SyncEngine
from desktop.core.events import MessageUpdated
from desktop.core.profile import Profile
from desktop.platform.credentials import CredentialStore
from shared.client import ConnectionState, ServerKeyMismatch
from shared.protocol import CreateGroup, Event, History
from syncserver.bench.harness import free_port_pair
from tests.cluster import Cluster
from tests.server_process import ServerProcess
from tests.support import PASSWORD, WAIT, TestClient

MOVE_WITHIN = 5.0  # secs from a node being up until a device that lost its own is on it
LOAD_PACE = 0.01  # secs between two messages of one device under load
LOAD_ACKS = 30  # acknowledgements before the node dies, and again after, through the others


async def signed_in(
    tmp_path: Path,
    credentials: CredentialStore,
    node: ServerProcess,
    user: str,
    others: Sequence[str] = (),
    device: str = "laptop",
    create: bool = True,
) -> Profile:
    """A device signed in at ``node`` (with a new account unless ``create`` is false),
    knowing ``others`` too."""
    return await sign_in(
        tmp_path / f"{user}-{device}",
        node.endpoint,
        user,
        PASSWORD,
        device,
        create_account=create,
        credentials=credentials,
        trust=lambda _server, _fingerprint: True,
        key_endpoint=node.key_endpoint,
        other_nodes=others,
    )


@asynccontextmanager
async def running(profile: Profile, credentials: CredentialStore) -> AsyncIterator[SyncEngine]:
    """The profile's engine, started; stopped and its cache closed when the block ends."""
    engine = open_engine(profile, credentials)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()
        engine.cache.close()


async def until(engine: SyncEngine, holds: Callable[[], bool], timeout: float) -> None:
    """Wait until ``holds()``, checked again at each event of the engine."""
    changed = asyncio.Event()
    unsubscribe = engine.subscribe(lambda _event: changed.set())
    try:
        async with asyncio.timeout(timeout):
            while not holds():
                changed.clear()
                await changed.wait()
    finally:
        unsubscribe()


def node_dirs(tmp_path: Path, name: str) -> Path:
    data = tmp_path / name / "data"
    data.mkdir(parents=True)
    return data


def on_node(engine: SyncEngine, endpoint: str) -> Callable[[], bool]:
    return lambda: engine.conn.endpoint == endpoint and engine.state == EngineState.ONLINE


def off_node(engine: SyncEngine, endpoint: str) -> Callable[[], bool]:
    """Whether the device is signed in at a node other than ``endpoint`` (its engine may
    still be busy there: it is online only once its outbox is empty)."""
    conn = engine.conn
    return lambda: conn.endpoint != endpoint and conn.state == ConnectionState.ONLINE


def test_a_profile_saved_before_nodes_loads_with_its_one_server(tmp_path: Path) -> None:
    old = {
        "server": "tcp://chat.example.org:7744",
        "key_endpoint": "tcp://chat.example.org:7745",
        "server_key": "k" * 40,
        "user": "alice",
        "device_id": 3,
        "device_name": "laptop",
    }
    (tmp_path / "profile.json").write_text(json.dumps(old), encoding="utf-8")
    profile = Profile.load(tmp_path)
    assert profile.endpoints == ("tcp://chat.example.org:7744",)
    assert profile.server == "tcp://chat.example.org:7744"
    # The credential is found under the name it was saved with.
    assert profile.keyring_account == "alice@tcp://chat.example.org:7744#3"
    profile.with_nodes(["tcp://chat2.example.org:7744"]).save()
    again = Profile.load(tmp_path)
    assert again.endpoints == ("tcp://chat.example.org:7744", "tcp://chat2.example.org:7744")
    assert again.keyring_account == profile.keyring_account
    # An older app reading the profile meets only the keys it knows.
    assert json.loads((tmp_path / "profile.json").read_text(encoding="utf-8")) == old


def test_a_broken_endpoints_file_leaves_the_server_signed_in_at(tmp_path: Path) -> None:
    profile = Profile(tmp_path, ("tcp://a:7744", "tcp://b:7744"), "tcp://a:7745", "k", "al", 1, "x")
    profile.save()
    (tmp_path / "endpoints.json").write_text('{"endpoints": ["b:1", 7, "tcp://c:7744"]}')
    assert Profile.load(tmp_path).endpoints == ("tcp://a:7744", "tcp://c:7744")
    (tmp_path / "endpoints.json").write_text("[not json")
    assert Profile.load(tmp_path).endpoints == ("tcp://a:7744",)


async def test_a_device_learns_the_nodes_at_sign_in_and_from_each_welcome(
    tmp_path: Path, credentials: CredentialStore
) -> None:
    data = node_dirs(tmp_path, "a")
    a_port, b_port = free_port_pair(), free_port_pair()
    b = f"tcp://127.0.0.1:{b_port}"
    plain = ServerProcess(data, a_port)
    await plain.start()
    try:
        profile = await signed_in(tmp_path, credentials, plain, "alice")
    finally:
        await plain.stop()
    assert Profile.load(profile.dir).endpoints == (plain.endpoint,)

    told = ServerProcess(data, a_port, "--nodes", f"{plain.endpoint},{b}")
    await told.start()
    try:
        async with running(profile, credentials) as engine:
            await engine.wait_caught_up(WAIT)
            assert Profile.load(profile.dir).endpoints == (plain.endpoint, b)
            assert engine.conn.endpoints == (plain.endpoint, b)
        bob = await signed_in(tmp_path, credentials, told, "bob")
        assert bob.endpoints == (plain.endpoint, b)
        assert Profile.load(bob.dir).endpoints == (plain.endpoint, b)
    finally:
        await told.stop()


async def test_a_device_moves_to_the_next_node_and_its_queued_message_arrives_once(
    tmp_path: Path, credentials: CredentialStore
) -> None:
    data = node_dirs(tmp_path, "shared")
    a = ServerProcess(data, free_port_pair())
    b = ServerProcess(data, free_port_pair())  # the same data directory, so the same key
    await a.start()
    try:
        alice = await signed_in(tmp_path, credentials, a, "alice", [b.endpoint])
        bob = await signed_in(tmp_path, credentials, a, "bob", [b.endpoint])
        async with running(alice, credentials) as sender, running(bob, credentials) as reader:
            sender.send_to_user("bob", "before")
            await sender.wait_caught_up(WAIT)
            chat = sender.cache.direct_with("bob")
            assert chat is not None
            [stored] = [m for m in sender.cache.messages(chat.id) if m.kind == "message"]
            assert stored.seq is not None

            await a.kill()  # its data directory's lock goes with it
            queued = sender.send(stored.channel, "while the server was down")
            assert queued.seq is None
            await b.start()
            await until(sender, on_node(sender, b.endpoint), MOVE_WITHIN)
            await until(reader, on_node(reader, b.endpoint), MOVE_WITHIN)

            def arrived() -> bool:
                texts = [m.text for m in reader.cache.messages(stored.channel)]
                return "while the server was down" in texts

            await until(reader, arrived, WAIT)
            await sender.wait_caught_up(WAIT)
            await reader.settle(WAIT)
            seen = [m for m in reader.cache.messages(stored.channel) if m.kind == "message"]
            assert [(m.text, m.seq) for m in seen] == [
                ("before", stored.seq),
                ("while the server was down", stored.seq + 1),
            ]
            assert sender.cache.outbox_counts() == (0, 0)
    finally:
        await a.stop()
        await b.stop()


async def test_a_node_presenting_another_key_stops_the_device(
    tmp_path: Path, credentials: CredentialStore
) -> None:
    a = ServerProcess(node_dirs(tmp_path, "a"), free_port_pair())
    impostor = ServerProcess(node_dirs(tmp_path, "b"), free_port_pair())  # a key of its own
    await a.start()
    try:
        alice = await signed_in(tmp_path, credentials, a, "alice", [impostor.endpoint])
        async with running(alice, credentials) as engine:
            await engine.wait_caught_up(WAIT)
            await a.kill()
            await impostor.start()
            await until(engine, lambda: engine.state == EngineState.FAILED, WAIT)
            failure = engine.conn.failure
            assert isinstance(failure, ServerKeyMismatch), failure
            assert failure.endpoint == impostor.endpoint
            assert failure.pinned == alice.server_key != failure.offered
            assert engine.failure is not None and "presents key" in engine.failure
    finally:
        await a.stop()
        await impostor.stop()


async def test_a_device_leaves_a_node_that_went_silent_within_5_s(
    tmp_path: Path, credentials: CredentialStore, postgres_url: str
) -> None:
    """A frozen node keeps its connections open and answers nothing, not even ZeroMQ's
    pings. Two nodes on one PostgreSQL database, with one key pair; the second starts once
    the first is frozen, as the server serves one database from one node at a time."""
    a_data, b_data = node_dirs(tmp_path, "a"), node_dirs(tmp_path, "b")
    a = ServerProcess(a_data, free_port_pair(), "--database-url", postgres_url)
    b = ServerProcess(b_data, free_port_pair(), "--database-url", postgres_url)
    await a.start()
    try:
        shutil.copy2(a_data / "server.key", b_data / "server.key")
        alice = await signed_in(tmp_path, credentials, a, "alice", [b.endpoint])
        await signed_in(tmp_path, credentials, a, "bob")
        async with running(alice, credentials) as engine:
            engine.send_to_user("bob", "before")
            await engine.wait_caught_up(WAIT)
            assert engine.conn.endpoint == a.endpoint
            chat = engine.cache.direct_with("bob")
            assert chat is not None

            os.kill(a.pid, signal.SIGSTOP)
            engine.send(chat.id, "while the server was silent")
            await b.start()
            await until(engine, on_node(engine, b.endpoint), MOVE_WITHIN)
            await engine.settle(WAIT)
            texts = [m.text for m in engine.cache.messages(chat.id) if m.kind == "message"]
            assert texts == ["before", "while the server was silent"]
            assert all(m.seq is not None for m in engine.cache.messages(chat.id))
    finally:
        await a.kill()  # frozen: it could not take SIGTERM
        await b.stop()


async def history(device: TestClient, channel: int) -> list[Event]:
    """The channel's whole history on the server, oldest first."""
    events: list[Event] = []
    before = None
    while True:
        page = await device.request(History(channel=channel, before=before, limit=500))
        events[:0] = page.events
        if not page.more:
            return events
        before = page.events[0].seq


class Load:
    """Devices queueing messages into one chat without pause, and what the server
    acknowledged of them (as each device heard it)."""

    def __init__(self, engines: dict[str, SyncEngine], channel: int) -> None:
        self.engines = engines
        self.channel = channel
        self.written: dict[str, str] = {}  # client id -> text
        self.acked: dict[str, int] = {}  # client id -> seq of its first acknowledgement
        self.contradictions: list[str] = []  # acknowledgements that named another seq
        self.grown = asyncio.Event()
        self.wanted = 0
        self.stopping = asyncio.Event()
        for engine in engines.values():
            engine.subscribe(self._heard)

    def _heard(self, event: object) -> None:
        if not isinstance(event, MessageUpdated) or event.message.seq is None:
            return
        client_id, seq = event.message.client_id or "", event.message.seq
        if client_id not in self.written:
            return
        first = self.acked.setdefault(client_id, seq)
        if first != seq:
            self.contradictions.append(f"{client_id}: acknowledged as {first}, then {seq}")
        if len(self.acked) >= self.wanted:
            self.grown.set()

    async def acknowledged(self, count: int) -> None:
        """Wait until ``count`` messages were acknowledged in all."""
        self.wanted = count
        self.grown.clear()
        if len(self.acked) < count:
            async with asyncio.timeout(WAIT * 3):
                await self.grown.wait()

    async def keep_sending(self, name: str) -> None:
        engine, n = self.engines[name], 0
        while not self.stopping.is_set():
            queued = engine.send(self.channel, f"{name} {n}")
            assert queued.client_id is not None
            self.written[queued.client_id] = queued.text
            n += 1
            await asyncio.sleep(LOAD_PACE)  # a pace, not a wait for anything


async def test_a_node_killed_under_load_loses_no_acknowledged_message(
    tmp_path: Path, credentials: CredentialStore, postgres_url: str
) -> None:
    cluster = Cluster(tmp_path / "nodes", postgres_url, 3)
    await cluster.start()
    try:
        doomed = cluster.nodes[0]
        others = [node.endpoint for node in cluster.nodes[1:]]
        profiles = {
            f"{user}-{device}": await signed_in(
                tmp_path, credentials, doomed, user, others, device, create
            )
            for user, device, create in [
                ("alice", "laptop", True),
                ("alice", "phone", False),
                ("bob", "laptop", True),
            ]
        }
        script = await cluster.login(1, "alice", "script")
        chat = (await script.request(CreateGroup(name="load", members=["bob"]))).channel.id
        async with AsyncExitStack() as stack:
            engines = {
                name: await stack.enter_async_context(running(profile, credentials))
                for name, profile in profiles.items()
            }
            for engine in engines.values():
                await engine.wait_caught_up(WAIT)
                assert engine.conn.endpoint == doomed.endpoint
            load = Load(engines, chat)
            senders = [asyncio.ensure_future(load.keep_sending(name)) for name in engines]
            try:
                await load.acknowledged(LOAD_ACKS)
                await cluster.kill(0)
                before = len(load.acked)
                for engine in engines.values():
                    await until(engine, off_node(engine, doomed.endpoint), MOVE_WITHIN + WAIT)
                await load.acknowledged(before + LOAD_ACKS)  # the others take the load on
            finally:
                load.stopping.set()
                await asyncio.gather(*senders)
            for engine in engines.values():
                await engine.settle(WAIT * 3)
            assert all(e.cache.outbox_counts() == (0, 0) for e in engines.values())
            events = await history(script, chat)
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        stored = [e.client_id for e in events if e.client_id in load.written]
        assert sorted(stored) == sorted(load.written)  # every message once, none lost
        by_id = {e.client_id: e.seq for e in events}
        wrong = {c: (seq, by_id[c]) for c, seq in load.acked.items() if by_id[c] != seq}
        assert not wrong, f"acknowledged as, stored as: {wrong}"
        assert not load.contradictions
    finally:
        await cluster.stop()
