"""Faults a deployed server meets: a crash in the middle of a burst, a device that stops
reading, a device that vanishes from the network without closing its connection. The server
runs as its own process (CURVE on, SQLite in its data directory), as an admin runs it."""

import asyncio
import itertools
import json
import os
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from shared.client import Connection, ConnectionState
from shared.protocol import (
    PROTOCOL_TAG,
    CreateGroup,
    Event,
    EventPush,
    Hello,
    History,
    OpenDirect,
    PresencePush,
    Push,
    Reply,
    ReplyT,
    Request,
    Send,
    Sent,
    Sync,
    SyncPage,
    Welcome,
    decode_server_message,
    encode,
)
from syncserver.bench.harness import free_port_pair
from tests.server_process import ServerProcess
from tests.support import PASSWORD, WAIT, bare_socket

REPO = Path(__file__).resolve().parents[1]


async def wait_until(condition: Callable[[], bool], changed: asyncio.Event, timeout: float) -> None:
    """Return once ``condition()`` holds, re-checking whenever ``changed`` is set."""
    async with asyncio.timeout(timeout):
        while not condition():
            changed.clear()
            await changed.wait()


class Device:
    """A ``Connection`` that records its pushes and state changes."""

    def __init__(self, server: ServerProcess, changed: asyncio.Event, **options) -> None:
        self.changed = changed
        self.pushes: list[Push] = []
        self.states: list[ConnectionState] = []
        self.conn: Connection = server.connection(
            on_push=self._on_push, on_state=self._on_state, **options
        )

    def _on_push(self, push: Push) -> None:
        self.pushes.append(push)
        self.changed.set()

    def _on_state(self, state: ConnectionState) -> None:
        self.states.append(state)
        self.changed.set()

    async def request(self, req: Request[ReplyT]) -> ReplyT:
        return await self.conn.request(req)


class Devices:
    """Makes devices against one server process and closes them all."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.changed = asyncio.Event()
        self.made: list[Device] = []

    async def connect(self, **options) -> Device:
        device = Device(self.server, self.changed, **options)
        self.made.append(device)
        await device.conn.open()
        await device.conn.wait_ready(WAIT)
        return device

    async def register(self, user: str, **options) -> Device:
        device = await self.connect(**options)
        await device.conn.register(user, PASSWORD, "laptop")
        return device

    async def login(self, user: str, device_name: str, **options) -> Device:
        device = await self.connect(**options)
        await device.conn.login(user, PASSWORD, device_name)
        return device

    async def close_all(self) -> None:
        for device in self.made:
            await device.conn.close()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    data = tmp_path / "server"
    data.mkdir()
    srv = ServerProcess(data, free_port_pair())
    try:
        yield srv
    finally:
        await srv.stop()


async def history_of(device: Device, channel: int) -> list[Event]:
    """Every event of a channel, oldest first, paged backwards."""
    pages: list[list[Event]] = []
    before = None
    for _ in range(1000):
        page = await device.request(History(channel=channel, before=before, limit=500))
        pages.append(page.events)
        if not page.more:
            break
        before = page.events[0].seq
    else:
        raise AssertionError("history did not end")
    return [e for events in reversed(pages) for e in events]


async def sync_from(device: Device, after: int, limit: int = 1000) -> list[SyncPage]:
    pages = []
    for _ in range(10_000):
        page = await device.request(Sync(after=after, limit=limit))
        pages.append(page)
        after = page.next
        if not page.more:
            return pages
    raise AssertionError("sync did not end")


def assert_gap_free(events: list[Event], *, synced: bool = True) -> None:
    """A channel's events, each once and in order: its sequence numbers from 1 without a
    gap; synced, positions of the user's stream growing with them (history carries none)."""
    seqs = [e.seq for e in events]
    assert seqs == list(range(1, len(seqs) + 1)), "sequence numbers skip or repeat"
    positions = [e.pos for e in events]
    if synced:
        assert all(a < b for a, b in itertools.pairwise(positions))
    else:
        assert set(positions) <= {0}


