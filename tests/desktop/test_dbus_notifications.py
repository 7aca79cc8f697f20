"""Notifications over D-Bus, to a real notification server on the test session bus: what a
notification carries, what clicking and answering it do, withdrawing it, and a server that
is missing and turns up later."""

import sys
from collections.abc import Callable, Iterator

import pytest

if not sys.platform.startswith("linux"):
    pytest.skip("the D-Bus notification server is Linux's", allow_module_level=True)

from desktop.platform.dbus_notifications import (
    DESKTOP_ENTRY,
    EXPIRE_DEFAULT,
    DBusNotifications,
)
from desktop.platform.notifications import Notifier
from tests.desktop.heard import ICON, Heard, worked_through
from tests.keyring_session import secret_service  # noqa: F401
from tests.notification_service import (
    NotificationService,
    Sent,
    notification_bus,  # noqa: F401
)


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
def notifier(heard: Heard) -> Iterator[Notifier]:
    n = Notifier(app_icon=ICON, listener=heard, backend=DBusNotifications)
    try:
        yield n
    finally:
        n.close()


def by_body(body: str) -> Callable[[Sent], bool]:
    return lambda sent: sent.body == body


def test_a_notification_carries_icon_timeout_actions_and_desktop_entry(
    bus: NotificationService, notifier: Notifier
):
    notifier.notify("bob", "lunch at 12?", chat=7)

    sent = bus.wait_for_sent(by_body("lunch at 12?"))
    assert sent.summary == "bob"
    assert sent.app_icon == str(ICON) and ICON.is_file()
    assert sent.expire_timeout == EXPIRE_DEFAULT != 0  # the server's timeout, not "never"
    assert sent.actions == ["default", "Open", "inline-reply", "Reply"]
    assert sent.hints["desktop-entry"] == ("s", DESKTOP_ENTRY)
    assert sent.replaces_id == 0


def test_a_chat_replaces_its_own_notification_only(bus: NotificationService, notifier: Notifier):
    notifier.notify("bob", "first", chat=1)
    notifier.notify("carol", "other chat", chat=2)
    notifier.notify("bob", "second", chat=1)

    first = bus.wait_for_sent(by_body("first"))
    other = bus.wait_for_sent(by_body("other chat"))
    second = bus.wait_for_sent(by_body("second"))
    assert other.replaces_id == 0 and other.id != first.id
    assert second.replaces_id == first.id


def test_clicking_and_answering_reach_the_listener_with_the_chat(
    bus: NotificationService, notifier: Notifier, heard: Heard
):
    notifier.notify("bob", "are you there?", chat=3)
    sent = bus.wait_for_sent(by_body("are you there?"))

    bus.click(sent.id)
    heard.wait(lambda: heard.opened == [3])
    bus.reply(sent.id, "안녕, yes")
    heard.wait(lambda: heard.replies == [(3, "안녕, yes")])


def test_a_click_carries_the_activation_token_the_server_sent_just_before_it(
    bus: NotificationService, notifier: Notifier, heard: Heard
):
    notifier.notify("bob", "come and look", chat=3)
    sent = bus.wait_for_sent(by_body("come and look"))

    bus.click(sent.id, activation_token="wayland-token-1")
    heard.wait(lambda: heard.opened == [3])
    assert heard.activations == ["wayland-token-1"]
    # A token is spent by the signal it came with: a reply's is not kept for a later click.
    bus.reply(sent.id, "on my way", activation_token="wayland-token-2")
    heard.wait(lambda: heard.replies == [(3, "on my way")])
    bus.click(sent.id)
    heard.wait(lambda: heard.opened == [3, 3])
    assert heard.activations == ["wayland-token-1", None]


def test_a_signal_from_anyone_but_the_server_is_ignored(
    bus: NotificationService, notifier: Notifier, heard: Heard
):
    notifier.notify("bob", "answer me", chat=4)
    sent = bus.wait_for_sent(by_body("answer me"))
    bus.forge(sent, "NotificationReplied", "forged")
    bus.forge(sent, "ActivationToken", "forged-token")
    bus.click(sent.id)  # the server's own click, with no token of its own

    heard.wait(lambda: heard.opened == [4])
    assert heard.replies == []
    assert heard.activations == [None]


def test_withdrawing_closes_the_chats_notification(bus: NotificationService, notifier: Notifier):
    notifier.notify("bob", "read me", chat=5)
    sent = bus.wait_for_sent(by_body("read me"))

    notifier.withdraw(5)
    bus.wait_closed(sent.id)
    notifier.withdraw(5)  # nothing of that chat left on screen: no second close
    notifier.notify("carol", "after", chat=6)
    bus.wait_for_sent(by_body("after"))
    assert bus.closed == [sent.id]


def test_a_missing_server_is_reported_once_and_one_started_later_is_used(
    bus: NotificationService, notifier: Notifier, heard: Heard
):
    with bus.absent():
        notifier.notify("bob", "nobody to show it", chat=1)
        heard.wait(lambda: heard.service == [False])
        notifier.notify("carol", "still nobody", chat=2)
        worked_through(notifier)
        assert heard.service == [False]
        assert not notifier.available

    heard.wait(lambda: heard.service == [False, True])
    notifier.notify("dave", "the server is back", chat=3)
    assert bus.wait_for_sent(by_body("the server is back")).summary == "dave"
    assert notifier.available
    assert [c.body for c in bus.calls] == ["the server is back"]
