"""Notifications through the desktop's notification server (``org.freedesktop.Notifications``
on the D-Bus session bus), spoken directly with jeepney.

Talking to the server ourselves, rather than through ``notify-send``, is what lets a
notification carry the app's icon and desktop entry, expire on the server's own timeout,
replace the chat's previous notification, open its chat when clicked, take an inline reply,
and be withdrawn when the chat is read.

A click comes with an xdg-activation token where the server has one to give (spec 1.2: its
``ActivationToken`` signal just before ``ActionInvoked``): on Wayland the window can only take
the focus with it, so it goes to the listener with the click.

Everything here runs on the notifier's worker thread. jeepney's router has a receiver thread
of its own: it only hands the signals it receives (a click and its activation token, a reply,
a closed notification, the server coming or going) to that worker, as jobs. When no server
owns the name, the listener hears so once; the bus then tells us when one appears, and every
later notification tries again anyway.

Message text never reaches the log: notifications carry people's private messages.
"""

import html
import logging
from collections.abc import Callable
from typing import Any

from jeepney import DBusAddress, HeaderFields, MatchRule, Message, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.threading import DBusRouter, Proxy, open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, unwrap_msg

from desktop.platform.notification_backend import Identity, Job, Note, NotificationListener

log = logging.getLogger(__name__)

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
BUS_NAME = "org.freedesktop.DBus"
DESKTOP_ENTRY = "tidings"  # packaging/linux/tidings.desktop, without ".desktop"
CATEGORY = "im.received"  # the spec's category for a received instant message
EXPIRE_DEFAULT = -1  # the server's own timeout: the notification goes, the message stays
CALL_TIMEOUT = 5.0  # secs to wait for the server's answer
DEFAULT_ACTION = "default"  # the spec's key for clicking the notification itself
REPLY_ACTION = "inline-reply"  # the key (and capability) of a reply typed into it
NO_SERVICE = frozenset(
    {"org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner"}
)


