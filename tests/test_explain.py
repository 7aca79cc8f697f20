"""Refusals of malformed requests are sentences: each case is a real request body decoded by
the protocol's own decoder, and the sentence it gets."""

import msgspec
import pytest

from shared import protocol
from shared.explain import explain_validation

CASES = [
    (
        {"type": "hello", "rid": 1, "device_id": "x", "token": "t"},
        "the field `device_id` must be a whole number, not text",
    ),
    (
        {"type": "hello", "rid": 1, "device_id": 0, "token": "t"},
        "the field `device_id` must be a whole number of at least 1",
    ),
    ({"type": "hello", "rid": 1}, "the request lacks the field `device_id`"),
    (
        {"type": "heartbeat", "idel": True},
        "the request has a field the server does not know: `idel`",
    ),
    ({"type": "nope"}, "there is no request type 'nope'"),
    (
        {"type": "login", "user": "a" * 40, "password": "p", "device": "d"},
        "the field `user` must hold at most 32 characters",
    ),
    (
        {"type": "get_presence", "users": ["a"] * 200},
        "the field `users` must hold at most 100 items",
    ),
    (
        {"type": "get_presence", "users": [1]},
        "the field `users[0]` must be text, not a whole number",
    ),
    ({"rid": 1}, "the request lacks the field `type`"),
    ([1, 2], "the request must be a map, not a list"),
    (
        {"type": "send", "channel": 1, "client_id": "c", "text": None},
        "the field `text` must be text, not nothing",
    ),
]


@pytest.mark.parametrize(("body", "sentence"), CASES)
def test_a_malformed_request_is_refused_with_a_sentence(body: object, sentence: str) -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        protocol.decode_request(msgspec.msgpack.encode(body))
    said = protocol.why_undecodable(caught.value)
    assert said == f"the request does not fit the protocol: {sentence}"
    assert "`$" not in said and "Expected" not in said


def test_a_message_not_recognised_keeps_its_words_after_the_field() -> None:
    assert explain_validation("Something new - at `$.x`") == "the field `x`: Something new"
