"""Queries on channels and their members."""

from typing import NamedTuple

from peewee import Expression, fn

from syncserver.store.models import Channel, Membership, User, create, first_row
from syncserver.store.store import Store


class ChannelRow(NamedTuple):
    """A direct chat or a group, as stored (members are kept apart)."""

    id: int
    kind: str  # "direct" or "group"
    name: str
    owner_id: int | None


_CHANNEL_COLUMNS = (Channel.id, Channel.kind, Channel.name, Channel.owner)


def create_channel(
    store: Store, kind: str, name: str, owner_id: int | None, direct_key: str | None, now: int
) -> ChannelRow:
    channel = create(
        store.db,
        Channel,
        kind=kind,
        name=name,
        owner=owner_id,
        direct_key=direct_key,
        created_at=now,
    )
    return ChannelRow(channel.id, kind, name, owner_id)


def find_direct(store: Store, direct_key: str) -> ChannelRow | None:
    return _one_channel(store, Channel.direct_key == direct_key)


def get_channel(store: Store, channel_id: int) -> ChannelRow | None:
    return _one_channel(store, Channel.id == channel_id)


def _one_channel(store: Store, where: Expression) -> ChannelRow | None:
    row = first_row(store.db, Channel.select(*_CHANNEL_COLUMNS).where(where))
    return ChannelRow._make(row) if row is not None else None


def is_member(store: Store, channel_id: int, user_id: int) -> bool:
    """Whether the user is in the channel now."""
    query = Membership.select(Membership.user).where(
        (Membership.channel == channel_id)
        & (Membership.user == user_id)
        & Membership.left_pos.is_null()
    )
    return query.exists(store.db)


def member_ids(store: Store, channel_id: int) -> list[int]:
    """Current members in the order they joined."""
    query = (
        Membership.select(Membership.user)
        .where((Membership.channel == channel_id) & Membership.left_pos.is_null())
        .order_by(Membership.joined_pos)
    )
    return [m.user_id for m in query.bind(store.db)]


def member_ids_of(store: Store, channel_ids: list[int]) -> dict[int, list[int]]:
    """``member_ids`` of each of these channels, in one query."""
    query = (
        Membership.select(Membership.channel, Membership.user)
        .where(Membership.channel.in_(channel_ids) & Membership.left_pos.is_null())
        .order_by(Membership.joined_pos)
    )
    found: dict[int, list[int]] = {channel_id: [] for channel_id in channel_ids}
    for m in query.bind(store.db):
        found[m.channel_id].append(m.user_id)
    return found


def member_names(store: Store, channel_id: int) -> list[str]:
    query = (
        User.select(User.name)
        .join(Membership, on=(Membership.user == User.id))
        .where((Membership.channel == channel_id) & Membership.left_pos.is_null())
        .order_by(Membership.joined_pos)
    )
    return [u.name for u in query.bind(store.db)]


def join(store: Store, channel_id: int, user_id: int, pos: int) -> None:
    """Start (or restart) a membership at stream position ``pos``."""
    Membership.insert(channel=channel_id, user=user_id, joined_pos=pos, left_pos=None).on_conflict(
        conflict_target=[Membership.channel, Membership.user],
        update={Membership.joined_pos: pos, Membership.left_pos: None},
    ).execute(store.db)


def end_membership(store: Store, channel_id: int, user_id: int, pos: int) -> None:
    Membership.update(left_pos=pos).where(
        (Membership.channel == channel_id) & (Membership.user == user_id)
    ).execute(store.db)


def set_owner(store: Store, channel_id: int, user_id: int | None) -> None:
    Channel.update(owner=user_id).where(Channel.id == channel_id).execute(store.db)


def rename(store: Store, channel_id: int, name: str) -> None:
    Channel.update(name=name).where(Channel.id == channel_id).execute(store.db)


def last_left_pos(store: Store, channel_id: int, user_id: int) -> int | None:
    """Where the user's latest stretch of membership ended; None while a member."""
    query = Membership.select().where(
        (Membership.channel == channel_id) & (Membership.user == user_id)
    )
    row = query.get_or_none(store.db)
    return row.left_pos if row is not None else None


def active_channels(store: Store, user_id: int) -> list[ChannelRow]:
    query = (
        Channel.select(*_CHANNEL_COLUMNS)
        .join(Membership, on=(Membership.channel == Channel.id))
        .where((Membership.user == user_id) & Membership.left_pos.is_null())
        .order_by(Channel.id)
        .tuples()
    )
    return list(map(ChannelRow._make, query.execute(store.db)))


def shares_channel_with(store: Store, user_id: int) -> set[int]:
    """Everyone who is currently in a channel with the user, the user included."""
    mine = Membership.select(Membership.channel).where(
        (Membership.user == user_id) & Membership.left_pos.is_null()
    )
    query = Membership.select(fn.DISTINCT(Membership.user)).where(
        Membership.channel.in_(mine) & Membership.left_pos.is_null()
    )
    return set(query.scalars(store.db)) | {user_id}
