"""The Tidings wire protocol: every message type, defined once for server and clients.

A frame on the wire is a two-part ZeroMQ message ``[PROTOCOL_TAG, body]`` where ``body`` is
one MessagePack-encoded struct below, tagged by its ``type`` field. Clients send requests
(each with a request id ``rid`` chosen by the client); the server answers every request with
exactly one reply carrying the same ``rid``, and sends pushes (no ``rid``) whenever something
happens that a connected device should know. ``docs/protocol.md`` describes the semantics.
"""

from typing import Annotated, Generic, Literal, TypeVar

import msgspec

from shared import limits
from shared.explain import explain_validation

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
# A display name as typed; its rules (shared.names.clean_display_name) are checked by the
# server, which says which one a name breaks. The bound only keeps a frame small.
TypedDisplayName = Annotated[str, msgspec.Meta(max_length=limits.MAX_DISPLAY_NAME_INPUT_CHARS)]
Feature = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Features = Annotated[list[Feature], msgspec.Meta(max_length=32)]

# The one feature a client names when it signs in: it ignores fields it does not know in
# replies and pushes, so the server may send it fields added after protocol 1. Apps that
# predate this read replies strictly: they get replies with none of the later fields.
FEATURE_TOLERANT = "tolerant"
# What a server may offer, named in ``Welcome.features``; an app uses a feature only when its
# server named it, and hides the actions that need it otherwise.
FEATURE_LIFECYCLE = "lifecycle"  # reply, react, edit, delete, mentions
FEATURE_RECEIPTS = "receipts"  # delivery and read receipts, the read-receipts setting
FEATURE_PASSWORD = "password"  # change_password
FEATURE_DEVICE_ALERTS = "device_alerts"  # new_device pushes
FEATURE_MUTE = "mute"  # do not disturb and muted chats, kept for all of a user's devices
# Display names: set with ``UpdateSettings.display_name``, learned with chats
# (``ChannelInfo.display_names``) and changes pushed (``profile_changed``).
FEATURE_DISPLAY_NAMES = "display_names"
# ``AccountSettings.dnd_until`` and a chat's ``muted_until`` at this value last until the
# user turns them off; 0 is off. Any other value is a time (ms since the epoch).
UNTIL_TURNED_OFF = MAX_ID
FEATURE_QUIET_HOURS = "quiet_hours"  # a weekly do-not-disturb schedule in the settings
# Files attached to messages: uploaded and downloaded in chunks, carried in events as
# ``Attachment`` (see docs/protocol.md, "Attachments").
FEATURE_ATTACHMENTS = "attachments"
# Several messages in one frame (``Bundle``), in either direction: a server sends bundles only
# to an app that named this feature when it signed in, and an app sends them only to a server
# that named it in its welcome (see docs/protocol.md, "Bundles").
FEATURE_BUNDLES = "bundles"
Sha256 = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]  # 64 lowercase hex digits
ChunkData = Annotated[bytes, msgspec.Meta(max_length=limits.MAX_CHUNK_BYTES)]
ChunkLength = Annotated[int, msgspec.Meta(ge=1, le=limits.MAX_CHUNK_BYTES)]
MimeType = Annotated[str, msgspec.Meta(max_length=limits.MAX_MIME_CHARS)]
Thumbnail = Annotated[bytes, msgspec.Meta(max_length=limits.MAX_THUMBNAIL_BYTES)]
# A file name's rules (shared.files.check_file_name) are checked by the server, which says
# which one a name breaks; the frame's size bounds it here.
FileName = str
MinuteOfDay = Annotated[int, msgspec.Meta(ge=0, le=24 * 60 - 1)]  # minutes after midnight
WeekDays = Annotated[int, msgspec.Meta(ge=0, le=0b1111111)]  # bit 0 Monday ... bit 6 Sunday
# Text length has its own error code, so it is checked by the server, not here.
Text = str

