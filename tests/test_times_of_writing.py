"""A message's time of writing: the server keeps what the writing device gives, within what
can be true, and every member's device gets it back with the message (push, history, sync)."""

import msgspec
import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    EventPush,
    History,
    ListDevices,
    OpenDirect,
    Send,
    Sent,
    Sync,
    decode_request,
    encode,
)
from tests.support import ClientFactory, TestClient, new_id

HOUR = 3600 * 1000


async def alice_and_bob(clients: ClientFactory) -> tuple[TestClient, TestClient, int]:
    """Alice and Bob, and their direct chat."""
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    return alice, bob, channel


async def test_the_welcome_says_the_server_keeps_times_of_writing(clients: ClientFactory):
    alice = await clients.register("alice")
    assert alice.conn.welcome is not None and alice.conn.welcome.written


async def test_the_time_of_writing_reaches_every_device_with_the_message(
    clients: ClientFactory,
):
    alice, bob, channel = await alice_and_bob(clients)
    phone = await clients.login("alice", "phone")
    created = await _device_created(alice)
    written = created + 1  # written offline long before the server got it
    send = Send(channel=channel, client_id=new_id(), text="from the train", written=written)

    sent = await alice.request(send)
    assert isinstance(sent, Sent) and sent.written == written and sent.ts > written
    for device in (bob, phone):
        push = await device.wait_push(
            lambda p: isinstance(p, EventPush) and p.event.client_id == send.client_id
        )
        assert isinstance(push, EventPush) and (push.event.written, push.event.ts) == (
            written,
            sent.ts,
        )
    page = await bob.request(History(channel=channel))
    assert [(e.text, e.written) for e in page.events if e.kind == "message"] == [
        ("from the train", written)
    ]
    synced = await phone.request(Sync(after=0))
    assert [(e.text, e.written) for e in synced.events if e.kind == "message"] == [
        ("from the train", written)
    ]
    again = await alice.request(send)  # a resend after a lost answer gets the first one
    assert msgspec.structs.replace(again, rid=sent.rid) == sent


async def test_a_message_sent_without_a_time_of_writing_has_none(clients: ClientFactory):
    alice, bob, channel = await alice_and_bob(clients)
    sent = await alice.request(Send(channel=channel, client_id=new_id(), text="now"))
    assert sent.written is None
    page = await bob.request(History(channel=channel))
    assert page.events[-1].written is None


async def test_an_impossible_time_of_writing_is_moved_to_the_nearest_possible(
    clients: ClientFactory,
):
    """A device's clock can be off either way: a time after the server stored the message
    becomes that time, and one before the device existed becomes its creation."""
    alice, bob, channel = await alice_and_bob(clients)
    future = await alice.request(
        Send(channel=channel, client_id=new_id(), text="ahead", written=2**62)
    )
    assert future.written == future.ts
    ancient = await alice.request(Send(channel=channel, client_id=new_id(), text="1970", written=0))
    assert ancient.written == await _device_created(alice)
    page = await bob.request(History(channel=channel))
    assert [e.written for e in page.events[-2:]] == [future.written, ancient.written]


async def test_a_negative_time_of_writing_is_refused_naming_the_field(clients: ClientFactory):
    alice, _, channel = await alice_and_bob(clients)
    bad = msgspec.structs.replace(
        Send(channel=channel, client_id=new_id(), text="x", written=1), written=-1
    )
    with pytest.raises(ProtocolError) as err:
        await alice.request(bad)
    assert err.value.code == ErrorCode.BAD_REQUEST
    assert "written" in err.value.message


def test_a_send_without_a_time_of_writing_does_not_carry_the_field():
    """What a client sends to a server that did not announce times of writing: without the
    field, which such a server would refuse as unknown."""
    body = encode(Send(channel=1, client_id="a", text="hi"))
    assert "written" not in msgspec.msgpack.decode(body)
    assert decode_request(body) == Send(channel=1, client_id="a", text="hi")


async def _device_created(client: TestClient) -> int:
    devices = (await client.request(ListDevices())).devices
    return next(d.created for d in devices if d.current)
