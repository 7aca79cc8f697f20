"""Members-only access, device revocation, key pinning and hostile frames."""

import asyncio

import msgspec
import pytest
import zmq
import zmq.asyncio

from shared import limits
from shared.client import ConnectionState, ServerKeyMismatch, fetch_server_key
from shared.errors import ErrorCode, ProtocolError
from shared.keys import KeyPair, fingerprint
from shared.protocol import (
    PROTOCOL_TAG,
    AddMembers,
    CreateGroup,
    Error,
    EventPush,
    History,
    ListDevices,
    MarkRead,
    OpenDirect,
    RevokeDevice,
    RevokedPush,
    Send,
    Typing,
    decode_server_message,
    encode,
)
from syncserver.server import SyncServer
from tests.support import WAIT, ClientFactory, bare_socket, new_id


async def _refused(client, request, code: ErrorCode) -> str:
    with pytest.raises(ProtocolError) as err:
        await client.request(request)
    assert err.value.code == code, err.value
    return err.value.message


async def test_non_member_is_refused_without_learning_anything(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    await clients.register("bob")
    mallory = await clients.register("mallory")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    await alice.request(Send(channel=channel.id, client_id=new_id(), text="secret"))
    missing = channel.id + 1000

    for target in (channel.id, missing):
        attempts = [
            Send(channel=target, client_id=new_id(), text="let me in"),
            History(channel=target),
            MarkRead(channel=target, seq=1),
            Typing(channel=target),
            AddMembers(channel=target, users=["mallory"]),
        ]
        for request in attempts:
            message = await _refused(mallory, request, ErrorCode.NO_SUCH_CHANNEL)
            assert "secret" not in message
    assert not any("secret" in repr(p) for p in mallory.pushes)


async def test_oversized_message_is_refused_and_not_stored(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    too_long = "x" * (limits.MAX_TEXT_CHARS + 1)
    message = await _refused(
        alice,
        Send(channel=channel.id, client_id=new_id(), text=too_long),
        ErrorCode.MESSAGE_TOO_LONG,
    )
    assert "100,000" in message
    await _refused(
        alice, Send(channel=channel.id, client_id=new_id(), text="  "), ErrorCode.INVALID
    )
    longest = "가" * limits.MAX_TEXT_CHARS  # 3 bytes each in UTF-8: still fits a frame
    sent = await alice.request(Send(channel=channel.id, client_id=new_id(), text=longest))
    page = await alice.request(History(channel=channel.id))
    assert [e.seq for e in page.events if e.kind == "message"] == [sent.seq]


async def test_revoked_device_is_rejected(clients: ClientFactory) -> None:
    laptop = await clients.register("alice")
    phone = await clients.login("alice", "phone")
    devices = (await laptop.request(ListDevices())).devices
    assert [(d.name, d.current) for d in devices] == [("laptop", True), ("phone", False)]
    phone_id = phone.credentials.device_id

    await laptop.request(RevokeDevice(device_id=phone_id))
    await phone.wait_push(lambda p: isinstance(p, RevokedPush))
    await _refused(phone, ListDevices(), ErrorCode.DEVICE_REVOKED)

    # The same device connecting afresh is stopped at once, with the reason.
    with pytest.raises(ProtocolError) as err:
        await clients.resume(phone.credentials, client_keys=phone.conn.client_keys)
    assert err.value.code == ErrorCode.DEVICE_REVOKED
    assert clients.made[-1].conn.state == ConnectionState.FAILED
    assert [d.name for d in (await laptop.request(ListDevices())).devices] == ["laptop"]
    await _refused(laptop, RevokeDevice(device_id=phone_id), ErrorCode.NO_SUCH_DEVICE)


async def test_device_credential_is_bound_to_its_transport_key(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    with pytest.raises(ProtocolError) as err:  # the thief has the token, not the key pair
        await clients.resume(alice.credentials)
    assert err.value.code == ErrorCode.KEY_MISMATCH


async def test_client_with_wrong_pinned_key_refuses_to_talk(
    clients: ClientFactory, server: SyncServer
) -> None:
    assert server.key_endpoint is not None and server.keys is not None
    offered = await fetch_server_key(server.key_endpoint)
    assert offered.public_key == server.keys.public
    assert offered.fingerprint == fingerprint(server.keys.public) == server.fingerprint

    impostor_key = KeyPair.generate().public
    conn = clients.connection(server_key=impostor_key)
    await conn.open()
    try:
        with pytest.raises(ServerKeyMismatch) as err:
            await conn.wait_ready(WAIT)
        assert server.fingerprint in str(err.value) and fingerprint(impostor_key) in str(err.value)
        assert conn.state == ConnectionState.FAILED
    finally:
        await conn.close()


async def test_registration_can_be_closed(server_config, tmp_path) -> None:
    server_config.open_registration = False
    srv = SyncServer(server_config)
    await srv.start()
    factory = ClientFactory(srv)
    try:
        client = await factory.connect()
        with pytest.raises(ProtocolError) as err:
            await client.conn.register("alice", "correct horse battery", "laptop")
        assert err.value.code == ErrorCode.REGISTRATION_CLOSED
    finally:
        await factory.close_all()
        await srv.stop()


async def test_wrong_password_and_unknown_user_get_the_same_answer(clients: ClientFactory) -> None:
    await clients.register("alice")
    answers = []
    for user in ("alice", "nobody"):
        client = await clients.connect()
        with pytest.raises(ProtocolError) as err:
            await client.conn.login(user, "wrong password!", "phone")
        answers.append((err.value.code, err.value.message))
    assert answers[0] == answers[1] == (ErrorCode.AUTH_FAILED, "wrong user name or password")


async def test_garbage_frames_get_errors_and_the_server_keeps_serving(
    clients: ClientFactory, server: SyncServer
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel

    assert server.keys is not None
    raw = bare_socket(server.endpoint, server.keys.public)

    async def answer(*frames: bytes) -> Error:
        await raw.send_multipart(list(frames))
        reply_frames = await asyncio.wait_for(raw.recv_multipart(), WAIT)
        assert reply_frames[0] == PROTOCOL_TAG
        reply = decode_server_message(reply_frames[1])
        assert isinstance(reply, Error)
        return reply

    wrong_types = msgspec.msgpack.encode(
        {"type": "send", "rid": 7, "channel": "one", "client_id": "x", "text": 1}
    )
    cases = [
        ((b"just one frame",), ErrorCode.BAD_FRAME, 0),
        ((PROTOCOL_TAG, b"a", b"b"), ErrorCode.BAD_FRAME, 0),
        ((b"tidings/999", encode(History(rid=5, channel=1))), ErrorCode.UNSUPPORTED_VERSION, 5),
        ((PROTOCOL_TAG, b"\xc1\xff\x00garbage"), ErrorCode.BAD_REQUEST, 0),
        (
            (PROTOCOL_TAG, msgspec.msgpack.encode({"type": "launch_missiles", "rid": 3})),
            ErrorCode.BAD_REQUEST,
            3,
        ),
        ((PROTOCOL_TAG, wrong_types), ErrorCode.BAD_REQUEST, 7),
        ((PROTOCOL_TAG, msgspec.msgpack.encode([1, 2, 3])), ErrorCode.BAD_REQUEST, 0),
        (
            (PROTOCOL_TAG, encode(History(rid=9, channel=channel.id))),
            ErrorCode.NOT_AUTHENTICATED,
            9,
        ),
        (
            (PROTOCOL_TAG, encode(Send(rid=4, channel=channel.id, client_id="x", text="hi"))),
            ErrorCode.NOT_AUTHENTICATED,
            4,
        ),
    ]
    for frames, code, rid in cases:
        error = await answer(*frames)
        assert (error.code, error.rid) == (code, rid), (frames, error)
        assert error.message
    assert "channel" in (await answer(PROTOCOL_TAG, wrong_types)).message  # names the field

    # A frame over the size cap is cut off by ZeroMQ itself: the connection is dropped.
    await raw.send_multipart([PROTOCOL_TAG, b"\x00" * (limits.MAX_FRAME_BYTES + 1)])
    raw.close()

    # A plaintext peer cannot even complete a handshake with the CURVE socket.
    plain = zmq.asyncio.Context.instance().socket(zmq.DEALER)
    plain.setsockopt(zmq.LINGER, 0)
    plain.connect(server.endpoint)
    await plain.send_multipart([PROTOCOL_TAG, encode(History(rid=1, channel=channel.id))])
    assert not await plain.poll(300)  # nothing ever comes back
    plain.close()

    sent = await alice.request(Send(channel=channel.id, client_id=new_id(), text="still here"))
    push = await bob.wait_push(lambda p: isinstance(p, EventPush) and p.event.text == "still here")
    assert isinstance(push, EventPush) and push.event.seq == sent.seq
    page = await bob.request(History(channel=channel.id))
    assert [e.text for e in page.events if e.kind == "message"] == ["still here"]


async def test_refusals_of_undecodable_frames_are_sentences(server: SyncServer) -> None:
    """What a user may be shown of a refused frame names the problem in words, never a Python
    exception or a bytes literal."""
    key = msgspec.msgpack.encode
    cases = [
        (
            b"tidings/2",
            key({"type": "list_channels"}),
            "this server speaks tidings/1, not 'tidings/2'",
        ),
        (
            b"\xff\x00v2",
            key({"type": "list_channels"}),
            "not a tag of 4 bytes that is not a protocol name",
        ),
        (
            PROTOCOL_TAG,
            b"\x82" + key("rid") + b"\x91" * 2_000 + b"\xc0" + key("type") + key("list_channels"),
            "nests arrays or maps too deeply",
        ),
        (
            PROTOCOL_TAG,
            b"\x82" + key("rid") + key(5) + key("type") + b"\xa2\xff\xfe",
            "text that is not valid UTF-8",
        ),
        (PROTOCOL_TAG, b"\xc1", "not valid MessagePack"),
    ]
    assert server.keys is not None
    raw = bare_socket(server.endpoint, server.keys.public)
    try:
        for tag, body, sentence in cases:
            await raw.send_multipart([tag, body])
            reply = decode_server_message((await asyncio.wait_for(raw.recv_multipart(), WAIT))[1])
            assert isinstance(reply, Error)
            assert sentence in reply.message, reply.message
            for python in ("Error", "b'", 'b"', "Traceback"):
                assert python not in reply.message, reply.message
    finally:
        raw.close()


async def test_group_size_limit(clients: ClientFactory, server: SyncServer) -> None:
    server.config.max_group_members = 3
    alice = await clients.register("alice")
    for name in ("bob", "carol", "dave"):
        await clients.register(name)
    group = (await alice.request(CreateGroup(name="small", members=["bob", "carol"]))).channel
    message = await _refused(
        alice, AddMembers(channel=group.id, users=["dave"]), ErrorCode.GROUP_FULL
    )
    assert "3" in message
    await _refused(
        alice, CreateGroup(name="big", members=["bob", "carol", "dave"]), ErrorCode.GROUP_FULL
    )
    await _refused(alice, CreateGroup(name="who", members=["zed"]), ErrorCode.NO_SUCH_USER)
