"""The checks of one group commit: sends, reactions, edits and deletions are numbered here,
on the socket loop, and each becomes an event row to store, or a refusal
(docs/protocol.md, "Sending" and "Messages that change").

A change may name a message stored long ago or one sent earlier in the same batch, and an
earlier request of the batch may have changed it already (a delete, then an edit): so the
batch keeps what it learned of each message it was asked about, with its own requests'
effects on top of what is stored.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from shared import limits
from shared.emoji import is_one_emoji
from shared.errors import ErrorCode
from shared.files import check_file_name
from shared.mentions import find_mentions
from shared.protocol import Attachment, Delete, Edit, React, Send
from shared.text import BLANK_MESSAGE, is_blank
from syncserver.handlers.base import Call, Context, Refusal, now_ms
from syncserver.sessions import Session
from syncserver.store import Store, accounts, changes, channels, events, files
from syncserver.store import mentions as stored_mentions

Written = Send | React | Edit | Delete
# Requests stored by the group-commit writer rather than by a handler of their own.
WRITTEN_REQUESTS: tuple[type[Written], ...] = (Send, React, Edit, Delete)


@dataclass
class _Message:
    """A message a request of the batch names, as the batch now sees it."""

    pos: int
    sender_id: int
    deleted: bool
    row: dict | None = None  # the row, when the message is new in this batch
    edits: list[dict] = field(default_factory=list)  # edits of it new in this batch
    reactions: dict[str, set[int]] | None = None  # emoji -> users, once a reaction needs it


class Batch:
    """Checks of one group commit, remembering what earlier requests in the batch did.
    ``rows`` are the events to insert, ``changes`` what they do to earlier messages, in
    order."""

    def __init__(self, ctx: Context, pending: list[tuple[Call, Written]]) -> None:
        self._ctx = ctx
        self.rows: list[dict] = []
        self.changes: list[changes.Change] = []
        self._by_client_id: dict[tuple[int, str], dict] = {}
        self._new: dict[tuple[int, int], dict] = {}  # rows of this batch by (channel, seq)
        self._messages: dict[tuple[int, int], _Message] = {}
        # Earlier sends of these ids, looked up once for the whole batch.
        keys = {(call.me.user_id, req.client_id) for call, req in pending if call.session}
        self._stored = events.sent_by_client_ids(self._ctx.store, keys)
        self._read_counters({req.channel for _, req in pending})

    def _read_counters(self, channel_ids: set[int]) -> None:
        """Read what numbering these chats' events takes that is not kept yet, at once."""
        self._ctx.members.load(channel_ids)
        audience = set().union(*(self._ctx.members.of(c) for c in channel_ids))
        self._ctx.sequencer.load(channel_ids, audience)

    @property
    def erases(self) -> bool:
        """Whether the batch deletes a message, whose text must then leave the files."""
        return any(isinstance(change, changes.DeleteApplied) for change in self.changes)

    def prepare(self, call: Call, req: Written) -> dict:
        """The new (or earlier) row for this request; raises ``Refusal``."""
        if isinstance(req, Send):
            return self._send(call.me, req)
        if isinstance(req, React):
            return self._react(call.me, req)
        if isinstance(req, Edit):
            return self._edit(call.me, req)
        return self._delete(call.me, req)

    def _send(self, me: Session, req: Send) -> dict:
        check_text(req.text, captions=bool(req.attachments))
        self._check_member(req.channel, me.user_id)
        earlier = self._earlier(me, req, lambda e: _same_message(e, req))
        if earlier is not None:
            return earlier
        extra: dict = {}
        if req.reply_to is not None:
            if self._message(req.channel, req.reply_to).deleted:
                raise _deleted(req.reply_to, "answered")
            extra["reply_to"] = req.reply_to
        mentions = self._mentions(req.channel, req.text)
        if mentions is not None:
            extra["mentions"] = mentions
        if req.attachments:
            for attachment in req.attachments:
                _check_attachment(self._ctx.store, me.user_id, attachment)
            extra["attachments"] = files.encode_attachments(req.attachments)
            extra["files"] = [a.sha256 for a in req.attachments]  # not a column: see writer
        ts = now_ms()
        written = (
            None if req.written is None else _time_of_writing(self._ctx.store, me, req.written, ts)
        )
        return self._add(me, req, "message", text=req.text, ts=ts, written=written, **extra)

    def _react(self, me: Session, req: React) -> dict:
        if not is_one_emoji(req.emoji):
            raise Refusal(
                ErrorCode.NOT_AN_EMOJI,
                f"a reaction is one emoji from Unicode's emoji list; {req.emoji!r} is not",
            )
        self._check_member(req.channel, me.user_id)
        earlier = self._earlier(me, req, lambda e: _same_reaction(e, req))
        if earlier is not None:
            return earlier
        message = self._live_message(req.channel, req.seq, "reacted to")
        on_it = self._reactions(req.channel, req.seq, message)
        new = not req.remove and req.emoji not in on_it
        if new and len(on_it) >= limits.MAX_REACTIONS_PER_MESSAGE:
            raise Refusal(
                ErrorCode.TOO_MANY_REACTIONS,
                f"message {req.seq} already has {limits.MAX_REACTIONS_PER_MESSAGE} "
                "different emoji; react with one of those",
            )
        row = self._add(me, req, "reaction", target=req.seq, emoji=req.emoji)
        users = on_it.setdefault(req.emoji, set())
        if req.remove:
            row["removed"] = True
            users.discard(me.user_id)
            if not users:
                del on_it[req.emoji]
        else:
            users.add(me.user_id)
        self.changes.append(
            changes.ReactionApplied(
                req.channel, req.seq, message.pos, row["seq"], row["pos"], me.user_id,
                req.emoji, req.remove,
            )
        )  # fmt: skip
        return row

    def _edit(self, me: Session, req: Edit) -> dict:
        check_text(req.text)
        self._check_member(req.channel, me.user_id)
        earlier = self._earlier(me, req, lambda e: _same_edit(e, req))
        if earlier is not None:
            return earlier
        message = self._message(req.channel, req.seq)
        if message.sender_id != me.user_id:
            raise Refusal(
                ErrorCode.NOT_YOUR_MESSAGE, f"message {req.seq} is another member's to edit"
            )
        if message.deleted:
            raise _deleted(req.seq, "edited")
        mentions = self._mentions(req.channel, req.text)
        row = self._add(me, req, "edit", target=req.seq, text=req.text, mentions=mentions)
        message.edits.append(row)
        self.changes.append(changes.EditApplied(message.pos, row["seq"], req.text, mentions))
        return row

    def _delete(self, me: Session, req: Delete) -> dict:
        self._check_member(req.channel, me.user_id)
        earlier = self._earlier(me, req, lambda e: _same_delete(e, req))
        if earlier is not None:
            return earlier
        message = self._message(req.channel, req.seq)
        theirs = message.sender_id != me.user_id
        if theirs and not _owns_group(self._ctx.store, req.channel, me.user_id):
            raise Refusal(
                ErrorCode.NOT_YOUR_MESSAGE,
                f"message {req.seq} is another member's; only its sender, or a group's "
                "owner, may delete it",
            )
        if message.deleted:
            raise _deleted(req.seq, "deleted again")
        row = self._add(me, req, "delete", target=req.seq)
        _forget_text(message, row["seq"])
        self.changes.append(changes.DeleteApplied(req.channel, req.seq, message.pos, row["seq"]))
        return row

    def _add(self, me: Session, req: Written, kind: str, **fields: object) -> dict:
        """A new event row of this batch (``Context.new_event``), in the stream of each
        member."""
        row = self._ctx.new_event(
            req.channel,
            kind,
            me.user_id,
            self._ctx.members.of(req.channel),
            device=me.device_id,
            client_id=req.client_id,
            **fields,
        )
        self.rows.append(row)
        self._by_client_id[(me.user_id, req.client_id)] = row
        self._new[(req.channel, row["seq"])] = row
        return row

    def _earlier(self, me: Session, req: Written, same: Callable[[dict], bool]) -> dict | None:
        """The row an earlier request with this client id stored, if any; refused if that
        was another message or change."""
        key = (me.user_id, req.client_id)
        earlier = self._by_client_id.get(key) or self._stored.get(key)
        if earlier is not None and not same(earlier):
            raise Refusal(
                ErrorCode.ID_REUSED,
                f"id {req.client_id!r} was already used for another message or change",
            )
        return earlier

    def _check_member(self, channel_id: int, user_id: int) -> None:
        if user_id not in self._ctx.members.of(channel_id):
            raise Refusal(ErrorCode.NO_SUCH_CHANNEL, f"you are not in channel {channel_id}")

    def _message(self, channel_id: int, seq: int) -> _Message:
        """The message ``seq`` of the channel as this batch sees it; refused if there is no
        such message (a change or membership event is none)."""
        key = (channel_id, seq)
        message = self._messages.get(key)
        if message is None:
            message = self._messages[key] = self._load(channel_id, seq)
        return message

    def _load(self, channel_id: int, seq: int) -> _Message:
        row = self._new.get((channel_id, seq))
        if row is not None:
            if row["kind"] == "message":
                return _Message(row["pos"], row["sender"], deleted=False, row=row)
        elif seq <= self._ctx.sequencer.last_seq(channel_id):
            stored = changes.event_at(self._ctx.store, channel_id, seq)
            if stored is not None and stored.kind == "message":
                return _Message(stored.pos, stored.sender_id, stored.deleted)
        raise Refusal(ErrorCode.NO_SUCH_MESSAGE, f"channel {channel_id} has no message {seq}")

    def _live_message(self, channel_id: int, seq: int, doing: str) -> _Message:
        message = self._message(channel_id, seq)
        if message.deleted:
            raise _deleted(seq, doing)
        return message

    def _reactions(self, channel_id: int, seq: int, message: _Message) -> dict[str, set[int]]:
        if message.reactions is None:
            key = (channel_id, seq)
            stored = {} if message.row is not None else changes.reactions_of(self._ctx.store, [key])
            message.reactions = {emoji: set(users) for emoji, users in stored.get(key, [])}
        return message.reactions

    def _mentions(self, channel_id: int, text: str) -> str | None:
        """The members ``text`` mentions, encoded for storage; None for none."""
        if "@" not in text:
            return None
        ids = self._ctx.names.of(set(self._ctx.members.of(channel_id)))
        by_name = {name: user_id for user_id, name in ids.items()}
        found = find_mentions(text, by_name)
        return stored_mentions.encode([(by_name[m.user], m.start, m.end) for m in found])


