"""Installed apps and self-hosted servers upgrade at different times. An app that speaks
protocol 1 as first released (``tests/frozen/protocol_v1.py``, which reads every reply and
push strictly) keeps working against this server; this app signs in to a server from before
sign-in features were named, which refuses any field it does not know."""

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import pytest
import zmq
import zmq.asyncio

from shared.client import Connection, Credentials
from shared.errors import ProtocolError
from shared.keys import KeyPair
from shared.protocol import (
    FEATURE_BUNDLES,
    FEATURE_TOLERANT,
    PROTOCOL_TAG,
    UNTIL_TURNED_OFF,
    AddMembers,
    CreateGroup,
    Delete,
    Edit,
    GetPresence,
    Heartbeat,
    MuteChat,
    OpenDirect,
    Push,
    QuietHours,
    React,
    Request,
    Send,
    TypingPush,
    UpdateSettings,
)
from syncserver.config import ServerConfig
from syncserver.first_release import DELETED_MESSAGE, FILE_LINE, NEEDS_NEWER_APP
from syncserver.server import SyncServer
from tests.attachments import attachment, upload
from tests.frozen import protocol_v1 as v1
from tests.support import PASSWORD, WAIT, ClientFactory, bare_socket, fake_server_socket, new_id


@pytest.fixture
def server_config(server_config: ServerConfig) -> ServerConfig:
    """Heartbeats as a first-release app sends them (every 5 s), and a presence timeout to
    match: the old app below sends none, and must stay signed in while the test runs."""
    return dataclasses.replace(server_config, heartbeat_interval=5.0, presence_timeout=30.0)


class OldApp:
    """A device of a first-release app: requests and replies in the frozen protocol 1."""

    def __init__(self, sock: zmq.asyncio.Socket) -> None:
        self.sock = sock
        self.pushes: list[Any] = []

    async def ask(self, req: Any) -> Any:
        """Send ``req`` (a frozen protocol 1 request) and return its reply, read strictly;
        pushes read on the way are kept."""
        await self.sock.send_multipart([v1.PROTOCOL_TAG, v1.encode(req)])
        async with asyncio.timeout(WAIT):
            while True:
                message = await self.next_message()
                if isinstance(message, v1.Reply) and message.rid == req.rid:
                    return message

    async def next_message(self) -> Any:
        tag, body = await self.sock.recv_multipart()
        assert tag == v1.PROTOCOL_TAG
        message = v1.decode_server_message(body)  # raises on any field protocol 1 lacks
        if isinstance(message, v1.Push):
            self.pushes.append(message)
        return message

    def events(self, text: str) -> list[Any]:
        """The events pushed so far with ``text``."""
        return [
            p.event for p in self.pushes if isinstance(p, v1.EventPush) and p.event.text == text
        ]

    async def wait_event(self, text: str) -> Any:
        """The event push of the message with ``text``, read or arriving."""
        async with asyncio.timeout(WAIT):
            while True:
                for push in self.pushes:
                    if isinstance(push, v1.EventPush) and push.event.text == text:
                        return push
                await self.next_message()


@asynccontextmanager
async def first_release_app(server: SyncServer) -> AsyncIterator[OldApp]:
    """Olga's device on a first-release app, registered; closed when the block ends."""
    assert server.keys is not None
    old = OldApp(bare_socket(server.endpoint, server.keys.public))
    try:
        welcome = await old.ask(v1.Register(rid=1, user="olga", password=PASSWORD, device="old"))
        assert isinstance(welcome, v1.Welcome)
        yield old
    finally:
        old.sock.close(linger=0)


async def say_hello_again(server: SyncServer, keys: KeyPair, welcome: Any) -> None:
    """The old app of ``welcome`` comes back and says hello, reading the welcome strictly."""
    assert server.keys is not None
    again = OldApp(bare_socket(server.endpoint, server.keys.public, keys))
    try:
        hello = v1.Hello(rid=1, device_id=welcome.device_id, token=welcome.token)
        assert isinstance(await again.ask(hello), v1.Welcome)
    finally:
        again.sock.close(linger=0)