# --- 1. SIGKILL in the middle of a burst ----------------------------------------------------

USERS = [f"user{i}" for i in range(10)]
IN_FLIGHT = 20  # sends each device has outstanding at once
KILL_AFTER = 1000  # acknowledgements before the server is killed


async def test_sigkill_mid_burst_loses_no_acknowledged_message(server: ServerProcess) -> None:
    await server.start()
    devices = Devices(server)
    try:
        laptops = await asyncio.gather(*(devices.register(u) for u in USERS))
        phones = await asyncio.gather(*(devices.login(u, "phone") for u in USERS))
        channels: dict[str, list[int]] = {u: [] for u in USERS}
        for a, b in zip(range(0, len(USERS), 2), range(1, len(USERS), 2), strict=True):
            reply = await laptops[a].request(OpenDirect(user=USERS[b]))
            channels[USERS[a]].append(reply.channel.id)
            channels[USERS[b]].append(reply.channel.id)
        for name, members in (("first", USERS[:5]), ("second", USERS[5:]), ("all", USERS)):
            owner = USERS.index(members[0])
            reply = await laptops[owner].request(CreateGroup(name=name, members=members[1:]))
            for member in members:
                channels[member].append(reply.channel.id)
        senders = [(USERS[i % 10], d) for i, d in enumerate(laptops + phones)]

        attempted: dict[str, tuple[Device, str, int, str]] = {}  # client_id: who, what, where
        acked: dict[str, Sent] = {}
        enough = asyncio.Event()
        stopping = False

        async def keep_sending(user: str, device: Device, worker: int) -> None:
            for n in itertools.count():
                if stopping:
                    return
                client_id = uuid.uuid4().hex
                channel = channels[user][(worker + n) % len(channels[user])]
                text = f"{user} {worker}/{n}"
                attempted[client_id] = (device, user, channel, text)  # before it leaves
                reply = await device.request(Send(channel=channel, client_id=client_id, text=text))
                acked[client_id] = reply
                if len(acked) >= KILL_AFTER:
                    enough.set()

        workers = [
            asyncio.create_task(keep_sending(user, device, w))
            for user, device in senders
            for w in range(IN_FLIGHT)
        ]
        try:
            async with asyncio.timeout(30):
                await enough.wait()
            await server.kill()
            stopping = True
            # Whatever has not been acknowledged by now was lost with the server, as far as
            # the senders know: acknowledgements can only come from the dead process.
            acked_before_kill = dict(acked)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        failed = [t.exception() for t in workers if not t.cancelled() and t.exception()]
        assert failed == [], f"sends failed before the kill: {failed[:3]}"
        assert len(acked_before_kill) >= KILL_AFTER
        states_at_kill = {id(d): len(d.states) for d in devices.made}

        await server.start()

        # Every connection redials and authenticates again by itself, with no request to
        # prompt it: each dropped out of ONLINE after the kill and is back.
        def all_back() -> bool:
            return all(
                d.conn.state == ConnectionState.ONLINE
                and ConnectionState.ONLINE in d.states[states_at_kill[id(d)] :]
                for d in devices.made
            )

        await wait_until(all_back, devices.changed, 30)

        all_channels = sorted({c for cs in channels.values() for c in cs})
        reader = {
            c: next(laptops[USERS.index(u)] for u in USERS if c in channels[u])
            for c in all_channels
        }

        async def stored_messages() -> dict[str, Event]:
            by_client_id: dict[str, Event] = {}
            counts: Counter[tuple[str, str]] = Counter()
            for channel in all_channels:
                events = await history_of(reader[channel], channel)
                assert_gap_free(events, synced=False)
                for e in events:
                    if e.kind == "message":
                        assert e.client_id is not None
                        counts[e.sender, e.client_id] += 1
                        by_client_id[e.client_id] = e
            duplicated = [key for key, n in counts.items() if n > 1]
            assert duplicated == [], f"stored more than once: {duplicated[:5]}"
            return by_client_id

        # (a) every acknowledged message is stored, once, where its acknowledgement said
        stored = await stored_messages()
        missing = [cid for cid in acked_before_kill if cid not in stored]
        assert missing == [], f"{len(missing)} acknowledged messages were lost"
        for client_id, sent in acked_before_kill.items():
            event = stored[client_id]
            assert (event.channel, event.seq) == (sent.channel, sent.seq)
            assert (event.sender, event.text) == attempted[client_id][1::2]
        assert set(stored) <= set(attempted)

        # A fresh device of a member walks the whole stream from 0 and sees the same, its
        # own messages at the positions of the stream their acknowledgements gave.
        auditor = await devices.login(USERS[0], "auditor")
        walked = [e for p in await sync_from(auditor, 0) for e in p.events]
        mine = set(channels[USERS[0]])
        assert {e.client_id: e.seq for e in walked if e.kind == "message"} == {
            cid: e.seq for cid, e in stored.items() if e.channel in mine
        }
        own = {e.client_id: e.pos for e in walked if e.sender == USERS[0]}
        acked_own = {
            cid: sent.pos
            for cid, sent in acked_before_kill.items()
            if attempted[cid][1] == USERS[0]
        }
        assert acked_own and {cid: own[cid] for cid in acked_own} == acked_own
        for channel in mine:
            assert_gap_free([e for e in walked if e.channel == channel])

        # (c) every unacknowledged send, sent again with its id (twice at once, one batch),
        # is stored once; those that had been stored get their original acknowledgement.
        unacked = [cid for cid in attempted if cid not in acked_before_kill]
        resends = [
            attempted[cid][0].request(
                Send(channel=attempted[cid][2], client_id=cid, text=attempted[cid][3])
            )
            for cid in unacked
            for _ in range(2)
        ]
        replies = await asyncio.gather(*resends)
        for cid, first, second in zip(unacked, replies[::2], replies[1::2], strict=True):
            assert (first.seq, first.pos) == (second.seq, second.pos)
            if cid in stored:
                assert first.seq == stored[cid].seq
                if attempted[cid][1] == USERS[0]:  # where the auditor's walk found it
                    assert first.pos == own[cid]
        final = await stored_messages()
        assert set(final) == set(attempted)
        print(
            f"\nattempted {len(attempted)}, acked before kill {len(acked_before_kill)}, "
            f"stored after restart {len(stored)} (stored but unacknowledged "
            f"{len(stored) - len(acked_before_kill)}), unacked resent {len(unacked)}, "
            f"stored in the end {len(final)}"
        )
    finally:
        await devices.close_all()


