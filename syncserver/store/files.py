"""What the database knows of attached files (docs/protocol.md, "Attachments"): which are
stored, who is uploading what, which messages carry which, and so who may read each.

A stored file stays while something refers to it: a message that carries it
(``EventFile``), or an upload of it (``Upload``), unfinished or waiting to be attached or
attached to its uploader's messages. The functions that remove references return the files
nothing refers to any more, with their rows gone: the caller removes their bytes after the
transaction commits. So a file's row never stays without its bytes; bytes left without a row
by a crash in between are only wasted space, and a new upload of the file takes them over.
"""

from collections.abc import Iterable
from typing import NamedTuple

import msgspec
from peewee import fn

from shared.protocol import Attachment
from syncserver.store import stream
from syncserver.store.models import EventFile, StoredFile, Upload, first_row
from syncserver.store.store import Store

_attachments = msgspec.msgpack.Decoder(list[Attachment])
_encoder = msgspec.msgpack.Encoder()


def encode_attachments(attachments: list[Attachment]) -> bytes | None:
    """The event column value of a message's files; None (the default) for none."""
    return _encoder.encode(attachments) if attachments else None


def decode_attachments(stored: bytes | memoryview | None) -> tuple[Attachment, ...]:
    """The files an event column value holds (PostgreSQL's driver gives a memoryview)."""
    return tuple(_attachments.decode(stored)) if stored else ()


def stored_size(store: Store, sha256: str) -> int | None:
    """The size of the stored file with this hash; None if there is none."""
    row = StoredFile.select().where(StoredFile.sha256 == sha256).get_or_none(store.db)
    return row.size if row is not None else None


class UploadRow(NamedTuple):
    """A user's upload of one file: its declared size, and when it was finished (None while
    its bytes are still coming)."""

    size: int
    completed_at: int | None


def upload_of(store: Store, user_id: int, sha256: str) -> UploadRow | None:
    query = Upload.select(Upload.size, Upload.completed_at).where(
        (Upload.user == user_id) & (Upload.sha256 == sha256)
    )
    row = first_row(store.db, query)
    return UploadRow._make(row) if row is not None else None


def begin_upload(store: Store, user_id: int, sha256: str, size: int, name: str, now: int) -> None:
    """Record a new unfinished upload, replacing one of the user's of the same file."""
    Upload.insert(
        user=user_id, sha256=sha256, size=size, name=name, created_at=now, completed_at=None
    ).on_conflict(
        conflict_target=[Upload.user, Upload.sha256],
        update={
            Upload.size: size,
            Upload.name: name,
            Upload.created_at: now,
            Upload.completed_at: None,
            Upload.attached: False,
        },
    ).execute(store.db)


def complete_upload(store: Store, user_id: int, sha256: str, size: int, now: int) -> None:
    """The user's upload is whole: the file is stored (its bytes are in place already)."""
    query = StoredFile.insert(sha256=sha256, size=size, created_at=now).on_conflict_ignore()
    query.execute(store.db)
    Upload.update(completed_at=now).where(
        (Upload.user == user_id) & (Upload.sha256 == sha256)
    ).execute(store.db)


def remove_upload(store: Store, user_id: int, sha256: str) -> list[str]:
    """Forget the user's upload; the files nothing refers to any more (this one, if so)."""
    Upload.delete().where((Upload.user == user_id) & (Upload.sha256 == sha256)).execute(store.db)
    return drop_unreferenced(store, [sha256])


def user_usage(store: Store, user_id: int) -> int:
    """Bytes counted against the user's quota: their uploads, finished or not."""
    query = Upload.select(fn.SUM(Upload.size)).where(Upload.user == user_id)
    return int(query.scalar(store.db) or 0)


def total_usage(store: Store) -> int:
    """Bytes of all stored files, and of every unfinished upload as begun."""
    stored = StoredFile.select(fn.SUM(StoredFile.size)).scalar(store.db) or 0
    unfinished = Upload.select(fn.SUM(Upload.size)).where(Upload.completed_at.is_null())
    pending = unfinished.scalar(store.db)
    return int(stored) + int(pending or 0)


