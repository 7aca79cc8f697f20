"""Native OS notifications, shown without ever blocking the caller.

Showing a notification can be slow (it waits for the notification server's answer), so every
call goes to one background worker thread that delivers them in submission order; the
backend is chosen and opened there too. On Linux the backend talks to the notification
server over D-Bus (desktop/platform/dbus_notifications.py) and on Windows it shows toasts
(desktop/platform/windows_notifications.py), so notifications can be clicked, answered and
withdrawn; elsewhere, without a session bus, or without the toast library, plyer shows them
(desktop/platform/plyer_notifications.py). Nothing here raises to the caller.

Message text never reaches the log: notifications carry people's private messages.
"""

import logging
import queue
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from desktop.platform.notification_backend import (
    Backend,
    BackendFactory,
    Identity,
    Job,
    Labels,
    Note,
    NotificationListener,
    QuietListener,
)
from desktop.platform.plyer_notifications import PlyerNotifications

log = logging.getLogger(__name__)

PREVIEW_LENGTH = 200  # characters of the message body shown; notifications are previews
ELLIPSIS = "…"
MAX_BACKLOG = 50  # undelivered notifications kept; beyond that they are stale, and dropped
CLOSE_TIMEOUT = 2.0  # secs close() waits for queued notifications to go out


class Notifier:
    """Shows native notifications; never blocks the caller and never raises.

    ``listener`` hears, on the worker thread, what the user did with a notification and
    whether notifications can be shown; ``backend`` makes the backend (by default the best
    this system has).
    """

    def __init__(
        self,
        app_name: str = "Tidings",
        app_icon: Path | None = None,
        *,
        labels: Labels | None = None,
        listener: NotificationListener | None = None,
        backend: BackendFactory | None = None,
    ) -> None:
        self._identity = Identity(app_name, app_icon, labels or Labels())
        self._listener = listener or QuietListener()
        self._make_backend = backend or system_backend
        self._backend: Backend | None = None  # made and used on the worker thread
        self._closed = False
        self._lock = threading.Lock()  # guards _closed against notify/close from two threads
        self._abandon = threading.Event()  # close() gave up waiting: drop what is left
        self._queue: queue.Queue[Job | None] = queue.Queue()  # None: stop
        self._worker = threading.Thread(target=self._run, name="notifications", daemon=True)
        self._worker.start()

    @property
    def available(self) -> bool:
        """False while notifications cannot be shown, as far as the backend can tell.

        Optimistic until the first notification has been tried.
        """
        backend = self._backend
        return backend is None or backend.available

    def notify(self, title: str, message: str, chat: int | None = None) -> None:
        """Queue a notification (about chat, if given) for the worker and return at once.

        The body is cut to a preview of PREVIEW_LENGTH characters. Dropped quietly when the
        notifier is closed or the backlog is full.
        """
        note = Note(_clean(title) or self._identity.app_name, _clean(_preview(message)), chat)
        # The backlog only grows when delivery is stuck; old previews are not worth showing
        # minutes late, so new ones are refused rather than queued forever.
        if self._queue.qsize() >= MAX_BACKLOG:
            log.debug("notification backlog full; dropping a notification")
            return
        self._post(lambda: self._current().show(note))

    def withdraw(self, chat: int) -> None:
        """Take the chat's notification off the screen (where the backend can), soon."""
        self._post(lambda: self._current().withdraw(chat))

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

    def _post(self, job: Job) -> None:
        """Queue a job for the worker, unless the notifier is closed."""
        with self._lock:
            if not self._closed:
                self._queue.put(job)

    # --- the worker thread -------------------------------------------------------------------

    def _run(self) -> None:
        self._backend = self._make_backend(self._identity, self._listener, self._post)
        try:
            while True:
                job = self._queue.get()
                if job is None or self._abandon.is_set():
                    return
                try:
                    job()
                except Exception as e:
                    # Only the type: its text may quote the message. Later ones may work.
                    log.warning("a notification job failed (%s)", type(e).__name__)
        finally:
            self._backend.close()

    def _current(self) -> Backend:
        assert self._backend is not None  # jobs run on the worker, after it made the backend
        return self._backend


def system_backend(
    identity: Identity,
    listener: NotificationListener,
    post: Callable[[Job], None],
    platform: str = sys.platform,
) -> Backend:
    """The best backend this system has: D-Bus on Linux where a session bus answers, toasts
    on Windows, else plyer."""
    try:
        if platform.startswith("linux"):
            from desktop.platform.dbus_notifications import DBusNotifications

            return DBusNotifications(identity, listener, post)
        if platform == "win32":
            from desktop.platform.windows_notifications import WindowsToasts

            return WindowsToasts(identity, listener, post)
    # No jeepney, no session bus, a bus that does not answer; no windows-toasts or WinRT, a
    # Windows too old for toasts.
    except Exception as e:
        log.info("no native notifications (%s); using plyer", type(e).__name__)
    return PlyerNotifications(identity, listener, post)


def _preview(message: str) -> str:
    if len(message) <= PREVIEW_LENGTH:
        return message
    return message[: PREVIEW_LENGTH - len(ELLIPSIS)].rstrip() + ELLIPSIS


def _clean(text: str) -> str:
    # A NUL or a lone surrogate (from undecodable input) would make the backend raise, and
    # one odd message must not switch notifications off.
    return text.replace("\0", "").encode("utf-8", "replace").decode("utf-8")