ChannelKind = Literal["direct", "group"]
# The kinds of timeline event this version knows. ``Event.kind`` is read as any string: a
# newer server's kinds are stored and shown as a placeholder, so no seq goes missing.
EventKind = Literal[
    "message",
    "created",
    "member_added",
    "member_removed",
    "member_left",
    "renamed",
    "reaction",
    "edit",
    "delete",
]
# Events that change an earlier message (``Event.target``) rather than show as one.
CHANGE_KINDS: frozenset[str] = frozenset({"reaction", "edit", "delete"})
# What protocol 1 sent: an app that did not name FEATURE_TOLERANT gets only these kinds.
FIRST_KINDS: frozenset[str] = frozenset(
    {"message", "created", "member_added", "member_removed", "member_left", "renamed"}
)
PresenceState = Literal["online", "away", "offline"]


class _Msg(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """Replies and pushes are read tolerantly: a field this side does not know is ignored, so
    a newer server can add fields without breaking installed apps."""


class _Data(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Data inside replies and pushes; a field at its default is not sent, so an event
    pays only for the fields it uses."""


# Every struct below repeats ``frozen=True``: msgspec inherits it, but type checkers follow
# PEP 681, under which a subclass that does not say so is not frozen.
ReplyT = TypeVar("ReplyT", bound="Reply")


# --- Data carried inside replies and pushes -------------------------------------------------


class Mention(_Data, frozen=True):
    """``@user`` in a message's text, as the server found it: code points ``start`` (the
    ``@``) to ``end`` (exclusive) of the text name a member of the channel."""

    user: str
    start: int
    end: int


class Reactions(_Data, frozen=True):
    """One emoji on a message and who put it there, in the order they did."""

    emoji: str
    users: list[str]


class Attachment(_Data, frozen=True):
    """A file attached to a message: its content's SHA-256 (the key to download it with),
    its ``size`` in bytes (0 allowed), the ``name`` it had on the sending device and its
    ``mime`` type; for an image its ``width`` and ``height`` in pixels and a ``thumbnail``
    (a JPEG or PNG of at most 16 KiB and 320 pixels on the longer side, made by the sending
    device), so that a chat shows it before anything is downloaded. Read tolerantly, also
    inside ``send``, so that it can grow like any structure."""

    sha256: Sha256
    size: NonNegative
    name: FileName
    mime: MimeType = "application/octet-stream"
    width: Positive | None = None
    height: Positive | None = None
    thumbnail: Thumbnail = b""


class Event(_Data, frozen=True):
    """One entry of a channel's timeline. ``seq`` is gap-free per channel; ``pos`` is its
    position in the stream of the user who receives it, which sync cursors count in (0 in a
    history page). ``ts`` is server time in ms, when the server stored it; ``written``, for a
    message, the time its writer's device says it was written (ms, between the device's
    creation and ``ts``), None if it did not say.

    ``kind`` is one of ``EventKind`` from this version's server; an app reads any string.
    A ``reaction``, ``edit`` or ``delete`` changes the message ``target`` (a seq of the same
    channel). A message carries its state as the server held it when this copy was made:
    ``text`` as last edited (empty once deleted), ``edited`` (the seq of the latest edit),
    ``deleted``, ``reactions``, and ``changed``, the seq of the latest event reflected in
    that state: an app applies a change event to it only if the event's seq is higher."""

    channel: int
    seq: int
    pos: int
    kind: str
    sender: str
    ts: int
    text: str = ""
    client_id: str | None = None
    subject: str | None = None  # the member added, removed or leaving
    name: str | None = None  # the group's name for "created" and "renamed"
    written: int | None = None
    reply_to: int | None = None  # a message: the seq of the message it answers
    # Tuples, not lists: a default tuple is shared, where msgspec makes every event that
    # leaves a list out a new empty list (which doubled the time to decode a sync page).
    mentions: tuple[Mention, ...] = ()  # a message or an edit: who its text names
    target: int | None = None  # a reaction, edit or delete: the seq of the message it changes
    emoji: str | None = None  # a reaction: the emoji
    removed: bool = False  # a reaction: the sender took the emoji back
    edited: int | None = None
    deleted: bool = False
    reactions: tuple[Reactions, ...] = ()
    changed: int | None = None
    # A message: its files (the text is their caption); empty once deleted.
    attachments: tuple[Attachment, ...] = ()