def may_read(store: Store, user_id: int, sha256: str) -> bool:
    """Whether the user uploaded this file, or it is carried by a message in their stream
    (sent while they were a member of its channel)."""
    uploaded = Upload.select().where(
        (Upload.user == user_id) & (Upload.sha256 == sha256) & Upload.completed_at.is_null(False)
    )
    if uploaded.exists(store.db):
        return True
    p = store.db.param
    found = store.db.execute_sql(
        'SELECT f."event_pos", m."joined_pos", m."left_pos" FROM "event_file" f '
        'JOIN "membership" m ON m."channel_id" = f."channel_id" '
        f'AND m."user_id" = {p} WHERE f."sha256" = {p}',
        [user_id, sha256],
    ).fetchall()
    # The current stretch of membership answers at once; an earlier one, from the stream.
    if any(joined <= pos and (left is None or pos <= left) for pos, joined, left in found):
        return True
    return any(stream.position_of(store, user_id, pos) is not None for pos, _, _ in found)


def insert_event_files(store: Store, rows: Iterable[dict]) -> None:
    """Record the files of newly stored messages (rows with ``files``: their hashes)."""
    entries = [
        {"sha256": sha, "event_pos": row["pos"], "channel": row["channel"], "sender": row["sender"]}
        for row in rows
        for sha in dict.fromkeys(row.get("files", ()))
    ]
    if entries:
        EventFile.insert_many(entries).execute(store.db)
    for entry in entries:
        Upload.update(attached=True).where(
            (Upload.user == entry["sender"]) & (Upload.sha256 == entry["sha256"])
        ).execute(store.db)


def release_message(store: Store, event_pos: int) -> list[str]:
    """A message was deleted: it carries its files no more, and its sender's uploads of
    them go unless another message of the sender carries them. The files nothing refers to
    any more."""
    query = EventFile.select(EventFile.sha256, EventFile.sender).where(
        EventFile.event_pos == event_pos
    )
    carried = [(row.sha256, row.sender_id) for row in query.bind(store.db)]
    if not carried:
        return []
    EventFile.delete().where(EventFile.event_pos == event_pos).execute(store.db)
    for sha256, sender in carried:
        if not _sent_by(store, sender, sha256):
            Upload.delete().where(
                (Upload.user == sender)
                & (Upload.sha256 == sha256)
                & Upload.completed_at.is_null(False)
            ).execute(store.db)
    return drop_unreferenced(store, (sha for sha, _ in carried))


def unattached_before(store: Store, cutoff: int) -> list[tuple[int, str]]:
    """(user, hash) of finished uploads completed before ``cutoff`` that no message of
    their uploader carries: they waited for a message too long."""
    finished = Upload.select(Upload.user, Upload.sha256).where(
        Upload.completed_at.is_null(False) & (Upload.completed_at < cutoff) & ~Upload.attached
    )
    return [(row.user_id, row.sha256) for row in finished.bind(store.db)]


def unfinished(store: Store) -> list[tuple[int, str, int]]:
    """(user, hash, size) of every unfinished upload."""
    query = Upload.select(Upload.user, Upload.sha256, Upload.size).where(
        Upload.completed_at.is_null()
    )
    return [(row.user_id, row.sha256, row.size) for row in query.bind(store.db)]


def drop_unreferenced(store: Store, candidates: Iterable[str]) -> list[str]:
    """Delete the rows of the candidate files that nothing refers to; their hashes."""
    dropped = []
    for sha256 in dict.fromkeys(candidates):
        carried = EventFile.select().where(EventFile.sha256 == sha256).exists(store.db)
        if carried or Upload.select().where(Upload.sha256 == sha256).exists(store.db):
            continue
        if StoredFile.delete().where(StoredFile.sha256 == sha256).execute(store.db):
            dropped.append(sha256)
    return dropped


def _sent_by(store: Store, sender: int, sha256: str) -> bool:
    query = EventFile.select().where((EventFile.sha256 == sha256) & (EventFile.sender == sender))
    return query.exists(store.db)


def all_stored(store: Store) -> list[tuple[str, int]]:
    """(hash, size) of every stored file, for backups."""
    return [(row.sha256, row.size) for row in StoredFile.select().bind(store.db)]
