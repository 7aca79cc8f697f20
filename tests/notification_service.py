"""A real notification server for tests: ``org.freedesktop.Notifications`` on a private bus.

The service is written with jeepney and runs on a thread of the test process; it records
every ``Notify`` call it is sent and every notification closed, and can act as a user would:
click a notification (handing over an activation token, as servers do on Wayland), answer it
inline, or leave the bus for a while. Import the fixture
where it is needed, together with ``secret_service`` (pytest looks fixtures up in the test
module, so the one this fixture asks for must be visible there too):

    from tests.keyring_session import secret_service  # noqa: F401
    from tests.notification_service import notification_bus  # noqa: F401

The desktop tests' ``bus`` fixture (tests/desktop/conftest.py) is the same service with what
earlier tests sent forgotten.

When gnome-keyring is installed, the service joins the keyring's session bus, so keyring
and notifications work side by side in one test session; otherwise it starts a bus of its
own. Either way ``DBUS_SESSION_BUS_ADDRESS`` points at that bus for the rest of the session.
"""

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import pytest

from tests.keyring_session import _stop, start_session_bus

if TYPE_CHECKING:
    from jeepney import Message
    from jeepney.io.blocking import DBusConnection

SKIP_REASON = (
    "real notification tests need Debian's dbus and libnotify-bin "
    "(`make test` installs them as root)"
)
NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
WAIT_TIMEOUT = 10.0  # secs a test waits for a notification by default
POLL_INTERVAL = 0.05  # secs between the service thread's checks for stop and release
SERVER_INFO = ("tidings-test-notifications", "tidings", "1.0", "1.2")  # name, vendor, version, spec
# Plain text bodies only (what the tests send is what they record), clickable and answerable.
CAPABILITIES = ["body", "actions", "inline-reply"]
CLOSED_BY_CALL = 3  # NotificationClosed's reason: closed by CloseNotification

T = TypeVar("T")

_active: "NotificationService | None" = None  # the running service, shared by every importer


class Notification(NamedTuple):
    """One ``Notify`` call as the server received it; equal to a plain 3-tuple."""

    app_name: str
    summary: str
    body: str


class Sent(NamedTuple):
    """All of one ``Notify`` call, with the id the server gave the notification."""

    id: int
    replaces_id: int
    app_icon: str
    summary: str
    body: str
    actions: list[str]
    hints: dict[str, tuple[str, Any]]  # name -> (signature, value)
    expire_timeout: int


