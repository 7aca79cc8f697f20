"""What a notification backend is given and must do: the shared vocabulary of the notifier
(desktop/platform/notifications.py) and its backends (D-Bus, Windows toasts, plyer).

A backend lives on the notifier's worker thread: every method is called there, one at a
time, so a backend keeps its state without locks. What the user does with a notification
reaches the app through a ``NotificationListener``, also called on that thread.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

Job = Callable[[], None]  # work for the notifier's worker thread


@dataclass(frozen=True)
class Labels:
    """The words a notification's buttons show, translated by the app (no Qt here)."""

    open: str = "Open"
    reply: str = "Reply"
    send: str = "Send"


@dataclass(frozen=True)
class Identity:
    """Who notifies: the app's name, its icon file, and the labels of its actions."""

    app_name: str = "Tidings"
    app_icon: Path | None = None
    labels: Labels = Labels()


@dataclass(frozen=True)
class Note:
    """One notification: its title and (already cut) body, and the chat it is about, if any.
    A chat's notifications replace each other, open that chat, and take its replies."""

    title: str
    body: str
    chat: int | None = None


class NotificationListener(Protocol):
    """What the user did with notifications, and whether they can be shown at all. Called on
    the notifier's worker thread: hand the call over to the thread that acts on it."""

    def chat_opened(self, chat: int, activation: str | None = None) -> None:
        """The user clicked a notification about chat. ``activation``: the token that lets
        the window take the focus (an xdg-activation token on Wayland), where the system
        gave one with the click."""

    def reply_written(self, chat: int, text: str) -> None:
        """The user answered a notification about chat from the notification itself."""

    def service_changed(self, available: bool) -> None:
        """Notifications can no longer be shown (False), or can again (True)."""


class QuietListener:
    """A listener that ignores everything: for a notifier whose notifications lead nowhere."""

    def chat_opened(self, chat: int, activation: str | None = None) -> None:
        """Nothing to open."""

    def reply_written(self, chat: int, text: str) -> None:
        """Nowhere to send it."""

    def service_changed(self, available: bool) -> None:
        """No one to tell."""


class Backend(Protocol):
    """One way of showing notifications; used only on the notifier's worker thread."""

    @property
    def available(self) -> bool:
        """False while notifications cannot be shown (as far as the backend can tell)."""

    def show(self, note: Note) -> None:
        """Show note, replacing the one on screen for its chat."""

    def withdraw(self, chat: int) -> None:
        """Take the chat's notification off the screen, where the system allows it."""

    def close(self) -> None:
        """Let go of what the backend holds (a bus connection)."""


BackendFactory = Callable[[Identity, NotificationListener, Callable[[Job], None]], Backend]
"""Makes a backend on the worker thread, given who notifies, whom to tell what the user did,
and a way to run a job on the worker later (for events the backend receives elsewhere)."""
