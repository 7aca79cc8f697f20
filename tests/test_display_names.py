"""Display names, kept on the server: set, changed and cleared from any of the user's
devices; learned by those who share a chat with the user (with the chat, and pushed when it
changes) and by no one else; refused, saying why, when they break a rule."""

from collections.abc import Callable

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    FEATURE_DISPLAY_NAMES,
    AccountSettings,
    AddMembers,
    ChannelPush,
    CreateGroup,
    LeaveChannel,
    ListChannels,
    OpenDirect,
    ProfilePush,
    Push,
    SettingsPush,
    Sync,
    UpdateSettings,
)
from tests.support import ClientFactory, TestClient


def profile_of(user: str, display_name: str) -> Callable[[Push], bool]:
    """Matches the push telling that ``user`` now shows as ``display_name``."""

    def match(push: Push) -> bool:
        return isinstance(push, ProfilePush) and (push.user, push.display_name) == (
            user,
            display_name,
        )

    return match


def channel_push(channel: int) -> Callable[[Push], bool]:
    """Matches a ``channel_changed`` push of ``channel``."""
    return lambda push: isinstance(push, ChannelPush) and push.channel.id == channel


async def names_seen_by(client: TestClient, channel: int) -> dict[str, str]:
    listed = await client.request(ListChannels())
    return next(c.display_names for c in listed.channels if c.id == channel)


async def test_set_change_and_clear_reach_who_shares_a_chat(clients: ClientFactory) -> None:
    laptop = await clients.register("alice")
    phone = await clients.login("alice", "phone")
    bob = await clients.register("bob")
    assert FEATURE_DISPLAY_NAMES in laptop.welcome.features
    chat = (await bob.request(OpenDirect(user="alice"))).channel.id
    assert await names_seen_by(bob, chat) == {}

    reply = await laptop.request(UpdateSettings(display_name="  Alice Liddell  "))
    assert reply.settings == AccountSettings(display_name="Alice Liddell")  # trimmed
    await bob.wait_push(profile_of("alice", "Alice Liddell"))
    await phone.wait_push(
        lambda p: isinstance(p, SettingsPush) and p.settings.display_name == "Alice Liddell"
    )
    assert await names_seen_by(bob, chat) == {"alice": "Alice Liddell"}
    tablet = await clients.login("alice", "tablet")
    assert tablet.welcome.settings is not None
    assert tablet.welcome.settings.display_name == "Alice Liddell"

    await phone.request(UpdateSettings(display_name="앨리스"))
    await bob.wait_push(profile_of("alice", "앨리스"))
    await laptop.wait_push(profile_of("alice", "앨리스"))
    assert await names_seen_by(bob, chat) == {"alice": "앨리스"}

    cleared = await laptop.request(UpdateSettings(display_name="   "))  # blank: none
    assert cleared.settings.display_name == ""
    await bob.wait_push(profile_of("alice", ""))
    assert await names_seen_by(bob, chat) == {}


async def test_a_new_member_learns_the_names_with_the_group(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    await alice.request(UpdateSettings(display_name="Alice"))
    await bob.request(UpdateSettings(display_name="Bobby"))
    group = await alice.request(CreateGroup(name="club"))
    assert group.channel.display_names == {"alice": "Alice"}

    added = await alice.request(AddMembers(channel=group.channel.id, users=["bob"]))
    both = {"alice": "Alice", "bob": "Bobby"}
    assert added.channel.display_names == both
    pushed = await bob.wait_push(channel_push(group.channel.id))
    assert isinstance(pushed, ChannelPush) and pushed.channel.display_names == both
    page = await bob.request(Sync(after=0))
    assert [c.display_names for c in page.channels] == [both]


async def test_a_stranger_or_former_member_learns_no_display_name(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    carol = await clients.register("carol")  # shares no chat with alice
    dave = await clients.register("dave")  # leaves the one group he shared with her
    group = (await alice.request(CreateGroup(name="club", members=["dave"]))).channel.id
    await dave.request(LeaveChannel(channel=group))
    await alice.request(UpdateSettings(display_name="Alice"))

    # Alice opens a chat with each now: its push comes after any push her name would have
    # made, over the same connection, so none came before it.
    for stranger in (carol, dave):
        chat = (await alice.request(OpenDirect(user=stranger.welcome.user))).channel.id
        await stranger.wait_push(channel_push(chat))
        assert not [p for p in stranger.pushes if isinstance(p, ProfilePush)]
    page = await dave.request(Sync(after=0))
    left = [c for c in page.channels if c.id == group]
    assert left and not left[0].active and left[0].display_names == {}


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("x" * 65, "a display name has 1 to 64 characters"),
        ("Al\x07ice", "a display name may not contain control characters"),
        ("Al\nice", "a display name may not contain control characters"),
    ],
)
async def test_a_display_name_breaking_a_rule_is_refused(
    clients: ClientFactory, typed: str, why: str
) -> None:
    alice = await clients.register("alice")
    await alice.request(UpdateSettings(display_name="Alice"))
    with pytest.raises(ProtocolError) as refused:
        await alice.request(UpdateSettings(display_name=typed))
    assert refused.value.code == ErrorCode.INVALID and refused.value.message == why
    again = await clients.login("alice", "phone")
    assert again.welcome.settings is not None and again.welcome.settings.display_name == "Alice"
