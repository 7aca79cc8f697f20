"""Replies, reactions, edits, deletions, mentions and unknown kinds in the cache alone: real
SQLite files, events as a server sends them, in every order they can arrive in."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.cache.store import Cache
from desktop.cache.views import MentionView, MessageView, QuoteView, ReactionView
from shared.protocol import ChannelInfo, Event, Mention, Reactions

CHANNEL = 1


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Cache]:
    cache = Cache.open(tmp_path / "alice.sqlite3", "alice")
    cache.apply_channel(
        ChannelInfo(
            id=CHANNEL,
            kind="group",
            name="Trip",
            members=["alice", "bob", "carol"],
            owner="alice",
            last_seq=0,
            read_seq=0,
        )
    )
    yield cache
    cache.close()


def event(seq: int, kind: str = "message", sender: str = "bob", **fields: Any) -> Event:
    return Event(channel=CHANNEL, seq=seq, pos=seq, kind=kind, sender=sender, ts=seq, **fields)


def shown(cache: Cache) -> dict[int, MessageView]:
    return {m.seq: m for m in cache.messages(CHANNEL, limit=500) if m.seq is not None}


def state(view: MessageView) -> tuple:
    reactions = {r.emoji: r.users for r in view.reactions}
    return view.text, view.edited, view.deleted, reactions


def test_change_events_are_stored_but_never_entries(cache: Cache) -> None:
    applied = cache.apply_events(
        [
            event(1, text="hi"),
            event(2, "reaction", "carol", target=1, emoji="👍"),
            event(3, "edit", target=1, text="hello"),
            event(4, text="second"),
        ]
    )
    assert [m.seq for m in applied.messages] == [1, 4]  # changes are not news of their own
    assert list(shown(cache)) == [1, 4]
    assert state(shown(cache)[1]) == ("hello", True, False, {"👍": ("carol",)})
    assert cache.missing(CHANNEL, 1, 4) == []  # stored all the same: no holes
    assert cache.seq_bounds(CHANNEL) == (1, 4)


def test_a_change_before_its_message_applies_when_the_message_comes(cache: Cache) -> None:
    cache.apply_events(
        [
            event(5, "reaction", "carol", target=2, emoji="👍"),
            event(6, "edit", target=2, text="edited later"),
            event(7, "reaction", "alice", target=2, emoji="🎉"),
        ]
    )
    # A copy from before the changes: its state is as of its ``changed`` (none yet).
    applied = cache.apply_events([event(1, text="first"), event(2, text="original")])
    [_, two] = applied.messages
    assert state(two) == ("edited later", True, False, {"👍": ("carol",), "🎉": ("alice",)})
    assert state(shown(cache)[2]) == state(two)


def test_a_copy_that_reflects_the_changes_is_not_changed_again(cache: Cache) -> None:
    cache.apply_events(
        [
            event(5, "reaction", "carol", target=2, emoji="👍"),
            event(6, "reaction", "carol", target=2, emoji="👍", removed=True),
            event(7, "edit", target=2, text="new"),
        ]
    )
    copy = event(
        2, text="new", edited=7, changed=7, reactions=[Reactions(emoji="❤", users=["bob"])]
    )
    cache.apply_events([copy])
    assert state(shown(cache)[2]) == ("new", True, False, {"❤": ("bob",)})
    # A copy reflecting some changes only: those above its ``changed`` apply.
    cache.apply_events([event(10, text="x"), event(12, "edit", target=10, text="y")])
    cache.apply_events([event(11, "edit", target=10, text="older edit")])
    assert shown(cache)[10].text == "y"  # the edit with the highest seq wins


def test_reactions_out_of_order_among_themselves(cache: Cache) -> None:
    """A stretch of events fetched after later ones (the user was away from the group):
    each user's emoji ends as its latest event says, whatever came first."""
    cache.apply_events([event(1, text="hi")])
    cache.apply_events(
        [
            event(30, "reaction", "carol", target=1, emoji="👍", removed=True),
            event(31, "reaction", "bob", target=1, emoji="🎉"),
            event(32, "edit", target=1, text="later text"),
        ]
    )
    cache.apply_events(
        [
            event(10, "reaction", "carol", target=1, emoji="👍"),
            event(11, "reaction", "bob", target=1, emoji="🎉", removed=True),
            event(12, "reaction", "alice", target=1, emoji="❤"),
            event(13, "edit", target=1, text="earlier text"),
        ]
    )
    assert state(shown(cache)[1]) == ("later text", True, False, {"🎉": ("bob",), "❤": ("alice",)})