class Receipt(_Data, frozen=True):
    """How far another member has got in a channel: ``delivered``, the highest seq stored on
    at least one of their devices; ``read``, the highest they read (0 while they keep read
    receipts to themselves)."""

    channel: int
    user: str
    delivered: int
    read: int


class ChannelInfo(_Data, frozen=True):
    """A channel as the asking user sees it. ``active`` is false once the user has left or
    was removed; such a channel carries no members and no later events. ``receipts`` holds
    the other members' receipts, from a server with the ``receipts`` feature."""

    id: int
    kind: ChannelKind
    name: str
    members: list[str]
    owner: str | None
    last_seq: int
    read_seq: int
    active: bool = True
    receipts: list[Receipt] = []
    muted_until: int = 0  # the user's own mute of it (``ChatMute``), in ``channels`` replies
    # The members' display names, by user name, of those who set one (``display_names``).
    display_names: dict[str, str] = {}


class ReadCursor(_Data, frozen=True):
    """The user's read position in a channel: the highest over all of the user's devices."""

    channel: int
    seq: int


class DeviceInfo(_Data, frozen=True):
    id: int
    name: str
    created: int
    last_seen: int | None
    current: bool


class QuietHours(_Data, frozen=True):
    """Do not disturb every week from ``start`` to ``end`` (minutes after midnight, each
    device's own local time; past midnight when ``end`` is not after ``start``, a whole
    day when they are equal), beginning on the ``days`` set, while ``on``."""

    on: bool = False
    start: MinuteOfDay = 22 * 60
    end: MinuteOfDay = 7 * 60
    days: WeekDays = 0b1111111


class AccountSettings(_Data, frozen=True):
    """Settings of the account, kept on the server and the same on all its devices."""

    read_receipts: bool = True  # others see when this user read their messages
    # With the ``mute`` feature: notifications wait until this time (``UNTIL_TURNED_OFF``:
    # until turned off; 0: off), and whether a mention notifies in a muted chat.
    dnd_until: int = 0
    mentions_when_muted: bool = True
    # With the ``display_names`` feature: the name shown to others ("": none, the user name).
    display_name: str = ""
    # With the ``quiet_hours`` feature: the weekly schedule; None is ``QuietHours()``.
    quiet_hours: QuietHours | None = None


class ChatMute(_Data, frozen=True):
    """The user's mute of a chat, the same on all their devices: no notifications from it
    until ``until`` (``UNTIL_TURNED_OFF``: until unmuted; 0: not muted)."""

    channel: int
    until: int


class PresenceInfo(_Data, frozen=True):
    user: str
    state: PresenceState
    last_seen: int | None  # ms; None if the user was never seen


# --- Requests (client to server) ------------------------------------------------------------


