"""A frozen copy of the Tidings wire protocol as the first released apps speak it (protocol 1,
before fields were added to it): replies and pushes are read strictly, so an unknown field
fails the whole frame. Tests decode what today's server sends with it to prove that those
installed apps keep working. Never edit it to match the current protocol.

The original docstring follows.

The Tidings wire protocol: every message type, defined once for server and clients.

A frame on the wire is a two-part ZeroMQ message ``[PROTOCOL_TAG, body]`` where ``body`` is
one MessagePack-encoded struct below, tagged by its ``type`` field. Clients send requests
(each with a request id ``rid`` chosen by the client); the server answers every request with
exactly one reply carrying the same ``rid``, and sends pushes (no ``rid``) whenever something
happens that a connected device should know. ``docs/protocol.md`` describes the semantics.
"""

from types import SimpleNamespace
from typing import Annotated, Literal

import msgspec

limits = SimpleNamespace(  # the limits of that release, frozen with it
    MAX_USER_NAME_CHARS=32,
    MAX_DEVICE_NAME_CHARS=64,
    MAX_GROUP_NAME_CHARS=64,
    MAX_PASSWORD_CHARS=1024,
    MAX_CLIENT_ID_CHARS=64,
    MAX_USERS_PER_REQUEST=100,
    MAX_HISTORY_PAGE=500,
    MAX_SYNC_PAGE=1000,
)

PROTOCOL_VERSION = 1
PROTOCOL_TAG = b"tidings/%d" % PROTOCOL_VERSION

MAX_ID = 2**63 - 1  # ids and positions are stored as signed 64-bit integers
NonNegative = Annotated[int, msgspec.Meta(ge=0, le=MAX_ID)]
Positive = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
UserName = Annotated[str, msgspec.Meta(min_length=1, max_length=limits.MAX_USER_NAME_CHARS)]
DeviceName = Annotated[str, msgspec.Meta(min_length=1, max_length=limits.MAX_DEVICE_NAME_CHARS)]
GroupName = Annotated[str, msgspec.Meta(min_length=1, max_length=limits.MAX_GROUP_NAME_CHARS)]
Password = Annotated[str, msgspec.Meta(max_length=limits.MAX_PASSWORD_CHARS)]
ClientId = Annotated[str, msgspec.Meta(min_length=1, max_length=limits.MAX_CLIENT_ID_CHARS)]
UserList = Annotated[list[UserName], msgspec.Meta(max_length=limits.MAX_USERS_PER_REQUEST)]
# Text length has its own error code, so it is checked by the server, not here.
Text = str

ChannelKind = Literal["direct", "group"]
EventKind = Literal[
    "message", "created", "member_added", "member_removed", "member_left", "renamed"
]
PresenceState = Literal["online", "away", "offline"]


class _Msg(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="type"):
    pass


class _Data(msgspec.Struct, frozen=True, kw_only=True):
    pass


# --- Data carried inside replies and pushes -------------------------------------------------


class Event(_Data):
    """One entry of a channel's timeline. ``seq`` is gap-free per channel; ``pos`` is the
    server-wide stream position that sync cursors count in. ``ts`` is server time in ms."""

    channel: int
    seq: int
    pos: int
    kind: EventKind
    sender: str
    ts: int
    text: str = ""
    client_id: str | None = None
    subject: str | None = None  # the member added, removed or leaving
    name: str | None = None  # the group's name for "created" and "renamed"


class ChannelInfo(_Data):
    """A channel as the asking user sees it. ``active`` is false once the user has left or
    was removed; such a channel carries no members and no later events."""

    id: int
    kind: ChannelKind
    name: str
    members: list[str]
    owner: str | None
    last_seq: int
    read_seq: int
    active: bool = True


class ReadCursor(_Data):
    """The user's read position in a channel: the highest over all of the user's devices."""

    channel: int
    seq: int


class DeviceInfo(_Data):
    id: int
    name: str
    created: int
    last_seen: int | None
    current: bool


class PresenceInfo(_Data):
    user: str
    state: PresenceState
    last_seen: int | None  # ms; None if the user was never seen


# --- Requests (client to server) ------------------------------------------------------------


class Request(_Msg):
    rid: NonNegative = 0


class Register(Request, tag="register", kw_only=True):
    """Create an account and this device in one step; authenticates the connection."""

    user: UserName
    password: Password
    device: DeviceName


