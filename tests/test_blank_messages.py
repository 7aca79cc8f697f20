"""A message with no visible character is blank: refused by the server, and by the client
before it is queued. Only whitespace, controls (NUL), format characters (U+200B) and fillers
that render as nothing make a blank message; a character this Python's Unicode data does not
know yet (an emoji newer than it) is someone's text."""

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import OpenDirect, Send
from shared.text import is_blank
from tests.support import ClientFactory, new_id

BLANKS = [
    "",
    " \t\n\u3000",
    "\u200b",
    "\x00",
    "\x00\x07\x1b",
    "\u200b\u200c\u200e\u2060\ufeff",
    "\u3164\u115f\uffa0",  # Hangul fillers: letters by category, drawn as nothing
    "\u2800",  # braille pattern blank
    "\ufe0f\U000e0041",  # a variation selector and a tag character
    "\U000e0100",  # a variation selector without a character to select
]
NEWER_THAN_PYTHON = [
    "\U0001fa77",  # PINK HEART, Unicode 15 (2022): unassigned in Python 3.11's data
    "\U0001fae8",  # SHAKING FACE, likewise
    "\u0378",  # unassigned today; whatever it becomes, a renderer draws something for it
]
VISIBLE = ["a", ".", "\u00b7", "\U0001f44d", "\u200d\U0001f44d", "\ud55c", "\u0301", " x "]
VISIBLE += NEWER_THAN_PYTHON


def test_blank_means_no_visible_character() -> None:
    assert [t for t in BLANKS if not is_blank(t)] == []
    assert [t for t in VISIBLE if is_blank(t)] == []


async def test_the_server_refuses_blank_messages(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    for text in ("\u200b", "\x00", "\u3164"):
        with pytest.raises(ProtocolError) as err:
            await alice.request(Send(channel=channel.id, client_id=new_id(), text=text))
        assert err.value.code == ErrorCode.INVALID
        assert "visible text" in err.value.message
    sent = await alice.request(Send(channel=channel.id, client_id=new_id(), text="\u200bhi"))
    assert sent.seq == 2
    for n, text in enumerate(NEWER_THAN_PYTHON, start=3):
        sent = await alice.request(Send(channel=channel.id, client_id=new_id(), text=text))
        assert sent.seq == n
