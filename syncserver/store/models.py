"""Peewee models of the server's storage. Times are integer milliseconds since the epoch.

Two kinds of position are kept. An event's ``pos`` is its place in one server-wide order,
assigned by the sequencer; it never leaves the server. Each user has a stream of their own
(``StreamEntry``): every event they may see and every change of their read position takes the
next position of that user's stream, so a device's sync cursor is a single number that counts
only what its user sees (docs/protocol.md, "Sync").
"""

from typing import Any, TypeVar

from peewee import (
    SQL,
    AutoField,
    BigIntegerField,
    BlobField,
    BooleanField,
    CharField,
    CompositeKey,
    Database,
    ForeignKeyField,
    IntegerField,
    Model,
    SelectQuery,
    TextField,
)

SCHEMA_VERSION = 11  # syncserver/store/migrations.py upgrades older databases


class BaseModel(Model):
    class Meta:
        # Bound to no database: every query names the store's (``store.Store``), so one that
        # forgets fails ("must be bound") instead of reading another server's database.
        database = None


M = TypeVar("M", bound=BaseModel)


def create(db: Database, model: type[M], **fields: object) -> M:
    """Insert a row of a model keyed by ``id`` into ``db`` and return it, its id filled in
    (``Model.create``, bound to ``db``)."""
    new_id = model.insert(**fields).execute(db)
    return model(id=new_id, **fields)


def first_row(db: Database, query: SelectQuery) -> tuple[Any, ...] | None:
    """The first row of ``query`` run on ``db``, as a plain tuple; None when there is none."""
    return next(iter(query.tuples().limit(1).execute(db)), None)


class Setting(BaseModel):
    """Server-wide facts such as the schema version."""

    key = CharField(primary_key=True)
    value = TextField()

    @classmethod
    def put(cls, db: Database, key: str, value: str) -> None:
        """Set ``key`` to ``value`` in ``db``, whether or not it was set before."""
        cls.insert(key=key, value=value).on_conflict(
            conflict_target=[cls.key], update={cls.value: value}
        ).execute(db)

    @classmethod
    def read(cls, db: Database, key: str) -> str | None:
        """The value of ``key`` in ``db``; None if it is not set."""
        row = cls.select(cls.value).where(cls.key == key).get_or_none(db)
        return row.value if row is not None else None


class User(BaseModel):
    id = AutoField()
    name = CharField(unique=True)  # the handle, NFKC and casefolded
    # The name's TR39 skeleton (syncserver.skeletons): no two names may look alike. None for
    # a look-alike registered before the rule existed: it keeps its name, and blocks nothing.
    skeleton = CharField(null=True, unique=True)
    password_hash = CharField()
    created_at = BigIntegerField()
    last_seen = BigIntegerField(null=True)
    # Shown to those who share a chat with the user (``shared.names.clean_display_name``);
    # None: the user set none, and is shown by name.
    display_name = CharField(null=True)


class Device(BaseModel):
    id = AutoField()
    user = ForeignKeyField(User, backref="devices")
    user_id: int  # the column's value without loading the user (peewee adds it; typed here)
    name = CharField()
    token_hash = CharField(unique=True)  # SHA-256 of the device token; tokens are random
    curve_key = CharField(null=True)  # the CURVE public key the device logged in with
    created_at = BigIntegerField()
    last_seen = BigIntegerField(null=True)
    revoked_at = BigIntegerField(null=True)
    sync_cursor = BigIntegerField(default=0)  # highest position the device confirmed storing


class Channel(BaseModel):
    id = AutoField()
    kind = CharField()  # "direct" or "group"
    name = CharField(default="")
    direct_key = CharField(null=True, unique=True)  # "low:high" user ids of a direct chat
    owner = ForeignKeyField(User, null=True)
    owner_id: int | None
    created_at = BigIntegerField()


