"""The conversation's model over a real cache file: replies quote what is shown even before
the server has them, and replies shown take the quote of an original that changes or
arrives later."""

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from desktop.cache.store import Cache
from desktop.ui.models import MessageListModel
from shared.protocol import ChannelInfo, Event

CHANNEL = 1


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Cache]:
    cache = Cache.open(tmp_path / "alice.sqlite3", "alice")
    cache.apply_channel(ChannelInfo(id=CHANNEL, kind="direct", name="", members=["alice", "bob"],
                                    owner=None, last_seq=0, read_seq=0))  # fmt: skip
    yield cache
    cache.close()


def message(seq: int, text: str, **fields: object) -> Event:
    return Event(channel=CHANNEL, seq=seq, pos=seq, kind="message", sender="bob", ts=seq,
                 text=text, **fields)  # type: ignore[arg-type]  # fmt: skip


def test_a_reply_in_the_outbox_quotes_what_it_answers(qapp, cache: Cache) -> None:
    cache.apply_events([message(1, "lunch?")])
    model = MessageListModel(cache, CHANNEL)
    queued = cache.queue(CHANNEL, "yes", reply_to=1)
    assert queued.quote is None  # the outbox's own view says only which seq
    model.update_outbox(queued)
    shown = model.message_at(model.rowCount() - 1)
    assert shown.seq is None and shown.quote is not None and shown.quote.text == "lunch?"


def test_replies_shown_follow_their_original(qapp, cache: Cache) -> None:
    cache.apply_events([message(2, "see above", reply_to=1)])
    model = MessageListModel(cache, CHANNEL)
    [reply] = [m for m in model.messages() if m.seq == 2]
    assert reply.quote is None  # not on this device yet
    original = cache.apply_events([message(1, "the plan")]).messages[0]
    model.add(original)  # older than what is shown: not a row, but quoted
    [reply] = [m for m in model.messages() if m.seq == 2]
    assert reply.quote is not None and reply.quote.text == "the plan"
    model.change(replace(original, text="", deleted=True))
    [reply] = [m for m in model.messages() if m.seq == 2]
    assert reply.quote is not None and reply.quote.deleted
