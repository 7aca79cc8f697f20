"""Delivery guarantees as a model-based test.

Hypothesis drives a real server process and four real client devices (two users, two devices
each, a direct chat and a group) through random steps: sending (and re-sending acknowledged
ids), devices going offline and coming back, a device dropped mid-work and reopened from its
profile, an app process on a device's profile killed with SIGKILL, reading, and the server
restarted or killed with SIGKILL. After every step the caches must be gap-free and free of
duplicates, read positions must only move forward and no queued message may vanish; at the
end, with everything reconnected, every message must be stored once on the server and once in
every member device, in the same order everywhere, and each user's devices must agree on read
positions.

``make test`` runs a few short examples; set ``TIDINGS_LONG_MODEL=1`` for a long run (release
checks). A dropped device is an engine abandoned without shutdown and reopened from its files:
the same state a killed process leaves, since the cache only changes in whole transactions.
A killed app is real: ``tidings-cli`` sending on the device's profile, killed with SIGKILL at
a random moment, after which the profile is opened again.
"""

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from desktop.core.account import open_engine, sign_in
from desktop.core.engine import SyncEngine
from desktop.core.loop_thread import LoopThread
from desktop.core.profile import Profile
from desktop.platform.credentials import CredentialStore
from shared.client import ConnectionClosed
from shared.protocol import CreateGroup, Event, History, OpenDirect, Send
from syncserver.bench.harness import free_port_pair
from tests.keyring_session import secret_service  # noqa: F401  (fixture)
from tests.server_process import ServerProcess
from tests.support import PASSWORD, WAIT

LONG = os.environ.get("TIDINGS_LONG_MODEL") == "1"
DEVICES = ["alice-1", "alice-2", "bob-1", "bob-2"]
SETTLE = 60.0  # secs for everything to reconnect and catch up at the end


