"""The engine against a server of the first release, which offers no replies, reactions,
edits or deletions: the engine says so (``can``), refuses them with a clear error, fails a
change its outbox already held instead of sending it, and chats as before."""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import pytest

from desktop.cache.store import Cache
from desktop.core.engine import SyncEngine
from desktop.core.lifecycle import NotOffered
from shared.client import Connection, Credentials
from shared.protocol import FEATURE_LIFECYCLE
from tests.desktop.test_engine import until
from tests.frozen import protocol_v1 as v1
from tests.support import WAIT, fake_server_socket

CHAT = 7


@dataclass
class OldServer:
    """A server of the first release holding one direct chat of Olga and Bob: protocol 1's
    strict request decoder on a real CURVE socket, answering what an app asks when it
    starts and sends. Requests it cannot read get ``bad_request``, as it did."""

    endpoint: str
    public_key: str
    asked: list[dict[str, Any]] = field(default_factory=list)
    events: list[v1.Event] = field(default_factory=list)

    def answer(self, req: v1.Request) -> v1.Reply:
        if isinstance(req, v1.Hello):
            head = len(self.events)
            return v1.Welcome(rid=req.rid, user="olga", device_id=1, sync_cursor=head, head=head)
        if isinstance(req, v1.ListChannels):
            chat = v1.ChannelInfo(id=CHAT, kind="direct", name="", members=["bob", "olga"],
                                  owner=None, last_seq=len(self.events), read_seq=0)  # fmt: skip
            return v1.ChannelList(rid=req.rid, channels=[chat], head=len(self.events))
        if isinstance(req, v1.History):
            return v1.HistoryPage(rid=req.rid, channel=CHAT, events=self.events, more=False)
        if isinstance(req, v1.Sync):
            after = req.after or 0
            return v1.SyncPage(rid=req.rid, events=self.events[after:], reads=[], channels=[],
                               next=len(self.events), more=False)  # fmt: skip
        if isinstance(req, v1.Heartbeat):
            return v1.HeartbeatAck(rid=req.rid, head=len(self.events))
        if isinstance(req, v1.GetPresence):
            return v1.PresenceList(rid=req.rid, presence=[])
        if isinstance(req, v1.Send):
            return self.store(req)
        return v1.Ok(rid=req.rid)

    def store(self, req: v1.Send) -> v1.Sent:
        seq = len(self.events) + 1
        self.events.append(
            v1.Event(
                channel=CHAT,
                seq=seq,
                pos=seq,
                kind="message",
                sender="olga",
                ts=seq,
                text=req.text,
                client_id=req.client_id,
            )
        )
        return v1.Sent(rid=req.rid, channel=CHAT, seq=seq, pos=seq, ts=seq, client_id=req.client_id)


async def start_old_server() -> tuple[OldServer, Callable[[], None]]:
    """An ``OldServer`` answering on the running loop, with Olga's chat holding two of Bob's
    messages; returns it and what stops it (to call on the same loop)."""
    sock, endpoint, public_key = fake_server_socket()
    server = OldServer(endpoint, public_key)
    for seq, text in enumerate(["hello olga", "how are you?"], start=1):
        server.events.append(v1.Event(channel=CHAT, seq=seq, pos=seq, kind="message",
                                      sender="bob", ts=seq, text=text))  # fmt: skip

    async def serve() -> None:
        while True:
            peer, _, body = await sock.recv_multipart()
            server.asked.append(msgspec.msgpack.decode(body))
            try:
                reply: Any = server.answer(v1.decode_request(body))
            except msgspec.ValidationError as e:
                reply = v1.Error(rid=v1.salvage_rid(body), code="bad_request", message=str(e))
            await sock.send_multipart([peer, v1.PROTOCOL_TAG, v1.encode(reply)])

    task = asyncio.create_task(serve())

    def stop() -> None:
        task.cancel()
        sock.close(linger=0)

    return server, stop


@pytest.fixture
async def old_server() -> AsyncIterator[OldServer]:
    server, stop = await start_old_server()
    try:
        yield server
    finally:
        stop()


@pytest.fixture
async def engine(old_server: OldServer, tmp_path: Path) -> AsyncIterator[SyncEngine]:
    conn = Connection(
        old_server.endpoint,
        server_key=old_server.public_key,
        credentials=Credentials(1, "token"),
        request_timeout=WAIT,
    )
    engine = SyncEngine(Cache.open(tmp_path / "olga.sqlite3", "olga"), conn)
    try:
        yield engine
    finally:
        await engine.stop()
        engine.cache.close()


async def test_an_old_server_gets_no_replies_or_changes(
    engine: SyncEngine, old_server: OldServer
) -> None:
    with pytest.raises(NotOffered, match="has not reached its server yet"):
        engine.react(CHAT, 1, "👍")  # nothing known yet: nothing is promised
    await engine.start()
    await engine.wait_caught_up(WAIT)
    assert engine.features == frozenset() and not engine.can(FEATURE_LIFECYCLE)
    assert [m.text for m in engine.cache.messages(CHAT)] == ["hello olga", "how are you?"]

    refusal = "the server does not take replies, reactions, edits and deletions"
    for attempt in (
        lambda: engine.reply(CHAT, 1, "fine"),
        lambda: engine.react(CHAT, 1, "👍"),
        lambda: engine.edit(CHAT, 2, "x"),
        lambda: engine.delete(CHAT, 2),
    ):
        with pytest.raises(NotOffered, match=refusal):
            attempt()
    assert engine.cache.outbox() == []

    # Queued while the server still offered them (it was downgraded since): not sent.
    change = engine.cache.queue_change(CHAT, "reaction", 1, emoji="👍")
    reply = engine.cache.queue(CHAT, "a reply", reply_to=1)
    sent = engine.send(CHAT, "a plain message still goes")
    await engine.settle(WAIT)
    states = {m.client_id: (m.state, m.error) for m in engine.cache.outbox()}
    assert states == {
        change.client_id: ("failed", f"{refusal}: it is older than this app"),
        reply.client_id: ("failed", f"{refusal}: it is older than this app"),
    }
    await until(lambda: [e.text for e in old_server.events][-1] == sent.text)
    types = [body["type"] for body in old_server.asked]
    assert not {"react", "edit", "delete"} & set(types)
    assert all("reply_to" not in body for body in old_server.asked)
