"""Do not disturb and muted chats in the client core, against a real server: turned on on
one device, they quiet the account's other devices (their notification policies), come
back when they end or are turned off, reach a device that was away, and stay on the device
with a server that does not keep them."""

import sqlite3

import pytest

from desktop.cache.store import Cache
from desktop.core.engine import SyncEngine
from desktop.core.notify_policy import BURST_WINDOW, NotificationPolicy
from desktop.core.quiet import Quiet, now_ms
from shared.protocol import UNTIL_TURNED_OFF, ChannelInfo, OpenDirect, Send
from syncserver.handlers import accounts
from tests.desktop.test_engine import started, until
from tests.support import ClientFactory, TestClient, new_id

HOUR_MS = 3_600_000


class Listening:
    """A device's notification policy, with a clock for bursts and one for the time of day
    that the test moves, and what it showed."""

    def __init__(self, engine: SyncEngine) -> None:
        self.engine = engine
        self.clock = 0.0
        self.wall = now_ms()
        self.shown: list[str] = []
        self.seen: list[str] = []  # every message that reached the policy
        self.policy = NotificationPolicy(
            engine.cache,
            lambda _title, body, _chat: self.shown.append(body),
            clock=self._tick,
            wall=lambda: self.wall,
        )
        engine.subscribe(self.policy.on_event)
        engine.subscribe(self._seen)

    def _tick(self) -> float:
        self.clock += BURST_WINDOW  # every message outside the last one's burst
        return self.clock

    def _seen(self, event) -> None:
        message = getattr(event, "message", None)
        if message is not None and message.kind == "message":
            self.seen.append(message.text)

    async def hears(self, sender: TestClient, channel: int, text: str) -> bool:
        """Whether ``text``, sent now, notified on this device (once it was stored)."""
        await sender.request(Send(channel=channel, client_id=new_id(), text=text))
        await until(lambda: text in self.seen)
        return text in self.shown


async def alice_twice(make_profile, engines, clients: ClientFactory):
    """Alice's laptop and phone, Bob as a protocol client, and their direct chat."""
    laptop = await started(engines(await make_profile("alice", "laptop", create=True)))
    phone = await started(engines(await make_profile("alice", "phone")))
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel.id
    await until(lambda: all(e.cache.channel(channel) is not None for e in (laptop, phone)))
    return laptop, phone, bob, channel


async def test_do_not_disturb_on_the_laptop_quiets_the_phone_until_it_ends(
    make_profile, engines, clients: ClientFactory
) -> None:
    laptop, phone, bob, channel = await alice_twice(make_profile, engines, clients)
    listening = Listening(phone)
    assert phone.quiet == Quiet(on_server=True, hours_on_server=True)
    assert await listening.hears(bob, channel, "before")

    hour_from_now = listening.wall + HOUR_MS
    assert (await laptop.set_do_not_disturb(hour_from_now)).dnd_until == hour_from_now
    await until(lambda: phone.quiet.dnd_until == hour_from_now)
    assert not await listening.hears(bob, channel, "during the hour")
    listening.wall += HOUR_MS  # the hour is over: nobody turned it off
    assert await listening.hears(bob, channel, "after the hour")

    await phone.set_do_not_disturb(UNTIL_TURNED_OFF)
    await until(lambda: laptop.quiet.dnd_until == UNTIL_TURNED_OFF)
    listening.wall += 1000 * HOUR_MS
    assert not await listening.hears(bob, channel, "much later")
    await laptop.set_do_not_disturb(0)
    await until(lambda: not phone.quiet.dnd_on())
    assert await listening.hears(bob, channel, "turned off")


async def test_a_chat_muted_on_the_laptop_is_quiet_on_the_phone_but_for_mentions(
    make_profile, engines, clients: ClientFactory
) -> None:
    laptop, phone, bob, channel = await alice_twice(make_profile, engines, clients)
    listening = Listening(phone)
    muted = await laptop.mute_chat(channel, UNTIL_TURNED_OFF)
    assert muted.muted and muted.muted_until == UNTIL_TURNED_OFF
    await until(lambda: phone.cache.channel(channel).muted)
    assert not await listening.hears(bob, channel, "chatter")
    assert await listening.hears(bob, channel, "hey @alice")

    await laptop.set_mentions_when_muted(False)
    await until(lambda: not phone.quiet.mentions_when_muted)
    assert not await listening.hears(bob, channel, "again @alice")

    await phone.mute_chat(channel, 0)
    await until(lambda: not laptop.cache.channel(channel).muted)
    assert await listening.hears(bob, channel, "unmuted")


async def test_a_device_that_was_away_and_a_new_one_learn_what_is_quiet(
    make_profile, engines, clients: ClientFactory
) -> None:
    laptop = await started(engines(await make_profile("alice", "laptop", create=True)))
    phone_profile = await make_profile("alice", "phone")
    phone = await started(engines(phone_profile))
    tablet_profile = await make_profile("alice", "tablet")  # signed in, not started yet
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel.id
    await until(lambda: phone.cache.channel(channel) is not None)
    await phone.stop()
    hour_from_now = now_ms() + HOUR_MS
    await laptop.mute_chat(channel, hour_from_now)
    await laptop.set_do_not_disturb(UNTIL_TURNED_OFF)

    # The phone comes back to its cache; the tablet starts one from the channel list.
    for profile in (phone_profile, tablet_profile):
        engine = await started(engines(profile))
        chat = engine.cache.channel(channel)
        assert chat is not None and chat.muted_until == hour_from_now
        assert engine.quiet == Quiet(
            dnd_until=UNTIL_TURNED_OFF, on_server=True, hours_on_server=True
        )


async def test_with_a_server_that_keeps_none_they_stay_on_the_device(
    make_profile, engines, clients: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server of an earlier release, as far as quiet goes: it offers no ``mute``."""
    monkeypatch.setattr(accounts, "OFFERED_FEATURES", ())
    laptop, phone, bob, channel = await alice_twice(make_profile, engines, clients)
    listening = Listening(phone)
    quiet = await laptop.set_do_not_disturb(UNTIL_TURNED_OFF)
    assert quiet == Quiet(dnd_until=UNTIL_TURNED_OFF, on_server=False)
    await laptop.mute_chat(channel, UNTIL_TURNED_OFF)
    assert await listening.hears(bob, channel, "the phone still hears")
    assert phone.quiet == Quiet() and not phone.cache.channel(channel).muted
    await phone.mute_chat(channel, UNTIL_TURNED_OFF)
    assert not await listening.hears(bob, channel, "now it is muted here")


def test_a_chat_muted_by_cache_5_0_stays_muted_until_unmuted(tmp_path) -> None:
    path = tmp_path / "alice.sqlite3"
    cache = Cache.open(path, "alice")
    for channel_id in (1, 2):
        cache.apply_channel(
            ChannelInfo(id=channel_id, kind="group", name=f"g{channel_id}", members=["alice"],
                        owner="alice", last_seq=0, read_seq=0)
        )  # fmt: skip
    cache.close()
    with sqlite3.connect(path) as db:  # what version 5.0 left: a flag, no time
        db.execute("ALTER TABLE channel DROP COLUMN muted_until")
        db.execute("UPDATE channel SET muted = 1 WHERE id = 1")
        db.execute("PRAGMA user_version = 5000")
    cache = Cache.open(path, "alice")
    try:
        assert cache.mutes() == {1: UNTIL_TURNED_OFF}
        assert cache.set_muted_until(1, 0) and cache.mutes() == {}
    finally:
        cache.close()