# --- 2. A device that stops reading ---------------------------------------------------------

FLOOD = 20_000
TEXT_CHARS = 2000  # large enough that the flood outgrows every buffer on the way


class RawDevice:
    """A device on a bare DEALER socket, so the test decides when it reads."""

    def __init__(self, server: ServerProcess, keys) -> None:
        assert server.keys is not None
        self.sock = bare_socket(server.endpoint, server.keys.public, keys)
        self.rids = itertools.count(1)
        self.pushes = 0

    async def request(self, req: Request) -> Reply:
        rid = next(self.rids)
        await self.sock.send_multipart(
            [PROTOCOL_TAG, encode(type(req)(**{**_fields(req), "rid": rid}))]
        )
        async with asyncio.timeout(WAIT):
            while True:
                _, body = await self.sock.recv_multipart()
                message = decode_server_message(body)
                if isinstance(message, Reply) and message.rid == rid:
                    return message
                if isinstance(message, EventPush):
                    self.pushes += 1

    async def drain(self, quiet: float = 0.5) -> None:
        """Read what is queued for the device until nothing more comes for ``quiet`` secs.
        (A request sent while the server's queue to the device is full may lose its
        reply, so a device that fell behind reads before it asks.)"""
        for _ in range(FLOOD + 1):
            if not await self.sock.poll(quiet * 1000):
                return
            _, body = await self.sock.recv_multipart()
            if isinstance(decode_server_message(body), EventPush):
                self.pushes += 1
        raise AssertionError("more pushes than messages sent")

    def close(self) -> None:
        self.sock.close()