async def test_a_first_release_app_works_with_this_server(
    server: SyncServer, clients: ClientFactory
) -> None:
    assert server.keys is not None
    keys = KeyPair.generate()  # the device's transport key, which its credential is bound to
    old = OldApp(bare_socket(server.endpoint, server.keys.public, keys))
    try:
        welcome = await old.ask(v1.Register(rid=1, user="olga", password=PASSWORD, device="old"))
        assert isinstance(welcome, v1.Welcome) and welcome.token
        bob = await clients.register("bob")
        assert bob.conn.welcome is not None and bob.conn.welcome.epoch  # this app gets more
        # A new device of the old app's account is told only to apps that read new pushes:
        # the old app would refuse the frame (every reply below is read strictly).
        await clients.login("olga", "new laptop")

        chat = await old.ask(v1.OpenDirect(rid=2, user="bob"))
        assert isinstance(chat, v1.ChannelReply)
        channel = chat.channel.id
        sent = await old.ask(
            v1.Send(rid=3, channel=channel, client_id=new_id(), text="from an old app")
        )
        assert isinstance(sent, v1.Sent) and sent.seq == 2
        # A message that carries a time of writing reaches the old app as an event it reads.
        await bob.request(Send(channel=channel, client_id=new_id(), text="hi", written=1))
        push = await old.wait_event("hi")
        assert push.event.seq == 3

        page = await old.ask(v1.History(rid=4, channel=channel))
        assert isinstance(page, v1.HistoryPage)
        assert [e.text for e in page.events if e.kind == "message"] == ["from an old app", "hi"]
        synced = await old.ask(v1.Sync(rid=5, after=0))
        assert isinstance(synced, v1.SyncPage) and len(synced.events) == 3
        listed = await old.ask(v1.ListChannels(rid=6))
        assert isinstance(listed, v1.ChannelList) and [c.id for c in listed.channels] == [channel]
        assert isinstance(await old.ask(v1.MarkRead(rid=7, channel=channel, seq=3)), v1.Ok)
        assert isinstance(await old.ask(v1.Heartbeat(rid=8)), v1.HeartbeatAck)
        refused = await old.ask(v1.Send(rid=9, channel=channel, client_id=new_id(), text=" "))
        assert isinstance(refused, v1.Error) and refused.code == "invalid"
    finally:
        old.sock.close(linger=0)

    await say_hello_again(server, keys, welcome)


async def test_a_first_release_app_is_not_told_of_nodes_which_this_app_learns(
    server_config: ServerConfig,
) -> None:
    nodes = ("tcp://127.0.0.1:7744", "tcp://127.0.0.1:7754")
    server = SyncServer(dataclasses.replace(server_config, nodes=nodes))
    await server.start()
    clients = ClientFactory(server)
    try:
        async with first_release_app(server):  # its welcome is read strictly
            pass
        olga = await clients.login("olga", "new laptop")
        assert olga.conn.welcome is not None and olga.conn.welcome.nodes == list(nodes)
    finally:
        await clients.close_all()
        await server.stop()


async def test_a_first_release_app_gets_no_bundles_from_a_busy_chat(
    server: SyncServer, clients: ClientFactory
) -> None:
    """Messages sent together by an app that bundles them (and answered together by the
    server) reach a first-release app one frame each, every frame read strictly."""
    async with first_release_app(server) as old:
        bob = await clients.register("bob")
        chat = await old.ask(v1.OpenDirect(rid=2, user="bob"))
        channel = chat.channel.id
        texts = [f"burst {n}" for n in range(30)]
        await asyncio.gather(
            *(bob.request(Send(channel=channel, client_id=new_id(), text=t)) for t in texts)
        )
        for text in texts:
            await old.wait_event(text)  # next_message decodes each frame strictly
        seqs = [old.events(text)[0].seq for text in texts]
        assert seqs == list(range(seqs[0], seqs[0] + 30))


