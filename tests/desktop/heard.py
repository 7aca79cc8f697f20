"""What notifier tests share, whatever the backend: a listener that records what it is told,
and a way to wait for the notifier's worker."""

import threading
from collections.abc import Callable
from pathlib import Path

from desktop.platform.notifications import Notifier
from tests.support import WAIT

ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "tidings-128.png"


class Heard:
    """A notification listener that records what it is told, for tests to wait on."""

    def __init__(self) -> None:
        self.opened: list[int] = []
        self.activations: list[str | None] = []  # the token of each click, by index
        self.replies: list[tuple[int, str]] = []
        self.service: list[bool] = []
        self._changed = threading.Condition()

    def chat_opened(self, chat: int, activation: str | None = None) -> None:
        with self._changed:
            self.activations.append(activation)
        self._add(self.opened, chat)

    def reply_written(self, chat: int, text: str) -> None:
        self._add(self.replies, (chat, text))

    def service_changed(self, available: bool) -> None:
        self._add(self.service, available)

    def wait(self, condition: Callable[[], bool]) -> None:
        with self._changed:
            assert self._changed.wait_for(condition, WAIT), "the listener was not told in time"

    def _add(self, items: list, item: object) -> None:
        with self._changed:
            items.append(item)
            self._changed.notify_all()


def worked_through(notifier: Notifier) -> None:
    """Wait until the worker has done everything queued so far."""
    done = threading.Event()
    notifier._post(done.set)  # a job of our own, queued behind the others
    assert done.wait(WAIT)
