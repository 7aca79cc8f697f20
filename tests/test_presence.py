"""Presence from heartbeats (timeouts shortened for the test) and typing indicators."""

import asyncio
from collections.abc import Callable

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    GetPresence,
    Heartbeat,
    OpenDirect,
    PresencePush,
    PresenceState,
    Push,
    Sync,
    Typing,
    TypingPush,
)
from syncserver.server import SyncServer
from tests.proxy import RecordingProxy
from tests.support import PASSWORD, WAIT, ClientFactory, TestClient


def _presence(user: str, state: PresenceState) -> Callable[[Push], bool]:
    return lambda p: (
        isinstance(p, PresencePush)
        and p.presence
        == p.presence.__class__(user=user, state=state, last_seen=p.presence.last_seen)
    )


async def test_presence_online_away_offline(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    await alice.request(OpenDirect(user="bob"))
    [info] = (await alice.request(GetPresence(users=["bob"]))).presence
    assert info.state == "online"

    bob.conn.idle = True  # the user stepped away; the next heartbeat says so
    await alice.wait_push(_presence("bob", "away"))
    bob.conn.idle = False
    await alice.wait_push(_presence("bob", "online"))

    # Heartbeats stop without the connection closing (a frozen or cut-off device):
    # after the timeout the user is offline, with a last-seen time.
    silent = await clients.resume(
        bob.credentials, client_keys=bob.conn.client_keys, heartbeat_interval=3600
    )
    await bob.conn.close()
    offline = await alice.wait_push(_presence("bob", "offline"))
    assert isinstance(offline, PresencePush) and offline.presence.last_seen is not None
    [info] = (await alice.request(GetPresence(users=["bob"]))).presence
    assert info.state == "offline" and info.last_seen == offline.presence.last_seen

    # Any request brings the device back: it is told to say hello again and does.
    await silent.request(Heartbeat())
    await alice.wait_push(lambda p: _presence("bob", "online")(p) and p is not offline)


async def test_presence_is_private_to_people_who_share_a_channel(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    await clients.register("stranger")
    listing = await alice.request(GetPresence(users=["stranger", "nobody", "alice"]))
    assert [p.user for p in listing.presence] == ["alice"]


async def test_typing_reaches_the_other_members_only(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    carol = await clients.register("carol")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    await alice.request(Typing(channel=channel.id))
    push = await bob.wait_push(lambda p: isinstance(p, TypingPush))
    assert isinstance(push, TypingPush) and (push.channel, push.user) == (channel.id, "alice")
    assert not any(isinstance(p, TypingPush) for p in alice.pushes + carol.pushes)
    with pytest.raises(ProtocolError) as err:
        await carol.request(Typing(channel=channel.id))
    assert err.value.code == ErrorCode.NO_SUCH_CHANNEL
    # Typing is never stored: it does not appear in sync.
    page = await bob.request(Sync(after=0))
    assert [e.kind for e in page.events] == ["created"]


async def test_heartbeat_confirms_the_sync_cursor(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    await clients.register("bob")
    await alice.request(OpenDirect(user="bob"))
    head = (await alice.request(Sync())).next
    await alice.request(Heartbeat(cursor=head))
    again = await clients.resume(alice.credentials, client_keys=alice.conn.client_keys)
    assert again.welcome.sync_cursor == head


async def test_devices_beat_as_often_as_the_welcome_says(clients: ClientFactory) -> None:
    """The server's heartbeat interval (0.2 s here, 5 s by default) reaches the device in its
    welcome, and the device beats at that rate: five heartbeats come back well within the
    time one beat at the default rate would take."""
    acks = asyncio.Queue[int]()
    bob = await clients.register("bob")
    bob.conn.on_head = acks.put_nowait
    assert bob.welcome.heartbeat_interval == clients.server.config.heartbeat_interval
    async with asyncio.timeout(WAIT):
        for _ in range(5):
            await acks.get()


async def test_a_goodbye_takes_the_user_offline_at_once(
    clients: ClientFactory, server: SyncServer
) -> None:
    """A device that quits says goodbye: its user goes offline for others as soon as no
    other device of theirs is present, long before the presence timeout."""
    server.config.presence_timeout = 3600.0  # so only a goodbye can take bob offline
    alice = await clients.register("alice")
    laptop = await clients.register("bob")
    phone = await clients.login("bob", "phone")
    await alice.request(OpenDirect(user="bob"))
    assert laptop.welcome.bye

    await laptop.conn.close()
    [info] = (await alice.request(GetPresence(users=["bob"]))).presence
    assert info.state == "online"  # the phone is still there
    await phone.conn.close()
    await alice.wait_push(_presence("bob", "offline"))


async def test_a_dropped_connection_goes_offline_within_the_presence_timeout(
    clients: ClientFactory, server: SyncServer
) -> None:
    """A device whose network silently drops everything (no goodbye, nothing closed) is
    offline for others once the presence timeout has passed without a heartbeat; the wait
    allows the timeout and a margin for a loaded machine."""
    alice = await clients.register("alice")
    proxy = RecordingProxy(server.endpoint)
    await proxy.start()
    try:
        bob = TestClient(clients.connection())
        bob.conn.endpoint = proxy.endpoint
        clients.made.append(bob)
        await bob.conn.open()
        await bob.conn.wait_ready(WAIT)
        await bob.conn.register("bob", PASSWORD, "laptop")
        await alice.request(OpenDirect(user="bob"))
        proxy.cut()
        await alice.wait_push(
            _presence("bob", "offline"), timeout=server.config.presence_timeout + WAIT
        )
    finally:
        await proxy.stop()