def _forget_text(message: _Message, delete_seq: int) -> None:
    """A message deleted in this batch: what of it is still to be stored goes without its
    text, so the text is never written."""
    message.deleted = True
    message.reactions = {}
    for row in ([message.row] if message.row is not None else []) + message.edits:
        row["text"] = ""
        row.pop("mentions", None)
        row.pop("attachments", None)
        row.pop("files", None)
    if message.row is not None:
        message.row["deleted"] = True
        message.row["changed"] = delete_seq


def _owns_group(store: Store, channel_id: int, user_id: int) -> bool:
    channel = channels.get_channel(store, channel_id)
    return channel is not None and channel.kind == "group" and channel.owner_id == user_id


def _deleted(seq: int, doing: str) -> Refusal:
    return Refusal(ErrorCode.MESSAGE_DELETED, f"message {seq} was deleted and cannot be {doing}")


def _same_message(earlier: dict, req: Send) -> bool:
    """Whether a stored row is this send's (its text compared while it is as sent)."""
    unchanged = not earlier.get("deleted") and earlier.get("edited") is None
    return (
        earlier.get("kind", "message") == "message"
        and earlier["channel"] == req.channel
        and (earlier["text"] == req.text or not unchanged)
        and earlier.get("reply_to") == req.reply_to
    )


