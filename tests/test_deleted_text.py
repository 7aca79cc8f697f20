"""A deleted message leaves no copy of its text on the server: not in the SQLite database,
not in its write-ahead log (docs/protocol.md, "Messages that change"). The bytes of the
files are read as they are on disk once the delete is acknowledged."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.protocol import Delete, Edit, OpenDirect, Send
from syncserver.server import SyncServer
from tests.support import ClientFactory, new_id


@pytest.fixture
def database_url() -> Iterator[str | None]:
    """SQLite only: its files are what is read here (PostgreSQL keeps old row versions
    until vacuum, as docs/self-hosting.md says)."""
    yield None


def stored_bytes(server: SyncServer) -> bytes:
    """Every file of the server's data directory, as on disk now."""
    files = sorted(p for p in Path(server.config.data_dir).rglob("*") if p.is_file())
    assert any(p.name == "tidings.db" for p in files)
    return b"".join(p.read_bytes() for p in files)


def words(count: int) -> list[str]:
    """Unique words to find in the files: a long text lies in pages of its own (overflow
    pages), and a word may be cut by their edge, so each is looked for alone."""
    return [new_id() for _ in range(count)]


def found(words: list[str], stored: bytes) -> int:
    return sum(word.encode() in stored for word in words)


@pytest.mark.parametrize("count", [1, 600])  # in the row; in overflow pages (20 KB)
async def test_a_deleted_message_and_its_edits_leave_the_database_files(
    server: SyncServer, clients: ClientFactory, count: int
) -> None:
    alice = await clients.register("alice")
    await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    secret, edited, kept = words(count), words(count), words(1)
    sent = await alice.request(Send(channel=channel, client_id=new_id(), text=" ".join(secret)))
    edit = Edit(channel=channel, seq=sent.seq, client_id=new_id(), text=" ".join(edited))
    await alice.request(edit)
    await alice.request(Send(channel=channel, client_id=new_id(), text=kept[0]))
    before = stored_bytes(server)
    # Where they are to be found: all but a few cut by a page's edge.
    assert found(secret, before) >= 0.9 * count and found(edited, before) >= 0.9 * count

    await alice.request(Delete(channel=channel, seq=sent.seq, client_id=new_id()))
    after = stored_bytes(server)
    assert found(secret, after) == 0 and found(edited, after) == 0
    assert found(kept, after) == 1  # what was not deleted is still there to find
