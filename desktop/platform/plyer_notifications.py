"""Notifications through plyer: the fallback where nothing better exists (macOS, Windows, a
Linux without a session bus to talk to).

On Linux plyer runs the ``notify-send`` program, which waits for the notification server's
reply; the notifier's worker thread makes that wait harmless. plyer cannot replace, withdraw
or act on a notification. When the system has no usable backend, the first failure is logged
and reported, and later notifications are dropped.

Message text never reaches the log: notifications carry people's private messages.
"""

import contextlib
import logging
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from plyer import notification

from desktop.platform.notification_backend import Identity, Job, Note, NotificationListener

log = logging.getLogger(__name__)

# How long a notification stays up. Only plyer's dbus-python backend passes it on; its
# notify-send backend always asks for an expiry of 0, which servers may take as "never".
DISPLAY_SECONDS = 10

# Serialises the swap of LD_LIBRARY_PATH below across every notifier in the process: each
# swap restores what it saw, so two interleaved swaps could leave the cleaned value behind.
_ENV_LOCK = threading.Lock()


class PlyerNotifications:
    """A notification backend through plyer; gives up for good at its first failure."""

    def __init__(
        self, identity: Identity, listener: NotificationListener, post: Callable[[Job], None]
    ) -> None:
        self._identity = identity
        self._listener = listener
        self._available = True

    @property
    def available(self) -> bool:
        """False once the system proved to have no usable notification backend.

        A failure that plyer does not report (``notify-send`` exiting with an error, say)
        cannot be seen here.
        """
        return self._available

    def show(self, note: Note) -> None:
        """Show note; dropped once a failure showed that nothing can be shown."""
        if not self._available:
            return
        backend: object = None
        try:
            backend = _backend()
            title, message = _for_backend(backend, note.title, note.body)
            with _library_path_for_children():
                notification.notify(
                    title=title,
                    message=message,
                    app_name=self._identity.app_name,
                    app_icon=str(self._identity.app_icon) if self._identity.app_icon else "",
                    timeout=DISPLAY_SECONDS,
                )
        except Exception as e:
            # Only the exception's type: its text may quote the command line, message and all.
            self._available = False
            if isinstance(e, NotImplementedError):
                log.warning("no native notification backend on this system; not showing any")
            else:
                log.warning(
                    "showing a notification failed (%s in %s); not showing any more",
                    type(e).__name__,
                    type(backend).__name__ if backend is not None else "plyer",
                )
            self._listener.service_changed(False)

    def withdraw(self, chat: int) -> None:
        """plyer cannot take a notification back: it stays until it expires."""

    def close(self) -> None:
        """plyer holds nothing open."""


def _backend() -> Any:
    """plyer's notification backend, chosen on first use."""
    # plyer warns (UserWarning) when dbus-python is missing, then uses notify-send, which is
    # fine: keep that out of the user's console. catch_warnings is process-wide, so for this
    # moment another thread's warning could be swallowed too; plyer only chooses once.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return notification.notify.__self__


def _for_backend(backend: object, title: str, message: str) -> tuple[str, str]:
    """Text that comes out of the backend as it went in."""
    if type(backend).__name__ == "NotifySendNotification":
        # plyer puts title and message first on notify-send's command line, with no "--":
        # text starting with "-" would be read as options and the notification lost. A
        # leading space keeps them positional and barely shows.
        title, message = (" " + t if t.startswith("-") else t for t in (title, message))
        # notify-send expands C escapes (\n, \t, \\) in the body, but not in the summary.
        message = message.replace("\\", "\\\\")
    return title, message


@contextlib.contextmanager
def _library_path_for_children() -> Iterator[None]:
    """Give child processes (notify-send) the library path the user started us with.

    A frozen (PyInstaller) app runs with LD_LIBRARY_PATH pointing at its own folder, and
    children inherit it: notify-send then loads the app's bundled libraries instead of the
    system's, and fails. PyInstaller keeps the original value in LD_LIBRARY_PATH_ORIG (and
    leaves it unset if there was none). plyer takes no environment for its children, so
    os.environ itself is changed for the duration of the call; only notification workers
    change it, under _ENV_LOCK. Our own process is unaffected: the dynamic loader read the
    path at startup.
    """
    if not getattr(sys, "frozen", False):
        yield
        return
    with _ENV_LOCK:
        saved = os.environ.get("LD_LIBRARY_PATH")
        original = os.environ.get("LD_LIBRARY_PATH_ORIG")
        if original is None:
            os.environ.pop("LD_LIBRARY_PATH", None)
        else:
            os.environ["LD_LIBRARY_PATH"] = original
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop("LD_LIBRARY_PATH", None)
            else:
                os.environ["LD_LIBRARY_PATH"] = saved