class NotificationService:
    """``org.freedesktop.Notifications`` on one bus connection, served by a daemon thread."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.calls: list[Notification] = []
        self.sent: list[Sent] = []  # the same calls in full, by index
        self.closed: list[int] = []  # ids closed by CloseNotification, in order
        self._senders: list[str] = []  # unique bus name of each call's sender, by index
        self._changed = threading.Condition()
        self._answering = threading.Event()
        self._answering.set()
        self._pending: list[tuple[Message, int]] = []  # Notify calls left unanswered, with ids
        self._stopping = threading.Event()
        self._send_lock = threading.Lock()  # the service thread and tests both send
        self._next_id = 1
        self._join()

    def _join(self) -> None:
        """Connect, own the name, and serve on a new thread."""
        from jeepney.bus_messages import message_bus

        self._stopping.clear()
        self._conn = _connect(self.address)
        reply = self._conn.send_and_get_reply(
            message_bus.RequestName(NAME, 4),
            timeout=WAIT_TIMEOUT,  # 4: do not queue
        )
        if reply.body[0] != 1:  # 1: primary owner
            self._conn.close()
            raise RuntimeError(f"another process owns {NAME} on the test bus")
        self._thread = threading.Thread(target=self._serve, name="notification-service")
        self._thread.start()

    # --- for tests ---------------------------------------------------------------------------

    def wait_for(
        self, predicate: Callable[[Notification], bool], timeout: float = WAIT_TIMEOUT
    ) -> Notification:
        """The first recorded call that satisfies predicate, waiting up to timeout for it."""
        return self._first(self.calls, predicate, timeout)

    def wait_for_sent(
        self, predicate: Callable[[Sent], bool], timeout: float = WAIT_TIMEOUT
    ) -> Sent:
        """The first call, in full, that satisfies predicate, waiting up to timeout for it."""
        return self._first(self.sent, predicate, timeout)

    def wait_closed(self, notification_id: int, timeout: float = WAIT_TIMEOUT) -> None:
        """Wait until the notification with this id was closed by CloseNotification."""
        self._first(self.closed, lambda i: i == notification_id, timeout)

    def _first(self, items: "list[T]", predicate: Callable[["T"], bool], timeout: float) -> "T":
        found: list[T] = []

        def match() -> bool:
            found[:] = [c for c in items if predicate(c)][:1]
            return bool(found)

        with self._changed:
            if not self._changed.wait_for(match, timeout):
                raise TimeoutError(f"nothing matching within {timeout:g}s; received: {items!r}")
        return found[0]

    def click(self, notification_id: int, activation_token: str | None = None) -> None:
        """Click the notification: the server's ActionInvoked for the "default" action, just
        after its ActivationToken (spec 1.2) when given one to hand over."""
        self._activation(notification_id, activation_token)
        self._signal("ActionInvoked", "us", (notification_id, "default"))

    def reply(self, notification_id: int, text: str, activation_token: str | None = None) -> None:
        """Answer the notification in place: the server's NotificationReplied, just after an
        ActivationToken when given one (some servers send one for a reply too)."""
        self._activation(notification_id, activation_token)
        self._signal("NotificationReplied", "us", (notification_id, text))

    def forge(self, sent: Sent, member: str, argument: str) -> None:
        """Another program on the bus sends the server's signal ``member(id, argument)``
        about sent straight to its sender (which no match rule can keep out), pretending to
        be the server. Returns once the bus has passed it on, so that what the server sends
        next arrives after it."""
        from jeepney import DBusAddress, HeaderFields, new_signal
        from jeepney.bus_messages import message_bus

        forged = new_signal(DBusAddress(PATH, interface=NAME), member, "us", (sent.id, argument))
        forged.header.fields[HeaderFields.destination] = self.sender_of(sent)
        with contextlib.closing(_connect(self.address)) as stranger:
            stranger.send(forged)
            # The bus handles one connection's messages in order: answering this, it is
            # done with the signal.
            stranger.send_and_get_reply(message_bus.NameHasOwner(NAME), timeout=WAIT_TIMEOUT)

    def _activation(self, notification_id: int, token: str | None) -> None:
        if token is not None:
            self._signal("ActivationToken", "us", (notification_id, token))

    @contextlib.contextmanager
    def absent(self) -> Iterator[None]:
        """Leave the bus for the block (no notification server there), then come back as a
        server started later would: a new connection that owns the name again."""
        self._leave()
        try:
            yield
        finally:
            self._join()

    def clear(self) -> None:
        """Forget the calls recorded so far."""
        with self._changed:
            self.calls.clear()
            self.sent.clear()
            self.closed.clear()
            self._senders.clear()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Record calls but leave them unanswered for the block, so their senders wait."""
        self._answering.clear()
        try:
            yield
        finally:
            self._answering.set()

    def sender_of(self, call: Notification | Sent) -> str:
        """The unique bus name of the process that sent call (from ``calls`` or ``sent``)."""
        with self._changed:
            records: list[Any] = self.calls if isinstance(call, Notification) else self.sent
            return next(s for c, s in zip(records, self._senders, strict=True) if c is call)

    def sender_connected(self, call: Notification) -> bool:
        """Whether the process that sent call is still on the bus (e.g. waiting for a reply)."""
        from jeepney.bus_messages import message_bus

        sender = self.sender_of(call)
        with contextlib.closing(_connect(self.address)) as conn:
            reply = conn.send_and_get_reply(message_bus.NameHasOwner(sender), timeout=WAIT_TIMEOUT)
        return bool(reply.body[0])

    def stop(self) -> None:
        """Stop serving and leave the bus."""
        self._answering.set()
        self._leave()

    def _leave(self) -> None:
        self._stopping.set()
        self._thread.join(WAIT_TIMEOUT)
        self._conn.close()

    # --- the service thread ------------------------------------------------------------------

    def _serve(self) -> None:
        from jeepney import MessageType

        # Short receive timeouts let the loop notice stop() and the end of held() promptly.
        while not self._stopping.is_set():
            if self._answering.is_set():
                self._flush()
            try:
                msg = self._conn.receive(timeout=POLL_INTERVAL)
            except TimeoutError:
                continue
            except OSError:
                return  # the bus went away: the session is ending
            if msg.header.message_type is MessageType.method_call:
                self._handle(msg)
        self._flush()

    def _flush(self) -> None:
        while self._pending:
            self._answer_notify(*self._pending.pop(0))

    def _handle(self, msg: "Message") -> None:
        from jeepney import HeaderFields

        fields = msg.header.fields
        member = fields.get(HeaderFields.member)
        if (
            fields.get(HeaderFields.interface, NAME) != NAME
            or fields.get(HeaderFields.path) != PATH
        ):
            self._error(msg, "org.freedesktop.DBus.Error.UnknownMethod")
        elif member == "Notify":
            notification_id = self._record(msg)
            if self._answering.is_set():
                self._answer_notify(msg, notification_id)
            else:
                self._pending.append((msg, notification_id))
        elif member == "CloseNotification":
            (notification_id,) = msg.body
            with self._changed:
                self.closed.append(notification_id)
                self._changed.notify_all()
            self._reply(msg)
            self._signal("NotificationClosed", "uu", (notification_id, CLOSED_BY_CALL))
        else:
            self._reply(msg)

    def _record(self, msg: "Message") -> int:
        """Record a Notify call; returns the notification's id (a replacement keeps its own)."""
        from jeepney import HeaderFields

        app_name, replaces, icon, summary, body, actions, hints, timeout = msg.body
        notification_id = replaces or self._next_id
        self._next_id += 0 if replaces else 1
        with self._changed:
            self.calls.append(Notification(app_name, summary, body))
            self.sent.append(
                Sent(notification_id, replaces, icon, summary, body, actions, hints, timeout)
            )
            self._senders.append(msg.header.fields[HeaderFields.sender])
            self._changed.notify_all()
        return notification_id

    def _answer_notify(self, msg: "Message", notification_id: int) -> None:
        from jeepney import new_method_return

        self._send(new_method_return(msg, "u", (notification_id,)))

    def _signal(self, member: str, signature: str, body: tuple[Any, ...]) -> None:
        from jeepney import DBusAddress, new_signal

        self._send(new_signal(DBusAddress(PATH, interface=NAME), member, signature, body))

    def _send(self, msg: "Message") -> None:
        with self._send_lock, contextlib.suppress(OSError):  # the peer may have left
            self._conn.send(msg)

    def _reply(self, msg: "Message") -> None:
        from jeepney import HeaderFields, new_method_return

        member = msg.header.fields.get(HeaderFields.member)
        answers: dict[str, tuple[str | None, tuple[Any, ...]]] = {
            "GetCapabilities": ("as", (CAPABILITIES,)),
            "GetServerInformation": ("ssss", SERVER_INFO),
            "CloseNotification": (None, ()),
        }
        if member in answers:
            answer = answers[member]
        else:
            self._error(msg, "org.freedesktop.DBus.Error.UnknownMethod")
            return
        self._send(new_method_return(msg, *answer))

    def _error(self, msg: "Message", name: str) -> None:
        from jeepney import new_error

        self._send(new_error(msg, name, "s", ("not implemented by the test server",)))


