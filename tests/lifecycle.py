"""What a device shows of messages that change, folded from the events it got by the rule of
docs/protocol.md ("How a message travels"): a message copy replaces what is shown only if it
reflects a later change, and a change applies only if its seq is above the message's
``changed``. Tests compare what devices that got the events in different ways end with."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from shared.protocol import CHANGE_KINDS, Event, Sync, SyncPage
from tests.support import TestClient


@dataclass
class Shown:
    """A message as a device shows it."""

    sender: str
    text: str
    reply_to: int | None
    edited: int | None
    deleted: bool
    changed: int
    mentions: list[tuple[str, int, int]]
    # emoji -> who, in the order they reacted; the order of the emoji is not part of it
    reactions: dict[str, list[str]] = field(default_factory=dict)


def fold(events: Iterable[Event], shown: dict[int, Shown] | None = None) -> dict[int, Shown]:
    """The messages of one channel as a device that got ``events`` in this order shows them."""
    shown = {} if shown is None else shown
    for e in events:
        if e.kind == "message":
            known = shown.get(e.seq)
            if known is None or (e.changed or 0) > known.changed:
                shown[e.seq] = _message(e)
        elif e.kind in CHANGE_KINDS:
            # A change of a message the device does not hold is in that message's state
            # when the device gets it.
            target = shown.get(e.target or 0)
            if target is not None and e.seq > target.changed:
                _apply(target, e)
    return shown


def _message(e: Event) -> Shown:
    return Shown(
        sender=e.sender,
        text=e.text,
        reply_to=e.reply_to,
        edited=e.edited,
        deleted=e.deleted,
        changed=e.changed or 0,
        mentions=[(m.user, m.start, m.end) for m in e.mentions],
        reactions={r.emoji: list(r.users) for r in e.reactions},
    )


def _apply(target: Shown, e: Event) -> None:
    target.changed = e.seq
    if e.kind == "edit":
        target.text, target.edited = e.text, e.seq
        target.mentions = [(m.user, m.start, m.end) for m in e.mentions]
    elif e.kind == "delete":
        target.text, target.deleted, target.reactions, target.mentions = "", True, {}, []
    else:
        assert e.emoji is not None
        users = target.reactions.setdefault(e.emoji, [])
        if e.sender in users:
            users.remove(e.sender)
        if not e.removed:
            users.append(e.sender)
        if not users:
            del target.reactions[e.emoji]


async def sync_all(client: TestClient, after: int | None, limit: int = 500) -> list[SyncPage]:
    """Every sync page from ``after`` on."""
    pages = []
    while True:
        page = await client.request(Sync(after=after, limit=limit))
        pages.append(page)
        after = page.next
        if not page.more:
            return pages


async def synced_events(client: TestClient, after: int | None, channel: int) -> list[Event]:
    """The channel's events a device gets by syncing from ``after``."""
    pages = await sync_all(client, after)
    return [e for page in pages for e in page.events if e.channel == channel]