class Membership(BaseModel):
    """A user's membership of a channel, as a window of stream positions: the user sees
    events with ``joined_pos <= pos <= left_pos`` (open-ended while a member)."""

    channel = ForeignKeyField(Channel, backref="memberships")
    user = ForeignKeyField(User, backref="memberships")
    channel_id: int
    user_id: int
    joined_pos = BigIntegerField()
    left_pos = BigIntegerField(null=True)
    # The user's mute of the channel (protocol ``ChatMute``): 0 not muted, else until when.
    muted_until = BigIntegerField(default=0, constraints=[SQL("DEFAULT 0")])

    class Meta:
        primary_key = CompositeKey("channel", "user")


class Event(BaseModel):
    """One entry of a channel's timeline.

    The sequencer hands out ``pos`` and the channel's ``seq`` together and in order, so
    within a channel ``seq`` grows with ``pos``. One index on (channel, pos) therefore serves
    both: sync pages seek by position, history pages bisect it by sequence number
    (``events.first_pos_from_seq``). Each index on (channel, ...) costs a page written per
    active channel per group commit (docs/performance.md)."""

    pos = BigIntegerField(primary_key=True)
    channel = ForeignKeyField(Channel, index=False)
    seq = BigIntegerField()
    kind = CharField()
    sender = ForeignKeyField(User, index=False)
    device = ForeignKeyField(Device, null=True, index=False)
    client_id = CharField(null=True)
    text = TextField(default="")
    subject = ForeignKeyField(User, null=True, index=False)
    name = CharField(null=True)
    ts = BigIntegerField()
    written = BigIntegerField(null=True)  # a message's time of writing, if its device said
    # Messages that change (docs/protocol.md). Plain messages leave these at their defaults,
    # which the database fills in: a send writes no more than it did before them.
    reply_to = BigIntegerField(null=True)  # a message: the seq it answers
    target = BigIntegerField(null=True)  # a reaction, edit or delete: the seq it changes
    emoji = CharField(null=True)  # a reaction's emoji
    removed = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])  # a reaction
    mentions = TextField(null=True)  # a message's or an edit's (``store.mentions``)
    edited = BigIntegerField(null=True)  # a message: the seq of its latest edit
    deleted = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])  # a message
    changed = BigIntegerField(null=True)  # a message: the seq of its latest change
    # A message's files, as ``protocol.Attachment``s (``store.files``); None for none.
    attachments = BlobField(null=True)

    class Meta:
        indexes = (
            (("channel", "pos"), False),
            # Id first: client ids begin with the time, so new entries land at the end.
            (("client_id", "sender"), True),
        )


# The edits of a message, found when it is deleted. Partial: only change events have a
# target, so plain messages write nothing to this index.
Event.add_index(Event.index(Event.channel, Event.target, where=Event.target.is_null(False)))


class Reaction(BaseModel):
    """The reactions a message has now: a user's emoji on it, put there at stream position
    ``pos`` (which orders who reacted). Removing a reaction deletes its row."""

    channel = ForeignKeyField(Channel, index=False)
    seq = BigIntegerField()
    user = ForeignKeyField(User, index=False)
    emoji = CharField()
    pos = BigIntegerField()
    channel_id: int
    user_id: int

    class Meta:
        primary_key = CompositeKey("channel", "seq", "user", "emoji")


class DeviceRead(BaseModel):
    device = ForeignKeyField(Device)
    channel = ForeignKeyField(Channel)
    seq = BigIntegerField()

    class Meta:
        primary_key = CompositeKey("device", "channel")


class StreamEntry(BaseModel):
    """An event in one user's stream: the user's own position ``pos`` for the event at
    server-wide position ``event_pos``. A row per event and member, written with the event
    (the design's per-user sync queue); both positions grow together within a user.

    On SQLite the table is made WITHOUT ROWID (``store.stream.create_table``): the key is
    then the only b-tree an insert writes."""

    user = ForeignKeyField(User, index=False)
    user_id: int
    pos = BigIntegerField()
    event_pos = BigIntegerField()

    class Meta:
        table_name = "stream"
        primary_key = CompositeKey("user", "pos")


