"""What the cache hands out: plain, immutable snapshots the GUI and the CLI can keep."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from shared.protocol import CHANGE_KINDS, EventKind

MessageState = Literal["sent", "pending", "failed"]
KNOWN_KINDS: frozenset[str] = frozenset(get_args(EventKind))


@dataclass(frozen=True)
class MentionView:
    """``@user`` in a message's text: code points ``start`` (the ``@``) to ``end``."""

    user: str
    start: int
    end: int


@dataclass(frozen=True)
class ReactionView:
    """One emoji on a message and who put it there, in the order they did."""

    emoji: str
    users: tuple[str, ...]


@dataclass(frozen=True)
class QuoteView:
    """The message a reply answers, as it is now: its latest text, or deleted."""

    seq: int
    sender: str
    text: str  # empty once deleted
    edited: bool
    deleted: bool


@dataclass(frozen=True)
class AttachmentView:
    """A file attached to a message: what the message says of it (docs/protocol.md,
    "Attachments": its SHA-256, size, name, type, an image's size in pixels and thumbnail,
    a JPEG or PNG of at most 320 pixels, empty for none) and ``path``, where this device
    holds its bytes: downloaded, or the user's own copy taken when it was sent; None until
    then (``SyncEngine.download`` fetches it)."""

    index: int  # its place among the message's files, as ``download`` names it
    sha256: str
    size: int  # bytes
    name: str
    mime: str
    width: int | None
    height: int | None
    thumbnail: bytes = field(repr=False)
    path: Path | None = None


@dataclass(frozen=True)
class MessageView:
    """A timeline entry, or an entry of the outbox (``seq`` None).

    ``kind`` is ``message``, a membership change (``member_added``...), a change to a
    message (``reaction``, ``edit``, ``delete``: only outbox entries and ``MessageUpdated``
    show these; they change their ``target`` rather than being shown), or a kind this
    version does not know (``unknown``: show a placeholder). A message's state is its
    latest: ``text`` as last edited (empty once deleted), with this device's changes still
    in the outbox applied (``changes`` lists them, pending or failed)."""

    channel: int
    seq: int | None  # None until the server acknowledged it
    kind: str  # "message", or a membership change such as "member_added"
    sender: str
    text: str
    ts: int  # server time in ms; local time of writing while pending
    state: MessageState = "sent"
    client_id: str | None = None
    error: str | None = None  # why the server refused it, when failed
    subject: str | None = None
    name: str | None = None
    written: int | None = None  # the time of writing in ms, as the writer's device gave it
    to_user: str | None = None  # in the outbox for a direct chat not opened yet (channel 0)
    reply_to: int | None = None  # the seq of the message this one answers
    quote: QuoteView | None = None  # that message, when this device holds it
    mentions: tuple[MentionView, ...] = ()
    # False while the server's finding of whom the text names has not come: the user's own
    # message or edit, stored from the server's acknowledgement until its copy comes.
    mentions_known: bool = True
    mentions_me: bool = False  # someone else's message that names this device's user
    edited: bool = False
    deleted: bool = False
    reactions: tuple[ReactionView, ...] = ()
    target: int | None = None  # a change: the seq of the message it changes
    emoji: str | None = None  # a reaction
    removed: bool = False  # a reaction taken back
    changes: tuple["MessageView", ...] = ()  # this device's changes to it not stored yet
    attachments: tuple[AttachmentView, ...] = ()  # its files; ``text`` is their caption

    @property
    def unknown(self) -> bool:
        """An event of a kind this version of Tidings does not know: shown as a placeholder."""
        return self.kind not in KNOWN_KINDS

    @property
    def is_change(self) -> bool:
        """A reaction, edit or deletion of the message ``target``."""
        return self.kind in CHANGE_KINDS

    @property
    def shown_ts(self) -> int:
        """The time to show: when it was written, as Signal does; a message written
        offline keeps its time rather than the server's later one. Messages from servers
        or devices that predate times of writing show the server's."""
        return self.written if self.written is not None else self.ts

    @classmethod
    def stored(
        cls,
        channel: int,
        seq: int,
        kind: str,
        sender: str,
        text: str,
        ts: int,
        client_id: str | None,
        subject: str | None,
        name: str | None,
        written: int | None = None,
    ) -> "MessageView":
        """A stored event's view, made without the generated ``__init__``: that sets each
        field through ``object.__setattr__``, which was a tenth of storing a sync page. The
        fields of messages that change keep their defaults (a dataclass keeps a field's
        default on the class, where the instance finds it): see ``with_state``."""
        view = _new(cls)
        _set(view, "__dict__", {
            "channel": channel,
            "seq": seq,
            "kind": kind,
            "sender": sender,
            "text": text,
            "ts": ts,
            "state": "sent",
            "client_id": client_id,
            "error": None,
            "subject": subject,
            "name": name,
            "written": written,
            "to_user": None,
        })  # fmt: skip
        return view

    def with_state(
        self,
        reply_to: int | None,
        mentions: tuple[MentionView, ...],
        mentions_me: bool,
        edited: bool,
        deleted: bool,
        target: int | None = None,
        emoji: str | None = None,
        removed: bool = False,
        reactions: tuple[ReactionView, ...] = (),
        mentions_known: bool = True,
    ) -> "MessageView":
        """A view made by ``stored`` with the state of a message that changes (or the
        details of a change), set in place: the view is new and not shared yet."""
        self.__dict__.update(
            reply_to=reply_to,
            mentions=mentions,
            mentions_known=mentions_known,
            mentions_me=mentions_me,
            edited=edited,
            deleted=deleted,
            target=target,
            emoji=emoji,
            removed=removed,
            reactions=reactions,
        )
        return self


_new, _set = object.__new__, object.__setattr__


@dataclass(frozen=True)
class ChannelView:
    id: int
    kind: str
    name: str
    title: str  # what to call it: the group's name, or the other person in a direct chat
    members: tuple[str, ...]
    owner: str | None
    active: bool
    last_seq: int
    read_seq: int
    unread: int
    last_ts: int
    muted: bool  # muted now (when the view was read)
    preview: MessageView | None  # the newest message, for the chat list
    unread_mentions: int = 0  # others' messages after read_seq that mention the user
    muted_until: int = 0  # ms; protocol.UNTIL_TURNED_OFF: until unmuted; 0: not muted
    display_name: str = ""  # a direct chat: the other person's display name ("": none)

    @property
    def shown_title(self) -> str:
        """What the window calls the chat: a direct chat by the other person's display
        name when they set one (``title`` stays their user name, which tells people apart)."""
        return self.display_name or self.title

    @property
    def target(self) -> str:
        """How the CLI names the channel: ``@user`` or ``#group``."""
        return f"@{self.title}" if self.kind == "direct" else f"#{self.name}"


@dataclass(frozen=True)
class SearchHit:
    message: MessageView
    spans: tuple[tuple[int, int], ...]  # (start, end) character offsets of matches in text
    rank: float  # lower is better (bm25)


@dataclass(frozen=True)
class PresenceView:
    user: str
    state: str
    last_seen: int | None
