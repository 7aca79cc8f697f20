"""Quiet hours, kept on the server with the account's settings: a schedule set on one device
reaches the user's other devices at once (a push) and later ones in their welcome; it
changes only as a whole, and a schedule that is not one is refused."""

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    FEATURE_QUIET_HOURS,
    AccountSettings,
    QuietHours,
    SettingsPush,
    UpdateSettings,
)
from tests.support import ClientFactory

WEEKDAYS = 0b0011111
NIGHTS = QuietHours(on=True, start=22 * 60, end=7 * 60, days=WEEKDAYS)


async def test_quiet_hours_reach_the_other_devices_and_later_ones(clients: ClientFactory) -> None:
    laptop = await clients.register("alice")
    phone = await clients.login("alice", "phone")
    assert FEATURE_QUIET_HOURS in laptop.welcome.features
    assert laptop.welcome.settings == AccountSettings()  # none set: nothing more is sent

    reply = await laptop.request(UpdateSettings(quiet_hours=NIGHTS))
    assert reply.settings == AccountSettings(quiet_hours=NIGHTS)
    pushed = await phone.wait_push(lambda p: isinstance(p, SettingsPush))
    assert isinstance(pushed, SettingsPush) and pushed.settings.quiet_hours == NIGHTS

    # Other settings leave the schedule as it is, and it leaves them.
    await phone.request(UpdateSettings(mentions_when_muted=False))
    tablet = await clients.login("alice", "tablet")
    expected = AccountSettings(mentions_when_muted=False, quiet_hours=NIGHTS)
    assert tablet.welcome.settings == expected

    # Turned off, it keeps its hours for when it is turned on again.
    paused = QuietHours(on=False, start=NIGHTS.start, end=NIGHTS.end, days=WEEKDAYS)
    await tablet.request(UpdateSettings(quiet_hours=paused))
    await laptop.wait_push(
        lambda p: isinstance(p, SettingsPush) and p.settings.quiet_hours == paused
    )
    again = await clients.login("alice", "desktop")
    assert again.welcome.settings is not None and again.welcome.settings.quiet_hours == paused

    # Back at the defaults, the settings say nothing of it.
    back = await laptop.request(UpdateSettings(quiet_hours=QuietHours()))
    assert back.settings == AccountSettings(mentions_when_muted=False)


async def test_the_same_schedule_again_pushes_nothing(clients: ClientFactory) -> None:
    laptop = await clients.register("alice")
    phone = await clients.login("alice", "phone")
    await laptop.request(UpdateSettings(quiet_hours=NIGHTS))
    await phone.wait_push(lambda p: isinstance(p, SettingsPush))
    await laptop.request(UpdateSettings(quiet_hours=NIGHTS))
    await laptop.request(UpdateSettings(read_receipts=False))  # a push that does come
    await phone.wait_push(lambda p: isinstance(p, SettingsPush) and not p.settings.read_receipts)
    pushed = [p for p in phone.pushes if isinstance(p, SettingsPush)]
    assert [p.settings.quiet_hours for p in pushed] == [NIGHTS, NIGHTS]  # one each, no more


@pytest.mark.parametrize(
    ("schedule", "where"),
    [
        (QuietHours(on=True, start=24 * 60), "`quiet_hours.start`"),
        (QuietHours(on=True, end=-1), "`quiet_hours.end`"),
        (QuietHours(on=True, days=0b10000000), "`quiet_hours.days`"),
    ],
)
async def test_a_schedule_that_is_not_one_is_refused(
    clients: ClientFactory, schedule: QuietHours, where: str
) -> None:
    """Structs are not checked when made: the server reads what this one sends."""
    alice = await clients.register("alice")
    with pytest.raises(ProtocolError) as refused:
        await alice.request(UpdateSettings(quiet_hours=schedule))
    assert refused.value.code == ErrorCode.BAD_REQUEST and where in refused.value.message
    assert (await alice.request(UpdateSettings())).settings.quiet_hours is None