class Request(_Msg, Generic[ReplyT], frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """Requests are read strictly: a field the server does not know is a typo, not a feature.
    So a field left at its default is not sent: an optional field added later reaches only
    servers that announced it. ``ReplyT`` is the reply a request gets when it succeeds (any
    request may get ``Error``)."""

    rid: NonNegative = 0


class Register(Request["Welcome"], tag="register", frozen=True, kw_only=True):
    """Create an account and this device in one step; authenticates the connection."""

    user: UserName
    password: Password
    device: DeviceName
    features: Features = []


class Login(Request["Welcome"], tag="login", frozen=True, kw_only=True):
    """Log in with a password; creates a new named device and authenticates the connection."""

    user: UserName
    password: Password
    device: DeviceName
    features: Features = []


class Hello(Request["Welcome"], tag="hello", frozen=True, kw_only=True):
    """Authenticate this connection as an existing device."""

    device_id: Positive
    token: Annotated[str, msgspec.Meta(max_length=256)]
    features: Features = []


class Logout(Request["Ok"], tag="logout", frozen=True, kw_only=True):
    """Revoke the calling device; its credential stops working."""


class ListDevices(Request["DeviceList"], tag="list_devices", frozen=True, kw_only=True):
    pass


class RevokeDevice(Request["Ok"], tag="revoke_device", frozen=True, kw_only=True):
    device_id: Positive


class ChangePassword(Request["Ok"], tag="change_password", frozen=True, kw_only=True):
    """Change the account's password, proving the current one; every device stays signed
    in. Limited like logins. Only with the ``password`` feature."""

    current: Password
    new: Password


class OpenDirect(Request["ChannelReply"], tag="open_direct", frozen=True, kw_only=True):
    """Get (creating on first use) the 1:1 channel with ``user``."""

    user: UserName


class CreateGroup(Request["ChannelReply"], tag="create_group", frozen=True, kw_only=True):
    name: GroupName
    members: UserList = []


class RenameGroup(Request["ChannelReply"], tag="rename_group", frozen=True, kw_only=True):
    channel: Positive
    name: GroupName


class AddMembers(Request["ChannelReply"], tag="add_members", frozen=True, kw_only=True):
    channel: Positive
    users: UserList


class RemoveMember(Request["ChannelReply"], tag="remove_member", frozen=True, kw_only=True):
    channel: Positive
    user: UserName


class LeaveChannel(Request["Ok"], tag="leave_channel", frozen=True, kw_only=True):
    channel: Positive


class ListChannels(Request["ChannelList"], tag="list_channels", frozen=True, kw_only=True):
    """The snapshot a device starts from: every channel the user is in, with cursors, in
    order of id. A list too long for one frame comes in pages: ask again with ``after`` the
    last id received while the reply says ``more`` (only a server that says ``more`` takes
    ``after``)."""

    after: NonNegative | None = None


class Send(Request["Sent"], tag="send", frozen=True, kw_only=True):
    """Post a text message. ``client_id`` makes it idempotent: a retry gets the first answer.
    ``written`` is when the user wrote it (ms, the device's clock), which a message that
    waited offline keeps; send it only to a server whose ``welcome`` has ``written`` set.
    ``reply_to`` (the seq of a message it answers) only with the ``lifecycle`` feature.
    ``attachments``, files stored on the server before (``upload_begin``), only with the
    ``attachments`` feature; the text, their caption, may then be empty."""

    channel: Positive
    client_id: ClientId
    text: Text
    written: NonNegative | None = None
    reply_to: Positive | None = None
    attachments: Annotated[
        list[Attachment], msgspec.Meta(max_length=limits.MAX_ATTACHMENTS_PER_MESSAGE)
    ] = []


class React(Request["Sent"], tag="react", frozen=True, kw_only=True):
    """Put ``emoji`` on the message ``seq``, or take it back (``remove``). The user's
    reaction counts once whichever of their devices sent it. Idempotent by ``client_id``."""

    channel: Positive
    seq: Positive
    client_id: ClientId
    emoji: Annotated[str, msgspec.Meta(min_length=1, max_length=limits.MAX_EMOJI_CHARS)]
    remove: bool = False


class Edit(Request["Sent"], tag="edit", frozen=True, kw_only=True):
    """Replace the text of the sender's own message ``seq``. Idempotent by ``client_id``."""

    channel: Positive
    seq: Positive
    client_id: ClientId
    text: Text


class Delete(Request["Sent"], tag="delete", frozen=True, kw_only=True):
    """Delete the message ``seq`` for everyone: its sender may, and a group's owner may
    delete any message of the group. Idempotent by ``client_id``."""

    channel: Positive
    seq: Positive
    client_id: ClientId


class GetReceipts(Request["ReceiptList"], tag="get_receipts", frozen=True, kw_only=True):
    """The other members' receipts in these channels, as they are now: what a device asks
    after catching up, since receipts move without taking stream positions. Only with the
    ``receipts`` feature."""

    channels: Annotated[list[Positive], msgspec.Meta(max_length=limits.MAX_USERS_PER_REQUEST)]


class UpdateSettings(Request["SettingsReply"], tag="update_settings", frozen=True, kw_only=True):
    """Change the account's settings; a field left out stays as it is. Only with the
    ``receipts`` feature; ``dnd_until`` and ``mentions_when_muted`` only with ``mute``;
    ``display_name`` ("" for none) only with ``display_names``."""

    read_receipts: bool | None = None
    dnd_until: NonNegative | None = None
    mentions_when_muted: bool | None = None
    display_name: TypedDisplayName | None = None
    quiet_hours: QuietHours | None = None  # the whole schedule; only with ``quiet_hours``


class MuteChat(Request["Muted"], tag="mute_chat", frozen=True, kw_only=True):
    """Mute a chat the user is in until ``until`` (ms since the epoch, in the future, or
    ``UNTIL_TURNED_OFF``), or unmute it (0), on all the user's devices. Only with the
    ``mute`` feature."""

    channel: Positive
    until: NonNegative


class History(Request["HistoryPage"], tag="history", frozen=True, kw_only=True):
    """Events of a channel older than ``before`` (newest first page if ``before`` is None),
    returned in ascending ``seq`` order."""

    channel: Positive
    before: Positive | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=limits.MAX_HISTORY_PAGE)] = 100


