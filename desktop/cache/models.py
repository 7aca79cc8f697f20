"""Tables of the local cache. Times are milliseconds since the epoch: the server's, except
the times of writing (``Message.written``, ``Outbox.created``), which are the writing
device's.

The models here are unbound templates: each open cache binds its own subclasses to its own
database (``bind_models``), so several profiles can be open in one process, on any thread.
"""

from dataclasses import dataclass

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    Database,
    Model,
    TextField,
)


class Setting(Model):
    """Facts about this profile's account: sync cursor, user name, device id."""

    key = CharField(primary_key=True)
    value = TextField()


class Channel(Model):
    id = BigIntegerField(primary_key=True)  # the server's channel id
    kind = CharField()
    name = CharField(default="")
    owner = CharField(null=True)
    members = TextField(default="[]")  # JSON list of user names
    active = BooleanField(default=True)
    last_seq = BigIntegerField(default=0)  # newest event the server reported
    read_seq = BigIntegerField(default=0)  # the user's read position (all devices)
    read_sent_seq = BigIntegerField(default=0)  # highest read position this device told
    unread = BigIntegerField(default=0)  # others' messages after read_seq, kept by the cache
    last_ts = BigIntegerField(default=0)  # time of the newest event, for ordering
    muted = BooleanField(default=False)


class Message(Model):
    """A timeline event stored from the server (messages and membership changes)."""

    id = AutoField()  # rowid, also the full-text index's
    channel = BigIntegerField()
    seq = BigIntegerField()
    pos = BigIntegerField()
    kind = CharField()
    sender = CharField()
    ts = BigIntegerField()
    text = TextField(default="")
    client_id = CharField(null=True)
    subject = CharField(null=True)
    name = CharField(null=True)
    written = BigIntegerField(null=True)  # the time of writing its writer's device gave

    class Meta:
        indexes = ((("channel", "seq"), True),)


class Outbox(Model):
    """Messages written here that the server has not acknowledged yet, in send order. A
    message to someone with no direct chat yet has channel 0 and ``to_user``: the engine
    opens the chat when the server can be reached, then sends it."""

    id = AutoField()
    client_id = CharField(unique=True)
    channel = BigIntegerField()
    to_user = CharField(null=True)  # whom a message for a chat not opened yet is for
    text = TextField()
    state = CharField(default="pending")  # "pending" or "failed"
    error = TextField(null=True)
    created = BigIntegerField()  # local time of writing


class Presence(Model):
    user = CharField(primary_key=True)
    state = CharField()
    last_seen = BigIntegerField(null=True)


TEMPLATES: list[type[Model]] = [Setting, Channel, Message, Outbox, Presence]


@dataclass(frozen=True)
class BoundModels:
    """The cache tables bound to one open database."""

    db: Database
    Setting: type[Setting]
    Channel: type[Channel]
    Message: type[Message]
    Outbox: type[Outbox]
    Presence: type[Presence]

    @property
    def all(self) -> list[type[Model]]:
        return [self.Setting, self.Channel, self.Message, self.Outbox, self.Presence]


def bind_models(db: Database) -> BoundModels:
    """Subclasses of the templates that use ``db``."""
    bound = {}
    for template in TEMPLATES:
        meta = type("Meta", (), {"database": db, "table_name": template._meta.table_name})
        bound[template.__name__] = type(template.__name__, (template,), {"Meta": meta})
    return BoundModels(db=db, **bound)