class Delivery(RuleBasedStateMachine):
    def __init__(self, work: Path, credentials: CredentialStore) -> None:
        super().__init__()
        self.work = work
        self.credentials = credentials
        self.net = LoopThread("model")
        self.net.start()
        self.server = ServerProcess(work / "server", free_port_pair())
        (work / "server").mkdir(parents=True)
        self.run(self.server.start())
        self.profiles: dict[str, Profile] = {}
        for device in DEVICES:
            user, _ = device.split("-")
            self.profiles[device] = self.run(
                sign_in(
                    work / device,
                    self.server.endpoint,
                    user,
                    PASSWORD,
                    device,
                    create_account=device.endswith("-1"),
                    credentials=credentials,
                    trust=lambda *_: True,
                    key_endpoint=self.server.key_endpoint,
                )
            )
        self.scripts = {user: self._script_connection(user) for user in ("alice", "bob")}
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
        self.written: dict[str, tuple[str, int, str]] = {}  # client id -> device, channel, text
        self.acked: dict[str, tuple[int, int]] = {}  # client id -> channel, seq (from resends)
        self.reads: dict[tuple[str, int], int] = {}
        self.counter = itertools.count()

    # --- plumbing -------------------------------------------------------------------------

    def run(self, coro, timeout: float = WAIT):
        return self.net.submit(coro).result(timeout)

    def on_net(self, fn, *args):
        return self.net.call(fn, *args).result(WAIT)

    def _script_connection(self, user: str):
        async def connect():
            conn = self.server.connection()
            await conn.open()
            await conn.wait_ready(WAIT)
            await conn.login(user, PASSWORD, "script")
            return conn

        return self.run(connect())

    def _open(self, device: str, online: bool) -> None:
        engine = self.on_net(open_engine, self.profiles[device], self.credentials)
        self.engines[device] = engine
        self.online[device] = online
        if online:
            self.run(engine.start())

    # --- steps ----------------------------------------------------------------------------

    @rule(device=st.sampled_from(DEVICES), which=st.integers(0, 1))
    def send(self, device: str, which: int) -> None:
        channel = self.channels[which]
        text = f"{device} #{next(self.counter)}"
        queued = self.on_net(self.engines[device].send, channel, text)
        self.written[queued.client_id] = (device, channel, text)

    @rule(pick=st.integers(0, 2**16))
    def resend_with_the_same_id(self, pick: int) -> None:
        """A retry after a lost acknowledgement: same id, same text, never a second copy."""
        # What was written depends on timing (a killed app may or may not have queued its
        # message), so the choice is drawn independently of it: Hypothesis replays a failing
        # history only if every draw is the same as the first time.
        if not self.written:
            return
        client_id = sorted(self.written)[pick % len(self.written)]
        device, channel, text = self.written[client_id]
        stored = self._stored_seq(device, client_id)
        if stored is None:
            return  # still in its outbox: the engine itself will send it
        user = device.split("-")[0]
        try:
            sent = self.run(
                self.scripts[user].request(Send(channel=channel, client_id=client_id, text=text))
            )
        except (TimeoutError, ConnectionClosed):
            return  # the server is restarting right now: nothing to learn
        assert sent.seq == stored, f"a retry of {client_id} got seq {sent.seq}, first {stored}"

    @rule(device=st.sampled_from(DEVICES))
    def go_offline(self, device: str) -> None:
        if self.online[device]:
            self.run(self.engines[device].stop())
            self.online[device] = False

    @rule(device=st.sampled_from(DEVICES))
    def come_back(self, device: str) -> None:
        if not self.online[device]:
            self.run(self.engines[device].start())
            self.online[device] = True

    @rule(device=st.sampled_from(DEVICES))
    def drop_and_reopen(self, device: str) -> None:
        """The app dies mid-work: nothing is shut down; a new one opens the same profile."""
        engine = self.engines[device]

        async def abandon() -> None:
            if engine._worker is not None:
                engine._worker.cancel()
            for task in engine.conn._tasks:
                task.cancel()
            if engine.conn._sock is not None:
                engine.conn._sock.close(linger=0)
            engine.cache.close()

        self.run(abandon())
        self._open(device, online=True)

    @rule(device=st.sampled_from(DEVICES), which=st.integers(0, 1), life=st.floats(0.0, 3.0))
    def kill_client_process(self, device: str, which: int, life: float) -> None:
        """Another app process works on this profile (tidings-cli sending a message) and is
        killed with SIGKILL after ``life`` seconds; then the profile is opened again here."""
        engine, was_online = self.engines[device], self.online[device]
        self.run(engine.stop())  # one app per profile at a time
        self.on_net(engine.cache.close)
        channel = self.channels[which]
        text = f"{device} #{next(self.counter)} from a killed app"
        target = "#g" if which else ("@bob" if device.startswith("alice") else "@alice")
        profile_dir = str(self.profiles[device].dir)
        command = [sys.executable, "-m", "desktop.cli", "--profile", profile_dir, "--json"]
        app = subprocess.Popen(
            [*command, "--timeout", "5", "send", target, text],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            app.wait(timeout=life)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        self._open(device, online=was_online)
        # Whatever the killed app queued is this profile's to deliver now.
        for m in self.on_net(_messages_with_text, self.engines[device], channel, text):
            self.written[m.client_id] = (device, channel, text)

    @rule(device=st.sampled_from(DEVICES), which=st.integers(0, 1))
    def mark_read(self, device: str, which: int) -> None:
        self.on_net(self.engines[device].mark_read, self.channels[which], None)

    @rule(kill=st.booleans())
    def restart_server(self, kill: bool) -> None:
        self.run(self.server.kill() if kill else self.server.stop())
        self.run(self.server.start())

    # --- invariants -----------------------------------------------------------------------

    def _stored_seq(self, device: str, client_id: str) -> int | None:
        channel = self.written[client_id][1]
        for m in self.on_net(self.engines[device].cache.messages, channel, None, 100_000):
            if m.client_id == client_id and m.seq is not None:
                return int(m.seq)
        return None

    @invariant()
    def caches_are_gap_free_unique_and_keep_every_queued_message(self) -> None:
        if not hasattr(self, "engines"):
            return
        for device, engine in self.engines.items():
            snapshot = self.on_net(_snapshot, engine, self.channels)
            for channel, rows in snapshot["messages"].items():
                seqs = [seq for seq, _ in rows if seq is not None]
                assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else True, (
                    f"{device}: channel {channel} has gaps or disorder: {seqs}"
                )
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
            self.run(self.server.stop())
            self.net.stop()

    def _settle_and_check(self) -> None:
        for device in DEVICES:
            if not self.online[device]:
                self.run(self.engines[device].start())
                self.online[device] = True
        for _ in range(3):  # outboxes flush, then everyone syncs what the others sent
            for engine in self.engines.values():
                self.run(engine.settle(SETTLE), timeout=SETTLE + 5)
        server_view = {c: self._server_history(c) for c in self.channels}
        for client_id, (_, channel, text) in self.written.items():
            copies = [e for e in server_view[channel] if e.client_id == client_id]
            assert len(copies) == 1 and copies[0].text == text, f"{client_id}: {len(copies)} copies"
        for device, engine in self.engines.items():
            snapshot = self.on_net(_snapshot, engine, self.channels)
            assert snapshot["outbox"] == set(), f"{device} still has queued messages"
            for channel in self.channels:
                expected = [(e.seq, e.client_id) for e in server_view[channel]]
                assert snapshot["messages"][channel] == expected, f"{device}: {channel} differs"
                unread = sum(
                    1
                    for e in server_view[channel]
                    if e.kind == "message"
                    and e.seq > snapshot["reads"][channel]
                    and e.sender != device.split("-")[0]
                )
                assert snapshot["unread"][channel] == unread
        for user in ("alice", "bob"):
            for channel in self.channels:
                positions = {
                    self.on_net(_snapshot, self.engines[d], self.channels)["reads"][channel]
                    for d in DEVICES
                    if d.startswith(user)
                }
                assert len(positions) == 1, f"{user}'s devices disagree on {channel}: {positions}"

    def _server_history(self, channel: int) -> list:
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


def _snapshot(engine: SyncEngine, channels: list[int]) -> dict:
    """What a device holds, read in one go on the engine's thread."""
    cache = engine.cache
    messages = {
        c: [(m.seq, m.client_id) for m in cache.messages(c, None, 100_000) if m.seq is not None]
        for c in channels
    }
    views = {c: cache.channel(c) for c in channels}
    return {
        "messages": messages,
        "outbox": {m.client_id for m in cache.outbox()},
        "reads": {c: (v.read_seq if v else 0) for c, v in views.items()},
        "unread": {c: (v.unread if v else 0) for c, v in views.items()},
    }


@pytest.mark.timeout(1800 if LONG else 240)  # long: 9 to 13 min on two cores
def test_delivery_guarantees(tmp_path: Path, secret_service: str) -> None:  # noqa: F811
    credentials = CredentialStore()  # the service tidings-cli uses too, in the test's keyring
    examples = itertools.count()

    def machine() -> Delivery:
        return Delivery(tmp_path / f"example-{next(examples)}", credentials)

    run_state_machine_as_test(
        machine,  # type: ignore[arg-type]  # hypothesis takes any factory; it annotates the class
        settings=settings(
            max_examples=100 if LONG else 3,
            stateful_step_count=50 if LONG else 12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
