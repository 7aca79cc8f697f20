"""Bundles: several messages in one frame, between an app and a server that both named the
feature (docs/protocol.md, "Bundles"). A real server, real CURVE sockets; the raw device
here writes bundles by hand to send what the shared client never would."""

import asyncio
from typing import Any

import msgspec
import zmq.asyncio

from shared import limits
from shared.protocol import (
    FEATURE_BUNDLES,
    FEATURE_TOLERANT,
    PROTOCOL_TAG,
    Bundle,
    ChannelReply,
    Error,
    EventPush,
    OpenDirect,
    Push,
    Register,
    Reply,
    Send,
    Sent,
    Welcome,
    bundle_bodies,
    decode_server_message,
    encode,
)
from syncserver.server import SyncServer
from tests.support import PASSWORD, WAIT, ClientFactory, TestClient, bare_socket, new_id


class RawApp:
    """A device on a bare socket that reads frames as they come, bundles opened."""

    def __init__(self, sock: zmq.asyncio.Socket) -> None:
        self.sock = sock
        self.frames = 0  # frames received
        self.bundles = 0  # of which bundles
        self.messages: list[Reply | Push] = []

    async def send(self, body: bytes) -> None:
        await self.sock.send_multipart([PROTOCOL_TAG, body])

    async def read_until(self, done: Any) -> None:
        """Read frames until ``done(messages)`` holds."""
        async with asyncio.timeout(WAIT):
            while not done(self.messages):
                tag, body = await self.sock.recv_multipart()
                assert tag == PROTOCOL_TAG
                self.frames += 1
                message = decode_server_message(body)
                if isinstance(message, Bundle):
                    self.bundles += 1
                    inner = [decode_server_message(bytes(item)) for item in message.items]
                    assert not any(isinstance(m, Bundle) for m in inner)
                    self.messages += inner  # type: ignore[arg-type]  # no bundle inside
                else:
                    self.messages.append(message)

    def replies(self, rids: list[int]) -> list[Reply]:
        by_rid = {m.rid: m for m in self.messages if isinstance(m, Reply)}
        return [by_rid[rid] for rid in rids]


async def raw_app(server: SyncServer, user: str, features: list[str]) -> tuple[RawApp, Welcome]:
    assert server.keys is not None
    app = RawApp(bare_socket(server.endpoint, server.keys.public))
    await app.send(
        encode(Register(rid=1, user=user, password=PASSWORD, device="raw", features=features))
    )
    await app.read_until(lambda ms: any(isinstance(m, Welcome) for m in ms))
    welcome = next(m for m in app.messages if isinstance(m, Welcome))
    app.messages.clear()
    return app, welcome


def _has_replies(rids: list[int]) -> Any:
    return lambda ms: {m.rid for m in ms if isinstance(m, Reply)} >= set(rids)


async def _direct_chat(app: RawApp, user: str) -> int:
    await app.send(encode(OpenDirect(rid=2, user=user)))
    await app.read_until(_has_replies([2]))
    (reply,) = app.replies([2])
    assert isinstance(reply, ChannelReply)
    return reply.channel.id


def _sends(channel: int, count: int, first_rid: int = 10) -> list[Send]:
    return [
        Send(rid=first_rid + n, channel=channel, client_id=new_id(), text=f"m{n}")
        for n in range(count)
    ]


async def test_sends_in_a_bundle_are_stored_in_order_and_answered_in_few_frames(
    server: SyncServer, clients: ClientFactory
) -> None:
    bob = await clients.register("bob")
    alice, welcome = await raw_app(server, "alice", [FEATURE_TOLERANT, FEATURE_BUNDLES])
    assert FEATURE_BUNDLES in welcome.features
    channel = await _direct_chat(alice, "bob")
    sends = _sends(channel, 20)
    await alice.send(bundle_bodies([encode(s) for s in sends]))
    rids = [s.rid for s in sends]
    await alice.read_until(_has_replies(rids))
    sent = alice.replies(rids)
    assert all(isinstance(r, Sent) for r in sent)
    seqs = [r.seq for r in sent]  # type: ignore[attr-defined]
    assert seqs == list(range(seqs[0], seqs[0] + 20))  # the bundle's order, no gap
    assert alice.frames < 5, alice.frames  # one or two bundles, not twenty frames
    # Bob's app (the shared client) reads the pushes, bundled for it too, in order.
    await bob.wait_push(lambda p: isinstance(p, EventPush) and p.event.text == "m19")
    texts = [p.event.text for p in bob.pushes if isinstance(p, EventPush) and p.event.text]
    assert texts == [f"m{n}" for n in range(20)]


