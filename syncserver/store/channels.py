"""Queries on channels and their members."""

from peewee import fn

from syncserver.store.models import Channel, Membership, MembershipPeriod, User, db_proxy


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
    MembershipPeriod.create(channel=channel_id, user=user_id, joined_pos=pos, left_pos=None)


def end_membership(channel_id: int, user_id: int, pos: int) -> None:
    Membership.update(left_pos=pos).where(
        (Membership.channel == channel_id) & (Membership.user == user_id)
    ).execute()
    MembershipPeriod.update(left_pos=pos).where(
        (MembershipPeriod.channel == channel_id)
        & (MembershipPeriod.user == user_id)
        & MembershipPeriod.left_pos.is_null()
    ).execute()


def set_owner(channel_id: int, user_id: int | None) -> None:
    Channel.update(owner=user_id).where(Channel.id == channel_id).execute()


def rename(channel_id: int, name: str) -> None:
    Channel.update(name=name).where(Channel.id == channel_id).execute()


def windows_since(user_id: int, after: int) -> dict[int, list[tuple[int, int | None]]]:
    """The stretches of the user's memberships that can hold events after position
    ``after``, per channel, oldest first: (joined, left or None while still a member)."""
    # Plain SQL: every sync asks this, and building it with peewee cost more than the query.
    p = db_proxy.param
    rows = db_proxy.execute_sql(
        f'SELECT channel_id, joined_pos, left_pos FROM "{MembershipPeriod._meta.table_name}" '
        f"WHERE user_id = {p} AND (left_pos IS NULL OR left_pos > {p}) ORDER BY joined_pos",
        [user_id, after],
    )
    windows: dict[int, list[tuple[int, int | None]]] = {}
    for channel_id, joined, left in rows:
        windows.setdefault(channel_id, []).append((joined, left))
    return windows


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