class Sync(Request["SyncPage"], tag="sync", frozen=True, kw_only=True):
    """Everything for this user after stream position ``after``. Asking for ``after``
    confirms the device has stored everything up to it, unless ``confirm`` names a lower
    position (a device that asks for the next page while still storing this one);
    ``after`` None resumes from the cursor the server kept for this device."""

    after: NonNegative | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=limits.MAX_SYNC_PAGE)] = 500
    confirm: NonNegative | None = None


class MarkRead(Request["Ok"], tag="mark_read", frozen=True, kw_only=True):
    channel: Positive
    seq: NonNegative


class Heartbeat(Request["HeartbeatAck"], tag="heartbeat", frozen=True, kw_only=True):
    """Keeps the device present; ``idle`` reports the user as away. ``cursor``, when given,
    confirms the device has stored everything up to that stream position."""

    idle: bool = False
    cursor: NonNegative | None = None


class Bye(Request["Ok"], tag="bye", frozen=True, kw_only=True):
    """This device is leaving on purpose (the app quits): its session ends now, and its user
    goes offline for others at once unless another of their devices is present. Send it only
    to a server whose ``welcome`` has ``bye`` set; older servers refuse unknown requests."""


class Typing(Request["Ok"], tag="typing", frozen=True, kw_only=True):
    channel: Positive


class GetPresence(Request["PresenceList"], tag="get_presence", frozen=True, kw_only=True):
    users: UserList


class GetServerKey(Request["ServerKey"], tag="get_server_key", frozen=True, kw_only=True):
    """Asked of the key service only, before the CURVE session can exist (trust on first use)."""


class UploadBegin(Request["UploadState"], tag="upload_begin", frozen=True, kw_only=True):
    """Begin, or resume, storing a file of ``size`` bytes whose content has this SHA-256.
    An upload is the user's, whichever of their devices sends its chunks; the reply says
    how much of it is stored. Only with the ``attachments`` feature."""

    sha256: Sha256
    size: NonNegative
    name: FileName


class UploadChunk(Request["UploadState"], tag="upload_chunk", frozen=True, kw_only=True):
    """The bytes of an upload from ``offset``, which must be what is stored so far."""

    sha256: Sha256
    offset: NonNegative
    data: ChunkData


class Download(Request["FileChunk"], tag="download", frozen=True, kw_only=True):
    """Up to ``length`` bytes of a stored file from ``offset``."""

    sha256: Sha256
    offset: NonNegative = 0
    length: ChunkLength = limits.MAX_CHUNK_BYTES


