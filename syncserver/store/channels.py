"""Queries on channels and their members."""

from peewee import fn

from syncserver.store.models import Channel, Membership, User


def create_channel(kind: str, name: str, owner_id: int | None, direct_key: str | None, now: int):
    return Channel.create(
        kind=kind, name=name, owner=owner_id, direct_key=direct_key, created_at=now
    )


def find_direct(direct_key: str) -> Channel | None:
    return Channel.get_or_none(Channel.direct_key == direct_key)


def get_channel(channel_id: int) -> Channel | None:
    return Channel.get_or_none(Channel.id == channel_id)


def active_membership(channel_id: int, user_id: int) -> Membership | None:
    return Membership.get_or_none(
        (Membership.channel == channel_id)
        & (Membership.user == user_id)
        & Membership.left_pos.is_null()
    )


def member_ids(channel_id: int) -> list[int]:
    """Current members in the order they joined."""
    query = (
        Membership.select(Membership.user)
        .where((Membership.channel == channel_id) & Membership.left_pos.is_null())
        .order_by(Membership.joined_pos)
    )
    return [m.user_id for m in query]


def member_ids_of(channel_ids: list[int]) -> dict[int, list[int]]:
    """``member_ids`` of each of these channels, in one query."""
    query = (
        Membership.select(Membership.channel, Membership.user)
        .where(Membership.channel.in_(channel_ids) & Membership.left_pos.is_null())
        .order_by(Membership.joined_pos)
    )
    found: dict[int, list[int]] = {channel_id: [] for channel_id in channel_ids}
    for m in query:
        found[m.channel_id].append(m.user_id)
    return found


def member_names(channel_id: int) -> list[str]:
    query = (
        User.select(User.name)
        .join(Membership, on=(Membership.user == User.id))
        .where((Membership.channel == channel_id) & Membership.left_pos.is_null())
        .order_by(Membership.joined_pos)
    )
    return [u.name for u in query]


def join(channel_id: int, user_id: int, pos: int) -> None:
    """Start (or restart) a membership at stream position ``pos``."""
    Membership.insert(channel=channel_id, user=user_id, joined_pos=pos, left_pos=None).on_conflict(
        conflict_target=[Membership.channel, Membership.user],
        update={Membership.joined_pos: pos, Membership.left_pos: None},
    ).execute()


def end_membership(channel_id: int, user_id: int, pos: int) -> None:
    Membership.update(left_pos=pos).where(
        (Membership.channel == channel_id) & (Membership.user == user_id)
    ).execute()


def set_owner(channel_id: int, user_id: int | None) -> None:
    Channel.update(owner=user_id).where(Channel.id == channel_id).execute()


def rename(channel_id: int, name: str) -> None:
    Channel.update(name=name).where(Channel.id == channel_id).execute()


def last_left_pos(channel_id: int, user_id: int) -> int | None:
    """Where the user's latest stretch of membership ended; None while a member."""
    row = Membership.get_or_none((Membership.channel == channel_id) & (Membership.user == user_id))
    return row.left_pos if row is not None else None


def active_channels(user_id: int) -> list[Channel]:
    query = (
        Channel.select()
        .join(Membership, on=(Membership.channel == Channel.id))
        .where((Membership.user == user_id) & Membership.left_pos.is_null())
        .order_by(Channel.id)
    )
    return list(query)


def shares_channel_with(user_id: int) -> set[int]:
    """Everyone who is currently in a channel with the user, the user included."""
    mine = Membership.select(Membership.channel).where(
        (Membership.user == user_id) & Membership.left_pos.is_null()
    )
    query = Membership.select(fn.DISTINCT(Membership.user)).where(
        Membership.channel.in_(mine) & Membership.left_pos.is_null()
    )
    return set(query.scalars()) | {user_id}