async def test_a_first_release_app_sees_changes_as_placeholders(
    server: SyncServer, clients: ClientFactory
) -> None:
    """Others reply, react, edit and delete around an app of the first release: it still
    chats and syncs, reading every frame strictly, and is never sent a kind it does not
    know: a change comes as a message saying to upgrade, a deleted message as deleted."""
    async with first_release_app(server) as old:
        bob = await clients.register("bob")
        group = (await bob.request(CreateGroup(name="club", members=["olga"]))).channel.id
        said = await bob.request(Send(channel=group, client_id=new_id(), text="hello @olga"))
        await old.wait_event("hello @olga")
        mine = await old.ask(v1.Send(rid=2, channel=group, client_id=new_id(), text="hi bob"))
        assert isinstance(mine, v1.Sent)

        def change(seq: int) -> list[Request]:
            return [
                Send(channel=group, client_id=new_id(), text="a reply", reply_to=seq),
                React(channel=group, seq=seq, client_id=new_id(), emoji="👍"),
                Edit(channel=group, seq=said.seq, client_id=new_id(), text="hello again"),
                Delete(channel=group, seq=said.seq, client_id=new_id()),
            ]

        for req in change(mine.seq):
            await bob.request(req)
        await old.wait_event("a reply")
        async with asyncio.timeout(WAIT):
            while len(upgrade := old.events(NEEDS_NEWER_APP)) < 3:
                await old.next_message()
        assert {(e.kind, e.client_id, e.sender) for e in upgrade} == {("message", None, "bob")}

        page = await old.ask(v1.History(rid=3, channel=group))
        assert isinstance(page, v1.HistoryPage)
        shown = [(e.seq, e.kind, e.text) for e in page.events]
        synced = await old.ask(v1.Sync(rid=4, after=0))
        assert isinstance(synced, v1.SyncPage)
        assert [(e.seq, e.kind, e.text) for e in synced.events] == shown
        first, reply = said.seq, mine.seq + 1
        assert shown[first - 1 :] == [
            (first, "message", DELETED_MESSAGE),
            (mine.seq, "message", "hi bob"),
            (reply, "message", "a reply"),
            (reply + 1, "message", NEEDS_NEWER_APP),
            (reply + 2, "message", NEEDS_NEWER_APP),
            (reply + 3, "message", NEEDS_NEWER_APP),
        ]
        # It still chats.
        again = await old.ask(v1.Send(rid=5, channel=group, client_id=new_id(), text="bye"))
        assert isinstance(again, v1.Sent) and again.seq == reply + 4


async def test_a_first_release_app_hears_nothing_of_do_not_disturb_or_mutes(
    server: SyncServer, clients: ClientFactory
) -> None:
    """Olga mutes a chat, turns do not disturb on and sets quiet hours from a new app: her
    first-release app, reading strictly, gets no push it does not know, and lists channels
    and says hello with no field it lacks (it keeps do not disturb on the device, as it
    always did)."""
    assert server.keys is not None
    keys = KeyPair.generate()
    old = OldApp(bare_socket(server.endpoint, server.keys.public, keys))
    try:
        welcome = await old.ask(v1.Register(rid=1, user="olga", password=PASSWORD, device="old"))
        assert isinstance(welcome, v1.Welcome)
        await clients.register("bob")
        chat = await old.ask(v1.OpenDirect(rid=2, user="bob"))
        assert isinstance(chat, v1.ChannelReply)
        phone = await clients.login("olga", "phone")
        await phone.request(MuteChat(channel=chat.channel.id, until=UNTIL_TURNED_OFF))
        await phone.request(UpdateSettings(dnd_until=UNTIL_TURNED_OFF))
        await phone.request(UpdateSettings(quiet_hours=QuietHours(on=True)))
        listed = await old.ask(v1.ListChannels(rid=3))
        assert isinstance(listed, v1.ChannelList) and len(listed.channels) == 1
        assert isinstance(await old.ask(v1.Heartbeat(rid=4)), v1.HeartbeatAck)
        assert all(
            isinstance(p, v1.EventPush | v1.ChannelPush | v1.PresencePush) for p in old.pushes
        )
    finally:
        old.sock.close(linger=0)
    await say_hello_again(server, keys, welcome)