AnyRequest = (
    Register
    | Login
    | Hello
    | Logout
    | ListDevices
    | RevokeDevice
    | ChangePassword
    | OpenDirect
    | CreateGroup
    | RenameGroup
    | AddMembers
    | RemoveMember
    | LeaveChannel
    | ListChannels
    | Send
    | React
    | Edit
    | Delete
    | GetReceipts
    | UpdateSettings
    | MuteChat
    | History
    | Sync
    | MarkRead
    | Heartbeat
    | Bye
    | Typing
    | GetPresence
    | GetServerKey
    | UploadBegin
    | UploadChunk
    | Download
)


class Bundle(_Msg, tag="bundle", frozen=True, kw_only=True):
    """Several messages in one frame, each item a whole message body as it would travel
    alone (requests from an app, replies and pushes from a server), read and answered in
    order. Sending many small messages at once costs far less as one frame: ZeroMQ, CURVE
    and the kernel pay per frame. Only between peers that agreed to it (FEATURE_BUNDLES);
    a bundle never holds another."""

    items: Annotated[
        list[msgspec.Raw], msgspec.Meta(min_length=1, max_length=limits.MAX_BUNDLE_ITEMS)
    ]


# Requests that may be sent again when it is unknown whether the first one arrived: doing
# them twice has the same effect as once. The others (creating a group, leaving, revoking...)
# are reported to the caller as possibly applied instead of being repeated.
IDEMPOTENT_REQUESTS: tuple[type[Request], ...] = (
    Hello,
    Heartbeat,
    Bye,
    Send,
    React,
    Edit,
    Delete,
    GetReceipts,
    UpdateSettings,
    MuteChat,
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
    UploadBegin,
    # A chunk sent twice is stored once: the second gets ``upload_offset`` naming the
    # offset the upload has reached, from which the client goes on.
    UploadChunk,
    Download,
)


# --- Replies (server to client, one per request) --------------------------------------------


class Reply(_Msg, frozen=True, omit_defaults=True):
    """A field at its default is not sent, so an app from before that field was added reads
    the reply as it always did."""

    rid: int


class Error(Reply, tag="error", frozen=True, kw_only=True):
    code: str
    message: str
    retry_after: float | None = None
    offset: int | None = None  # ``upload_offset``: the offset the upload expects next


class Ok(Reply, tag="ok", frozen=True, kw_only=True):
    pass


class Welcome(Reply, tag="welcome", frozen=True, kw_only=True):
    """The connection is now this device. ``token`` is set only when the device was just
    created (Register, Login) and is never sent again. ``heartbeat_interval`` is how often
    the server wants a heartbeat, in seconds (None from servers that predate it: 5).
    ``bye`` says the server takes ``Bye``; ``written``, that it takes ``Send.written``."""

    user: str
    device_id: int
    token: str | None = None
    sync_cursor: int
    head: int
    heartbeat_interval: float | None = None
    bye: bool = False
    # The database's identity; a new one means the server was restored from a backup and
    # positions and sequence numbers this device saw may mean other events now.
    epoch: str | None = None
    written: bool = False
    features: list[str] = []  # what this server offers (FEATURE_LIFECYCLE, FEATURE_RECEIPTS)
    settings: AccountSettings | None = None  # from a server with FEATURE_RECEIPTS
    mutes: list[ChatMute] = []  # the chats muted now, from a server with FEATURE_MUTE
    # With FEATURE_ATTACHMENTS: the largest file it stores, in bytes (None: no limit).
    max_file_bytes: int | None = None
    # The chat endpoints (tcp://host:port) of all the nodes serving this service, which share
    # one key pair: where the device may go when its node stops answering. Empty from a
    # server of one node, or from one that predates nodes.
    nodes: list[str] = []


class DeviceList(Reply, tag="devices", frozen=True, kw_only=True):
    devices: list[DeviceInfo]


class ChannelReply(Reply, tag="channel", frozen=True, kw_only=True):
    channel: ChannelInfo


class ChannelList(Reply, tag="channels", frozen=True, kw_only=True):
    channels: list[ChannelInfo]
    head: int  # stream position the snapshot is current to
    more: bool = False  # the list goes on past the last channel here: ask with ``after``


