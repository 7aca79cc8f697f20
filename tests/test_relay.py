"""What nodes tell each other fits PostgreSQL's notifications: many pushes of one turn are
split over as many notifications as they need, each under the size PostgreSQL takes, and
read back whole; a push too large for any notification is left to the devices' cursors."""

from shared.protocol import Event
from syncserver.relay import (
    Item,
    NodePresence,
    RelayedEvent,
    RelayedPush,
    Spent,
    decode_payload,
    payloads_of,
)
from syncserver.store.nodes import MAX_NOTIFY_BYTES


def _event(n: int, text: str = "hello") -> RelayedEvent:
    event = Event(channel=1, seq=n, pos=0, kind="message", sender="alice", ts=0, text=text)
    return RelayedEvent(event, {1: n, 2: n}, None)


def test_a_turns_pushes_are_split_over_notifications_under_postgresqls_limit() -> None:
    items: list[Item] = [_event(n, "x" * 200) for n in range(200)]
    items += [RelayedPush([1, 2], b"typing", 7), NodePresence(3, "away"), Spent("user", 3, 2.0)]
    payloads = payloads_of("node-a", items)
    assert len(payloads) > 1
    assert all(len(p) <= MAX_NOTIFY_BYTES for p in payloads)
    read = [decode_payload(p) for p in payloads]
    assert {r.node for r in read} == {"node-a"}
    assert [e.event.seq for r in read for e in r.events] == list(range(200))  # in order, once
    assert [p.body for r in read for p in r.pushes] == [b"typing"]
    assert [(p.user, p.state) for r in read for p in r.presence] == [(3, "away")]
    assert [(s.limiter, s.key, s.tokens) for r in read for s in r.spent] == [("user", 3, 2.0)]


def test_a_push_too_large_for_a_notification_is_not_relayed() -> None:
    payloads = payloads_of("node-a", [_event(1, "x" * MAX_NOTIFY_BYTES), _event(2)])
    assert [e.event.seq for p in payloads for e in decode_payload(p).events] == [2]