def _connect(address: str) -> "DBusConnection":
    # Imported late: only Linux has jeepney.
    from jeepney.io.blocking import open_dbus_connection

    return open_dbus_connection(address)


def _dbus_daemon() -> str | None:
    """dbus-daemon's path, if it and notify-send (which the app calls) are installed."""
    dbus_daemon = shutil.which("dbus-daemon")
    return dbus_daemon if dbus_daemon and shutil.which("notify-send") else None


def describe() -> str:
    """What the ``notification_bus`` fixture will use, in words, for the test report's header."""
    if _dbus_daemon() is None:
        return "no notification server (its tests skip: no dbus-daemon or notify-send)"
    return "a recording notification server on the test session bus"


def _keyring_bus(request: pytest.FixtureRequest) -> str | None:
    """The ``secret_service`` fixture's bus, or None where that fixture skips."""
    try:
        return str(request.getfixturevalue("secret_service"))
    except pytest.skip.Exception:
        return None


@contextlib.contextmanager
def _own_bus(tmp_path_factory: pytest.TempPathFactory, dbus_daemon: str) -> Iterator[str]:
    """A private session bus for this session alone; os.environ points at it meanwhile."""
    root = tmp_path_factory.mktemp("notifications")
    log = root / "dbus.log"
    # A user's own session bus must not be reached from the test bus's daemon.
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    saved = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    bus, address = start_session_bus(dbus_daemon, root, log, env)
    try:
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
        yield address
    finally:
        if saved is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = saved
        _stop(bus)


@pytest.fixture(scope="session")
def notification_bus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NotificationService]:
    """A recording notification server on the session bus that os.environ points at.

    Yields the service: ``calls``, ``wait_for(predicate, timeout)``, ``clear()``, and
    ``held()`` to keep senders waiting for their replies.
    """
    global _active
    if _active is not None:
        # Each module that imports the fixture has its own instance of it: later ones share
        # what the first one started, which outlives them (teardown runs in reverse order).
        yield _active
        return

    dbus_daemon = _dbus_daemon()
    if dbus_daemon is None:
        pytest.skip(SKIP_REASON)

    with contextlib.ExitStack() as stack:
        address = _keyring_bus(request)
        if address is None:
            address = stack.enter_context(_own_bus(tmp_path_factory, dbus_daemon))
        service = NotificationService(address)
        stack.callback(service.stop)
        _active = service
        try:
            yield service
        finally:
            _active = None