def _same_reaction(earlier: dict, req: React) -> bool:
    return (
        earlier.get("kind") == "reaction"
        and earlier["channel"] == req.channel
        and earlier.get("target") == req.seq
        and earlier.get("emoji") == req.emoji
        and bool(earlier.get("removed")) == req.remove
    )


def _same_edit(earlier: dict, req: Edit) -> bool:
    """Whether a stored row is this edit's (its text is empty once its message is gone)."""
    return (
        earlier.get("kind") == "edit"
        and earlier["channel"] == req.channel
        and earlier.get("target") == req.seq
        and earlier["text"] in (req.text, "")
    )


def _same_delete(earlier: dict, req: Delete) -> bool:
    return (
        earlier.get("kind") == "delete"
        and earlier["channel"] == req.channel
        and earlier.get("target") == req.seq
    )


def _time_of_writing(store: Store, me: Session, written: int, ts: int) -> int:
    """The time of writing a device gave, within what can be true: not after the server
    stored the message, nor before the device existed. A device's clock may be off either
    way; the message is then shown at the nearest possible time rather than refused."""
    if me.created is None:
        me.created = accounts.device_created(store, me.device_id)
    return max(min(written, ts), min(me.created, ts))


def _check_attachment(store: Store, user_id: int, attachment: Attachment) -> None:
    """Refuse a file that is not stored whole, not the sender's to attach, or described
    otherwise than it is stored."""
    try:
        check_file_name(attachment.name)
    except ValueError as e:
        raise Refusal(ErrorCode.INVALID, f"attachment {attachment.name[:300]!r}: {e}") from None
    size = files.stored_size(store, attachment.sha256)
    if size is None or not files.may_read(store, user_id, attachment.sha256):
        raise Refusal(
            ErrorCode.NO_SUCH_FILE,
            f"the file {attachment.name!r} ({attachment.sha256}) is not stored whole on the "
            "server, or is not yours to attach; upload it first",
        )
    if size != attachment.size:
        raise Refusal(
            ErrorCode.INVALID,
            f"the file {attachment.name!r} has {size:,} bytes, not {attachment.size:,}",
        )


def check_text(text: str, captions: bool = False) -> None:
    """Refuse a message's (or an edit's) text that is too long or blank; a caption of
    files (``captions``) may be blank."""
    if len(text) > limits.MAX_TEXT_CHARS:
        raise Refusal(
            ErrorCode.MESSAGE_TOO_LONG,
            f"a message holds at most {limits.MAX_TEXT_CHARS:,} characters; this one has "
            f"{len(text):,}",
        )
    if is_blank(text) and not captions:
        raise Refusal(ErrorCode.INVALID, BLANK_MESSAGE)
