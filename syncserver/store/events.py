"""Queries on channel timelines and read cursors."""

from peewee import fn

from syncserver.store.models import DeviceRead, Event, UserRead


def insert_events(rows: list[dict]) -> None:
    """Insert events in one statement per chunk; the caller holds the transaction."""
    for start in range(0, len(rows), 200):
        Event.insert_many(rows[start : start + 200]).execute()


def by_client_ids(keys: set[tuple[int, str]]) -> dict[tuple[int, str], Event]:
    """Stored messages for (sender, client id) pairs, in one query."""
    if not keys:
        return {}
    client_ids = list({client_id for _, client_id in keys})
    query = Event.select().where(Event.client_id.in_(client_ids))
    return {(e.sender_id, e.client_id): e for e in query if (e.sender_id, e.client_id) in keys}


def max_pos() -> int:
    events = Event.select(fn.MAX(Event.pos)).scalar() or 0
    reads = UserRead.select(fn.MAX(UserRead.pos)).scalar() or 0
    return max(events, reads)


def max_seq(channel_id: int) -> int:
    return Event.select(fn.MAX(Event.seq)).where(Event.channel == channel_id).scalar() or 0


def history(channel_id: int, before: int | None, limit: int) -> list[Event]:
    """Up to ``limit`` events older than ``before``, newest first."""
    query = Event.select().where(Event.channel == channel_id)
    if before is not None:
        query = query.where(Event.seq < before)
    return list(query.order_by(Event.seq.desc()).limit(limit))


def events_after(channel_ids: list[int], after: int, limit: int) -> list[Event]:
    if not channel_ids:
        return []
    query = Event.select().where(Event.channel.in_(channel_ids) & (Event.pos > after))
    return list(query.order_by(Event.pos).limit(limit))


def user_reads_after(user_id: int, after: int, limit: int) -> list[UserRead]:
    query = UserRead.select().where((UserRead.user == user_id) & (UserRead.pos > after))
    return list(query.order_by(UserRead.pos).limit(limit))


def user_read_seq(user_id: int, channel_id: int) -> int:
    row = UserRead.get_or_none((UserRead.user == user_id) & (UserRead.channel == channel_id))
    return row.seq if row else 0


def set_device_read(device_id: int, channel_id: int, seq: int) -> None:
    """Move the device's read cursor forward to ``seq``; never back."""
    moved = (
        DeviceRead.update(seq=seq)
        .where(
            (DeviceRead.device == device_id)
            & (DeviceRead.channel == channel_id)
            & (DeviceRead.seq < seq)
        )
        .execute()
    )
    if not moved:
        DeviceRead.insert(
            device=device_id, channel=channel_id, seq=seq
        ).on_conflict_ignore().execute()


def set_user_read(user_id: int, channel_id: int, seq: int, pos: int) -> None:
    UserRead.insert(user=user_id, channel=channel_id, seq=seq, pos=pos).on_conflict(
        conflict_target=[UserRead.user, UserRead.channel],
        update={UserRead.seq: seq, UserRead.pos: pos},
    ).execute()


def group_name_at(channel_id: int, pos: int) -> str | None:
    """The group's name as of stream position ``pos``."""
    named = (
        Event.select(Event.name)
        .where(
            (Event.channel == channel_id)
            & Event.kind.in_(("created", "renamed"))
            & (Event.pos <= pos)
        )
        .order_by(Event.pos.desc())
        .first()
    )
    return named.name if named is not None else None
