"""Do not disturb and muted chats, kept on the server: a change on one device reaches the
user's other devices at once (a push) and later ones in their welcome; times that passed
are off; only members mute a chat, and only until a time still ahead."""

import time

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    FEATURE_MUTE,
    UNTIL_TURNED_OFF,
    AccountSettings,
    ChatMute,
    ListChannels,
    MuteChat,
    MutedPush,
    OpenDirect,
    SettingsPush,
    UpdateSettings,
)
from syncserver.server import SyncServer
from syncserver.store import quiet
from syncserver.store.accounts import find_user
from tests.support import ClientFactory

HOUR_MS = 3_600_000


def in_an_hour() -> int:
    return int(time.time() * 1000) + HOUR_MS


async def test_do_not_disturb_reaches_the_other_devices_and_later_ones(
    clients: ClientFactory,
) -> None:
    laptop = await clients.register("alice")
    phone = await clients.login("alice", "phone")
    assert FEATURE_MUTE in laptop.welcome.features
    assert laptop.welcome.settings == AccountSettings()
    until = in_an_hour()

    reply = await laptop.request(UpdateSettings(dnd_until=until))
    assert reply.settings == AccountSettings(dnd_until=until)
    pushed = await phone.wait_push(lambda p: isinstance(p, SettingsPush))
    assert isinstance(pushed, SettingsPush) and pushed.settings.dnd_until == until

    await phone.request(UpdateSettings(mentions_when_muted=False))
    tablet = await clients.login("alice", "tablet")
    assert tablet.welcome.settings == AccountSettings(dnd_until=until, mentions_when_muted=False)

    await tablet.request(UpdateSettings(dnd_until=UNTIL_TURNED_OFF))
    await laptop.wait_push(
        lambda p: isinstance(p, SettingsPush) and p.settings.dnd_until == UNTIL_TURNED_OFF
    )
    off = await laptop.request(UpdateSettings(dnd_until=0))
    assert off.settings.dnd_until == 0 and not off.settings.mentions_when_muted
    assert off.settings.read_receipts  # left out: as it was


async def test_do_not_disturb_until_a_time_that_passed_is_refused_and_reads_as_off(
    server: SyncServer, clients: ClientFactory
) -> None:
    alice = await clients.register("alice")
    with pytest.raises(ProtocolError) as refused:
        await alice.request(UpdateSettings(dnd_until=1_000))
    assert refused.value.code == ErrorCode.INVALID and "passed" in refused.value.message

    # A time that passed since it was set (written here as the hour having gone by).
    user = find_user(server.ctx.store, "alice")
    assert user is not None
    quiet.set_quiet(server.ctx.store, user.id, int(time.time() * 1000) - 1, True)
    again = await clients.resume(alice.credentials, client_keys=alice.conn.client_keys)
    assert again.welcome.settings == AccountSettings(dnd_until=0)


async def test_a_muted_chat_is_muted_on_every_device_of_the_user_only(
    clients: ClientFactory,
) -> None:
    laptop = await clients.register("alice")
    phone = await clients.login("alice", "phone")
    bob = await clients.register("bob")
    chat = (await laptop.request(OpenDirect(user="bob"))).channel.id
    until = in_an_hour()

    reply = await laptop.request(MuteChat(channel=chat, until=until))
    assert reply.mute == ChatMute(channel=chat, until=until)
    pushed = await phone.wait_push(lambda p: isinstance(p, MutedPush))
    assert isinstance(pushed, MutedPush) and pushed.mute == ChatMute(channel=chat, until=until)
    [listed] = (await phone.request(ListChannels())).channels
    assert listed.muted_until == until
    [bobs] = (await bob.request(ListChannels())).channels
    assert bobs.muted_until == 0  # Alice's mute is hers alone

    tablet = await clients.login("alice", "tablet")
    assert tablet.welcome.mutes == [ChatMute(channel=chat, until=until)]
    await tablet.request(MuteChat(channel=chat, until=0))
    unmuted = await laptop.wait_push(lambda p: isinstance(p, MutedPush) and p.mute.until == 0)
    assert isinstance(unmuted, MutedPush) and unmuted.mute.channel == chat
    assert (await clients.login("alice", "desktop")).welcome.mutes == []


async def test_only_members_mute_and_only_until_a_time_ahead(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    await clients.register("bob")
    carol = await clients.register("carol")
    theirs = (await alice.request(OpenDirect(user="bob"))).channel.id
    mine = (await carol.request(OpenDirect(user="alice"))).channel.id
    for channel in (theirs, 999_999):
        with pytest.raises(ProtocolError) as refused:
            await carol.request(MuteChat(channel=channel, until=UNTIL_TURNED_OFF))
        assert refused.value.code == ErrorCode.NO_SUCH_CHANNEL
    with pytest.raises(ProtocolError) as past:
        await carol.request(MuteChat(channel=mine, until=5))
    assert past.value.code == ErrorCode.INVALID and "passed" in past.value.message
    assert (await carol.request(MuteChat(channel=mine, until=UNTIL_TURNED_OFF))).mute.until