def _fields(req: Request) -> dict:
    return {f: getattr(req, f) for f in req.__struct_fields__}


async def test_slow_consumer_costs_bounded_memory_and_recovers_by_sync(
    server: ServerProcess,
) -> None:
    # The slow device sends nothing while the flood lasts; on a loaded machine that can take
    # longer than the default presence timeout, which would rightly drop it.
    # The flood comes from 20 devices of one account, far past what one account may have
    # and spend by default: this test is about the slow reader, not about the budgets.
    server.extra_args = (
        "--presence-timeout",
        "600",
        "--max-devices",
        "20",
        "--account-rate",
        "1000000",
        "--account-burst",
        "1000000",
    )
    await server.start()
    devices = Devices(server)
    slow: RawDevice | None = None
    try:
        alice = await devices.register("alice")
        bob = await devices.register("bob")
        credentials, keys = bob.conn.credentials, bob.conn.client_keys
        assert credentials is not None
        await bob.conn.close()
        channel = (await alice.request(OpenDirect(user="bob"))).channel.id
        # One at a time: logins running at once each hold a token of the account's throttle.
        senders = [alice] + [await devices.login("alice", f"d{n}") for n in range(19)]

        slow = RawDevice(server, keys)
        welcome = await slow.request(
            Hello(device_id=credentials.device_id, token=credentials.token)
        )
        assert isinstance(welcome, Welcome) and welcome.user == "bob"
        cursor = welcome.sync_cursor
        # From here on the slow device reads nothing until the flood is over.

        acks: dict[str, Sent] = {}
        rss = {0: server.rss_bytes()}
        peak = {10_000: rss[0], 20_000: rss[0]}
        padding = "x" * TEXT_CHARS

        async def send_some(device: Device, ids: Iterator[int]) -> None:
            for i in ids:
                client_id = f"flood-{i}"
                reply = await device.request(
                    Send(channel=channel, client_id=client_id, text=f"{i} {padding}")
                )
                acks[client_id] = reply
                if len(acks) % 500 == 0:
                    mark = 10_000 if len(acks) <= 10_000 else 20_000
                    peak[mark] = max(peak[mark], server.rss_bytes())
                if len(acks) == 10_000:
                    rss[10_000] = server.rss_bytes()

        # Several devices of the sender share the flood: one device alone would meet the
        # server's per-device request rate limit.
        share = FLOOD // len(senders)
        started = time.monotonic()
        await asyncio.gather(
            *(
                send_some(device, ids)
                for n, device in enumerate(senders)
                for ids in [iter(range(n * share, (n + 1) * share))]
                for _ in range(IN_FLIGHT // 2)
            )
        )
        rss[20_000] = server.rss_bytes()
        flood_secs = time.monotonic() - started
        assert len(acks) == FLOOD

        mib = 1 << 20
        first_half = max(rss[10_000], peak[10_000]) - rss[0]
        second_half = max(rss[20_000], peak[20_000]) - max(rss[10_000], peak[10_000])
        print(
            f"\nflood of {FLOOD} in {flood_secs:.1f}s; server RSS {rss[0] / mib:.1f} MiB at 0, "
            f"{rss[10_000] / mib:.1f} at 10k (peak {peak[10_000] / mib:.1f}), "
            f"{rss[20_000] / mib:.1f} at 20k (peak {peak[20_000] / mib:.1f})"
        )
        # Unread pushes queued without bound would hold ~4 KB each: 40 MB per 10,000.
        assert max(rss[20_000], peak[20_000]) - rss[0] < 100 * mib
        # The database's page cache and the allocator grow too, but not in step with the
        # unread pushes: the second 10,000 cost less than the first.
        assert second_half < first_half, "memory keeps growing with the flood"

        # The device reads again: what waited in the queues arrives, the rest was dropped,
        # and its sync cursor recovers everything, in order, once.
        await slow.drain()
        events: list[Event] = []
        for _ in range(FLOOD):
            page = await slow.request(Sync(after=cursor, limit=1000))
            assert isinstance(page, SyncPage), page
            events += page.events
            cursor = page.next
            if not page.more:
                break
        events = [e for e in events if e.kind == "message"]  # after the chat's creation
        print(f"pushes that reached the slow device: {slow.pushes} of {FLOOD}")
        assert slow.pushes < FLOOD, "no push was dropped: the test did not fill the queues"
        assert [e.client_id for e in events] == sorted(acks, key=lambda cid: acks[cid].seq)
        assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + FLOOD))
        assert all(
            e.client_id and e.text.startswith(e.client_id.removeprefix("flood-") + " ")
            for e in events
        )

        # Confirming the end of the walk, then a fresh connection of the same device resumes
        # from there, with nothing left to fetch.
        confirmed = await slow.request(Sync(after=cursor))
        assert isinstance(confirmed, SyncPage) and confirmed.events == []
        again = await devices.connect(credentials=credentials, client_keys=keys)
        assert again.conn.welcome is not None and again.conn.welcome.sync_cursor == cursor
        assert (await again.request(Sync())).events == []
    finally:
        if slow is not None:
            slow.close()
        await devices.close_all()


