"""Pushes are encoded once per user and fanned out to their devices, each user's copy of an
event with its position in their stream; apps of the first release get a second encoding
only of a push they would misread."""

import msgspec

from shared.protocol import Event, EventPush, decode_server_message
from syncserver.delivery import Delivery
from syncserver.first_release import (
    NEEDS_NEWER_APP,
    changes_for_first_release,
    first_release,
)
from syncserver.sessions import Session, SessionTable


def devices() -> tuple[SessionTable, list[tuple[bytes, bytes]], Delivery]:
    """Two users online: ``new`` on an app that reads what it does not know, ``old`` on one
    of the first release; what is sent to each is recorded."""
    sessions = SessionTable()
    sessions.bind(Session(b"new", 1, 1, "ann", 0.0, tolerant=True))
    sessions.bind(Session(b"laptop", 3, 1, "ann", 0.0, tolerant=True))
    sessions.bind(Session(b"old", 2, 2, "olga", 0.0, tolerant=False))
    sent: list[tuple[bytes, bytes]] = []

    def send(routing_id: bytes, body: bytes) -> bool:
        sent.append((routing_id, body))
        return True

    return sessions, sent, Delivery(sessions, send)


def test_each_user_gets_the_event_at_their_own_position_encoded_once() -> None:
    _, sent, delivery = devices()
    event = Event(channel=1, seq=2, pos=0, kind="message", sender="ann", ts=4, text="hi")
    assert not changes_for_first_release(event)
    delivery.event_to_streams(event, {1: 17, 2: 5})
    bodies = dict(sent)
    assert bodies[b"new"] is bodies[b"laptop"]  # one encoding for both of ann's devices
    positions = {r: decode_server_message(body).event.pos for r, body in bodies.items()}  # type: ignore[union-attr]
    assert positions == {b"new": 17, b"laptop": 17, b"old": 5}


def test_the_sending_device_is_skipped() -> None:
    _, sent, delivery = devices()
    event = Event(channel=1, seq=2, pos=0, kind="message", sender="ann", ts=4, text="hi")
    delivery.event_to_streams(event, {1: 17, 2: 5}, skip_device=1)
    assert sorted(routing for routing, _ in sent) == [b"laptop", b"old"]


def test_a_change_reaches_first_release_apps_as_a_message() -> None:
    _, sent, delivery = devices()
    event = Event(channel=1, seq=5, pos=0, kind="edit", sender="ann", ts=7, text="x", target=2)
    assert changes_for_first_release(event)
    delivery.event_to_streams(event, {1: 9, 2: 6})
    bodies = dict(sent)
    pushed = decode_server_message(bodies[b"new"])
    assert isinstance(pushed, EventPush) and pushed.event == msgspec.structs.replace(event, pos=9)
    raw = msgspec.msgpack.decode(bodies[b"old"])["event"]
    assert raw == {
        "channel": 1,
        "seq": 5,
        "pos": 6,
        "kind": "message",
        "sender": "ann",
        "ts": 7,
        "text": NEEDS_NEWER_APP,
    }


def test_a_deleted_message_reaches_first_release_apps_as_deleted() -> None:
    event = Event(channel=1, seq=2, pos=3, kind="message", sender="ann", ts=4, deleted=True)
    assert changes_for_first_release(event)
    shown = first_release(event)
    assert (shown.kind, shown.text, shown.deleted) == (
        "message",
        "This message was deleted.",
        False,
    )
