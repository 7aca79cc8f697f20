"""Pushes are encoded once and fanned out; apps of the first release get a second encoding
only of a push they would misread."""

import msgspec

from shared.protocol import Event, EventPush, decode_server_message
from syncserver.delivery import Delivery
from syncserver.sessions import Session, SessionTable
from syncserver.views import NEEDS_NEWER_APP, changes_for_first_release, first_release


def devices() -> tuple[SessionTable, list[tuple[bytes, bytes]], Delivery]:
    """Two users online: ``new`` on an app that reads what it does not know, ``old`` on one
    of the first release; what is sent to each is recorded."""
    sessions = SessionTable()
    sessions.bind(Session(b"new", 1, 1, "ann", 0.0, tolerant=True))
    sessions.bind(Session(b"old", 2, 2, "olga", 0.0, tolerant=False))
    sent: list[tuple[bytes, bytes]] = []

    def send(routing_id: bytes, body: bytes) -> bool:
        sent.append((routing_id, body))
        return True

    return sessions, sent, Delivery(sessions, send, lambda user_id: 0)


def test_a_plain_push_is_encoded_once_for_every_app() -> None:
    _, sent, delivery = devices()
    event = Event(channel=1, seq=2, pos=3, kind="message", sender="ann", ts=4, text="hi")
    assert not changes_for_first_release(event)
    delivery.to_users([1, 2], EventPush(event=event), pos=3)
    [(_, new), (_, old)] = sent
    assert new is old  # one encoding, sent twice


def test_a_change_reaches_first_release_apps_as_a_message() -> None:
    _, sent, delivery = devices()
    event = Event(channel=1, seq=5, pos=6, kind="edit", sender="ann", ts=7, text="x", target=2)
    assert changes_for_first_release(event)
    delivery.to_users(
        [1, 2], EventPush(event=event), pos=6, first_release=EventPush(event=first_release(event))
    )
    bodies = dict(sent)
    pushed = decode_server_message(bodies[b"new"])
    assert isinstance(pushed, EventPush) and pushed.event == event
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