# --- 3. A device that vanishes without closing its connection ---------------------------------

CLIENT_SCRIPT = """
import asyncio, json, sys
from shared.client import Connection, ConnectionState, Credentials
from shared.keys import KeyPair
from shared.protocol import EventPush, Sync

def out(obj):
    print(json.dumps(obj), flush=True)

async def main():
    cfg = json.loads(sys.argv[1])
    cursor = None
    lock = asyncio.Lock()
    tasks = set()

    async def catch_up():
        nonlocal cursor
        async with lock:
            try:
                while True:
                    page = await conn.request(Sync(after=cursor))
                    for e in page.events:
                        if e.kind == "message":
                            out({"message": e.text, "seq": e.seq, "via": "sync"})
                    cursor = conn.confirmed_cursor = page.next
                    if not page.more:
                        return
            except Exception as e:
                out({"sync_failed": repr(e)})

    def spawn():
        task = asyncio.create_task(catch_up())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def on_push(push):
        if isinstance(push, EventPush) and push.event.kind == "message":
            out({"message": push.event.text, "seq": push.event.seq, "via": "push"})

    def on_state(state):
        out({"state": str(state)})
        if state == ConnectionState.ONLINE:
            spawn()

    def on_head(head):
        if cursor is not None and head > cursor:
            spawn()

    conn = Connection(
        cfg["endpoint"],
        server_key=cfg["server_key"],
        client_keys=KeyPair(*cfg["keys"]),
        credentials=Credentials(*cfg["credentials"]),
        heartbeat_interval=cfg["heartbeat"],
        on_push=on_push,
        on_state=on_state,
        on_head=on_head,
    )
    await conn.open()
    await asyncio.Event().wait()

asyncio.run(main())
"""


class ClientProcess:
    """The client script as its own process; its JSON lines collected as they come."""

    def __init__(self, changed: asyncio.Event) -> None:
        self.changed = changed
        self.lines: list[dict] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task | None = None

    async def start(self, config: dict) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CLIENT_SCRIPT,
            json.dumps(config),
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self.lines.append(json.loads(line))
            self.changed.set()

    def signal(self, sig: int) -> None:
        assert self.proc is not None, "the client process was not started"
        self.proc.send_signal(sig)

    def messages(self) -> list[dict]:
        return [line for line in self.lines if "message" in line]

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            await asyncio.wait_for(self._reader, WAIT)


