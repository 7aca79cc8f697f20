"""Native OS notifications through plyer.

Showing a notification can be slow (on Linux, plyer runs the ``notify-send`` program, which
waits for the notification server's reply), so every call goes to one background worker
thread that delivers them in submission order. Nothing here raises to the caller: when the
system has no usable notification backend, the first failure is logged and later
notifications are dropped.

Message text never reaches the log: notifications carry people's private messages.
"""

import contextlib
import logging
import os
import queue
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from plyer import notification

log = logging.getLogger(__name__)

PREVIEW_LENGTH = 200  # characters of the message body shown; notifications are previews
ELLIPSIS = "…"
# How long a notification stays up. Only plyer's dbus-python backend passes it on; its
# notify-send backend always asks for an expiry of 0, which servers may take as "never".
DISPLAY_SECONDS = 10
MAX_BACKLOG = 50  # undelivered notifications kept; beyond that they are stale, and dropped
CLOSE_TIMEOUT = 2.0  # secs close() waits for queued notifications to go out

# Serialises the swap of LD_LIBRARY_PATH below across every Notifier in the process: each
# swap restores what it saw, so two interleaved swaps could leave the cleaned value behind.
_ENV_LOCK = threading.Lock()


class Notifier:
    """Shows native notifications; never blocks the caller and never raises."""

    def __init__(self, app_name: str = "Tidings", app_icon: Path | None = None) -> None:
        self.app_name = app_name
        self.app_icon = app_icon
        self._available = True
        self._closed = False
        self._lock = threading.Lock()  # guards _closed against notify/close from two threads
        self._abandon = threading.Event()  # close() gave up waiting: drop what is left
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()  # None: stop
        self._worker = threading.Thread(target=self._run, name="notifications", daemon=True)
        self._worker.start()

    @property
    def available(self) -> bool:
        """False once the system proved to have no usable notification backend.

        Optimistic until the first notification has been tried. A failure that plyer does
        not report (``notify-send`` exiting with an error, say) cannot be seen here.
        """
        return self._available

    def notify(self, title: str, message: str) -> None:
        """Queue a notification for the worker and return at once.

        The body is cut to a preview of PREVIEW_LENGTH characters. Dropped quietly when
        notifications are unavailable, the notifier is closed, or the backlog is full.
        """
        if not self._available:
            return
        with self._lock:
            if self._closed:
                return
            # The backlog only grows when delivery is stuck; old previews are not worth
            # showing minutes late, so new ones are refused rather than queued forever.
            if self._queue.qsize() >= MAX_BACKLOG:
                log.debug("notification backlog full; dropping a notification")
                return
            self._queue.put((title, _preview(message)))

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop the worker, letting queued notifications go out for up to timeout seconds."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        if threading.current_thread() is not self._worker:
            self._worker.join(timeout)
            if self._worker.is_alive():
                # Stuck in a backend call; it is a daemon thread, so it cannot hold up exit.
                self._abandon.set()
                log.debug("notification worker still busy after %gs; abandoning it", timeout)

    # --- the worker thread -------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None or self._abandon.is_set():
                return
            if self._available:
                self._deliver(*item)

    def _deliver(self, title: str, message: str) -> None:
        backend: object = None
        try:
            backend = _backend()
            title, message = _for_backend(backend, title or self.app_name, message)
            with _library_path_for_children():
                notification.notify(
                    title=title,
                    message=message,
                    app_name=self.app_name,
                    app_icon=str(self.app_icon) if self.app_icon else "",
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


def _backend() -> Any:
    """plyer's notification backend, chosen on first use."""
    # plyer warns (UserWarning) when dbus-python is missing, then uses notify-send, which is
    # fine: keep that out of the user's console. catch_warnings is process-wide, so for this
    # moment another thread's warning could be swallowed too; plyer only chooses once.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return notification.notify.__self__


def _preview(message: str) -> str:
    if len(message) <= PREVIEW_LENGTH:
        return message
    return message[: PREVIEW_LENGTH - len(ELLIPSIS)].rstrip() + ELLIPSIS


def _clean(text: str) -> str:
    # A NUL or a lone surrogate (from undecodable input) would make the backend raise, and
    # one odd message must not switch notifications off.
    return text.replace("\0", "").encode("utf-8", "replace").decode("utf-8")


def _for_backend(backend: object, title: str, message: str) -> tuple[str, str]:
    """Text that comes out of the backend as it went in."""
    title, message = _clean(title), _clean(message)
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
