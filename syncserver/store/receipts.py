"""Queries on receipts (how far each member got in a channel) and account settings."""

from typing import NamedTuple

from syncserver.store import stream
from syncserver.store.models import (
    AccountSettings,
    Event,
    Membership,
    Receipt,
    UserRead,
)
from syncserver.store.store import Store

IN_CHUNK = 500  # ids per IN (...) list, well under every database's parameter limit
SENDERS_SPAN = 1000  # events read at most to find whom a change of receipt concerns


class Rise(NamedTuple):
    """A member's delivered position in a channel went from ``before`` to ``after``."""

    channel_id: int
    before: int
    after: int


class ReceiptRow(NamedTuple):
    """A member's receipt as stored: delivered, read position and whether others may see it."""

    channel_id: int
    user_id: int
    delivered: int
    read: int
    read_receipts: bool

    @property
    def shown_read(self) -> int:
        """The read position others see: none while the member keeps it to themselves."""
        return self.read if self.read_receipts else 0

    @property
    def shown_delivered(self) -> int:
        """What others see delivered: a message read was stored on a device, so a shown
        read position counts as delivered too."""
        return max(self.delivered, self.shown_read)


def deliver(store: Store, user_id: int, old_cursor: int, new_cursor: int) -> list[Rise]:
    """A device of the user confirmed storing everything up to ``new_cursor`` (from
    ``old_cursor``), positions of the user's stream: raise the user's delivered position in
    each of their channels with events in between to the newest of those events. The two
    cursors bound a range of server-wide positions (``stream.event_pos_at``); one query finds
    the events in it, a seek in the (channel, pos) index per channel of the user. Returns the
    positions that rose."""
    low = stream.event_pos_at(store, user_id, old_cursor)
    high = stream.event_pos_at(store, user_id, new_cursor)
    if high <= low:
        return []
    p = store.db.param
    newest_between = (
        f"SELECT e.seq FROM {_table(Event)} e WHERE e.channel_id = m.channel_id "
        f"AND e.pos > {p} AND e.pos <= {p} AND e.pos >= m.joined_pos "
        "ORDER BY e.pos DESC LIMIT 1"
    )
    sql = (
        f"SELECT m.channel_id, COALESCE(r.delivered, 0), ({newest_between}) "
        f"FROM {_table(Membership)} m LEFT JOIN {_table(Receipt)} r "
        "ON r.channel_id = m.channel_id AND r.user_id = m.user_id "
        f"WHERE m.user_id = {p} AND m.left_pos IS NULL"
    )
    rows = store.db.execute_sql(sql, [low, high, user_id]).fetchall()
    rises = [Rise(c, before, after) for c, before, after in rows if after and after > before]
    for rise in rises:
        _raise_delivered(store, rise.channel_id, user_id, rise.after)
    return rises


def raise_delivered(store: Store, channel_id: int, user_id: int, seq: int) -> int | None:
    """The user has ``seq`` stored on a device (they read it there, say): raise their
    delivered position to it. Returns where it was if that raised it, else None."""
    query = Receipt.select().where((Receipt.channel == channel_id) & (Receipt.user == user_id))
    row = query.get_or_none(store.db)
    before = row.delivered if row is not None else 0
    if seq <= before:
        return None
    _raise_delivered(store, channel_id, user_id, seq)
    return int(before)


def _raise_delivered(store: Store, channel_id: int, user_id: int, seq: int) -> None:
    # Plain SQL: every confirmation of a cursor runs this, and building it with peewee cost
    # more than the database's work.
    p, table = store.db.param, _table(Receipt)
    store.db.execute_sql(
        f"INSERT INTO {table} (channel_id, user_id, delivered) VALUES ({p}, {p}, {p}) "
        "ON CONFLICT (channel_id, user_id) DO UPDATE SET delivered = excluded.delivered "
        f"WHERE {table}.delivered < excluded.delivered",
        [channel_id, user_id, seq],
    )