async def test_a_first_release_app_is_told_no_display_names(
    server: SyncServer, clients: ClientFactory
) -> None:
    """Bob and Carol set display names while in chats with Olga's first-release app: it is
    pushed no ``profile_changed``, and its channel replies, channel pushes, sync pages and
    lists carry no ``display_names`` (it reads every frame strictly)."""
    async with first_release_app(server) as old:
        bob = await clients.register("bob")
        await clients.register("carol")
        await bob.request(UpdateSettings(display_name="Bobby"))
        group = (await bob.request(CreateGroup(name="club", members=["olga"]))).channel.id
        await bob.request(UpdateSettings(display_name="Robert"))
        await bob.request(AddMembers(channel=group, users=["carol"]))  # a channel push
        chat = await old.ask(v1.OpenDirect(rid=2, user="bob"))
        assert isinstance(chat, v1.ChannelReply)
        await bob.request(Send(channel=chat.channel.id, client_id=new_id(), text="last"))
        await old.wait_event("last")
        assert isinstance(await old.ask(v1.ListChannels(rid=3)), v1.ChannelList)
        synced = await old.ask(v1.Sync(rid=4, after=0))
        assert isinstance(synced, v1.SyncPage) and synced.channels
        assert any(isinstance(p, v1.ChannelPush) for p in old.pushes)
        assert all(
            isinstance(p, v1.EventPush | v1.ChannelPush | v1.PresencePush) for p in old.pushes
        )


async def test_a_first_release_app_is_told_of_files_in_the_text(
    server: SyncServer, clients: ClientFactory
) -> None:
    """A message with files reaches a first-release app (reading strictly) as its caption
    and a line per file saying it needs a newer version, pushed and synced alike."""
    async with first_release_app(server) as old:
        bob = await clients.register("bob")
        chat = (await bob.request(OpenDirect(user="olga"))).channel.id
        data = b"minutes of the meeting"
        assert (await upload(bob, data)).complete
        files = [attachment(data, "minutes.txt"), attachment(data, "copy.txt")]
        await bob.request(Send(channel=chat, client_id=new_id(), text="", attachments=files))
        shown = "\n".join(FILE_LINE.format(name=name) for name in ("minutes.txt", "copy.txt"))
        await old.wait_event(shown)
        synced = await old.ask(v1.Sync(rid=2, after=0))
        assert isinstance(synced, v1.SyncPage)
        assert [e.text for e in synced.events if e.kind == "message"] == [shown]


@pytest.fixture
async def old_server() -> AsyncIterator[tuple[str, str, list[bytes]]]:
    """A server from before sign-in features: protocol 1's strict request decoder on a real
    CURVE socket, answering a hello as it did and refusing a field it does not know with
    that decoder's own words. Yields its endpoint, its public key and every body it read."""
    sock, endpoint, public_key = fake_server_socket()
    bodies: list[bytes] = []

    async def serve() -> None:
        while True:
            peer, _, body = await sock.recv_multipart()
            bodies.append(body)
            try:
                req = v1.decode_request(body)
            except msgspec.ValidationError as e:
                reply: Any = v1.Error(rid=v1.salvage_rid(body), code="bad_request", message=str(e))
            else:
                if isinstance(req, v1.Hello):
                    reply = v1.Welcome(rid=req.rid, user="olga", device_id=1, sync_cursor=0, head=0)
                elif isinstance(req, v1.Heartbeat):
                    reply = v1.HeartbeatAck(rid=req.rid, head=0)
                else:
                    reply = v1.Ok(rid=req.rid)
            await sock.send_multipart([peer, v1.PROTOCOL_TAG, v1.encode(reply)])

    task = asyncio.create_task(serve())
    try:
        yield endpoint, public_key, bodies
    finally:
        task.cancel()
        sock.close(linger=0)