class UserRead(BaseModel):
    """The user's effective read position: the highest over their devices. ``pos`` is the
    position its latest change took in the user's stream."""

    user = ForeignKeyField(User)
    channel = ForeignKeyField(Channel)
    user_id: int
    channel_id: int
    seq = BigIntegerField()
    pos = BigIntegerField(index=True)

    class Meta:
        primary_key = CompositeKey("user", "channel")


class Receipt(BaseModel):
    """How far a member got in a channel: ``delivered`` is the highest seq stored on at least
    one of their devices, as their devices' sync cursors confirm it. (Their read position
    is ``UserRead``.) Both key columns are served by the primary key, so neither has an
    index of its own."""

    channel = ForeignKeyField(Channel, index=False)
    user = ForeignKeyField(User, index=False)
    channel_id: int
    user_id: int
    delivered = BigIntegerField(default=0)

    class Meta:
        primary_key = CompositeKey("channel", "user")


class AccountSettings(BaseModel):
    """An account's settings, the same on all its devices. No row: every default."""

    user = ForeignKeyField(User, primary_key=True)
    user_id: int
    read_receipts = BooleanField(default=True)  # others see when this user read their messages
    dnd_until = BigIntegerField(default=0, constraints=[SQL("DEFAULT 0")])  # 0: off
    mentions_when_muted = BooleanField(default=True, constraints=[SQL("DEFAULT TRUE")])
    # Quiet hours (protocol ``QuietHours``): minutes after midnight, days as bits from Monday.
    quiet_on = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])
    quiet_start = IntegerField(default=22 * 60, constraints=[SQL("DEFAULT 1320")])
    quiet_end = IntegerField(default=7 * 60, constraints=[SQL("DEFAULT 420")])
    quiet_days = IntegerField(default=0b1111111, constraints=[SQL("DEFAULT 127")])

    class Meta:
        table_name = "account_settings"


class StoredFile(BaseModel):
    """A file stored whole under its SHA-256 in the files directory (``syncserver.blobs``).
    The row is written after the file is in place, and deleted before the file is."""

    sha256 = CharField(primary_key=True, max_length=64)
    size = BigIntegerField()
    created_at = BigIntegerField()

    class Meta:
        table_name = "stored_file"


class Upload(BaseModel):
    """A user's upload of a file: unfinished (``completed`` None; its bytes so far are a
    partial file, whose length is what is stored), or finished and not yet attached, or
    attached to messages of its uploader. Its ``size`` counts against the user's quota."""

    user = ForeignKeyField(User, index=False)
    user_id: int
    sha256 = CharField(max_length=64)
    size = BigIntegerField()
    name = TextField()
    created_at = BigIntegerField()
    completed_at = BigIntegerField(null=True)
    attached = BooleanField(default=False)  # a message of its uploader carries the file

    class Meta:
        primary_key = CompositeKey("user", "sha256")


class EventFile(BaseModel):
    """A file a message carries: who may read it follows the message (its channel's
    members' streams), and a file no row here or in ``Upload`` refers to is removed."""

    sha256 = CharField(max_length=64)
    event_pos = BigIntegerField(index=True)
    channel = ForeignKeyField(Channel, index=False)
    sender = ForeignKeyField(User, index=False)
    channel_id: int
    sender_id: int

    class Meta:
        table_name = "event_file"
        primary_key = CompositeKey("sha256", "event_pos")


# Made by ``database.open_database``; the stream table is made apart (``stream.create_table``).
ALL_MODELS = [
    Setting,
    User,
    Device,
    Channel,
    Membership,
    Event,
    DeviceRead,
    UserRead,
    Reaction,
    Receipt,
    AccountSettings,
    StoredFile,
    Upload,
    EventFile,
]
