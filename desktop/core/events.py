"""Typed events the sync engine emits; the GUI and the CLI subscribe to them."""

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from desktop.cache.views import ChannelView, MessageView, PresenceView
from shared.protocol import AccountSettings

if TYPE_CHECKING:  # quiet.py emits these events
    from desktop.core.quiet import Quiet


class EngineState(StrEnum):
    OFFLINE = "offline"  # no server reachable; everything cached can still be read
    CONNECTING = "connecting"
    SYNCING = "syncing"  # connected, catching up on what was missed
    ONLINE = "online"  # caught up; new messages arrive as they are sent
    FAILED = "failed"  # stopped for good (server key changed, device revoked); see reason


class SignedOutReason(StrEnum):
    """Why the server no longer takes this device: it has to sign in again."""

    REVOKED = "revoked"  # signed out from another device, or by the server's admin
    UNKNOWN = "unknown"  # the server does not know the device's credential (a new database)


@dataclass(frozen=True)
class StateChanged:
    state: EngineState
    reason: str | None = None  # for FAILED: what happened, for the user
    pending: int = 0  # messages waiting in the outbox to be sent
    failed: int = 0  # messages in the outbox the server refused (to retry or discard)
    signed_out: SignedOutReason | None = None  # for FAILED: the device must sign in again


@dataclass(frozen=True)
class MessageAdded:
    """A message or membership change newly stored. If ``message.client_id`` names a
    message shown as pending, this is that message, now stored by the server. ``filled``:
    not news to notify about: an older event fetched to fill a hole in the cache, or one
    that waited on the server before a cache started from a snapshot
    (``desktop.core.news``)."""

    message: MessageView
    filled: bool = False


@dataclass(frozen=True)
class MessageUpdated:
    """An outbox entry changed state (queued, sent, failed). A change to a message
    (``message.is_change``: a reaction, edit or deletion) is an outbox entry too, and is
    never shown as one: its message comes with ``MessageChanged``."""

    message: MessageView


@dataclass(frozen=True)
class MessageChanged:
    """A stored message shows differently now: a reaction, an edit or a deletion was
    stored or queued here, or failed, or whom it mentions became known. ``message`` is
    its whole new view; replace the one shown with the same channel and seq."""

    message: MessageView


@dataclass(frozen=True)
class MessageDiscarded:
    """A failed message was removed from the outbox at the user's request."""

    message: MessageView


@dataclass(frozen=True)
class ChannelChanged:
    channel: ChannelView


@dataclass(frozen=True)
class UnreadChanged:
    """Unread count of a channel changed; ``read_elsewhere`` when another of the user's
    devices read it (notifications for it should be withdrawn). ``unread_mentions``: how
    many of the unread messages mention the user (the chat list's ``@``)."""

    channel: int
    unread: int
    read_seq: int
    read_elsewhere: bool = False
    unread_mentions: int = 0


@dataclass(frozen=True)
class PresenceChanged:
    presence: PresenceView


@dataclass(frozen=True)
class TypingChanged:
    channel: int
    user: str


@dataclass(frozen=True)
class ReceiptsChanged:
    """What the other members of a chat got and read changed: the receipts of the user's
    own messages there may read differently (``Cache.receipts.for_messages``)."""

    channel: int


@dataclass(frozen=True)
class SettingsChanged:
    """The account's settings changed, here or on another device."""

    settings: AccountSettings


@dataclass(frozen=True)
class PeopleChanged:
    """These people's display names changed (``Cache.people``): wherever they are shown,
    they show differently now."""

    users: frozenset[str]


@dataclass(frozen=True)
class QuietChanged:
    """Do not disturb changed, here or on another device (``desktop.core.quiet.Quiet``; a
    muted chat comes as ``ChannelChanged``)."""

    quiet: "Quiet"


@dataclass(frozen=True)
class SyncProgress:
    """Catching up: ``fetched`` of the ``total`` entries of the user's stream between where
    this device was and the stream's head (positions count only the user's own stream, so
    their difference is the number of entries to fetch)."""

    fetched: int
    total: int


@dataclass(frozen=True)
class Synced:
    """The device caught up with the server at ``at`` (ms since the epoch, this device's
    clock); kept in the cache, so it is known after a restart too."""

    at: int


@dataclass(frozen=True)
class DraftChanged:
    """The text left in a chat's composer changed (empty: no draft any more)."""

    channel: int
    text: str


@dataclass(frozen=True)
class ServerRestored:
    """The server's database was restored from a backup: the cache was reconciled with it.
    ``dropped`` stored events (in ``chats`` chats) are gone because the server no longer
    has them; the outbox was kept."""

    dropped: int
    chats: int

    def describe(self) -> str:
        """One sentence for the user."""
        if not self.dropped:
            return "The server was restored from a backup; this device is in step with it."
        chats = "1 chat" if self.chats == 1 else f"{self.chats} chats"
        return (
            f"The server was restored from a backup; it no longer has {self.dropped} of the "
            f"messages and changes this device had (in {chats}), and they were removed here."
        )


@dataclass(frozen=True)
class NewSignIn:
    """Another device signed in to the account: just now (a server with the
    ``device_alerts`` feature pushes it), or while this device was away (found in the devices
    list once connected again). Told once for each device (``desktop.core.sign_ins``)."""

    device_id: int
    name: str
    created: int  # ms since the epoch


@dataclass(frozen=True)
class UploadProgress:
    """File ``index`` of the outbox message ``client_id`` is going up: the server stores
    ``stored`` of its ``size`` bytes (a resumed upload starts where the server stood). The
    message is sent once all its files are stored; ``MessageUpdated`` then says so."""

    client_id: str
    channel: int
    index: int
    stored: int
    size: int


@dataclass(frozen=True)
class DownloadProgress:
    """File ``index`` of the message ``seq`` of ``channel`` is coming down: ``received``
    of its ``size`` bytes are here. Once it is whole, ``MessageChanged`` brings the message
    with the file's ``path``."""

    channel: int
    seq: int
    index: int
    received: int
    size: int


@dataclass(frozen=True)
class FilesChanged:
    """The files this device holds changed: ``added`` came down, ``removed`` went (over
    the space for files, their messages deleted, the cache cleared, a message with files
    cancelled), by SHA-256. Shown attachments with these files may read differently
    (``AttachmentView.path``)."""

    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CacheCleared:
    """The cache was emptied but for the outbox and the chats (the user's "Clear cache");
    what is shown is read again, and fills as the engine fetches it anew."""


AppEvent = (
    StateChanged
    | ServerRestored
    | MessageAdded
    | MessageUpdated
    | MessageChanged
    | MessageDiscarded
    | ChannelChanged
    | UnreadChanged
    | PresenceChanged
    | TypingChanged
    | ReceiptsChanged
    | SettingsChanged
    | CacheCleared
    | NewSignIn
    | QuietChanged
    | PeopleChanged
    | SyncProgress
    | Synced
    | DraftChanged
    | UploadProgress
    | DownloadProgress
    | FilesChanged
)
