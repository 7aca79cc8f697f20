"""Queries on what keeps a user's devices quiet: the account's do-not-disturb settings (with
its quiet hours) and the user's mutes of chats (``Membership.muted_until``)."""

from syncserver.store.models import AccountSettings, Membership
from syncserver.store.store import Store

SettingsRow = tuple[bool, int, bool]  # read_receipts, dnd_until, mentions_when_muted
QuietHoursRow = tuple[bool, int, int, int]  # on, start, end (minutes), days (bits from Monday)
_DEFAULTS: tuple[SettingsRow, QuietHoursRow] = ((True, 0, True), (False, 22 * 60, 7 * 60, 127))
# Plain SQL: every welcome reads the row, and peewee took longer to build the query than the
# database to answer it.
_SETTINGS = (
    'SELECT "read_receipts", "dnd_until", "mentions_when_muted", "quiet_on", "quiet_start", '
    '"quiet_end", "quiet_days" FROM "account_settings" WHERE "user_id" = {mark}'
)


def settings_row(store: Store, user_id: int) -> tuple[SettingsRow, QuietHoursRow]:
    """The account's do-not-disturb settings and its quiet hours as stored; no row means
    every default (quiet hours off, 22:00 to 07:00, every day)."""
    row = store.db.execute_sql(_SETTINGS.format(mark=store.db.param), (user_id,)).fetchone()
    if row is None:
        return _DEFAULTS
    receipts, dnd_until, mentions, on, start, end, days = row
    return (bool(receipts), int(dnd_until), bool(mentions)), (bool(on), start, end, days)


def set_quiet(store: Store, user_id: int, dnd_until: int, mentions_when_muted: bool) -> None:
    """Store the account's do-not-disturb settings (the row's other columns keep theirs,
    or take their defaults when the account had no row)."""
    _put(store, user_id, dnd_until=dnd_until, mentions_when_muted=mentions_when_muted)


def set_quiet_hours(store: Store, user_id: int, hours: QuietHoursRow) -> None:
    """Store the account's quiet hours (the row's other columns keep theirs)."""
    on, start, end, days = hours
    _put(store, user_id, quiet_on=on, quiet_start=start, quiet_end=end, quiet_days=days)


def _put(store: Store, user_id: int, **values: object) -> None:
    """Set these columns of the account's settings row, making the row if it has none."""
    AccountSettings.insert(user=user_id, **values).on_conflict(
        conflict_target=[AccountSettings.user],
        update={getattr(AccountSettings, name): value for name, value in values.items()},
    ).execute(store.db)


def set_muted_until(store: Store, channel_id: int, user_id: int, until: int) -> bool:
    """Mute (or with 0 unmute) the channel for the user; False if the user is not in it."""
    changed = (
        Membership.update(muted_until=until)
        .where(
            (Membership.channel == channel_id)
            & (Membership.user == user_id)
            & Membership.left_pos.is_null()
        )
        .execute(store.db)
    )
    return bool(changed)


def muted_until(store: Store, channel_id: int, user_id: int, now: int) -> int:
    """Until when the user muted the channel; 0 if not, not any more at ``now``, or the
    user is not a member."""
    query = Membership.select().where(
        (Membership.channel == channel_id) & (Membership.user == user_id)
    )
    row = query.get_or_none(store.db)
    return still_ahead(int(row.muted_until), now) if row is not None else 0


def still_ahead(until: int, now: int) -> int:
    """``until`` while it is ahead of ``now``; 0 (off) once it passed."""
    return until if until > now else 0


def mutes_of(store: Store, user_id: int, now: int) -> dict[int, int]:
    """The channels the user is in and has muted past ``now``, by id, with until when."""
    query = Membership.select(Membership.channel, Membership.muted_until).where(
        (Membership.user == user_id)
        & Membership.left_pos.is_null()
        & (Membership.muted_until > now)
    )
    mutes = query.order_by(Membership.channel).bind(store.db)
    return {m.channel_id: int(m.muted_until) for m in mutes}