def test_users_and_emoji_in_the_order_they_were_put(cache: Cache) -> None:
    copy = event(1, text="hi", changed=4, reactions=[Reactions(emoji="👍", users=["carol", "bob"])])
    cache.apply_events([copy])
    cache.apply_events(
        [
            event(5, "reaction", "alice", target=1, emoji="🎉"),
            event(6, "reaction", "alice", target=1, emoji="👍"),
            event(7, "reaction", "carol", target=1, emoji="👍", removed=True),
            event(8, "reaction", "carol", target=1, emoji="👍"),
        ]
    )
    assert shown(cache)[1].reactions == (
        ReactionView("👍", ("bob", "alice", "carol")),
        ReactionView("🎉", ("alice",)),
    )


def test_replies_quote_the_message_as_it_is_now(cache: Cache) -> None:
    question = event(1, text="question\nmore")
    cache.apply_events([question, event(2, "message", "carol", text="a", reply_to=1)])
    reply = shown(cache)[2]
    assert reply.reply_to == 1 and reply.quote == QuoteView(
        1, "bob", "question\nmore", False, False
    )
    cache.apply_events([event(3, "edit", target=1, text="better question")])
    assert shown(cache)[2].quote == QuoteView(1, "bob", "better question", True, False)
    cache.apply_events([event(4, "delete", target=1)])
    assert shown(cache)[2].quote == QuoteView(1, "bob", "", False, True)  # edits go with it
    # A reply whose message is not stored here names it, without a quote.
    cache.apply_events([event(6, "message", "carol", text="b", reply_to=5)])
    assert (shown(cache)[6].reply_to, shown(cache)[6].quote) == (5, None)


def test_search_finds_the_latest_text_only(cache: Cache) -> None:
    cache.apply_events([event(1, text="walrus original")])
    assert [h.message.seq for h in cache.search("walrus")] == [1]  # indexed now
    cache.apply_events([event(2, "edit", target=1, text="narwhal latest")])
    assert cache.search("walrus") == []
    [hit] = cache.search("narwhal")
    assert (hit.message.seq, hit.message.text, hit.message.edited) == (1, "narwhal latest", True)
    cache.apply_events([event(3, "edit", target=1, text="narwhal again")])  # not indexed yet
    assert [h.message.text for h in cache.search("narwhal")] == ["narwhal again"]


SECRET = "zyxwvutsecret"


def file_bytes(path: Path) -> bytes:
    return b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )


def test_a_deleted_message_leaves_no_bytes_in_the_cache_files(cache: Cache, tmp_path: Path):
    path = tmp_path / "alice.sqlite3"
    cache.apply_events([event(1, text=f"the {SECRET} plan"), event(2, text="keep this")])
    cache.index_pending()
    cache.apply_events(
        [
            event(3, "edit", target=1, text=f"the {SECRET}2 plan, edited"),
            event(4, "reaction", "carol", target=1, emoji="👍"),
        ]
    )
    cache.index_pending()
    assert SECRET.encode() in file_bytes(path)
    applied = cache.apply_events([event(5, "delete", target=1)])
    assert applied.purged and (CHANNEL, 1) in applied.changed
    deleted = shown(cache)[1]
    assert state(deleted) == ("", False, True, {})  # its edits went with it
    assert cache.search(SECRET) == [] and [h.message.seq for h in cache.search("keep")] == [2]
    assert SECRET.encode() not in file_bytes(path)
    # An edit of a deleted message fetched later never brings its text.
    cache.apply_events([event(6, text="late")])
    cache.apply_events([event(3, "edit", target=1, text=f"{SECRET} again")])
    assert SECRET.encode() not in file_bytes(path)


def test_deleted_before_its_message_and_edits_arrive(cache: Cache, tmp_path: Path) -> None:
    path = tmp_path / "alice.sqlite3"
    cache.apply_events([event(9, "delete", target=1)])
    stale = event(1, text=f"{SECRET} stale copy")
    cache.apply_events([stale, event(2, "edit", target=1, text=f"{SECRET} edit")])
    cache.finish_purge()
    assert state(shown(cache)[1]) == ("", False, True, {})  # edited, then deleted: no edits
    assert SECRET.encode() not in file_bytes(path)