async def test_this_app_signs_in_to_a_server_from_before_features(
    old_server: tuple[str, str, list[bytes]],
) -> None:
    endpoint, key, bodies = old_server
    conn = Connection(endpoint, server_key=key, credentials=Credentials(1, "token"))
    await conn.open()
    try:
        await conn.wait_ready(WAIT)
        welcome = await conn.hello()
        assert welcome.user == "olga" and not welcome.bye and welcome.epoch is None
        assert welcome.nodes == []  # a server of one node, as far as this app can tell
        await conn.hello()  # a later hello on this connection names no features
    finally:
        await conn.close()
    hellos = [msgspec.msgpack.decode(b) for b in bodies]
    hellos = [h for h in hellos if h.get("type") == "hello"]
    named = [h.get("features") for h in hellos]
    # Refused, then two hellos naming none.
    assert named[0] == [FEATURE_TOLERANT, FEATURE_BUNDLES] and len(named) >= 3, named
    assert not any(named[1:]), named


@pytest.fixture
async def newer_server() -> AsyncIterator[tuple[str, str]]:
    """A server newer than this app: after a hello it sends a push of a type this app does
    not know, then a typing push it does; it answers ``get_presence`` with a reply of an
    unknown type. Real CURVE; the message bodies are written out as such a server would."""
    sock, endpoint, public_key = fake_server_socket()
    pack = msgspec.msgpack.encode

    async def serve() -> None:
        while True:
            peer, _, body = await sock.recv_multipart()
            req = msgspec.msgpack.decode(body)
            rid = req.get("rid", 0)
            if req["type"] == "hello":
                welcome = {"type": "welcome", "rid": rid, "user": "nina", "device_id": 1}
                frames = [pack(welcome | {"sync_cursor": 0, "head": 0, "stickers": True})]
                frames += [pack({"type": "sticker_pack", "pack": [1, 2]})] * 2
                frames.append(pack({"type": "typing", "channel": 7, "user": "olga", "x": 1}))
            elif req["type"] == "get_presence":
                frames = [pack({"type": "presence_with_moods", "rid": rid, "moods": []})]
            else:
                frames = [pack({"type": "ok", "rid": rid, "new_field": 1})]
            for frame in frames:
                await sock.send_multipart([peer, PROTOCOL_TAG, frame])

    task = asyncio.create_task(serve())
    try:
        yield endpoint, public_key
    finally:
        task.cancel()
        sock.close(linger=0)


async def test_this_app_ignores_what_a_newer_server_adds(
    newer_server: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    endpoint, key = newer_server
    conn = Connection(endpoint, server_key=key, credentials=Credentials(1, "token"))
    pushes: list[Push] = []
    typed = asyncio.Event()

    def on_push(push: Push) -> None:
        pushes.append(push)
        typed.set()

    conn.on_push = on_push
    caplog.set_level(logging.INFO, logger="shared.client")
    await conn.open()
    try:
        await conn.wait_ready(WAIT)
        assert (await conn.hello()).user == "nina"  # a field it does not know, ignored
        async with asyncio.timeout(WAIT):
            await typed.wait()
        # The unknown type is skipped; each hello (the app's own, and the one it says on
        # connecting) brings one typing push.
        assert set(pushes) == {TypingPush(channel=7, user="olga")}
        said = [r.getMessage() for r in caplog.records if "sticker_pack" in r.getMessage()]
        assert len(said) == 1, said  # once, not per push

        await conn.request(Heartbeat())  # answered by an `ok` with a field it lacks
        with pytest.raises(ProtocolError, match="presence_with_moods"):
            async with asyncio.timeout(WAIT):  # fails at once rather than timing out
                await conn.request(GetPresence(users=["olga"]))
    finally:
        await conn.close()