class Sent(Reply, tag="sent", frozen=True, kw_only=True):
    """``written`` is the time of writing as stored (see ``Event``), None if not given."""

    channel: int
    seq: int
    pos: int
    ts: int
    client_id: str
    written: int | None = None


class HistoryPage(Reply, tag="history_page", frozen=True, kw_only=True):
    channel: int
    events: list[Event]
    more: bool  # older events exist


class SyncPage(Reply, tag="sync_page", frozen=True, kw_only=True):
    """Events and read cursors in stream order after the asked position. ``channels`` holds a
    fresh snapshot of every channel whose membership or name changed within the page.
    Continue with ``Sync(after=next)`` while ``more`` is true."""

    events: list[Event]
    reads: list[ReadCursor]
    channels: list[ChannelInfo]
    next: int
    more: bool


class ReceiptList(Reply, tag="receipts", frozen=True, kw_only=True):
    receipts: list[Receipt]


class SettingsReply(Reply, tag="settings", frozen=True, kw_only=True):
    settings: AccountSettings


class Muted(Reply, tag="muted", frozen=True, kw_only=True):
    mute: ChatMute


class HeartbeatAck(Reply, tag="heartbeat_ack", frozen=True, kw_only=True):
    head: int  # the head of this user's stream; sync if behind


class PresenceList(Reply, tag="presence", frozen=True, kw_only=True):
    presence: list[PresenceInfo]


class ServerKey(Reply, tag="server_key", frozen=True, kw_only=True):
    public_key: str  # Z85, 40 characters
    fingerprint: str


class UploadState(Reply, tag="upload_state", frozen=True, kw_only=True):
    """How many bytes of an upload are stored; ``complete`` once the whole file is stored
    under its SHA-256 and may be attached to a message."""

    sha256: str
    stored: int
    complete: bool


class FileChunk(Reply, tag="file_chunk", frozen=True, kw_only=True):
    """Bytes of a stored file of ``size`` bytes, from ``offset``; fewer than asked only at
    the file's end."""

    sha256: str
    offset: int
    size: int
    data: bytes


# --- Pushes (server to client, unrequested) -------------------------------------------------


class Push(_Msg, frozen=True, omit_defaults=True):
    """A field at its default is not sent, as in replies."""


class EventPush(Push, tag="event", frozen=True, kw_only=True):
    event: Event


class ChannelPush(Push, tag="channel_changed", frozen=True, kw_only=True):
    channel: ChannelInfo


class ReadPush(Push, tag="read", frozen=True, kw_only=True):
    read: ReadCursor
    pos: int


class ReceiptPush(Push, tag="receipt", frozen=True, kw_only=True):
    """Another member's receipt in a channel moved forward."""

    receipt: Receipt


class SettingsPush(Push, tag="settings_changed", frozen=True, kw_only=True):
    """Another device of this account changed its settings."""

    settings: AccountSettings


class MutedPush(Push, tag="chat_muted", frozen=True, kw_only=True):
    """Another device of this user muted or unmuted a chat."""

    mute: ChatMute


class ProfilePush(Push, tag="profile_changed", frozen=True, kw_only=True):
    """A user who shares a chat with this one changed their display name ("": none). Only
    to apps that read tolerantly, from a server with the ``display_names`` feature."""

    user: str
    display_name: str = ""


class PresencePush(Push, tag="presence_changed", frozen=True, kw_only=True):
    presence: PresenceInfo


class TypingPush(Push, tag="typing", frozen=True, kw_only=True):
    channel: int
    user: str


class NewDevicePush(Push, tag="new_device", frozen=True, kw_only=True):
    """A new device signed in to this account (``login``): told to the account's other
    connected devices at once. Only with the ``device_alerts`` feature."""

    device: DeviceInfo


class RevokedPush(Push, tag="revoked", frozen=True, kw_only=True):
    """This device was revoked; the connection is no longer authenticated."""


