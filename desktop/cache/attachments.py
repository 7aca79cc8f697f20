"""Files attached to messages, in the cache: what each stored message carries (from its
event) and what each message in the outbox will carry, read as ``AttachmentView`` with the
place this device holds the file's bytes, if it does (``desktop/cache/local_files.py``).

Thumbnails come with the message, so a chat shows them offline and before any download."""

from collections.abc import Iterable, Sequence
from pathlib import Path

from peewee import Database

from desktop.cache.views import AttachmentView
from shared.protocol import Attachment, Event

_FIELDS = (
    "sha256 TEXT NOT NULL, size INTEGER NOT NULL, name TEXT NOT NULL, mime TEXT NOT NULL, "
    "width INTEGER, height INTEGER, thumbnail BLOB NOT NULL"
)
# The tables, made with the cache and by the upgrade to schema 5.4 (desktop/cache/schema.py).
# An outbox entry's files go with it, however it leaves the outbox (sent, discarded).
ATTACHMENT_TABLES = [
    "CREATE TABLE IF NOT EXISTS attachment (channel INTEGER NOT NULL, seq INTEGER NOT NULL, "
    f"idx INTEGER NOT NULL, {_FIELDS}, PRIMARY KEY (channel, seq, idx))",
    "CREATE INDEX IF NOT EXISTS attachment_sha256 ON attachment (sha256)",
    "CREATE TABLE IF NOT EXISTS outbox_attachment (client_id TEXT NOT NULL, "
    f"idx INTEGER NOT NULL, {_FIELDS}, PRIMARY KEY (client_id, idx))",
    "CREATE INDEX IF NOT EXISTS outbox_attachment_sha256 ON outbox_attachment (sha256)",
    "CREATE TRIGGER IF NOT EXISTS outbox_attachment_gone AFTER DELETE ON outbox BEGIN "
    "DELETE FROM outbox_attachment WHERE client_id = old.client_id; END",
]
Files = tuple[AttachmentView, ...]  # a message's, in order
_COLUMNS = "a.idx, a.sha256, a.size, a.name, a.mime, a.width, a.height, a.thumbnail, l.path"
_HELD = "LEFT JOIN local_file l ON l.sha256 = a.sha256"


class AttachmentBook:
    """The attachments of one cache's messages and outbox entries."""

    def __init__(self, db: Database, folder: Path) -> None:
        self._db = db
        self._folder = folder  # the files folder, which ``local_file`` paths are under

    def store(self, events: Iterable[Event]) -> None:
        """The files new message events carry (inside the caller's transaction)."""
        self._db.cursor().executemany(
            "INSERT OR IGNORE INTO attachment (channel, seq, idx, sha256, size, name, mime, "
            "width, height, thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (e.channel, e.seq, i, *_values(a))
                for e in events
                for i, a in enumerate(e.attachments)
            ],
        )

    def queue(self, client_id: str, attachments: Sequence[Attachment]) -> None:
        """The files an outbox message will carry (inside the caller's transaction)."""
        self._db.cursor().executemany(
            "INSERT INTO outbox_attachment (client_id, idx, sha256, size, name, mime, width, "
            "height, thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(client_id, i, *_values(a)) for i, a in enumerate(attachments)],
        )

    def of_messages(self, channel_id: int, seqs: list[int]) -> dict[int, Files]:
        """The files of these stored messages of a channel, by seq (those with any)."""
        if not seqs:
            return {}
        rows = self._db.execute_sql(
            f"SELECT a.seq, {_COLUMNS} FROM attachment a {_HELD} WHERE a.channel = ? "
            "AND a.seq BETWEEN ? AND ? ORDER BY a.seq, a.idx",
            (channel_id, min(seqs), max(seqs)),
        )
        return self._grouped(rows)

    def of_pairs(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Files]:
        """The files of stored messages of several channels, by (channel, seq)."""
        if not pairs:
            return {}
        values = ", ".join("(?, ?)" for _ in pairs)
        # Each pair looked up by the primary key, however many files the cache holds.
        rows = self._db.execute_sql(
            f"SELECT a.channel, a.seq, {_COLUMNS} FROM (VALUES {values}) AS k "
            f"JOIN attachment a ON a.channel = k.column1 AND a.seq = k.column2 {_HELD} "
            "ORDER BY a.channel, a.seq, a.idx",
            [n for pair in pairs for n in pair],
        )
        found: dict[tuple[int, int], Files] = {}
        for row in rows:
            key = (row[0], row[1])
            found[key] = (*found.get(key, ()), self._view(row[2:]))
        return found

    def of_outbox(self, client_ids: list[str]) -> dict[str, Files]:
        """The files of these outbox entries, by client id (those with any)."""
        if not client_ids:
            return {}
        marks = ", ".join("?" * len(client_ids))
        rows = self._db.execute_sql(
            f"SELECT a.client_id, {_COLUMNS} FROM outbox_attachment a {_HELD} "
            f"WHERE a.client_id IN ({marks}) ORDER BY a.client_id, a.idx",
            client_ids,
        )
        return self._grouped(rows)

    def outgoing(self, client_id: str) -> list[Attachment]:
        """An outbox message's files as the protocol carries them."""
        rows = self._db.execute_sql(
            "SELECT sha256, size, name, mime, width, height, thumbnail FROM outbox_attachment "
            "WHERE client_id = ? ORDER BY idx",
            (client_id,),
        )
        return [
            Attachment(sha256=s, size=n, name=name, mime=mime, width=w, height=h, thumbnail=t)
            for s, n, name, mime, w, h, t in rows
        ]

    def _grouped(self, rows: Iterable[tuple]) -> dict:
        found: dict = {}
        for row in rows:
            found[row[0]] = (*found.get(row[0], ()), self._view(row[1:]))
        return found

    def _view(self, row: tuple) -> AttachmentView:
        index, sha256, size, name, mime, width, height, thumbnail, path = row
        return AttachmentView(
            index, sha256, size, name, mime, width, height, bytes(thumbnail),
            self._folder / path if path is not None else None,
        )  # fmt: skip


def _values(a: Attachment) -> tuple:
    return (a.sha256, a.size, a.name, a.mime, a.width, a.height, a.thumbnail)
