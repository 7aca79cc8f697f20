"""Qt item models over the cache: the chat list, and one conversation paged by sequence."""

from collections.abc import Iterable
from dataclasses import replace

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.cache.receipts import MessageReceipt
from desktop.cache.store import Cache
from desktop.cache.views import ChannelView, MessageView, QuoteView
from desktop.ui.membership import Ended, ended_text, how_ended
from desktop.ui.mute_ends import MuteEnds
from desktop.ui.transfers import TransferBook
from desktop.ui.typing_state import TypingTracker

ChannelRole = Qt.ItemDataRole.UserRole + 1
MessageRole = Qt.ItemDataRole.UserRole + 2
PresenceRole = Qt.ItemDataRole.UserRole + 3
ReceiptRole = Qt.ItemDataRole.UserRole + 4  # the receipt of one of the user's messages
HighlightRole = Qt.ItemDataRole.UserRole + 5  # the message a quote was clicked to show
EndedRole = Qt.ItemDataRole.UserRole + 6  # why a group the user is no longer in ended
DraftRole = Qt.ItemDataRole.UserRole + 7  # the text left in a chat's composer
TypingRole = Qt.ItemDataRole.UserRole + 8  # "typing…" while someone writes in the chat
SenderRole = Qt.ItemDataRole.UserRole + 9  # who wrote the newest message, as shown
MatchRole = Qt.ItemDataRole.UserRole + 10  # what finding a chat by name looks in
TransferRole = Qt.ItemDataRole.UserRole + 11  # a message's files going up or coming down
FIRST_PAGE = 30  # events read when a conversation opens, as Telegram Desktop does
OLDER_PAGE = 100  # events read per scroll-back step, and per step down from far back
AROUND_PAGE = 50  # events read on each side of a message a chat opens at
Index = QModelIndex | QPersistentModelIndex


def match_text(channel: ChannelView) -> str:
    """What finding a chat by name looks in: its name as shown (a direct chat's display
    name) and a direct chat's ``@user`` name, one a line (a search box holds no line
    break, so a match never spans both)."""
    if channel.kind == "direct":
        return f"{channel.shown_title}\n@{channel.title}"
    return channel.shown_title


def matches(channel: ChannelView, typed: str) -> bool:
    """Whether ``typed`` is part of a name the chat goes by, in any case."""
    return typed.casefold() in match_text(channel).casefold()


class ChannelListModel(QAbstractListModel):
    """Chats, most recent first, re-read from the cache (one query) when something changes."""

    def __init__(self, cache: Cache, typing: TypingTracker, me: str = "") -> None:
        super().__init__()
        self._cache = cache
        self._typing = typing
        self._me = me
        self._rows: list[ChannelView] = []
        self._ended: dict[int, str] = {}
        self._presence: dict[str, str] = {}
        self._drafts: dict[int, str] = {}
        self._people: dict[str, str] = {}  # display names, for who is typing or wrote last
        self._mute_ends = MuteEnds(self.reload, self)  # a chat's 🔕 goes when its mute ends
        typing.changed.connect(self._typing_changed)

    def reload(self) -> None:
        """Active chats, and groups the user did not leave themselves (readable still)."""
        self.beginResetModel()
        rows = self._cache.channels()
        ended = {c.id: how_ended(self._cache, c, self._me) for c in rows if not c.active}
        self._rows = [c for c in rows if c.active or ended[c.id] not in (None, Ended.LEFT)]
        self._ended = {i: text for i, how in ended.items() if (text := ended_text(how))}
        self._drafts = self._cache.drafts.all()
        self._people = self._cache.people.all()
        self.endResetModel()
        self._mute_ends.watch(self._rows)

    def _typing_changed(self, channel_id: int) -> None:
        row = self.row_of(channel_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [TypingRole])

    def set_presence(self, user: str, state: str) -> None:
        self._presence[user] = state
        for row, channel in enumerate(self._rows):
            if channel.kind == "direct" and channel.title == user:
                index = self.index(row)
                self.dataChanged.emit(index, index, [PresenceRole])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        channel = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return channel.shown_title
        if role == Qt.ItemDataRole.ToolTipRole and channel.kind == "direct":
            return f"@{channel.title}"  # the user name, which tells people apart
        if role == ChannelRole:
            return channel
        if role == PresenceRole:
            return self._presence.get(channel.title) if channel.kind == "direct" else None
        if role == EndedRole:
            return self._ended.get(channel.id)
        if role == DraftRole:
            return self._drafts.get(channel.id, "")
        if role == TypingRole:
            return self._typing.text(channel.id, channel.kind == "group", self._people)
        if role == MatchRole:
            return match_text(channel)
        if role == SenderRole and channel.preview is not None:
            return self._people.get(channel.preview.sender) or channel.preview.sender
        return None

    def channel_at(self, row: int) -> ChannelView:
        return self._rows[row]

    def row_of(self, channel_id: int) -> int | None:
        for row, channel in enumerate(self._rows):
            if channel.id == channel_id:
                return row
        return None

    def unread_total(self) -> int:
        return sum(c.unread for c in self._rows if not c.muted)


