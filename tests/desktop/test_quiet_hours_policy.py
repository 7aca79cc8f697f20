"""Quiet hours in the notification policy, on a real cache, with the policy's clocks: the
time of day (``wall``) the test sets and the time zone it is read in (``zone``)."""

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import pytest

from desktop.cache.store import Cache
from desktop.core.events import MessageAdded
from desktop.core.notify_policy import BURST_WINDOW, NotificationPolicy
from desktop.core.quiet import QUIET_HOURS
from desktop.core.quiet_hours import next_change, quiet_until
from shared.protocol import ChannelInfo, Event, Mention, QuietHours

SEOUL = dt.timezone(dt.timedelta(hours=9))
LISBON = dt.UTC
MON, TUE, WED, THU, FRI, SAT, SUN = (1 << day for day in range(7))
WEEKDAYS = MON | TUE | WED | THU | FRI
NIGHTS = QuietHours(on=True, start=22 * 60, end=7 * 60, days=WEEKDAYS)  # from 22:00 to 07:00


def at(day: int, hour: int, minute: int = 0, zone: dt.tzinfo = SEOUL) -> int:
    """Ms since the epoch at a wall-clock time of December 2026 in ``zone`` (the 7th is a
    Monday)."""
    return int(dt.datetime(2026, 12, day, hour, minute, tzinfo=zone).timestamp() * 1000)


class Device:
    """A cache with one chat, and a policy reading it in ``zone`` at ``self.wall``."""

    def __init__(self, path: Path, zone: dt.tzinfo) -> None:
        self.cache = Cache.open(path, "alice")
        self.cache.apply_channel(
            ChannelInfo(id=1, kind="direct", name="", members=["alice", "bob"], owner=None,
                        last_seq=0, read_seq=0)
        )  # fmt: skip
        self.wall = 0
        self.clock = 0.0
        self.shown: list[str] = []
        self.policy = NotificationPolicy(
            self.cache,
            lambda _title, body, _chat: self.shown.append(body),
            clock=self._tick,
            wall=lambda: self.wall,
            zone=zone,
        )
        self.seq = 0

    def _tick(self) -> float:
        self.clock += BURST_WINDOW  # no message is folded into the one before
        return self.clock

    def hears(self, when: int, text: str = "hi", mentions_me: bool = False) -> bool:
        """Whether a message from Bob arriving at ``when`` notifies."""
        self.wall = when
        self.seq += 1
        mentions = (Mention(user="alice", start=0, end=6),) if mentions_me else ()
        event = Event(channel=1, seq=self.seq, pos=self.seq, kind="message", sender="bob",
                      ts=1, text=text, mentions=mentions)  # fmt: skip
        [message] = self.cache.apply_events([event]).messages
        before = len(self.shown)
        self.policy.on_event(MessageAdded(message, False))
        return len(self.shown) > before

    def schedule(self, hours: QuietHours) -> None:
        """Quiet hours as the engine stores them (``desktop.core.quiet``)."""
        self.cache.set_setting(QUIET_HOURS, msgspec.json.encode(hours).decode())


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Callable[..., Device]]:
    made: list[Device] = []

    def make(zone: dt.tzinfo = SEOUL) -> Device:
        made.append(Device(tmp_path / f"alice{len(made)}.sqlite3", zone))
        return made[-1]

    yield make
    for d in made:
        d.cache.close()


def test_quiet_inside_the_hours_across_midnight_and_loud_outside(device) -> None:
    phone = device()
    phone.schedule(NIGHTS)
    assert phone.hears(at(7, 21, 59))  # Monday evening, before
    assert not phone.hears(at(7, 22, 0))  # Monday night: quiet begins
    assert not phone.hears(at(8, 3, 0))  # past midnight, into Tuesday
    assert not phone.hears(at(8, 6, 59), "hey @alice", mentions_me=True)  # mentions too
    assert phone.hears(at(8, 7, 0))  # Tuesday morning: over


def test_the_days_are_those_the_hours_begin_on(device) -> None:
    phone = device()
    phone.schedule(NIGHTS)
    assert not phone.hears(at(12, 1, 0))  # Friday night's span, on Saturday morning
    assert phone.hears(at(12, 23, 0))  # Saturday night: not a chosen day
    assert phone.hears(at(14, 1, 0))  # Monday before dawn: Sunday's span, not chosen
    assert not phone.hears(at(14, 23, 0))  # Monday night again


def test_off_no_days_and_a_whole_day(device) -> None:
    phone = device()
    phone.schedule(msgspec.structs.replace(NIGHTS, on=False))
    assert phone.hears(at(8, 1, 0))
    phone.schedule(msgspec.structs.replace(NIGHTS, days=0))
    assert phone.hears(at(8, 1, 0))
    whole_sunday = QuietHours(on=True, start=0, end=0, days=SUN)
    phone.schedule(whole_sunday)
    assert phone.hears(at(12, 23, 59))
    assert not phone.hears(at(13, 0, 0)) and not phone.hears(at(13, 23, 59))
    assert phone.hears(at(14, 0, 0))


def test_each_device_keeps_the_hours_in_its_own_time_zone(device) -> None:
    """One schedule, one moment: night in Seoul, afternoon in Lisbon."""
    home, abroad = device(SEOUL), device(LISBON)
    for d in (home, abroad):
        d.schedule(NIGHTS)
    moment = at(8, 23, 0)  # Tuesday 23:00 in Seoul is 14:00 in Lisbon
    assert not home.hears(moment)
    assert abroad.hears(moment)


def test_when_quiet_hours_end_and_next_change() -> None:
    assert quiet_until(NIGHTS, at(8, 3, 0), SEOUL) == at(8, 7, 0)
    assert quiet_until(NIGHTS, at(8, 12, 0), SEOUL) is None
    assert next_change(NIGHTS, at(8, 3, 0), SEOUL) == at(8, 7, 0)  # its end
    assert next_change(NIGHTS, at(8, 12, 0), SEOUL) == at(8, 22, 0)  # the next start
    assert next_change(NIGHTS, at(12, 8, 0), SEOUL) == at(14, 22, 0)  # over the weekend
    assert next_change(msgspec.structs.replace(NIGHTS, on=False), at(8, 3, 0), SEOUL) is None
    assert next_change(msgspec.structs.replace(NIGHTS, days=0), at(8, 3, 0), SEOUL) is None
