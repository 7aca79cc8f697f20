"""Queries on users and devices."""

import secrets
from typing import NamedTuple

from peewee import IntegrityError

from syncserver.skeletons import skeleton
from syncserver.store.models import Device, Setting, User, create, first_row
from syncserver.store.store import Store

# Changed whenever a device is revoked from outside the server (``tidings-server
# revoke-device``), so a running server knows to look for revoked devices among its own.
REVOCATION_MARK = "revocation_mark"
IN_CHUNK = 500  # ids per IN (...) list, well under every database's parameter limit


class UserRow(NamedTuple):
    """An account as the handlers need it: never a live database row."""

    id: int
    name: str
    password_hash: str


class DeviceRow(NamedTuple):
    """One of an account's devices."""

    id: int
    user_id: int
    name: str
    curve_key: str | None  # the CURVE public key the device logged in with
    created_at: int
    last_seen: int | None
    revoked_at: int | None
    sync_cursor: int  # highest position the device confirmed storing


_USER_COLUMNS = (User.id, User.name, User.password_hash)
_DEVICE_COLUMNS = (
    Device.id,
    Device.user,
    Device.name,
    Device.curve_key,
    Device.created_at,
    Device.last_seen,
    Device.revoked_at,
    Device.sync_cursor,
)


def create_user(store: Store, name: str, password_hash: str, now: int) -> UserRow | None:
    """The new user, or None if the name is taken or looks like a taken one."""
    try:
        user = create(
            store.db,
            User,
            name=name,
            skeleton=skeleton(name),
            password_hash=password_hash,
            created_at=now,
        )
    except IntegrityError:
        return None
    return UserRow(user.id, name, password_hash)


def name_in_the_way(store: Store, name: str) -> str | None:
    """The registered name that ``name`` is or looks like (same TR39 skeleton); None when
    ``name`` is free."""
    query = User.select().where((User.name == name) | (User.skeleton == skeleton(name)))
    user = query.get_or_none(store.db)
    return user.name if user is not None else None


def find_user(store: Store, name: str) -> UserRow | None:
    row = first_row(store.db, User.select(*_USER_COLUMNS).where(User.name == name))
    return UserRow._make(row) if row is not None else None


def users_named(store: Store, names: list[str]) -> dict[str, UserRow]:
    if not names:
        return {}
    query = User.select(*_USER_COLUMNS).where(User.name.in_(names)).tuples()
    return {row.name: row for row in map(UserRow._make, query.execute(store.db))}


def user_names(store: Store, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    query = User.select(User.id, User.name).where(User.id.in_(list(user_ids)))
    return {u.id: u.name for u in query.bind(store.db)}


def display_names(store: Store, user_ids: set[int]) -> dict[int, str]:
    """The display names of these users, "" for those who set none."""
    if not user_ids:
        return {}
    query = User.select(User.id, User.display_name).where(User.id.in_(list(user_ids)))
    return {u.id: u.display_name or "" for u in query.bind(store.db)}


def set_display_name(store: Store, user_id: int, display_name: str) -> None:
    """Keep the user's display name; "" clears it."""
    query = User.update(display_name=display_name or None).where(User.id == user_id)
    query.execute(store.db)


def create_device(
    store: Store,
    user_id: int,
    name: str,
    token_hash: str,
    curve_key: str | None,
    now: int,
    cursor: int,
) -> DeviceRow:
    device = create(
        store.db,
        Device,
        user=user_id,
        name=name,
        token_hash=token_hash,
        curve_key=curve_key,
        created_at=now,
        last_seen=now,
        sync_cursor=cursor,
    )
    return DeviceRow(device.id, user_id, name, curve_key, now, now, None, cursor)


def device_created(store: Store, device_id: int) -> int:
    """When the device was created (ms)."""
    query = Device.select(Device.created_at).where(Device.id == device_id)
    return int(query.scalar(store.db))


def device_by_token(store: Store, token_hash: str) -> DeviceRow | None:
    query = Device.select(*_DEVICE_COLUMNS).where(Device.token_hash == token_hash)
    row = first_row(store.db, query)
    return DeviceRow._make(row) if row is not None else None


def active_devices(store: Store, user_id: int) -> list[DeviceRow]:
    query = Device.select(*_DEVICE_COLUMNS).where(
        (Device.user == user_id) & Device.revoked_at.is_null()
    )
    return list(map(DeviceRow._make, query.order_by(Device.id).tuples().execute(store.db)))


def revoke_device(store: Store, device_id: int, user_id: int, now: int) -> bool:
    """Revoke one of the user's own devices; False if there is no such active device."""
    query = Device.update(revoked_at=now).where(
        (Device.id == device_id) & (Device.user == user_id) & Device.revoked_at.is_null()
    )
    return bool(query.execute(store.db) == 1)


def set_password(store: Store, user_id: int, password_hash: str) -> None:
    User.update(password_hash=password_hash).where(User.id == user_id).execute(store.db)


def mark_revocation(store: Store) -> None:
    """Tell running servers that a device was revoked behind their backs."""
    Setting.put(store.db, REVOCATION_MARK, secrets.token_hex(8))


def revocation_mark(store: Store) -> str | None:
    return Setting.read(store.db, REVOCATION_MARK)


def revoked_among(store: Store, device_ids: list[int]) -> set[int]:
    """Those of ``device_ids`` that are revoked."""
    revoked: set[int] = set()
    for start in range(0, len(device_ids), IN_CHUNK):
        chunk = device_ids[start : start + IN_CHUNK]
        query = Device.select(Device.id).where(
            Device.id.in_(chunk) & Device.revoked_at.is_null(False)
        )
        revoked.update(d.id for d in query.bind(store.db))
    return revoked


def touch_device(store: Store, device_id: int, now: int) -> None:
    Device.update(last_seen=now).where(Device.id == device_id).execute(store.db)


def advance_sync_cursor(store: Store, device_id: int, cursor: int) -> None:
    """Record what the device confirmed storing; the cursor never moves back."""
    Device.update(sync_cursor=cursor).where(
        (Device.id == device_id) & (Device.sync_cursor < cursor)
    ).execute(store.db)


def set_last_seen(store: Store, user_id: int, now: int) -> None:
    User.update(last_seen=now).where(User.id == user_id).execute(store.db)


def last_seen(store: Store, user_ids: list[int]) -> dict[int, int | None]:
    if not user_ids:
        return {}
    query = User.select(User.id, User.last_seen).where(User.id.in_(user_ids))
    return {u.id: u.last_seen for u in query.bind(store.db)}
