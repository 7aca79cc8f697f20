"""Qt item models over the cache: the chat list, and one conversation paged by sequence."""

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.cache.store import Cache
from desktop.cache.views import ChannelView, MessageView

ChannelRole = Qt.ItemDataRole.UserRole + 1
MessageRole = Qt.ItemDataRole.UserRole + 2
PresenceRole = Qt.ItemDataRole.UserRole + 3
FIRST_PAGE = 30  # events read when a conversation opens, as Telegram Desktop does
OLDER_PAGE = 100  # events read per scroll-back step
Index = QModelIndex | QPersistentModelIndex


class ChannelListModel(QAbstractListModel):
    """Chats, most recent first, re-read from the cache (one query) when something changes."""

    def __init__(self, cache: Cache) -> None:
        super().__init__()
        self._cache = cache
        self._rows: list[ChannelView] = []
        self._presence: dict[str, str] = {}

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = [c for c in self._cache.channels() if c.active]
        self.endResetModel()

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
            return channel.title
        if role == ChannelRole:
            return channel
        if role == PresenceRole:
            return self._presence.get(channel.title) if channel.kind == "direct" else None
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
    Opens with the newest page only and reads older pages as the view scrolls up."""

    def __init__(self, cache: Cache, channel_id: int) -> None:
        super().__init__()
        self._cache = cache
        self.channel_id = channel_id
        self._rows: list[MessageView] = cache.messages(channel_id, limit=FIRST_PAGE)
        self._exhausted = False  # nothing older in the cache

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
        return len(older)

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
        if message.channel != self.channel_id:
            return
        if message.client_id is not None:
            self._drop_pending(message.client_id)
        if message.seq is None or any(m.seq == message.seq for m in self._rows):
            return
        if self._rows and message.seq < self.oldest_seq():
            return  # history paging brings it when the user scrolls there
        row = self._insert_position(message.seq)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, message)
        self.endInsertRows()

    def update_outbox(self, message: MessageView) -> None:
        """A message queued, sent or failed."""
        if message.channel != self.channel_id:
            return
        if message.seq is not None:
            self.add(message)
            return
        for row, existing in enumerate(self._rows):
            if existing.client_id == message.client_id and existing.seq is None:
                self._rows[row] = message
                index = self.index(row)
                self.dataChanged.emit(index, index)
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