async def test_each_item_of_a_bundle_is_answered_on_its_own(
    server: SyncServer, clients: ClientFactory
) -> None:
    await clients.register("bob")
    alice, _ = await raw_app(server, "alice", [FEATURE_TOLERANT, FEATURE_BUNDLES])
    channel = await _direct_chat(alice, "bob")
    good = Send(rid=10, channel=channel, client_id=new_id(), text="fine")
    stranger = Send(rid=11, channel=channel + 999, client_id=new_id(), text="where?")
    broken = msgspec.msgpack.encode({"type": "send", "rid": 12, "channel": "one"})
    nested = bundle_bodies([encode(Send(rid=14, channel=channel, client_id=new_id(), text="x"))])
    after = Send(rid=13, channel=channel, client_id=new_id(), text="still here")
    await alice.send(bundle_bodies([encode(good), encode(stranger), broken, nested, encode(after)]))
    answered = _has_replies([10, 11, 12, 13])
    await alice.read_until(lambda ms: answered(ms) and _bundle_refused(ms))
    by_rid = {m.rid: m for m in alice.messages if isinstance(m, Reply)}
    assert isinstance(by_rid[10], Sent) and isinstance(by_rid[13], Sent)
    assert by_rid[13].seq == by_rid[10].seq + 1
    assert isinstance(by_rid[11], Error) and by_rid[11].code == "no_such_channel"
    assert isinstance(by_rid[12], Error) and by_rid[12].code == "bad_request"
    assert "channel" in by_rid[12].message  # names what was wrong
    refusals = [m for m in alice.messages if isinstance(m, Error) and "another bundle" in m.message]
    assert len(refusals) == 1 and refusals[0].code == "bad_request"
    assert not any(isinstance(r, Sent) and r.rid == 14 for r in alice.messages)


def _bundle_refused(messages: list[Reply | Push]) -> bool:
    return any(isinstance(m, Error) and "another bundle" in m.message for m in messages)


async def test_a_bundle_of_too_many_items_is_refused_whole(
    server: SyncServer, clients: ClientFactory
) -> None:
    await clients.register("bob")
    alice, _ = await raw_app(server, "alice", [FEATURE_TOLERANT, FEATURE_BUNDLES])
    channel = await _direct_chat(alice, "bob")
    sends = _sends(channel, limits.MAX_BUNDLE_ITEMS + 1)
    await alice.send(bundle_bodies([encode(s) for s in sends]))
    await alice.read_until(lambda ms: any(isinstance(m, Error) for m in ms))
    (error,) = [m for m in alice.messages if isinstance(m, Error)]
    assert error.code == "bad_request" and "items" in error.message
    assert f"{limits.MAX_BUNDLE_ITEMS}" in error.message
    assert not any(isinstance(m, Sent) for m in alice.messages)


async def test_an_app_that_did_not_name_bundles_gets_one_frame_per_message(
    server: SyncServer, clients: ClientFactory
) -> None:
    await clients.register("bob")
    alice, _ = await raw_app(server, "alice", [FEATURE_TOLERANT])
    channel = await _direct_chat(alice, "bob")
    sends = _sends(channel, 20)
    for send in sends:  # pipelined: the server handles them together
        await alice.send(encode(send))
    await alice.read_until(_has_replies([s.rid for s in sends]))
    assert alice.bundles == 0 and alice.frames >= 20


async def test_requests_made_together_go_as_bundles_and_each_gets_its_reply(
    server: SyncServer, clients: ClientFactory
) -> None:
    alice = await clients.register("alice")
    bob_raw, _ = await raw_app(server, "bob", [FEATURE_TOLERANT, FEATURE_BUNDLES])
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    assert FEATURE_BUNDLES in alice.welcome.features
    texts = [f"together {n}" for n in range(30)]
    sent = await asyncio.gather(*(_send(alice, channel, text) for text in texts))
    assert [s.seq for s in sent] == list(range(sent[0].seq, sent[0].seq + 30))
    await bob_raw.read_until(
        lambda ms: sum(isinstance(m, EventPush) and m.event.channel == channel for m in ms) >= 30
    )
    pushed = [m.event.text for m in bob_raw.messages if isinstance(m, EventPush)]
    assert pushed[-30:] == texts
    # Made in one turn of the app's loop, they reached the server as a few frames, which it
    # handled together: Bob got them in a few frames too.
    assert bob_raw.frames < 10, bob_raw.frames


async def _send(client: TestClient, channel: int, text: str) -> Sent:
    return await client.request(Send(channel=channel, client_id=new_id(), text=text))