def receipts_of(store: Store, channel_ids: list[int], except_user: int) -> list[ReceiptRow]:
    """The receipts of every current member of these channels but ``except_user``, by
    channel, in the order members joined."""
    found: list[ReceiptRow] = []
    for start in range(0, len(channel_ids), IN_CHUNK):
        chunk = channel_ids[start : start + IN_CHUNK]
        marks = ", ".join([store.db.param] * len(chunk))
        where = f"m.channel_id IN ({marks}) AND m.user_id != "
        found += _receipts(store, where, [*chunk, except_user])
    return found


def receipt_of(store: Store, channel_id: int, user_id: int) -> ReceiptRow | None:
    """One member's receipt; None if the user is not a member of the channel."""
    where = f"m.channel_id = {store.db.param} AND m.user_id = "
    rows = _receipts(store, where, [channel_id, user_id])
    return rows[0] if rows else None


def _receipts(store: Store, where: str, params: list[int]) -> list[ReceiptRow]:
    """Members' receipts, chosen by ``where`` and a last parameter for the user id."""
    p = store.db.param
    sql = (
        "SELECT m.channel_id, m.user_id, COALESCE(r.delivered, 0), COALESCE(u.seq, 0), "
        f"s.read_receipts FROM {_table(Membership)} m "
        f"LEFT JOIN {_table(Receipt)} r ON r.channel_id = m.channel_id AND r.user_id = m.user_id "
        f"LEFT JOIN {_table(UserRead)} u ON u.channel_id = m.channel_id AND u.user_id = m.user_id "
        f"LEFT JOIN {_table(AccountSettings)} s ON s.user_id = m.user_id "
        f"WHERE {where}{p} AND m.left_pos IS NULL ORDER BY m.channel_id, m.joined_pos"
    )
    return [
        ReceiptRow(channel, user, delivered, read, shown is None or bool(shown))
        for channel, user, delivered, read, shown in store.db.execute_sql(sql, params)
    ]


def senders_between(
    store: Store, channel_id: int, newest_seq: int, low: int, high: int
) -> set[int] | None:
    """Who sent the messages of the channel numbered above ``low`` up to ``high``, read from
    its newest event (``newest_seq``) down the (channel, pos) index; None when that means
    reading more than ``SENDERS_SPAN`` events."""
    count = newest_seq - low
    if count <= 0 or high <= low:
        return set()
    if count > SENDERS_SPAN:
        return None
    p = store.db.param
    sql = (
        f"SELECT sender_id, kind, seq FROM {_table(Event)} WHERE channel_id = {p} "
        f"ORDER BY pos DESC LIMIT {p}"
    )
    rows = store.db.execute_sql(sql, [channel_id, count])
    return {sender for sender, kind, seq in rows if kind == "message" and seq <= high}


def read_receipts_on(store: Store, user_id: int) -> bool:
    """Whether others see when the user read their messages."""
    row = AccountSettings.select().where(AccountSettings.user == user_id).get_or_none(store.db)
    return row is None or bool(row.read_receipts)


def set_read_receipts(store: Store, user_id: int, on: bool) -> None:
    AccountSettings.insert(user=user_id, read_receipts=on).on_conflict(
        conflict_target=[AccountSettings.user], update={AccountSettings.read_receipts: on}
    ).execute(store.db)


def member_of(store: Store, channel_ids: list[int], user_id: int) -> list[int]:
    """Those of the channels the user is a member of now, in the order asked."""
    if not channel_ids:
        return []
    query = Membership.select(Membership.channel).where(
        Membership.channel.in_(channel_ids)
        & (Membership.user == user_id)
        & Membership.left_pos.is_null()
    )
    mine = {m.channel_id for m in query.bind(store.db)}
    return [c for c in dict.fromkeys(channel_ids) if c in mine]


def _table(model) -> str:
    return f'"{model._meta.table_name}"'