def test_mentions_and_unread_mentions(cache: Cache) -> None:
    names_alice = [Mention(user="alice", start=3, end=9)]
    cache.apply_events(
        [
            event(1, text="hi @alice", mentions=names_alice),
            event(2, text="hi @carol", mentions=[Mention(user="carol", start=3, end=9)]),
            event(3, "message", "alice", text="hi @alice", mentions=names_alice),  # own
        ]
    )
    views = shown(cache)
    assert views[1].mentions == (MentionView("alice", 3, 9),) and views[1].mentions_me
    assert not views[2].mentions_me and not views[3].mentions_me
    channel = cache.channel(CHANNEL)
    assert channel is not None and (channel.unread, channel.unread_mentions) == (2, 1)
    # An edit that names the user counts; a deletion takes it away again.
    names_her = [Mention(user="alice", start=0, end=6)]
    cache.apply_events([event(4, "edit", target=2, text="@alice", mentions=names_her)])
    assert [c.unread_mentions for c in cache.channels()] == [2]
    cache.apply_events([event(5, "delete", target=1)])
    channel = cache.channel(CHANNEL)
    assert channel is not None and (channel.unread, channel.unread_mentions) == (1, 1)
    cache.mark_read(CHANNEL, 5)
    assert [c.unread_mentions for c in cache.channels()] == [0]


def test_kinds_this_version_does_not_know(cache: Cache) -> None:
    applied = cache.apply_events(
        [event(1, text="hi"), event(2, "poll", text="Lunch?"), event(3, text="after")]
    )
    assert [(m.seq, m.kind, m.unknown) for m in applied.messages] == [
        (1, "message", False),
        (2, "poll", True),
        (3, "message", False),
    ]
    assert [m.unknown for m in cache.messages(CHANNEL)] == [False, True, False]
    assert cache.unread(CHANNEL) == 2  # only messages count
    assert cache.missing(CHANNEL, 1, 3) == []


def test_cache_4_0_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "alice.sqlite3"
    Cache.open(path, "alice").close()
    with sqlite3.connect(path) as db:  # what version 4.0 left
        db.execute("DROP TABLE reaction")
        for column in ("reply_to", "mentions", "mentions_me", "target", "emoji", "removed",
                       "edited", "deleted", "changed"):  # fmt: skip
            db.execute("DROP INDEX IF EXISTS message_target")
            db.execute("DROP INDEX IF EXISTS message_mentions_me")
            db.execute(f"ALTER TABLE message DROP COLUMN {column}")
        for column in ("kind", "reply_to", "target", "emoji", "removed"):
            db.execute(f"ALTER TABLE outbox DROP COLUMN {column}")
        rows = [(1, "message", "walrus"), (2, "reaction", ""), (3, "edit", "walrus edited")]
        db.executemany(
            "INSERT INTO message (channel, seq, pos, kind, sender, ts, text) "
            "VALUES (1, ?, ?, ?, 'bob', 1, ?)",
            [(seq, seq, kind, text) for seq, kind, text in rows],
        )
        db.execute("INSERT INTO message_fts (rowid, text) SELECT id, text FROM message")
        db.execute("UPDATE setting SET value = '3' WHERE key = 'indexed_up_to'")
        db.execute("PRAGMA user_version = 4000")
    cache = Cache.open(path, "alice")
    try:
        # 4.0 did not read a change's target: those rows go, holes to fill again.
        assert cache.missing(1, 1, 3) == [(2, 3)]
        assert [h.message.seq for h in cache.search("walrus")] == [1]
        cache.apply_events(
            [
                Event(channel=1, seq=2, pos=2, kind="reaction", sender="bob", ts=2, target=1,
                      emoji="👍"),
                Event(channel=1, seq=3, pos=3, kind="edit", sender="bob", ts=3, target=1,
                      text="walrus edited"),
            ]
        )  # fmt: skip
        [view] = cache.messages(1)
        assert state(view) == ("walrus edited", True, False, {"👍": ("bob",)})
    finally:
        cache.close()