class Login(Request, tag="login", kw_only=True):
    """Log in with a password; creates a new named device and authenticates the connection."""

    user: UserName
    password: Password
    device: DeviceName


class Hello(Request, tag="hello", kw_only=True):
    """Authenticate this connection as an existing device."""

    device_id: Positive
    token: Annotated[str, msgspec.Meta(max_length=256)]


class Logout(Request, tag="logout", kw_only=True):
    """Revoke the calling device; its credential stops working."""


class ListDevices(Request, tag="list_devices", kw_only=True):
    pass


class RevokeDevice(Request, tag="revoke_device", kw_only=True):
    device_id: Positive


class OpenDirect(Request, tag="open_direct", kw_only=True):
    """Get (creating on first use) the 1:1 channel with ``user``."""

    user: UserName


class CreateGroup(Request, tag="create_group", kw_only=True):
    name: GroupName
    members: UserList = []


class RenameGroup(Request, tag="rename_group", kw_only=True):
    channel: Positive
    name: GroupName


class AddMembers(Request, tag="add_members", kw_only=True):
    channel: Positive
    users: UserList


class RemoveMember(Request, tag="remove_member", kw_only=True):
    channel: Positive
    user: UserName


class LeaveChannel(Request, tag="leave_channel", kw_only=True):
    channel: Positive


class ListChannels(Request, tag="list_channels", kw_only=True):
    """The snapshot a device starts from: every channel the user is in, with cursors."""


class Send(Request, tag="send", kw_only=True):
    """Post a text message. ``client_id`` makes it idempotent: a retry gets the first answer."""

    channel: Positive
    client_id: ClientId
    text: Text


class History(Request, tag="history", kw_only=True):
    """Events of a channel older than ``before`` (newest first page if ``before`` is None),
    returned in ascending ``seq`` order."""

    channel: Positive
    before: Positive | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=limits.MAX_HISTORY_PAGE)] = 100


class Sync(Request, tag="sync", kw_only=True):
    """Everything for this user after stream position ``after``. Asking for ``after``
    confirms the device has stored everything up to it, unless ``confirm`` names a lower
    position (a device that asks for the next page while still storing this one);
    ``after`` None resumes from the cursor the server kept for this device."""

    after: NonNegative | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=limits.MAX_SYNC_PAGE)] = 500
    confirm: NonNegative | None = None


class MarkRead(Request, tag="mark_read", kw_only=True):
    channel: Positive
    seq: NonNegative


class Heartbeat(Request, tag="heartbeat", kw_only=True):
    """Keeps the device present; ``idle`` reports the user as away. ``cursor``, when given,
    confirms the device has stored everything up to that stream position."""

    idle: bool = False
    cursor: NonNegative | None = None


class Typing(Request, tag="typing", kw_only=True):
    channel: Positive


class GetPresence(Request, tag="get_presence", kw_only=True):
    users: UserList


class GetServerKey(Request, tag="get_server_key", kw_only=True):
    """Asked of the key service only, before the CURVE session can exist (trust on first use)."""


AnyRequest = (
    Register
    | Login
    | Hello
    | Logout
    | ListDevices
    | RevokeDevice
    | OpenDirect
    | CreateGroup
    | RenameGroup
    | AddMembers
    | RemoveMember
    | LeaveChannel
    | ListChannels
    | Send
    | History
    | Sync
    | MarkRead
    | Heartbeat
    | Typing
    | GetPresence
    | GetServerKey
)

# Requests that may be sent again when it is unknown whether the first one arrived: doing
# them twice has the same effect as once. The others (creating a group, leaving, revoking...)
# are reported to the caller as possibly applied instead of being repeated.
IDEMPOTENT_REQUESTS: tuple[type[Request], ...] = (
    Hello,
    Heartbeat,
    Send,
    History,
    Sync,
    MarkRead,
    ListChannels,
    ListDevices,
    OpenDirect,
    AddMembers,
    Typing,
    GetPresence,
    GetServerKey,
)


# --- Replies (server to client, one per request) --------------------------------------------


class Reply(_Msg):
    rid: int


class Error(Reply, tag="error", kw_only=True):
    code: str
    message: str
    retry_after: float | None = None


class Ok(Reply, tag="ok", kw_only=True):
    pass