class GoingAwayPush(Push, tag="going_away", frozen=True, kw_only=True):
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
    | ReceiptList
    | SettingsReply
    | Muted
    | HeartbeatAck
    | PresenceList
    | ServerKey
    | UploadState
    | FileChunk
    | EventPush
    | ChannelPush
    | ReadPush
    | ReceiptPush
    | SettingsPush
    | MutedPush
    | ProfilePush
    | PresencePush
    | TypingPush
    | NewDevicePush
    | RevokedPush
    | GoingAwayPush
)


class _RidOnly(msgspec.Struct):
    rid: int = 0


class _Envelope(msgspec.Struct):
    """What can be read of any server message, even one of a type this version lacks."""

    type: str = ""
    rid: int | None = None


KNOWN_SERVER_TYPES: frozenset[str] = frozenset(
    str(t.__struct_config__.tag) for t in AnyServerMessage.__args__
)


# What decoding hostile bytes can raise besides msgspec's own errors: deep nesting exhausts
# the recursion limit, and a string field may hold invalid UTF-8.
UNDECODABLE = (msgspec.DecodeError, RecursionError, UnicodeDecodeError, ValueError)


def why_undecodable(error: Exception) -> str:
    """A sentence for the user saying why a body in ``UNDECODABLE`` failed to decode."""
    if isinstance(error, RecursionError):
        return "the body nests arrays or maps too deeply to be read"
    if isinstance(error, UnicodeDecodeError):
        return "the body holds text that is not valid UTF-8"
    if isinstance(error, msgspec.ValidationError):
        return f"the request does not fit the protocol: {explain_validation(str(error))}"
    if isinstance(error, msgspec.DecodeError):
        return f"the body is not valid MessagePack: {error}"
    return "the body holds a value that cannot be read"


def describe_tag(tag: bytes) -> str:
    """A protocol tag as a user may be shown it: quoted if it is short printable text."""
    text = tag.decode("ascii", errors="replace")
    if len(tag) <= 40 and text.isascii() and text.isprintable():
        return f"'{text}'"
    return f"a tag of {len(tag)} bytes that is not a protocol name"


_encoder = msgspec.msgpack.Encoder()
_request_decoder: msgspec.msgpack.Decoder[AnyRequest | Bundle] = msgspec.msgpack.Decoder(
    AnyRequest | Bundle
)
_server_decoder: msgspec.msgpack.Decoder[AnyServerMessage | Bundle] = msgspec.msgpack.Decoder(
    AnyServerMessage | Bundle
)
_rid_decoder = msgspec.msgpack.Decoder(_RidOnly)
_envelope_decoder = msgspec.msgpack.Decoder(_Envelope)


def encode(message: msgspec.Struct) -> bytes:
    """Serialise any protocol message to a frame body."""
    return _encoder.encode(message)


def decode_request(body: bytes) -> AnyRequest | Bundle:
    """Parse a client frame body (or a bundle's item); raises ``msgspec.DecodeError`` (a
    ``ValidationError`` for wrong types or values) naming the offending field."""
    return _request_decoder.decode(body)


def decode_server_message(body: bytes) -> Reply | Push | Bundle:
    """Parse a server frame body (or a bundle's item)."""
    return _server_decoder.decode(body)


def bundle_bodies(bodies: list[bytes]) -> bytes:
    """One frame body carrying these encoded messages, in order (``Bundle``)."""
    return _encoder.encode(Bundle(items=[msgspec.Raw(body) for body in bodies]))


def peek_envelope(body: bytes) -> "_Envelope | None":
    """The type and request id of a server message that did not decode, to tell a newer
    server's message type (ignorable) from a broken frame; None if not even that reads."""
    try:
        return _envelope_decoder.decode(body)
    except UNDECODABLE:
        return None


def salvage_rid(body: bytes) -> int:
    """Best-effort request id from a body that failed to decode, so the error reaches the
    right waiter; 0 when nothing can be recovered."""
    try:
        rid = _rid_decoder.decode(body).rid
    except UNDECODABLE:
        return 0
    return rid if isinstance(rid, int) and rid >= 0 else 0
