"""Which messages interrupt the user: the policy alone, on a real cache, with a test clock."""

from pathlib import Path

import pytest

from desktop.cache.store import Cache
from desktop.core.events import MessageAdded, UnreadChanged
from desktop.core.notify_policy import BURST_WINDOW, NotificationPolicy
from desktop.core.notify_prefs import NotifyPrefs
from desktop.core.quiet import DND_UNTIL, MENTIONS_WHEN_MUTED
from shared.protocol import (
    UNTIL_TURNED_OFF,
    Attachment,
    ChannelInfo,
    ChannelKind,
    Event,
    Mention,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Wall:
    """The time of day, in ms since the epoch, as the test sets it."""

    def __init__(self) -> None:
        self.now = 1_700_000_000_000

    def __call__(self) -> int:
        return self.now


def dnd(cache: Cache, until: int, mentions_when_muted: bool = True) -> None:
    """Do not disturb as the engine stores it (``desktop.core.quiet``)."""
    cache.set_setting(DND_UNTIL, str(until))
    cache.set_setting(MENTIONS_WHEN_MUTED, "1" if mentions_when_muted else "0")


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def chimes() -> list[str]:
    """The sounds made, each as the body of the notification it came with."""
    return []


@pytest.fixture
def setup(tmp_path: Path, wall: Wall, chimes: list[str]):
    cache = Cache.open(tmp_path / "alice.sqlite3", "alice")
    chats: list[tuple[int, ChannelKind, str]] = [(1, "direct", ""), (2, "group", "Trip")]
    for channel_id, kind, name in chats:
        cache.apply_channel(
            ChannelInfo(
                id=channel_id,
                kind=kind,
                name=name,
                members=["alice", "bob"],
                owner=None,
                last_seq=0,
                read_seq=0,
            )
        )
    shown: list[tuple[str, str]] = []
    withdrawn: list[int] = []
    clock = Clock()
    policy = NotificationPolicy(
        cache,
        lambda title, body, _chat: shown.append((title, body)),
        withdrawn.append,
        clock,
        chime=lambda: chimes.append(shown[-1][1]),
        hidden_body="(hidden)",
        wall=wall,
    )
    seq = {1: 0, 2: 0}

    def arrive(
        channel: int,
        text: str,
        sender: str = "bob",
        filled: bool = False,
        mentions: list[Mention] | None = None,
        files: tuple[Attachment, ...] = (),
    ) -> None:
        seq[channel] += 1
        event = Event(
            channel=channel,
            seq=seq[channel],
            pos=seq[channel],
            kind="message",
            sender=sender,
            ts=1,
            text=text,
            mentions=tuple(mentions or ()),
            attachments=files,
        )
        [message] = cache.apply_events([event]).messages
        policy.on_event(MessageAdded(message, filled))

    yield cache, policy, shown, clock, arrive, withdrawn
    cache.close()


def test_bursts_own_on_screen_dnd_muted_and_read(setup) -> None:
    cache, policy, shown, clock, arrive, _ = setup
    arrive(1, "hi")
    arrive(1, "are you there?")  # same chat within the burst window: folded
    arrive(2, "group news")  # another chat: its own notification, titled with the group
    assert shown == [("bob", "hi"), ("bob · Trip", "group news")]
    clock.now += BURST_WINDOW
    arrive(1, "x" * 500)
    assert shown[-1] == ("bob", "x" * 199 + "…")
    clock.now += BURST_WINDOW
    arrive(1, "mine", sender="alice")
    policy.on_screen = 1
    arrive(1, "seen as it comes")
    policy.on_screen = None
    dnd(cache, UNTIL_TURNED_OFF)
    arrive(1, "quiet please")
    dnd(cache, 0)
    cache.set_muted_until(1, UNTIL_TURNED_OFF)
    arrive(1, "muted")
    cache.set_muted_until(1, 0)
    cache.apply_read(1, 99)  # another device read ahead
    arrive(1, "already read")
    assert len(shown) == 3
    cache.apply_read(1, 0)
    arrive(2, "after all that")
    assert shown[-1] == ("bob · Trip", "after all that")


def test_a_message_with_files_says_what_it_carries(setup) -> None:
    _, _, shown, clock, arrive, _ = setup
    plan = Attachment(sha256="a" * 64, size=3, name="plan.pdf")
    map_ = Attachment(sha256="b" * 64, size=4, name="map.png", mime="image/png")
    arrive(1, "", files=(plan, map_))  # no caption: the files are all it says
    clock.now += BURST_WINDOW
    arrive(1, "see this", files=(plan,))
    assert shown == [("bob", "📎 plan.pdf, map.png"), ("bob", "see this\n📎 plan.pdf")]


def test_old_messages_filling_a_hole_do_not_notify(setup) -> None:
    _, _, shown, _, arrive, _ = setup
    arrive(2, "from while you were away", filled=True)
    assert shown == []
    arrive(2, "new")
    assert shown == [("bob · Trip", "new")]


def test_a_mention_notifies_in_a_muted_chat(setup) -> None:
    cache, _policy, shown, _, arrive, _ = setup
    cache.set_muted_until(2, UNTIL_TURNED_OFF)
    arrive(2, "muted chatter")
    arrive(2, "hi @carol", mentions=[Mention(user="carol", start=3, end=9)])
    assert shown == []
    arrive(2, "hi @alice", mentions=[Mention(user="alice", start=3, end=9)])
    assert shown == [("bob · Trip", "hi @alice")]
    dnd(cache, UNTIL_TURNED_OFF)  # do not disturb means it, mentions included
    arrive(1, "@alice again", mentions=[Mention(user="alice", start=0, end=6)])
    assert len(shown) == 1


def test_reading_a_chat_past_its_notification_withdraws_it(setup) -> None:
    _, policy, shown, clock, arrive, withdrawn = setup
    arrive(1, "one")  # seq 1: shown
    arrive(1, "two")  # seq 2: folded into the burst, so the notification still shows seq 1
    arrive(2, "group news")  # seq 1 of chat 2
    policy.on_event(UnreadChanged(channel=1, unread=2, read_seq=0))  # nothing read yet
    policy.on_event(UnreadChanged(channel=3, unread=0, read_seq=9))  # a chat never notified
    assert withdrawn == []
    policy.on_event(UnreadChanged(channel=1, unread=1, read_seq=1, read_elsewhere=True))
    assert withdrawn == [1]
    policy.on_event(UnreadChanged(channel=1, unread=0, read_seq=2))  # already withdrawn
    assert withdrawn == [1]
    clock.now += BURST_WINDOW
    arrive(1, "three")  # seq 3: a new notification, withdrawn in turn once read here
    policy.on_event(UnreadChanged(channel=1, unread=0, read_seq=3))
    assert withdrawn == [1, 1]
    assert len(shown) == 3


def test_a_mention_stays_quiet_in_a_muted_chat_when_the_account_says_so(setup) -> None:
    cache, _, shown, _clock, arrive, _ = setup
    dnd(cache, 0, mentions_when_muted=False)
    cache.set_muted_until(2, UNTIL_TURNED_OFF)
    arrive(2, "hi @alice", mentions=[Mention(user="alice", start=3, end=9)])
    assert shown == []
    arrive(1, "hi @alice", mentions=[Mention(user="alice", start=3, end=9)])
    assert shown == [("bob", "hi @alice")]  # only muted chats keep mentions quiet


def test_do_not_disturb_and_a_mute_for_an_hour_end_by_themselves(setup, wall: Wall) -> None:
    cache, _, shown, clock, arrive, _ = setup
    hour = 3_600_000
    dnd(cache, wall.now + hour)
    cache.set_muted_until(2, wall.now + 2 * hour)
    arrive(1, "during the hour")
    wall.now += hour
    arrive(1, "after the hour")
    arrive(2, "still muted")
    wall.now += hour
    clock.now += BURST_WINDOW
    arrive(2, "after two hours")
    assert shown == [("bob", "after the hour"), ("bob · Trip", "after two hours")]


def test_this_devices_choices(setup, chimes: list[str]) -> None:
    _cache, policy, shown, clock, arrive, _ = setup
    arrive(1, "with a chime")
    policy.prefs = NotifyPrefs(enabled=True, preview=False, sound=False)
    arrive(2, "private words")
    assert shown == [("bob", "with a chime"), ("bob · Trip", "(hidden)")]
    assert chimes == ["with a chime"]
    policy.prefs = NotifyPrefs(enabled=False)
    clock.now += BURST_WINDOW
    arrive(1, "not shown")
    assert len(shown) == 2
