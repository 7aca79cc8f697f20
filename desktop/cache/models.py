"""Tables of the local cache. Times are milliseconds since the epoch: the server's, except
the times of writing (``Message.written``, ``Outbox.created``), which are the writing
device's.

The models here are unbound templates: each open cache binds its own subclasses to its own
database (``bind_models``), so several profiles can be open in one process, on any thread.
"""

from dataclasses import dataclass

from peewee import (
    SQL,
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    Database,
    Model,
    Node,
    TextField,
)

# Columns added by an upgrade have their default in the table too, as the upgrade gives them.
_ZERO: list[Node] = [SQL("DEFAULT 0")]


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
    # Muted until this time (ms; protocol.UNTIL_TURNED_OFF: until unmuted; 0: not muted).
    # ``muted`` says whether it is muted at all, for versions before 5.1, which read it.
    muted = BooleanField(default=False)
    muted_until = BigIntegerField(default=0, constraints=_ZERO)


class Message(Model):
    """A timeline event stored from the server: messages, membership changes, changes to
    messages (``reaction``, ``edit``, ``delete``: stored so that seqs stay gap-free, applied
    to their ``target``, never shown themselves) and kinds this version does not know.

    A message's columns hold its state: ``text`` as last edited (empty once deleted),
    ``edited`` (the seq of that edit), ``deleted``, and ``changed``, the seq up to which the
    server's copy it was stored from reflected every change (``desktop/cache/changes.py``).
    """

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
    reply_to = BigIntegerField(null=True)  # a message: the seq of the message it answers
    # A message or an edit: who its text names, JSON [[user, start, end], ...]; "" for
    # nobody, NULL while unknown (our own, stored from the server's acknowledgement).
    mentions = TextField(null=True, default="", constraints=[SQL("DEFAULT ''")])
    mentions_me = BooleanField(default=False, constraints=_ZERO)  # names this cache's user
    target = BigIntegerField(null=True)  # a change: the seq of the message it changes
    emoji = CharField(null=True)  # a reaction
    removed = BooleanField(default=False, constraints=_ZERO)  # a reaction taken back
    edited = BigIntegerField(null=True)  # a message: the seq of the edit its text is from
    deleted = BooleanField(default=False, constraints=_ZERO)
    changed = BigIntegerField(default=0, constraints=_ZERO)

    class Meta:
        indexes = ((("channel", "seq"), True),)


class Reaction(Model):
    """Who put which emoji on a message. ``stamp`` is the seq of the reaction event that
    decided this row (the copy's ``changed`` for rows from a server copy); a row taken back
    stays, not ``present``, so an older event arriving later cannot bring it back."""

    id = AutoField()
    channel = BigIntegerField()
    seq = BigIntegerField()  # the message's
    user = CharField()
    emoji = CharField()
    present = BooleanField(default=True)
    stamp = BigIntegerField()

    class Meta:
        indexes = ((("channel", "seq", "user", "emoji"), True),)


class Outbox(Model):
    """Messages and changes written here that the server has not acknowledged yet, in send
    order. A message to someone with no direct chat yet has channel 0 and ``to_user``: the
    engine opens the chat when the server can be reached, then sends it. A change
    (``kind`` ``reaction``, ``edit`` or ``delete``) names the message it changes in
    ``target``; an edit's new text is ``text``."""

    id = AutoField()
    client_id = CharField(unique=True)
    channel = BigIntegerField()
    to_user = CharField(null=True)  # whom a message for a chat not opened yet is for
    text = TextField()
    state = CharField(default="pending")  # "pending" or "failed"
    error = TextField(null=True)
    created = BigIntegerField()  # local time of writing
    kind = CharField(default="message", constraints=[SQL("DEFAULT 'message'")])
    reply_to = BigIntegerField(null=True)
    target = BigIntegerField(null=True)
    emoji = CharField(null=True)
    removed = BooleanField(default=False, constraints=_ZERO)


class Presence(Model):
    user = CharField(primary_key=True)
    state = CharField()
    last_seen = BigIntegerField(null=True)


TEMPLATES: list[type[Model]] = [Setting, Channel, Message, Reaction, Outbox, Presence]


@dataclass(frozen=True)
class BoundModels:
    """The cache tables bound to one open database."""

    db: Database
    Setting: type[Setting]
    Channel: type[Channel]
    Message: type[Message]
    Reaction: type[Reaction]
    Outbox: type[Outbox]
    Presence: type[Presence]

    @property
    def all(self) -> list[type[Model]]:
        return [
            self.Setting,
            self.Channel,
            self.Message,
            self.Reaction,
            self.Outbox,
            self.Presence,
        ]


def bind_models(db: Database) -> BoundModels:
    """Subclasses of the templates that use ``db``."""
    bound = {}
    for template in TEMPLATES:
        meta = type("Meta", (), {"database": db, "table_name": template._meta.table_name})
        bound[template.__name__] = type(template.__name__, (template,), {"Meta": meta})
    return BoundModels(db=db, **bound)
