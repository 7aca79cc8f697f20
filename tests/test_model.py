"""Delivery guarantees as a model-based test.

Hypothesis drives a real server process and four real client devices (two users, two devices
each, a direct chat and a group) through random steps: sending bursts (and re-sending ids from
a third device of the author, as a retry after a lost acknowledgement would), devices going
offline and coming back, a device dropped mid-work and reopened from its profile, an app
process on a device's profile killed with SIGKILL, reading on the devices and on a third
device of each user, replying to, reacting to, editing and deleting messages, and the
server restarted or killed with SIGKILL. After every step the
caches must be in order and free of duplicates (holes are counted), read positions must only
move forward and no queued message may vanish; at the end, with everything reconnected, the
server's history must be gap-free, every message stored once on the server and once in every
member device, in the same order everywhere, every retry must get its first answer, every
message must look the same on every device as on the server (text as last edited, deleted
or not, reactions), every change queued must be stored once (or dropped because its
message was deleted), and each user's read position must be the highest any of their
devices marked, on the server and on every device.

Every example starts the same way, so that no run can miss the faults the test is for: every
device writes a burst and the server is killed with SIGKILL while the outboxes flush, and a
``tidings-cli`` process sending on a device's profile is killed with SIGKILL. The test counts
what happened over all examples and asserts it.

``make test`` runs three examples of up to 30 steps (a minute or two on two cores); set
``TIDINGS_LONG_MODEL=1`` for a long run (release checks). A dropped device is an engine
abandoned without shutdown and reopened from its files: the same state a killed process
leaves, since the cache only changes in whole transactions.
"""

import asyncio
import contextlib
import itertools
import math
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import zmq
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from desktop.core.account import open_engine, sign_in
from desktop.core.engine import SyncEngine
from desktop.core.events import MessageUpdated
from desktop.core.loop_thread import LoopThread
from desktop.core.profile import Profile
from desktop.platform.credentials import CredentialStore
from shared.client import Connection, cancel_and_wait
from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    ChannelInfo,
    ChannelList,
    CreateGroup,
    Event,
    History,
    ListChannels,
    MarkRead,
    OpenDirect,
    Send,
    Sync,
)
from syncserver.bench.harness import free_port_pair
from tests.keyring_session import secret_service  # noqa: F401  (fixture)
from tests.server_process import ServerProcess
from tests.support import PASSWORD, WAIT

LONG = os.environ.get("TIDINGS_LONG_MODEL") == "1"
USERS = ("alice", "bob")
DEVICES = ["alice-1", "alice-2", "bob-1", "bob-2"]
SETTLE = 60.0  # secs for everything to reconnect and catch up at the end
APP_TIMEOUT = "5"  # secs the killed app's tidings-cli may try to reach the server
EMOJI = ("👍", "❤️", "😂", "🎉")
CHANGES = ("reply", "react", "unreact", "edit", "delete")


@dataclass
class Tally:
    """What the examples did, added up over the whole run, so that the test can assert that
    the faults it exists for really happened instead of trusting the random draw."""

    messages: int = 0
    server_kills: int = 0
    app_kills: int = 0
    resends: int = 0
    reads_below_position: int = 0  # marks the server had to ignore
    changes: int = 0  # replies, reactions, edits and deletions queued
    other_holes: int = 0  # seen between steps, not below a message of the device's own
    hole_samples: list[str] = field(default_factory=list)


