"""Windows toasts, with a stand-in for the windows-toasts library: WinRT cannot run on Linux.

The stand-in keeps the library's names and signatures for the part Tidings uses, and plays
Windows' part: it keeps the toasts on screen by tag and group (a toast with the same pair
replaces the one there), removes a group, and clicks a toast by calling its ``on_activated``
from a thread of its own, as WinRT does, with what the library reports: the toast's tag for
a click on the toast itself, a button's arguments for a click on the button, and the text
boxes' contents. What is checked is Tidings' side: the toast it builds, where a click or a
reply goes, what withdrawing removes, and that Windows gets this backend.
"""

import sys
import threading
import types
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from desktop.platform.notification_backend import Identity, Labels, QuietListener
from desktop.platform.notifications import Notifier, system_backend
from desktop.platform.plyer_notifications import PlyerNotifications
from desktop.platform.windows_notifications import APP_ID, WindowsToasts
from tests.desktop.heard import ICON, Heard, worked_through
from tests.support import WAIT

# --- the stand-in for windows-toasts ------------------------------------------------------------


class ToastImagePosition(Enum):
    Inline = ""
    Hero = "hero"
    AppLogo = "appLogoOverride"


@dataclass
class ToastImage:
    path: str  # a file: URI, as the library makes it


@dataclass
class ToastDisplayImage:
    image: ToastImage
    altText: str | None = None
    position: ToastImagePosition = ToastImagePosition.Inline
    circleCrop: bool = False

    @classmethod
    def fromPath(
        cls, imagePath: str | Path, position: ToastImagePosition = ToastImagePosition.Inline
    ) -> "ToastDisplayImage":
        path = Path(imagePath)
        if not path.exists():  # the library raises InvalidImageException
            raise ValueError(f"Image with path '{path}' could not be found")
        return cls(ToastImage(path.absolute().as_uri()), position=position)


@dataclass
class ToastInputTextBox:
    input_id: str
    caption: str = ""
    placeholder: str = ""


@dataclass
class ToastButton:
    content: str = ""
    arguments: str = ""
    image: ToastImage | None = None
    relatedInput: ToastInputTextBox | None = None


@dataclass
class ToastActivatedEventArgs:
    arguments: str | None = None
    inputs: dict[str, str] | None = None


@dataclass
class Toast:
    text_fields: list[str] = field(default_factory=list)
    group: str | None = None
    on_activated: Callable[[ToastActivatedEventArgs], None] | None = None
    actions: list[ToastButton] = field(default_factory=list)
    images: list[ToastDisplayImage] = field(default_factory=list)
    inputs: list[ToastInputTextBox] = field(default_factory=list)
    tag: str = field(default_factory=lambda: str(uuid.uuid4()))


class Screen:
    """What Windows shows, and what it was asked to do."""

    def __init__(self) -> None:
        self.toasters: list[tuple[str, str | None]] = []  # (applicationText, notifierAUMID)
        self.toasts: dict[tuple[str, str], Toast] = {}  # (tag, group) -> the toast shown
        self.removed: list[str] = []  # groups, in order

    def shown(self) -> list[Toast]:
        return list(self.toasts.values())

    def click(self, toast: Toast, arguments: str | None = None, text: str | None = None) -> None:
        """Click the toast, or the button with arguments, with text in its Reply box; WinRT
        calls on_activated on a thread of its own."""
        assert toast.on_activated is not None, "the toast takes no clicks"
        inputs = {box.input_id: text for box in toast.inputs} if text is not None else None
        activation = ToastActivatedEventArgs(arguments or toast.tag, inputs)
        winrt = threading.Thread(target=toast.on_activated, args=(activation,))
        winrt.start()
        winrt.join(WAIT)


class InteractableWindowsToaster:
    def __init__(
        self, screen: Screen, applicationText: str, notifierAUMID: str | None = None
    ) -> None:
        self._screen = screen
        screen.toasters.append((applicationText, notifierAUMID))

    def show_toast(self, toast: Toast) -> None:
        self._screen.toasts[(toast.tag, toast.group or toast.tag)] = toast

    def remove_toast_group(self, toastGroup: str) -> None:
        self._screen.removed.append(toastGroup)
        for key in [k for k in self._screen.toasts if k[1] == toastGroup]:
            del self._screen.toasts[key]


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Screen:
    """Windows, as far as toasts go: the stand-in library is what ``import windows_toasts``
    finds meanwhile."""
    windows = Screen()
    library = types.ModuleType("windows_toasts")
    vars(library).update(
        InteractableWindowsToaster=partial(InteractableWindowsToaster, windows),
        Toast=Toast,
        ToastButton=ToastButton,
        ToastDisplayImage=ToastDisplayImage,
        ToastImagePosition=ToastImagePosition,
        ToastInputTextBox=ToastInputTextBox,
    )
    monkeypatch.setitem(sys.modules, "windows_toasts", library)
    return windows


# --- the tests ---------------------------------------------------------------------------------


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
def notifier(screen: Screen, heard: Heard) -> Iterator[Notifier]:
    labels = Labels(open="열기", reply="답장", send="보내기")
    n = Notifier(app_icon=ICON, labels=labels, listener=heard, backend=WindowsToasts)
    try:
        yield n
    finally:
        n.close()