class Welcome(Reply, tag="welcome", kw_only=True):
    """The connection is now this device. ``token`` is set only when the device was just
    created (Register, Login) and is never sent again."""

    user: str
    device_id: int
    token: str | None = None
    sync_cursor: int
    head: int


class DeviceList(Reply, tag="devices", kw_only=True):
    devices: list[DeviceInfo]


class ChannelReply(Reply, tag="channel", kw_only=True):
    channel: ChannelInfo


class ChannelList(Reply, tag="channels", kw_only=True):
    channels: list[ChannelInfo]
    head: int  # stream position the snapshot is current to


class Sent(Reply, tag="sent", kw_only=True):
    channel: int
    seq: int
    pos: int
    ts: int
    client_id: str


class HistoryPage(Reply, tag="history_page", kw_only=True):
    channel: int
    events: list[Event]
    more: bool  # older events exist


class SyncPage(Reply, tag="sync_page", kw_only=True):
    """Events and read cursors in stream order after the asked position. ``channels`` holds a
    fresh snapshot of every channel whose membership or name changed within the page.
    Continue with ``Sync(after=next)`` while ``more`` is true."""

    events: list[Event]
    reads: list[ReadCursor]
    channels: list[ChannelInfo]
    next: int
    more: bool


class HeartbeatAck(Reply, tag="heartbeat_ack", kw_only=True):
    head: int  # the newest stream position relevant to this user; sync if behind


class PresenceList(Reply, tag="presence", kw_only=True):
    presence: list[PresenceInfo]


class ServerKey(Reply, tag="server_key", kw_only=True):
    public_key: str  # Z85, 40 characters
    fingerprint: str


# --- Pushes (server to client, unrequested) -------------------------------------------------


class Push(_Msg):
    pass


class EventPush(Push, tag="event", kw_only=True):
    event: Event


class ChannelPush(Push, tag="channel_changed", kw_only=True):
    channel: ChannelInfo


class ReadPush(Push, tag="read", kw_only=True):
    read: ReadCursor
    pos: int


class PresencePush(Push, tag="presence_changed", kw_only=True):
    presence: PresenceInfo


class TypingPush(Push, tag="typing", kw_only=True):
    channel: int
    user: str


class RevokedPush(Push, tag="revoked", kw_only=True):
    """This device was revoked; the connection is no longer authenticated."""


class GoingAwayPush(Push, tag="going_away", kw_only=True):
    """The server is shutting down and closes the connection next. Every request it answered
    was applied; a request still waiting for its reply will get none over this connection,
    so reconnect (with back-off), say hello again, and repeat what may be repeated."""


AnyServerMessage = (
    Error
    | Ok
    | Welcome
    | DeviceList
    | ChannelReply
    | ChannelList
    | Sent
    | HistoryPage
    | SyncPage
    | HeartbeatAck
    | PresenceList
    | ServerKey
    | EventPush
    | ChannelPush
    | ReadPush
    | PresencePush
    | TypingPush
    | RevokedPush
    | GoingAwayPush
)


class _RidOnly(msgspec.Struct):
    rid: int = 0


# What decoding hostile bytes can raise besides msgspec's own errors: deep nesting exhausts
# the recursion limit, and a string field may hold invalid UTF-8.
UNDECODABLE = (msgspec.DecodeError, RecursionError, UnicodeDecodeError, ValueError)

_encoder = msgspec.msgpack.Encoder()
_request_decoder = msgspec.msgpack.Decoder(AnyRequest)
_server_decoder = msgspec.msgpack.Decoder(AnyServerMessage)
_rid_decoder = msgspec.msgpack.Decoder(_RidOnly)


def encode(message: msgspec.Struct) -> bytes:
    """Serialise any protocol message to a frame body."""
    return _encoder.encode(message)


def decode_request(body: bytes) -> Request:
    """Parse a client frame body; raises ``msgspec.DecodeError`` (a ``ValidationError``
    for wrong types or values) naming the offending field."""
    return _request_decoder.decode(body)


def decode_server_message(body: bytes) -> Reply | Push:
    """Parse a server frame body."""
    return _server_decoder.decode(body)


def salvage_rid(body: bytes) -> int:
    """Best-effort request id from a body that failed to decode, so the error reaches the
    right waiter; 0 when nothing can be recovered."""
    try:
        rid = _rid_decoder.decode(body).rid
    except UNDECODABLE:
        return 0
    return rid if isinstance(rid, int) and rid >= 0 else 0
