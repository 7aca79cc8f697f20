"""Display names in the client core, against a real server: set on one device, cleared and
refused there; the other member's engine learns them with the chat and as they change, a
device that was away learns them from its snapshot, and a cache from before them gets
their table."""

import sqlite3

import pytest

from desktop.cache.store import Cache
from desktop.core.events import PeopleChanged
from desktop.core.notify_policy import NotificationPolicy
from desktop.core.people import DisplayNamesUnavailable
from shared.errors import ProtocolError
from shared.protocol import OpenDirect, Send, UpdateSettings
from syncserver.handlers import accounts
from tests.desktop.test_engine import started, until
from tests.support import ClientFactory, new_id


async def test_the_other_member_learns_a_display_name_and_its_changes(
    make_profile, engines, clients: ClientFactory
) -> None:
    alice = await started(engines(await make_profile("alice", "laptop", create=True)))
    bob_profile = await make_profile("bob", "laptop", create=True)
    bob = await started(engines(bob_profile))
    assert alice.display_names_available and alice.display_name == ""
    assert await alice.set_display_name("  Alice Liddell ") == "Alice Liddell"
    channel = (await bob.open_direct("alice")).id
    await until(lambda: bob.shown_name("alice") == "Alice Liddell")
    assert bob.shown_name("bob") == "bob"  # none set: shown by user name
    changes: list[PeopleChanged] = []
    bob.subscribe(lambda e: changes.append(e) if isinstance(e, PeopleChanged) else None)

    await alice.set_display_name("앨리스")
    await until(lambda: bob.shown_name("alice") == "앨리스")
    assert PeopleChanged(frozenset({"alice"})) in changes
    await bob.stop()
    await alice.set_display_name("")  # cleared while Bob is away
    assert alice.display_name == "" and alice.shown_name("alice") == "alice"

    again = await started(engines(bob_profile))
    await until(lambda: again.shown_name("alice") == "alice")
    assert again.cache.channel(channel) is not None


async def test_the_users_other_device_and_a_new_one_show_their_own_name(
    make_profile, engines, clients: ClientFactory
) -> None:
    laptop = await started(engines(await make_profile("alice", "laptop", create=True)))
    phone = await started(engines(await make_profile("alice", "phone")))
    await laptop.set_display_name("Alice")
    await until(lambda: phone.display_name == "Alice")
    tablet = await started(engines(await make_profile("alice", "tablet")))
    assert tablet.display_name == "Alice"


async def test_a_display_name_breaking_a_rule_is_refused_before_it_is_sent(
    make_profile, engines, clients: ClientFactory
) -> None:
    alice = await started(engines(await make_profile("alice", "laptop", create=True)))
    with pytest.raises(ValueError, match="1 to 64 characters"):
        await alice.set_display_name("x" * 65)
    with pytest.raises(ValueError, match="control characters"):
        await alice.set_display_name("a\tb")
    # The server holds the same rules, for apps that do not check first.
    with pytest.raises(ProtocolError, match="control characters"):
        await alice.request(UpdateSettings(display_name="a\tb"))
    assert alice.display_name == ""


async def test_without_a_server_that_keeps_them_none_can_be_set(
    make_profile, engines, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server of an earlier release, as far as names go: it offers no ``display_names``."""
    monkeypatch.setattr(accounts, "OFFERED_FEATURES", ())
    alice = await started(engines(await make_profile("alice", "laptop", create=True)))
    assert not alice.display_names_available
    with pytest.raises(DisplayNamesUnavailable):
        await alice.set_display_name("Alice")


def test_a_cache_from_before_display_names_gets_their_table(tmp_path) -> None:
    path = tmp_path / "alice.sqlite3"
    Cache.open(path, "alice").close()
    with sqlite3.connect(path) as db:  # what version 5.2 left: no table of people
        db.execute("DROP TABLE person")
        db.execute("PRAGMA user_version = 5002")
    cache = Cache.open(path, "alice")
    try:
        assert cache.people.all() == {}
        assert cache.people.put("bob", "Bobby") and cache.people.display_name("bob") == "Bobby"
    finally:
        cache.close()


async def test_a_notification_is_titled_with_the_senders_display_name(
    make_profile, engines, clients: ClientFactory
) -> None:
    bob = await started(engines(await make_profile("bob", "laptop", create=True)))
    alice = await clients.register("alice")
    await alice.request(UpdateSettings(display_name="Alice Liddell"))
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    await until(lambda: bob.shown_name("alice") == "Alice Liddell")
    titles: list[str] = []
    policy = NotificationPolicy(bob.cache, lambda title, _body, _chat: titles.append(title))
    bob.subscribe(policy.on_event)
    await alice.request(Send(channel=channel, client_id=new_id(), text="hi"))
    await until(lambda: titles == ["Alice Liddell"])