class Delivery(RuleBasedStateMachine):
    def __init__(self, work: Path, credentials: CredentialStore, tally: Tally) -> None:
        super().__init__()
        self.work = work
        self.credentials = credentials
        self.tally = tally
        self.net = LoopThread("model")
        self.net.start()
        self._start_servers()
        self.profiles: dict[str, Profile] = {}
        for index, device in enumerate(DEVICES):
            user, _ = device.split("-")
            home, others = self._home(index)
            self.profiles[device] = self.run(
                sign_in(
                    work / device,
                    home.endpoint,
                    user,
                    PASSWORD,
                    device,
                    create_account=device.endswith("-1"),
                    credentials=credentials,
                    trust=lambda *_: True,
                    key_endpoint=home.key_endpoint,
                    other_nodes=others,
                )
            )
        # A third device of each user, driven by requests: retries and reads elsewhere.
        self.scripts = {user: self._script_connection(user) for user in USERS}
        self.channels = [
            self.run(self.scripts["alice"].request(OpenDirect(user="bob"))).channel.id,
            self.run(
                self.scripts["alice"].request(CreateGroup(name="g", members=["bob"]))
            ).channel.id,
        ]
        self.engines: dict[str, SyncEngine] = {}
        self.online: dict[str, bool] = {}
        for device in DEVICES:
            self._open(device, online=True)
        for engine in self.engines.values():  # every device holds both chats from step one
            self.run(engine.settle(SETTLE), timeout=SETTLE + 5)
        self.written: dict[str, tuple[str, int, str]] = {}  # client id -> device, channel, text
        self.changed: dict[str, tuple[int, int]] = {}  # a change's client id -> channel, target
        self.replies: dict[str, int] = {}  # a reply's client id -> the seq it answers
        self.acked: dict[str, int] = {}  # client id -> seq its first retry got
        self.reads: dict[tuple[str, int], int] = {}  # (device, channel) -> read seq seen
        self.marked: dict[tuple[str, int], int] = {}  # (user, channel) -> highest seq marked
        self.counter = itertools.count()

    # --- the server: one process here, several nodes in tests/test_model_nodes.py ---------

    def _start_servers(self) -> None:
        self.server = ServerProcess(self.work / "server", free_port_pair())
        (self.work / "server").mkdir(parents=True)
        self.run(self.server.start())

    def _home(self, index: int) -> tuple[ServerProcess, list[str]]:
        """Where the ``index``-th device (or script) signs in, and the server's other
        endpoints it knows from the start."""
        return self.server, []

    def _restart_server(self, kill: bool) -> None:
        if kill:
            self.run(self.server.kill())
            self.tally.server_kills += 1
        else:
            self.run(self.server.stop())
        self.run(self.server.start())

    def _servers_back(self) -> None:
        """Before the final check: every server process is up and answering."""

    def _stop_servers(self) -> None:
        self.run(self.server.stop())

    # --- plumbing -------------------------------------------------------------------------

    def run(self, coro, timeout: float = WAIT):
        return self.net.submit(coro).result(timeout)

    def on_net(self, fn, *args):
        return self.net.call(fn, *args).result(WAIT)

    def _script_connection(self, user: str) -> Connection:
        home, others = self._home(USERS.index(user))

        async def connect() -> Connection:
            conn = home.connection(nodes=others)
            await conn.open()
            await conn.wait_ready(WAIT)
            await conn.login(user, PASSWORD, "script")
            return conn

        connection: Connection = self.run(connect())
        return connection

    def _open(self, device: str, online: bool) -> None:
        engine = self.on_net(open_engine, self.profiles[device], self.credentials)
        self.engines[device] = engine
        self.online[device] = online
        if online:
            self.run(engine.start())

    def _pick(self, start: int, online: bool) -> str:
        """The first device from ``start`` on (round the list) whose online state is as asked;
        the preconditions make sure there is one."""
        ring = DEVICES[start:] + DEVICES[:start]
        return next(d for d in ring if self.online[d] == online)

    def _write(self, device: str, which: int) -> None:
        self.on_net(self._write_here, device, which)

    def _write_here(self, device: str, which: int) -> None:
        """Queue a message on the device (on the engines' thread)."""
        channel = self.channels[which]
        text = f"{device} #{next(self.counter)}"
        queued = self.engines[device].send(channel, text)
        assert queued.client_id is not None  # a queued message always has its id
        self.written[queued.client_id] = (device, channel, text)
        self.tally.messages += 1

    def _server_channel(self, user: str, channel: int) -> ChannelInfo:
        listed = self.run(self.scripts[user].request(ListChannels()))
        assert isinstance(listed, ChannelList)
        return next(c for c in listed.channels if c.id == channel)

    def _mark_elsewhere(self, user: str, channel: int, seq: int) -> None:
        """Mark ``seq`` read on the user's third device; the user's read position on the
        server must end up at least as high as before and as ``seq``."""
        before = self._server_channel(user, channel).read_seq
        self.run(self.scripts[user].request(MarkRead(channel=channel, seq=seq)))
        after = self._server_channel(user, channel).read_seq
        assert after >= max(before, seq), (
            f"{user} marked {seq} read in {channel} at position {before}: now {after}"
        )
        self.marked[(user, channel)] = max(self.marked.get((user, channel), 0), seq)
        if seq < before:
            self.tally.reads_below_position += 1

    def _run_app(self, device: str, which: int, life: float) -> bool:
        """Another app process works on this profile (``tidings-cli`` sending a message) and
        is killed with SIGKILL after ``life`` seconds unless it finished before; then the
        profile is opened again here. True if it was killed."""
        engine, was_online = self.engines[device], self.online[device]
        self.run(engine.stop())  # one app per profile at a time
        self.on_net(engine.cache.close)
        channel = self.channels[which]
        text = f"{device} #{next(self.counter)} from a killed app"
        target = "#g" if which else ("@bob" if device.startswith("alice") else "@alice")
        profile_dir = str(self.profiles[device].dir)
        command = [sys.executable, "-m", "desktop.cli", "--profile", profile_dir, "--json"]
        app = subprocess.Popen(
            [*command, "--timeout", APP_TIMEOUT, "send", target, text],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        killed = False
        try:
            app.wait(timeout=life)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
            killed = True
            self.tally.app_kills += 1
        self._open(device, online=was_online)
        # Whatever the app queued is this profile's to deliver now.
        for m in self.on_net(_messages_with_text, self.engines[device], channel, text):
            self.written[m.client_id] = (device, channel, text)
            self.tally.messages += 1
        return killed

    # --- the start every example shares ---------------------------------------------------

    @initialize(per_device=st.integers(20, 40))
    def write_a_burst_and_kill_the_server_while_it_flushes(self, per_device: int) -> None:
        self.run(self._burst_until_the_first_ack(per_device))
        self._restart_server(kill=True)

    async def _burst_until_the_first_ack(self, per_device: int) -> None:
        """Every device queues ``per_device`` messages; returns once the server acknowledged
        one of them, so that what comes next meets outboxes still flushing."""
        acked = asyncio.Event()

        def on_event(event: object) -> None:
            if isinstance(event, MessageUpdated) and event.message.seq is not None:
                acked.set()

        unsubscribe = [engine.subscribe(on_event) for engine in self.engines.values()]
        try:
            for device in DEVICES:
                for i in range(per_device):
                    self._write_here(device, i % 2)
            async with asyncio.timeout(WAIT):
                await acked.wait()
        finally:
            for stop in unsubscribe:
                stop()

    @initialize(device=st.sampled_from(DEVICES), which=st.integers(0, 1), life=st.floats(0, 2))
    def kill_an_app_mid_work(self, device: str, which: int, life: float) -> None:
        while not self._run_app(device, which, life):
            life = life / 4 if life > 0.01 else 0.0  # it finished first: kill the next sooner

    @initialize(device=st.sampled_from(DEVICES), pick=st.integers(0, 2**16))
    def change_messages_every_way(self, device: str, pick: int) -> None:
        """Each kind of change once, on messages the device holds (as stored once it has
        caught up; it writes one first, since this may run before any burst), so that every
        example changes messages while the rest goes on."""
        self._write(device, pick % 2)
        self.run(self.engines[device].settle(SETTLE), timeout=SETTLE + 5)
        for change in CHANGES:
            self.on_net(self._change_here, device, pick % 2, pick, change)

    # --- steps ----------------------------------------------------------------------------

    @rule(device=st.sampled_from(DEVICES), which=st.integers(0, 1), count=st.integers(1, 20))
    def send(self, device: str, which: int, count: int) -> None:
        for _ in range(count):
            self._write(device, which)

    @rule(
        device=st.sampled_from(DEVICES),
        which=st.integers(0, 1),
        pick=st.integers(0, 2**16),
        change=st.sampled_from(CHANGES),
    )
    def change_a_message(self, device: str, which: int, pick: int, change: str) -> None:
        """Reply to, react to, take a reaction back from, edit or delete a message the
        device holds (its own, for edits and deletions)."""
        self.on_net(self._change_here, device, which, pick, change)

    def _change_here(self, device: str, which: int, pick: int, change: str) -> None:
        engine, channel = self.engines[device], self.channels[which]
        me = device.split("-")[0]
        shown = engine.cache.messages(channel, None, 100_000)
        messages = [
            m
            for m in shown
            if m.seq is not None
            and m.kind == "message"
            and not m.deleted
            and (change not in ("edit", "delete") or m.sender == me)
        ]
        if not messages:
            return
        seq = int(messages[pick % len(messages)].seq or 0)
        text = f"{device} #{next(self.counter)} {change}"
        emoji = EMOJI[pick % len(EMOJI)]
        operations = {
            "reply": lambda: engine.reply(channel, seq, text),
            "react": lambda: engine.react(channel, seq, emoji),
            "unreact": lambda: engine.react(channel, seq, emoji, remove=True),
            "edit": lambda: engine.edit(channel, seq, text),
            "delete": lambda: engine.delete(channel, seq),
        }
        queued = operations[change]()
        assert queued.client_id is not None
        if change == "reply":
            self.written[queued.client_id] = (device, channel, text)
            self.replies[queued.client_id] = seq
            self.tally.messages += 1
        else:
            self.changed[queued.client_id] = (channel, seq)
        self.tally.changes += 1

    @precondition(lambda self: self.written)
    @rule(pick=st.integers(0, 2**16))
    def resend_with_the_same_id(self, pick: int) -> None:
        """A retry after a lost acknowledgement, from another device of the author: same id,
        same text, never a second copy. It may even arrive before the original."""
        # What was written depends on timing (a killed app may or may not have queued its
        # message), so the choice is drawn independently of it: Hypothesis replays a failing
        # history only if every draw is the same as the first time.
        client_id = sorted(self.written)[pick % len(self.written)]
        device = self.written[client_id][0]
        user = device.split("-")[0]
        retry = self._retry_of(client_id)
        try:
            sent = self.run(self.scripts[user].request(retry))
        except ProtocolError as e:
            # A reply whose message was deleted before it was stored: refused every time.
            refused = e.code == ErrorCode.MESSAGE_DELETED and client_id in self.replies
            assert refused and client_id not in self.acked, f"a retry of {client_id}: {e}"
            return
        first = self.acked.setdefault(client_id, sent.seq)
        assert sent.seq == first, f"a retry of {client_id} got seq {sent.seq}, first {first}"
        stored = self._stored_seq(device, client_id)
        assert stored in (None, sent.seq), f"{device} holds {client_id} as {stored}"
        self.tally.resends += 1

    @precondition(lambda self: any(self.online.values()))
    @rule(start=st.integers(0, len(DEVICES) - 1))
    def go_offline(self, start: int) -> None:
        device = self._pick(start, online=True)
        self.run(self.engines[device].stop())
        self.online[device] = False

    @precondition(lambda self: not all(self.online.values()))
    @rule(start=st.integers(0, len(DEVICES) - 1))
    def come_back(self, start: int) -> None:
        device = self._pick(start, online=False)
        self.run(self.engines[device].start())
        self.online[device] = True

    @rule(device=st.sampled_from(DEVICES))
    def drop_and_reopen(self, device: str) -> None:
        """The app dies mid-work: nothing is shut down; a new one opens the same profile."""
        engine = self.engines[device]

        async def abandon() -> None:
            sock = engine.conn._sock
            if sock is not None:
                # As the client itself does before closing (libzmq#3575): a monitor whose
                # reader is gone blocks ZeroMQ's I/O thread, and with it every socket of the
                # process, on its next event. A killed process has no I/O thread left to block.
                with contextlib.suppress(zmq.ZMQError):
                    sock.disable_monitor()
            # Cancelled until they are gone: a worker left running would go on retrying on
            # the closed socket and cache, which a killed process cannot do.
            tasks = (engine._worker, engine._filler, engine._indexer)
            await cancel_and_wait([*(t for t in tasks if t is not None), *engine.conn._tasks])
            if sock is not None:
                sock.close(linger=0)
            engine.cache.close()

        self.run(abandon())
        self._open(device, online=True)

    @rule(device=st.sampled_from(DEVICES), which=st.integers(0, 1), life=st.floats(0.0, 3.0))
    def kill_client_process(self, device: str, which: int, life: float) -> None:
        self._run_app(device, which, life)

    @rule(device=st.sampled_from(DEVICES), which=st.integers(0, 1), share=st.floats(0, 1))
    def mark_read(self, device: str, which: int, share: float) -> None:
        """The user reads part of a chat on this device (up to a share of what it holds)."""
        channel = self.channels[which]
        newest = self.on_net(self.engines[device].cache.seq_bounds, channel)[1]
        seq = max(1, math.ceil(share * newest))
        self.on_net(self.engines[device].mark_read, channel, seq)
        key = (device.split("-")[0], channel)
        self.marked[key] = max(self.marked.get(key, 0), seq)

    @rule(user=st.sampled_from(USERS), which=st.integers(0, 1), share=st.floats(0, 1))
    def mark_read_elsewhere(self, user: str, which: int, share: float) -> None:
        """The user reads on a third device, often less than was read already."""
        channel = self.channels[which]
        newest = self._server_channel(user, channel).last_seq
        self._mark_elsewhere(user, channel, max(1, math.ceil(share * newest)))

    @rule(kill=st.booleans())
    def restart_server(self, kill: bool) -> None:
        self._restart_server(kill)

    # --- invariants -----------------------------------------------------------------------

    def _stored_seq(self, device: str, client_id: str) -> int | None:
        channel = self.written[client_id][1]
        for m in self.on_net(self.engines[device].cache.messages, channel, None, 100_000):
            if m.client_id == client_id and m.seq is not None:
                return int(m.seq)
        return None

    @invariant()
    def caches_are_ordered_unique_and_keep_every_queued_message(self) -> None:
        for device, engine in self.engines.items():
            snapshot = self.on_net(_snapshot, engine, self.channels)
            for channel, rows in snapshot["messages"].items():
                self._check_order_and_holes(device, channel, rows)
                ids = [cid for seq, cid in rows if cid is not None and seq is not None]
                assert len(ids) == len(set(ids)), f"{device}: duplicate message in {channel}"
            stored = {cid for rows in snapshot["messages"].values() for _, cid in rows if cid}
            for client_id, (author, _, _) in self.written.items():
                if author == device:
                    assert client_id in stored or client_id in snapshot["outbox"], (
                        f"{device}: queued message {client_id} vanished"
                    )
            for channel, read in snapshot["reads"].items():
                before = self.reads.get((device, channel), 0)
                assert read >= before, f"{device}: read position in {channel} went back"
                self.reads[(device, channel)] = read

    def _check_order_and_holes(
        self, device: str, channel: int, rows: list[tuple[int, str | None]]
    ) -> None:
        """Events are in order. Holes are allowed between steps, since the final check sees
        none: right below one of the device's own messages (its acknowledgement can overtake
        the push of an earlier event) they are expected; any other is counted and listed in
        the run's tally, as a lead to follow, not a failure."""
        seqs = [seq for seq, _ in rows]
        assert seqs == sorted(set(seqs)), f"{device}: channel {channel} is out of order: {seqs}"
        for (below, _), (above, client_id) in itertools.pairwise(rows):
            if above != below + 1 and self.written.get(client_id or "", ("",))[0] != device:
                self.tally.other_holes += 1
                if len(self.tally.hole_samples) < 5:
                    self.tally.hole_samples.append(
                        f"{device}: channel {channel} lacked {below + 1}..{above - 1} below "
                        f"{above}; {self._whose(channel, below + 1, above - 1)}"
                    )

    def _whose(self, channel: int, low: int, high: int) -> str:
        """For a failure message: who wrote the missing events, as far as retries told."""
        by_seq = {seq: cid for cid, seq in self.acked.items() if self.written[cid][1] == channel}
        found = {seq: self.written[by_seq[seq]][0] for seq in range(low, high + 1) if seq in by_seq}
        return f"writers of the missing ones known from retries: {found}"

    def teardown(self) -> None:
        try:
            self._settle_and_check()
        finally:
            for engine in self.engines.values():
                try:
                    self.run(engine.stop())
                    self.on_net(engine.cache.close)
                except Exception:  # the check above already failed; keep cleaning up
                    continue
            for conn in self.scripts.values():
                self.run(conn.close())
            self._stop_servers()
            self.net.stop()

    # --- the end every example shares -----------------------------------------------------

    def _settle_and_check(self) -> None:
        self._servers_back()
        for device in DEVICES:
            if not self.online[device]:
                self.run(self.engines[device].start())
                self.online[device] = True
        for _ in range(3):  # outboxes flush, then everyone syncs what the others sent
            for engine in self.engines.values():
                self.run(engine.settle(SETTLE), timeout=SETTLE + 5)
        self._discard_replies_to_deleted_messages()
        self._every_retry_gets_the_first_answer()
        server_view = {c: self._server_history(c) for c in self.channels}
        for channel, events in server_view.items():
            last = self._server_channel("alice", channel).last_seq
            seqs = [e.seq for e in events]
            assert seqs == list(range(1, last + 1)), f"server history of {channel}: {seqs}"
            assert {e.pos for e in events} <= {0}, "history shows no stream positions"
        for client_id, (_, channel, text) in self.written.items():
            copies = [e for e in server_view[channel] if e.client_id == client_id]
            assert len(copies) == 1, f"{client_id}: {len(copies)} copies"
            assert copies[0].text in (text, "") or copies[0].edited, f"{client_id}: {copies[0]}"
            assert self.acked.get(client_id, copies[0].seq) == copies[0].seq
        self._every_change_stored_once(server_view)
        self._streams_hold_each_event_once_in_order(server_view)
        self._reads_below_the_position_change_nothing()
        for device, engine in self.engines.items():
            snapshot = self.on_net(_snapshot, engine, self.channels)
            assert snapshot["outbox"] == set(), f"{device} still has queued messages"
            for channel in self.channels:
                expected = [(e.seq, e.client_id) for e in server_view[channel]]
                assert snapshot["messages"][channel] == expected, f"{device}: {channel} differs"
                looks = _looks_on_server(server_view[channel])
                here = snapshot["looks"][channel]
                other = {s: (here.get(s), looks.get(s)) for s in here.keys() | looks.keys()}
                differ = {s: pair for s, pair in other.items() if pair[0] != pair[1]}
                assert not differ, f"{device}: {channel} differs (here, server): {differ}"
                unread = sum(
                    1
                    for e in server_view[channel]
                    if e.kind == "message"
                    and not e.deleted  # a message deleted before it was read is not unread
                    and e.seq > snapshot["reads"][channel]
                    and e.sender != device.split("-")[0]
                )
                assert snapshot["unread"][channel] == unread
        for user in USERS:
            for channel in self.channels:
                self._check_read_position(user, channel, server_view[channel])

    def _retry_of(self, client_id: str) -> Send:
        """The message ``client_id`` sent again, as its author's app sent it first."""
        _, channel, text = self.written[client_id]
        reply_to = self.replies.get(client_id)
        return Send(channel=channel, client_id=client_id, text=text, reply_to=reply_to)

    def _every_change_stored_once(self, server_view: dict[int, list[Event]]) -> None:
        """Each change queued is stored once, unless its message was deleted before the
        change reached the server: then the change may have been dropped."""
        for client_id, (channel, target) in self.changed.items():
            events = server_view[channel]
            copies = [e for e in events if e.client_id == client_id]
            deleted = any(e.seq == target and e.deleted for e in events)
            assert len(copies) == 1 or (deleted and not copies), (
                f"change {client_id} of {target} in {channel}: {len(copies)} copies"
            )

    def _discard_replies_to_deleted_messages(self) -> None:
        """A reply that reaches the server after another device deleted its message is
        refused, and waits in its author's outbox as failed, with the reason, for the user to
        see; here the user discards it. No other message may fail."""
        for device, engine in self.engines.items():
            for m in self.on_net(engine.cache.outbox):
                if m.state != "failed":
                    continue
                client_id = m.client_id or ""
                target = self.replies.get(client_id)
                assert target is not None, f"{device}: {client_id} failed: {m.error}"
                history = self._server_history(self.written[client_id][1])
                assert any(e.seq == target and e.deleted for e in history), m.error
                assert client_id not in self.acked, f"{client_id} was stored, then refused"
                self.on_net(engine.discard, client_id)
                del self.written[client_id], self.replies[client_id]

    def _every_retry_gets_the_first_answer(self) -> None:
        """Each message sent once more from another device of its author gets the seq it was
        stored with, and nothing new is stored (checked with the server's history next)."""
        for client_id, (device, _, _) in sorted(self.written.items()):
            user = device.split("-")[0]
            retry = self._retry_of(client_id)
            sent = self.run(self.scripts[user].request(retry))
            stored = self._stored_seq(device, client_id)
            assert sent.seq == stored, f"a retry of {client_id} got {sent.seq}, stored {stored}"
            self.tally.resends += 1

    def _reads_below_the_position_change_nothing(self) -> None:
        """A device that saw only the first event of each chat marks it read: the user's read
        position (the highest of their devices') stays where it is."""
        for user in USERS:
            for channel in self.channels:
                self._mark_elsewhere(user, channel, 1)

    def _check_read_position(self, user: str, channel: int, history: list[Event]) -> None:
        """The user's read position is the highest seq any of their devices marked, or one of
        their own messages (writing means having read up to it); every device agrees."""
        marked = self.marked.get((user, channel), 0)
        own = max((e.seq for e in history if e.sender == user), default=0)
        position = self._server_channel(user, channel).read_seq
        assert marked <= position <= max(marked, own), (
            f"{user}'s read position in {channel} is {position}: marked {marked}, wrote {own}"
        )
        for device in DEVICES:
            if device.startswith(user):
                read = self.on_net(_snapshot, self.engines[device], self.channels)["reads"]
                assert read[channel] == position, f"{device} reads {channel} up to {read}"

    def _streams_hold_each_event_once_in_order(self, server_view: dict[int, list[Event]]) -> None:
        """Each user's stream, walked from its start, holds every event of their chats that
        the server has, once, at strictly growing positions."""
        for user, script in self.scripts.items():
            walked: list[Event] = []
            after = 0
            while True:
                page = self.run(script.request(Sync(after=after, limit=1000)))
                walked += page.events
                if not page.more:
                    break
                after = page.next
            positions = [e.pos for e in walked]
            assert positions == sorted(set(positions)), f"{user}'s stream: {positions}"
            for channel, events in server_view.items():
                seqs = [e.seq for e in walked if e.channel == channel]
                assert seqs == [e.seq for e in events], f"{user}'s stream of {channel}: {seqs}"

    def _server_history(self, channel: int) -> list[Event]:
        events: list[Event] = []
        before = None
        while True:
            page = self.run(
                self.scripts["alice"].request(History(channel=channel, before=before, limit=500))
            )
            events[:0] = page.events
            if not page.more:
                return events
            before = page.events[0].seq


def _messages_with_text(engine: SyncEngine, channel: int, text: str) -> list:
    """Queued or stored messages of a channel with this text, read on the engine's thread."""
    cache = engine.cache
    found = [*cache.outbox(channel), *cache.messages(channel, None, 100_000)]
    return [m for m in found if m.text == text and m.client_id is not None][:1]


def _looks(
    text: str, deleted: bool, edited: bool, reactions: Iterable[tuple[str, Iterable[str]]]
) -> tuple:
    """What a person sees of a message: its text, whether it was deleted or edited, and
    which emoji are on it from whom."""
    shown = sorted((emoji, tuple(sorted(users))) for emoji, users in reactions if users)
    return (text, deleted, edited, tuple(shown))


def _looks_on_server(events: list[Event]) -> dict[int, tuple]:
    return {
        e.seq: _looks(
            e.text, e.deleted, e.edited is not None, [(r.emoji, r.users) for r in e.reactions]
        )
        for e in events
        if e.kind == "message"
    }


def _snapshot(engine: SyncEngine, channels: list[int]) -> dict:
    """What a device holds, read in one go on the engine's thread: every stored event
    (changes included) and how each message looks."""
    cache = engine.cache
    stored = {c: cache.stored_between(c, 1, 2**62) for c in channels}
    messages = {c: [(seq, m.client_id) for seq, m in sorted(stored[c].items())] for c in channels}
    looks = {
        c: {
            int(m.seq): _looks(
                m.text, m.deleted, m.edited, [(r.emoji, r.users) for r in m.reactions]
            )
            for m in cache.messages(c, None, 100_000)
            if m.seq is not None and m.kind == "message"
        }
        for c in channels
    }
    views = {c: cache.channel(c) for c in channels}
    return {
        "messages": messages,
        "looks": looks,
        "outbox": {m.client_id for m in cache.outbox()},
        "reads": {c: (v.read_seq if v else 0) for c, v in views.items()},
        "unread": {c: (v.unread if v else 0) for c, v in views.items()},
    }


def run_model(machine: Callable[[], Delivery], examples: int, steps: int) -> None:
    """Run the model's examples, each a new ``machine()``."""
    run_state_machine_as_test(
        machine,  # type: ignore[arg-type]  # hypothesis takes any factory; it annotates the class
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            # A failure is reported as found, with its steps: what a step does depends on
            # timing (a kill lands or not), so replaying it to shrink is not the same history.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
        ),
    )


def check_tally(tally: Tally, messages: int) -> None:
    """The faults every example starts with happened, and the checks that need them ran."""
    assert tally.messages >= messages and tally.changes >= 3, tally
    assert tally.server_kills >= 1 and tally.app_kills >= 1, tally
    assert tally.resends >= tally.messages and tally.reads_below_position >= 1, tally


# Default: 25 to 60 s on two cores. Long: a hundred examples of 15 to 30 s each (estimated
# from the default's examples of up to 30 steps).
@pytest.mark.timeout(3600 if LONG else 300)
def test_delivery_guarantees(tmp_path: Path, secret_service: str) -> None:  # noqa: F811
    credentials = CredentialStore()  # the service tidings-cli uses too, in the test's keyring
    examples = itertools.count()
    tally = Tally()

    def machine() -> Delivery:
        return Delivery(tmp_path / f"example-{next(examples)}", credentials, tally)

    run_model(machine, examples=100 if LONG else 3, steps=50 if LONG else 30)
    print(f"\n{tally}")
    check_tally(tally, messages=200)