HEARTBEAT = 0.2  # secs
PRESENCE_TIMEOUT = 1.5  # secs


def is_presence(user: str, state: str) -> Callable[[Push], bool]:
    return lambda p: (
        isinstance(p, PresencePush) and p.presence.user == user and p.presence.state == state
    )


async def test_vanished_device_goes_offline_and_catches_up_on_return(tmp_path: Path) -> None:
    data = tmp_path / "server"
    data.mkdir()
    server = ServerProcess(
        data,
        free_port_pair(),
        "--heartbeat-interval",
        str(HEARTBEAT),
        "--presence-timeout",
        str(PRESENCE_TIMEOUT),
    )
    await server.start()
    devices = Devices(server)
    client = ClientProcess(devices.changed)
    try:
        alice = await devices.register("alice", heartbeat_interval=HEARTBEAT)
        bob = await devices.register("bob", heartbeat_interval=HEARTBEAT)
        credentials, keys = bob.conn.credentials, bob.conn.client_keys
        assert credentials is not None and server.keys is not None
        await bob.conn.close()
        channel = (await alice.request(OpenDirect(user="bob"))).channel.id
        await client.start(
            {
                "endpoint": server.endpoint,
                "server_key": server.keys.public,
                "keys": [keys.public, keys.secret],
                "credentials": [credentials.device_id, credentials.token],
                "heartbeat": HEARTBEAT,
            }
        )
        # Bob's process is up and receiving before it is cut off.
        await alice.request(Send(channel=channel, client_id="before", text="before the pause"))
        await wait_until(
            lambda: any(m["message"] == "before the pause" for m in client.messages()),
            devices.changed,
            WAIT,
        )
        seen = len(alice.pushes)

        client.signal(signal.SIGSTOP)  # frozen: no heartbeats, no close, its socket stays open
        paused_at, paused_ms = time.monotonic(), time.time_ns() // 1_000_000
        # Offline within the timeout and a margin a loaded machine cannot exceed; the server
        # stamps the moment it gave up on bob, which is after he froze, not before.
        await wait_until(
            lambda: any(map(is_presence("bob", "offline"), alice.pushes[seen:])),
            devices.changed,
            PRESENCE_TIMEOUT + WAIT,
        )
        to_offline = time.monotonic() - paused_at
        offline_at = len(alice.pushes)
        offline = next(filter(is_presence("bob", "offline"), alice.pushes[seen:]))
        assert isinstance(offline, PresencePush) and offline.presence.last_seen is not None
        assert offline.presence.last_seen >= paused_ms

        during = await alice.request(
            Send(channel=channel, client_id="during", text="sent while you were away")
        )
        assert not any(m["message"] == "sent while you were away" for m in client.messages())

        client.signal(signal.SIGCONT)
        resumed_at = time.monotonic()
        await wait_until(
            lambda: any(map(is_presence("bob", "online"), alice.pushes[offline_at:])),
            devices.changed,
            WAIT,
        )
        to_online = time.monotonic() - resumed_at
        await wait_until(
            lambda: any(m["message"] == "sent while you were away" for m in client.messages()),
            devices.changed,
            WAIT,
        )
        got = [m for m in client.messages() if m["message"] == "sent while you were away"]
        assert {m["seq"] for m in got} == {during.seq}
        states = [line["state"] for line in client.lines if "state" in line]
        print(
            f"\noffline {to_offline:.2f}s after the pause; online {to_online:.2f}s after "
            f"resuming; the missed message came by {[m['via'] for m in got]}; "
            f"client states {states}"
        )
    finally:
        await client.kill()
        await devices.close_all()
        await server.stop()
