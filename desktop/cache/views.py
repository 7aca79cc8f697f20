"""What the cache hands out: plain, immutable snapshots the GUI and the CLI can keep."""

from dataclasses import dataclass
from typing import Literal

MessageState = Literal["sent", "pending", "failed"]


@dataclass(frozen=True)
class MessageView:
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
        field through ``object.__setattr__``, which was a tenth of storing a sync page."""
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
    muted: bool
    preview: MessageView | None  # the newest message, for the chat list

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