def toast_of(screen: Screen, body: str) -> Toast:
    [toast] = [t for t in screen.shown() if t.text_fields[1:] == [body]]
    return toast


def test_a_chat_toast_has_the_icon_the_text_and_a_reply_box(screen: Screen, notifier: Notifier):
    notifier.notify("bob", "lunch at 12?", chat=7)
    worked_through(notifier)

    assert screen.toasters == [("Tidings", APP_ID)]
    [toast] = screen.shown()
    assert toast.text_fields == ["bob", "lunch at 12?"]
    [logo] = toast.images
    assert logo.position is ToastImagePosition.AppLogo
    assert logo.image.path == ICON.as_uri() and ICON.is_file()
    assert toast.inputs == [ToastInputTextBox("reply", placeholder="답장")]
    assert toast.actions == [ToastButton("보내기", "send", relatedInput=toast.inputs[0])]
    assert toast.tag == toast.group and toast.group.endswith("-7")


def test_a_toast_about_no_chat_from_an_app_without_an_icon_is_text_alone(screen: Screen):
    notifier = Notifier(app_icon=None, backend=WindowsToasts)
    notifier.notify("New sign-in", "a new device signed in")
    worked_through(notifier)
    notifier.close()

    [toast] = screen.shown()
    assert toast.text_fields == ["New sign-in", "a new device signed in"]
    assert (toast.images, toast.inputs, toast.actions) == ([], [], [])
    assert toast.on_activated is None


def test_a_chats_toast_replaces_its_previous_one_only(screen: Screen, notifier: Notifier):
    notifier.notify("bob", "first", chat=1)
    notifier.notify("carol", "other chat", chat=2)
    worked_through(notifier)
    first = toast_of(screen, "first")
    notifier.notify("bob", "second", chat=1)
    worked_through(notifier)

    assert sorted(t.text_fields[1] for t in screen.shown()) == ["other chat", "second"]
    second = toast_of(screen, "second")
    assert (second.tag, second.group) == (first.tag, first.group)
    assert toast_of(screen, "other chat").group != first.group


def test_a_click_opens_the_chat_and_send_replies_in_it(
    screen: Screen, notifier: Notifier, heard: Heard
):
    notifier.notify("bob", "are you there?", chat=3)
    worked_through(notifier)
    toast = toast_of(screen, "are you there?")

    screen.click(toast)
    heard.wait(lambda: heard.opened == [3])
    screen.click(toast, arguments="send", text="안녕, yes")
    heard.wait(lambda: heard.replies == [(3, "안녕, yes")])
    # A click on the toast itself opens the chat, whatever its Reply box holds.
    screen.click(toast, text="half written")
    heard.wait(lambda: heard.opened == [3, 3])
    worked_through(notifier)
    assert heard.replies == [(3, "안녕, yes")]
    assert heard.activations == [None, None]  # Windows lets a toast's app come forward


def test_send_with_an_empty_box_goes_the_way_of_any_reply(
    screen: Screen, notifier: Notifier, heard: Heard
):
    notifier.notify("bob", "say something", chat=4)
    worked_through(notifier)

    screen.click(toast_of(screen, "say something"), arguments="send", text="")
    # The reply path refuses it, and says so (tests/desktop/ui/test_notification_actions.py).
    heard.wait(lambda: heard.replies == [(4, "")])


def test_withdrawing_removes_the_chats_toast_only(screen: Screen, notifier: Notifier):
    notifier.notify("bob", "read me", chat=5)
    notifier.notify("carol", "not read", chat=6)
    worked_through(notifier)
    read = toast_of(screen, "read me")

    notifier.withdraw(5)
    notifier.withdraw(5)  # none of that chat's left: nothing more to remove
    notifier.withdraw(8)  # a chat that never had one
    worked_through(notifier)
    assert screen.removed == [read.group]
    assert [t.text_fields[1] for t in screen.shown()] == ["not read"]


def test_two_apps_keep_their_chats_apart(screen: Screen, notifier: Notifier):
    # Two profiles run at once, each with a chat numbered 7 (on their own servers).
    other = Notifier(app_icon=ICON, backend=WindowsToasts)
    notifier.notify("bob", "from one server", chat=7)
    other.notify("dave", "from another", chat=7)
    worked_through(notifier)
    worked_through(other)
    assert len(screen.shown()) == 2

    other.withdraw(7)
    worked_through(other)
    other.close()
    assert [t.text_fields[1] for t in screen.shown()] == ["from one server"]


def test_windows_shows_toasts_and_plyer_without_the_library(
    screen: Screen, monkeypatch: pytest.MonkeyPatch
):
    def on_windows() -> Any:
        return system_backend(Identity(), QuietListener(), lambda job: None, platform="win32")

    assert isinstance(on_windows(), WindowsToasts)
    monkeypatch.setitem(sys.modules, "windows_toasts", None)  # not installed, or no WinRT
    assert isinstance(on_windows(), PlyerNotifications)