class MessageListModel(QAbstractListModel):
    """One conversation: stored events in sequence order, then messages still in the outbox.
    Opens with the newest page only and reads older pages as the view scrolls up; or, opened
    ``around`` a message (the first unread, a search hit), with a page on each side of it,
    reading newer pages as the view scrolls down until it reaches the newest (``at_newest``).
    Each is one page read from the cache, however far back the message is."""

    def __init__(
        self,
        cache: Cache,
        channel_id: int,
        around: int | None = None,
        transfers: TransferBook | None = None,
    ) -> None:
        super().__init__()
        self._cache = cache
        self.channel_id = channel_id
        self.transfers = transfers if transfers is not None else TransferBook()
        self.at_newest = True  # the newest events (and the outbox) are among the rows
        if around is None:
            self._rows: list[MessageView] = cache.messages(channel_id, limit=FIRST_PAGE)
        else:
            older = cache.messages(channel_id, before=around, limit=AROUND_PAGE)
            newer, self.at_newest = cache.messages_after(channel_id, around - 1, AROUND_PAGE)
            self._rows = [m for m in older if m.seq is not None] + newer
        self._exhausted = False  # nothing older in the cache
        self._receipts: dict[int, MessageReceipt] = {}  # by seq, of the user's messages
        self.highlighted: int | None = None
        self.read_receipts()

    # --- Qt interface ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        message = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return message.text
        if role == MessageRole:
            return message
        if role == ReceiptRole:
            return self._receipts.get(message.seq) if message.seq is not None else None
        if role == HighlightRole:
            return message.seq is not None and message.seq == self.highlighted
        if role == TransferRole:
            return self.transfers.of(message) if message.attachments else None
        return None

    # Qt's own canFetchMore/fetchMore are not used: Qt calls fetchMore when the view reaches
    # its bottom, which suits lists that grow downwards; a conversation grows upwards, and
    # fetching at the bottom would push the newest messages out of sight.

    def can_load_older(self) -> bool:
        return not self._exhausted and self.oldest_seq() > 1

    def load_older(self) -> int:
        """Read the next older page from the cache above the first row; returns the rows
        added (0 once the cache has nothing older)."""
        older = self._cache.messages(self.channel_id, before=self.oldest_seq(), limit=OLDER_PAGE)
        older = [m for m in older if m.seq is not None]
        if not older:
            self._exhausted = True  # the window asks the server for more (see needs_server)
            return 0
        self.beginInsertRows(QModelIndex(), 0, len(older) - 1)
        self._rows[:0] = older
        self.endInsertRows()
        self.read_receipts()
        return len(older)

    def can_load_newer(self) -> bool:
        return not self.at_newest

    def load_newer(self) -> int:
        """Read the next newer page from the cache below the last row (opened far back);
        returns the rows added."""
        if self.at_newest:
            return 0
        newer, self.at_newest = self._cache.messages_after(
            self.channel_id, self.newest_seq(), OLDER_PAGE
        )
        if newer:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(newer) - 1)
            self._rows.extend(newer)
            self.endInsertRows()
            self.read_receipts()
        return len(newer)

    def load_down_to(self, seq: int) -> bool:
        """Read from the cache every event from ``seq`` up to the first row shown (to show
        the message a reply answers); returns whether ``seq`` is shown now."""
        oldest = self.oldest_seq()
        if seq < oldest:
            older = self._cache.messages(self.channel_id, before=oldest, limit=oldest - seq)
            older = [m for m in older if m.seq is not None]
            if older:
                self.beginInsertRows(QModelIndex(), 0, len(older) - 1)
                self._rows[:0] = older
                self.endInsertRows()
                self._requote(older)  # fetched just now: replies shown may quote them
                self.read_receipts()
        return self.row_of_seq(seq) is not None

    # --- changes from the engine ----------------------------------------------------------

    def oldest_seq(self) -> int:
        seqs = [m.seq for m in self._rows if m.seq is not None]
        return min(seqs) if seqs else 0

    def newest_seq(self) -> int:
        seqs = [m.seq for m in self._rows if m.seq is not None]
        return max(seqs) if seqs else 0

    def needs_server(self) -> bool:
        """The cache holds nothing older, but the channel has older events."""
        return self._exhausted and self.oldest_seq() > 1

    def newest_gap(self) -> tuple[int, int] | None:
        """The newest stretch of sequence numbers missing between two rows shown (the cache
        lacks them), as (first, last); None when what is shown is whole."""
        seqs = [m.seq for m in self._rows if m.seq is not None]
        for lower, upper in zip(reversed(seqs[:-1]), reversed(seqs[1:]), strict=True):
            if upper - lower > 1:
                return lower + 1, upper - 1
        return None

    def older_arrived(self) -> None:
        """Older events were fetched into the cache: read them next time."""
        self._exhausted = False

    def add(self, message: MessageView) -> None:
        """A newly stored event, or one of ours leaving the outbox."""
        if message.channel != self.channel_id or message.is_change:
            return
        if message.client_id is not None:
            self._drop_pending(message.client_id)
        self._requote([message])  # shown or not, replies to it shown here can quote it now
        if message.seq is None or any(m.seq == message.seq for m in self._rows):
            return
        if self._rows and message.seq < self.oldest_seq():
            return  # history paging brings it when the user scrolls there
        if not self.at_newest and message.seq > self.newest_seq():
            return  # reading further down brings it
        row = self._insert_position(message.seq)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, message)
        self.endInsertRows()
        if message.sender == self._cache.me:
            self.read_receipts()  # others' devices may have it already

    def change(self, message: MessageView) -> None:
        """A stored message shows differently (a reaction, an edit, a deletion, whom it
        mentions): replace it, and the quote in every reply to it shown here."""
        if message.channel != self.channel_id or message.seq is None:
            return
        row = self.row_of_seq(message.seq)
        if row is not None:
            self._rows[row] = message
            self._changed(row)
        self._requote([message])

    def _quoted(self, reply: MessageView) -> MessageView:
        """A reply with the quote of its original as shown here, when it came without one
        (the outbox's own view names only the seq it answers)."""
        if reply.reply_to is None or reply.quote is not None:
            return reply
        row = self.row_of_seq(reply.reply_to)
        if row is None:
            return reply
        o = self._rows[row]
        return replace(
            reply, quote=QuoteView(reply.reply_to, o.sender, o.text, o.edited, o.deleted)
        )

    def _requote(self, originals: Iterable[MessageView]) -> None:
        """Replies shown quote these messages as they are now."""
        quotes = {
            o.seq: QuoteView(o.seq, o.sender, o.text, o.edited, o.deleted)
            for o in originals
            if o.kind == "message" and o.seq is not None
        }
        if not quotes:
            return
        for row, m in enumerate(self._rows):
            quote = quotes.get(m.reply_to) if m.reply_to is not None else None
            if quote is not None and m.quote != quote:
                self._rows[row] = replace(m, quote=quote)
                self._changed(row)

    def read_receipts(self) -> None:
        """Read the receipts of the user's own messages shown from the cache (one query for
        them all): when the chat opens, rows are added, and receipts change."""
        mine = [m for m in self._rows if m.seq is not None and m.sender == self._cache.me]
        found = self._cache.receipts.for_messages(self.channel_id, mine)
        receipts = {m.seq: r for m, r in zip(mine, found, strict=True)
                    if m.seq is not None and r is not None}  # fmt: skip
        changed = {s for s in receipts.keys() | self._receipts.keys()
                   if receipts.get(s) != self._receipts.get(s)}  # fmt: skip
        self._receipts = receipts
        for seq in changed:
            row = self.row_of_seq(seq)
            if row is not None:
                self._changed(row)

    def transfer_moved(self, client_id: str | None = None, seq: int | None = None) -> None:
        """A file of the outbox message ``client_id``, or of the stored message ``seq``,
        moved on: its row is drawn again."""
        for row, m in enumerate(self._rows):
            if (client_id is not None and m.seq is None and m.client_id == client_id) or (
                seq is not None and m.seq == seq
            ):
                self._changed(row)
                return

    def files_gone(self, gone: frozenset[str]) -> None:
        """These files left this device (``FilesChanged``): the messages shown that carry
        them no longer say where they are."""
        for row, m in enumerate(self._rows):
            if any(a.sha256 in gone and a.path is not None for a in m.attachments):
                files = tuple(
                    replace(a, path=None) if a.sha256 in gone else a for a in m.attachments
                )
                self._rows[row] = replace(m, attachments=files)
                self._changed(row)

    def highlight(self, seq: int | None) -> None:
        """Mark the message ``seq`` (one scrolled to), or none."""
        before, self.highlighted = self.highlighted, seq
        for shown in (before, seq):
            row = self.row_of_seq(shown) if shown is not None else None
            if row is not None:
                self._changed(row)

    def _changed(self, row: int) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def row_of_seq(self, seq: int) -> int | None:
        for row in range(len(self._rows) - 1, -1, -1):
            if self._rows[row].seq == seq:
                return row
        return None

    def last_own(self, me: str) -> MessageView | None:
        """The user's newest message shown that can still be edited (stored, not deleted)."""
        for m in reversed(self._rows):
            if m.sender == me and m.kind == "message" and m.seq is not None and not m.deleted:
                return m
        return None

    def messages(self) -> list[MessageView]:
        """The rows shown, in order."""
        return list(self._rows)

    def update_outbox(self, message: MessageView) -> None:
        """A message queued, sent or failed. A change to a message (a reaction, an edit, a
        deletion) is never a row: its message comes changed (``change``)."""
        if message.channel != self.channel_id or message.is_change:
            return
        message = self._quoted(message)
        if message.seq is not None:
            self.add(message)
            return
        if not self.at_newest:
            return  # shown with the newest, once the user reads down to them
        for row, existing in enumerate(self._rows):
            if existing.client_id == message.client_id and existing.seq is None:
                self._rows[row] = message
                self._changed(row)
                return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
        self._rows.append(message)
        self.endInsertRows()

    def discard(self, client_id: str) -> None:
        """A failed message the user discarded."""
        self._drop_pending(client_id)

    def _drop_pending(self, client_id: str) -> None:
        for row, existing in enumerate(self._rows):
            if existing.seq is None and existing.client_id == client_id:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
                return

    def _insert_position(self, seq: int) -> int:
        """Before any outbox messages, after every stored event with a lower sequence."""
        row = len(self._rows)
        while row > 0:
            before = self._rows[row - 1].seq
            if before is not None and before <= seq:
                break
            row -= 1
        return row

    def message_at(self, row: int) -> MessageView:
        return self._rows[row]