class DBusNotifications:
    """A notification backend over one session-bus connection. ``bus`` is "SESSION" (the
    user's session bus) or a bus address."""

    def __init__(
        self,
        identity: Identity,
        listener: NotificationListener,
        post: Callable[[Job], None],
        bus: str = "SESSION",
    ) -> None:
        self._identity = identity
        self._listener = listener
        self._conn = open_dbus_connection(bus)
        self._router = DBusRouter(self._conn)
        self._server = DBusAddress(PATH, bus_name=NAME, interface=NAME)
        self._owner: str | None = None  # the server's unique bus name, once it answered
        self._capabilities: frozenset[str] | None = None  # what the server said it can do
        self._shown: dict[int, int] = {}  # chat -> id of its notification on screen
        # Notification id -> the activation token the server sent for the signal to follow.
        self._tokens: dict[int, str] = {}
        self._available: bool | None = None  # None: not tried yet
        try:
            self._watch(post)
        except BaseException:
            self.close()
            raise

    @property
    def available(self) -> bool:
        """False while no notification server is on the bus (as the last try found)."""
        return self._available is not False

    def show(self, note: Note) -> None:
        """Show note, replacing its chat's notification; a missing server is reported."""
        try:
            capabilities = self._server_capabilities()
            (notification_id,), owner = self._call(
                "Notify", "susssasa{sv}i", self._notify_args(note, capabilities)
            )
        except DBusErrorResponse as e:
            if e.name not in NO_SERVICE:
                raise
            self._set_available(False)
            return
        self._owner = owner
        self._set_available(True)
        if note.chat is not None:
            self._shown[note.chat] = notification_id

    def withdraw(self, chat: int) -> None:
        """Close the chat's notification, if one of ours is on screen."""
        notification_id = self._shown.pop(chat, None)
        if notification_id is None:
            return
        try:
            self._call("CloseNotification", "u", (notification_id,))
        except DBusErrorResponse as e:
            # Gone already: the server left (or never had it). Nothing is left to withdraw.
            log.debug("could not withdraw a notification: %s", e.name)

    def close(self) -> None:
        """Leave the bus."""
        self._router.close()
        self._conn.close()

    # --- talking to the server ----------------------------------------------------------------

    def _notify_args(self, note: Note, capabilities: frozenset[str]) -> tuple[Any, ...]:
        identity = self._identity
        # A server that takes markup would read "<" and "&" in a message as markup.
        body = html.escape(note.body, quote=False) if "body-markup" in capabilities else note.body
        actions: list[str] = []
        if note.chat is not None:
            actions += [DEFAULT_ACTION, identity.labels.open]
            if REPLY_ACTION in capabilities:
                actions += [REPLY_ACTION, identity.labels.reply]
        hints = {"desktop-entry": ("s", DESKTOP_ENTRY), "category": ("s", CATEGORY)}
        replaces = self._shown.get(note.chat, 0) if note.chat is not None else 0
        icon = str(identity.app_icon) if identity.app_icon else ""
        return (
            identity.app_name,
            replaces,
            icon,
            note.title,
            body,
            actions,
            hints,
            EXPIRE_DEFAULT,
        )

    def _server_capabilities(self) -> frozenset[str]:
        """Asked once per server: a server started later may be able to do more."""
        if self._capabilities is None:
            (capabilities,), _owner = self._call("GetCapabilities")
            self._capabilities = frozenset(capabilities)
        return self._capabilities

    def _call(
        self, method: str, signature: str | None = None, body: tuple[Any, ...] = ()
    ) -> tuple[tuple[Any, ...], str | None]:
        """The server's answer to a method call, and the unique name of who answered."""
        message = new_method_call(self._server, method, signature, body)
        reply = self._router.send_and_get_reply(message, timeout=CALL_TIMEOUT)
        return unwrap_msg(reply), reply.header.fields.get(HeaderFields.sender)

    def _set_available(self, available: bool) -> None:
        if available is not self._available:
            self._available = available
            if not available:
                log.warning("no notification server on the session bus; watching for one")
            self._listener.service_changed(available)

    # --- what the bus tells us ----------------------------------------------------------------

    def _watch(self, post: Callable[[Job], None]) -> None:
        """Have the bus send us the server's signals and its comings and goings."""
        from_server = MatchRule(type="signal", interface=NAME, path=PATH)
        owner_changed = MatchRule(
            type="signal",
            sender=BUS_NAME,
            interface=BUS_NAME,
            member="NameOwnerChanged",
            path="/org/freedesktop/DBus",
        )
        owner_changed.add_arg_condition(0, NAME)
        handoff = _Handoff(post, self._received)
        for rule in (from_server, owner_changed):
            self._router.filter(rule, queue=handoff)  # the filter lasts as long as the router
        bus = Proxy(message_bus, self._router, timeout=CALL_TIMEOUT)
        # On the bus, "sender" names the well-known name: only the server's owner matches.
        bus.AddMatch(MatchRule(type="signal", sender=NAME, interface=NAME, path=PATH))
        bus.AddMatch(owner_changed)

    def _received(self, message: Message) -> None:
        member = message.header.fields.get(HeaderFields.member)
        if member == "NameOwnerChanged":
            _name, old, new = message.body
            self._owner_changed(old, new)
            return
        # A signal sent straight to us passes no match rule: only the server's count.
        if self._owner is None or message.header.fields.get(HeaderFields.sender) != self._owner:
            return
        notification_id = message.body[0]
        chat = next((c for c, i in self._shown.items() if i == notification_id), None)
        if chat is None:
            return
        if member == "ActivationToken":
            self._tokens[notification_id] = message.body[1]
            return
        # A token is for the one signal that follows it (a click, or a reply that needs none).
        token = self._tokens.pop(notification_id, None)
        if member == "NotificationClosed":
            del self._shown[chat]
        elif member == "ActionInvoked" and message.body[1] == DEFAULT_ACTION:
            self._listener.chat_opened(chat, token)
        elif member == "NotificationReplied":
            self._listener.reply_written(chat, message.body[1])

    def _owner_changed(self, old: str, new: str) -> None:
        if old and old == self._owner:
            # Our server left: its notifications went with it, and the next may do more.
            self._owner = None
            self._capabilities = None
            self._shown.clear()
            self._tokens.clear()
        if new:
            self._set_available(True)
        elif self._owner is None:
            self._set_available(False)


class _Handoff:
    """Stands in for the queue of a jeepney filter: what the router's receiver thread
    matched becomes a job on the notifier's worker thread."""

    def __init__(self, post: Callable[[Job], None], handle: Callable[[Message], None]) -> None:
        self._post = post
        self._handle = handle

    def put_nowait(self, message: Message) -> None:
        """Called by the router's receiver thread for each matching message."""
        self._post(lambda: self._handle(message))
