"""The engine's typed operations for chats, groups, devices and presence, against a real
server: each returns what the window and the CLI show, stored in the cache already."""

import pytest

from desktop.core.operations import DeviceView
from shared.errors import ErrorCode, ProtocolError
from tests.desktop.test_engine import started
from tests.support import ClientFactory


async def test_group_operations_return_the_channel_as_stored(
    make_profile, engines, clients: ClientFactory
):
    alice = await started(engines(await make_profile("alice", "laptop", create=True)))
    await clients.register("bob")
    await clients.register("carol")

    group = await alice.create_group("  Trip ", ["@Bob"])
    assert (group.kind, group.name, group.members, group.owner) == (
        "group",
        "Trip",
        ("alice", "bob"),
        "alice",
    )
    assert alice.cache.channel(group.id) == group

    added = await alice.add_members(group.id, ["carol", "bob"])
    assert added.members == ("alice", "bob", "carol")
    renamed = await alice.rename_group(group.id, "Holiday")
    assert (renamed.name, renamed.title, renamed.target) == ("Holiday", "Holiday", "#Holiday")
    removed = await alice.remove_member(group.id, "bob")
    assert removed.members == ("alice", "carol")

    left = await alice.leave(group.id)
    assert (left.active, left.members, left.name) == (False, (), "Holiday")
    assert alice.cache.channel(group.id) == left

    notes = await alice.open_direct("alice")
    assert (notes.kind, notes.title, notes.target) == ("direct", "alice", "@alice")
    direct = await alice.open_direct("@Bob")
    assert direct.title == "bob" and alice.cache.direct_with("bob") == direct


async def test_refusals_and_bad_names(make_profile, engines, clients: ClientFactory):
    alice = await started(engines(await make_profile("alice", "laptop", create=True)))
    await clients.register("bob")
    with pytest.raises(ValueError, match="'a b' is not a user name"):
        await alice.create_group("Trip", ["a b"])
    with pytest.raises(ValueError, match="a group needs a name"):
        await alice.create_group("   ", [])
    with pytest.raises(ProtocolError) as refused:
        await alice.open_direct("nobody")
    assert refused.value.code == ErrorCode.NO_SUCH_USER
    group = await alice.create_group("Trip", ["bob"])
    with pytest.raises(ProtocolError, match="to remove yourself, leave the group") as refused:
        await alice.remove_member(group.id, "alice")
    assert refused.value.code == ErrorCode.INVALID


async def test_devices_and_presence(make_profile, engines, clients: ClientFactory):
    laptop = await started(engines(await make_profile("alice", "laptop", create=True)))
    phone_profile = await make_profile("alice", "phone")
    bob = await clients.register("bob")
    await laptop.open_direct("bob")

    devices = await laptop.list_devices()
    assert [(d.name, d.current) for d in devices] == [("laptop", True), ("phone", False)]
    assert all(isinstance(d, DeviceView) and d.created > 0 for d in devices)

    await laptop.revoke_device(phone_profile.device_id)
    assert [d.name for d in await laptop.list_devices()] == ["laptop"]

    [seen] = await laptop.presence(["Bob"])
    assert (seen.user, seen.state) == ("bob", "online")
    everyone = await laptop.presence()
    assert {p.user for p in everyone} >= {"bob"}
    await bob.conn.close()
