"""Quiet hours in the client core, against a real server: set on one device they reach the
account's other devices (and quiet their notification policies), reach a device that was
away, and stay on the device with a server that does not keep them."""

import datetime as dt

import pytest

from desktop.core.quiet import Quiet
from shared.protocol import FEATURE_LIFECYCLE, FEATURE_MUTE, FEATURE_RECEIPTS, QuietHours
from syncserver.handlers import accounts
from tests.desktop.test_do_not_disturb import Listening, alice_twice
from tests.desktop.test_engine import started, until
from tests.support import ClientFactory

ALL_NIGHT = QuietHours(on=True, start=22 * 60, end=7 * 60)


def in_the_night(listening: Listening) -> None:
    """Move the policy's clock to the next 23:00, this computer's time."""
    now = dt.datetime.fromtimestamp(listening.wall / 1000)
    night = now.replace(hour=23, minute=0, second=0, microsecond=0)
    listening.wall = int(
        (night if night > now else night + dt.timedelta(days=1)).timestamp() * 1000
    )


async def test_quiet_hours_set_on_the_laptop_quiet_the_phone_at_night(
    make_profile, engines, clients: ClientFactory
) -> None:
    laptop, phone, bob, channel = await alice_twice(make_profile, engines, clients)
    listening = Listening(phone)
    in_the_night(listening)
    assert await listening.hears(bob, channel, "no schedule yet")

    quiet = await laptop.set_quiet_hours(ALL_NIGHT)
    assert quiet.hours == ALL_NIGHT and quiet.hours_on_server
    await until(lambda: phone.quiet.hours == ALL_NIGHT)
    assert phone.settings is not None and phone.settings.quiet_hours == ALL_NIGHT
    assert not await listening.hears(bob, channel, "at night")
    listening.wall += 9 * 3_600_000  # 08:00 the next morning
    assert await listening.hears(bob, channel, "in the morning")

    paused = QuietHours(on=False, start=ALL_NIGHT.start, end=ALL_NIGHT.end)
    await phone.set_quiet_hours(paused)
    await until(lambda: laptop.quiet.hours == paused)
    in_the_night(listening)
    assert await listening.hears(bob, channel, "turned off")


async def test_a_device_that_was_away_learns_the_quiet_hours(
    make_profile, engines, clients: ClientFactory
) -> None:
    laptop = await started(engines(await make_profile("alice", "laptop", create=True)))
    phone_profile = await make_profile("alice", "phone")
    phone = await started(engines(phone_profile))
    await phone.stop()
    await laptop.set_quiet_hours(ALL_NIGHT)
    again = await started(engines(phone_profile))
    assert again.quiet == Quiet(on_server=True, hours=ALL_NIGHT, hours_on_server=True)


async def test_with_a_server_that_keeps_none_they_stay_on_the_device(
    make_profile, engines, clients: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server of the release before quiet hours: it keeps do not disturb, not them (it
    would refuse the field, so none is sent)."""
    monkeypatch.setattr(
        accounts, "OFFERED_FEATURES", (FEATURE_LIFECYCLE, FEATURE_RECEIPTS, FEATURE_MUTE)
    )
    laptop, phone, bob, channel = await alice_twice(make_profile, engines, clients)
    listening = Listening(phone)
    in_the_night(listening)
    quiet = await laptop.set_quiet_hours(ALL_NIGHT)
    assert quiet.hours == ALL_NIGHT and quiet.on_server and not quiet.hours_on_server
    assert await listening.hears(bob, channel, "the phone still hears")
    assert phone.quiet.hours == QuietHours()
    await phone.set_quiet_hours(ALL_NIGHT)
    assert not await listening.hears(bob, channel, "now it is quiet here")
    await laptop.set_mentions_when_muted(False)  # the server's settings keep this device's
    await until(lambda: not phone.quiet.mentions_when_muted)
    assert phone.quiet.hours == ALL_NIGHT
