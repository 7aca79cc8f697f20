"""Files attached to messages (docs/protocol.md, "Attachments"): uploaded and downloaded in
chunks over the real CURVE connection, carried by message events, readable by those who
may see the message, stored once, and removed with the last message that carries them."""

import os
from pathlib import Path

import msgspec
import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    FEATURE_ATTACHMENTS,
    AddMembers,
    CreateGroup,
    Delete,
    Download,
    EventPush,
    History,
    OpenDirect,
    RemoveMember,
    Send,
    Sync,
    UploadBegin,
)
from syncserver.server import SyncServer
from tests.attachments import (
    CHUNK,
    attachment,
    begin,
    download,
    send_chunks,
    send_file,
    sha256_of,
    upload,
)
from tests.support import ClientFactory, TestClient, new_id


def stored_files(server: SyncServer) -> list[Path]:
    """The stored files in the server's files directory (not uploads under way)."""
    root = server.config.files_path
    return [p for p in root.glob("??/*") if p.is_file()]


async def test_a_file_goes_up_and_comes_down_whole(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    assert FEATURE_ATTACHMENTS in alice.welcome.features
    assert alice.welcome.max_file_bytes == 100_000_000
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    data = os.urandom(3 * CHUNK + 1234)  # three full chunks and a short one

    state = await begin(alice, data, "report.pdf")
    assert (state.stored, state.complete) == (0, False)
    state = await send_chunks(alice, data)
    assert (state.stored, state.complete) == (len(data), True)
    sent = await alice.request(
        Send(
            channel=channel,
            client_id=new_id(),
            text="the report",
            attachments=[attachment(data, "report.pdf", "application/pdf")],
        )
    )

    pushed = await bob.wait_push(lambda p: isinstance(p, EventPush) and p.event.seq == sent.seq)
    assert isinstance(pushed, EventPush)
    [carried] = pushed.event.attachments
    assert (carried.name, carried.size) == ("report.pdf", len(data))
    assert carried.mime == "application/pdf"
    assert pushed.event.text == "the report"
    assert await download(bob, carried.sha256, carried.size) == data
    assert await download(alice, carried.sha256, carried.size) == data
    # The message carries its file wherever it is read from.
    [synced] = [e for e in (await bob.request(Sync(after=0))).events if e.seq == sent.seq]
    page = await bob.request(History(channel=channel))
    [paged] = [e for e in page.events if e.kind == "message"]
    assert synced.attachments == paged.attachments == pushed.event.attachments


async def test_a_download_asks_for_any_part_and_gets_less_only_at_the_end(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    data = os.urandom(1000)
    await upload(alice, data)
    sha = sha256_of(data)
    middle = await alice.request(Download(sha256=sha, offset=100, length=50))
    assert (middle.offset, middle.size, middle.data) == (100, 1000, data[100:150])
    end = await alice.request(Download(sha256=sha, offset=990))
    assert end.data == data[990:]
    assert (await alice.request(Download(sha256=sha, offset=1000))).data == b""
    with pytest.raises(ProtocolError) as err:
        await alice.request(Download(sha256=sha, offset=1001))
    assert err.value.code == ErrorCode.INVALID and "past the end" in err.value.message


async def test_an_upload_resumes_from_what_is_stored_after_a_reconnect(
    clients: ClientFactory,
) -> None:
    laptop = await clients.register("alice")
    data = os.urandom(5 * CHUNK)
    await begin(laptop, data)
    halfway = await send_chunks(laptop, data, 0, 2 * CHUNK)
    assert halfway.stored == 2 * CHUNK
    credentials, keys = laptop.credentials, laptop.conn.client_keys
    await laptop.conn.close()

    again = await clients.resume(credentials, client_keys=keys)
    state = await begin(again, data)
    assert (state.stored, state.complete) == (2 * CHUNK, False)
    # Another device of the same user may finish it too: the upload is the user's.
    phone = await clients.login("alice", "phone")
    await send_chunks(again, data, 2 * CHUNK, 3 * CHUNK)
    assert (await begin(phone, data)).stored == 3 * CHUNK
    assert (await send_chunks(phone, data, 3 * CHUNK)).complete
    assert await download(again, sha256_of(data), len(data)) == data


async def test_a_member_reads_the_files_of_messages_sent_while_a_member(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    carol = await clients.register("carol")
    group = (await alice.request(CreateGroup(name="club", members=["bob"]))).channel.id
    before, after = os.urandom(2000), os.urandom(3000)
    await send_file(alice, group, before, "before.bin")
    await alice.request(RemoveMember(channel=group, user="bob"))
    await send_file(alice, group, after, "after.bin")
    await alice.request(AddMembers(channel=group, users=["carol"]))

    assert await download(bob, sha256_of(before), len(before)) == before
    refused = await _refusal(bob, sha256_of(after))
    # A file one may not read and one that does not exist get the same answer.
    missing = sha256_of(b"no such file")
    assert await _refusal(carol, sha256_of(before)) == refused
    assert await _refusal(bob, missing) == refused
    # Carol, who joined after both, sees them in history but reads neither.
    page = await carol.request(History(channel=group))
    assert [a.name for e in page.events for a in e.attachments] == ["before.bin", "after.bin"]
    assert await _refusal(carol, sha256_of(after)) == refused


async def _refusal(client: TestClient, sha256: str) -> tuple[str, str]:
    """The error of downloading ``sha256``, with the hash itself taken out of its message."""
    with pytest.raises(ProtocolError) as err:
        await client.request(Download(sha256=sha256))
    return err.value.code, err.value.message.replace(sha256, "<sha256>")


async def test_a_file_can_be_forwarded_by_whoever_may_read_it(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    carol = await clients.register("carol")
    with_bob = (await alice.request(OpenDirect(user="bob"))).channel.id
    bob_carol = (await bob.request(OpenDirect(user="carol"))).channel.id
    data = os.urandom(500)
    await send_file(alice, with_bob, data, "photo.jpg")
    # Bob never uploaded it, but may read it: he may attach it. Carol may not.
    await bob.request(
        Send(channel=bob_carol, client_id=new_id(), text="", attachments=[attachment(data)])
    )
    assert await download(carol, sha256_of(data), len(data)) == data
    mallory = await clients.register("mallory")
    alone = (await mallory.request(OpenDirect(user="mallory"))).channel.id
    with pytest.raises(ProtocolError) as err:
        await mallory.request(
            Send(channel=alone, client_id=new_id(), text="", attachments=[attachment(data)])
        )
    assert err.value.code == ErrorCode.NO_SUCH_FILE and "photo.jpg" not in err.value.message


async def test_a_message_needs_its_files_stored_whole_and_named_as_stored(
    clients: ClientFactory,
) -> None:
    alice = await clients.register("alice")
    notes = (await alice.request(OpenDirect(user="alice"))).channel.id
    data = os.urandom(2 * CHUNK)
    await begin(alice, data)
    await send_chunks(alice, data, 0, CHUNK)  # half of it
    for described, code in (
        (attachment(data, "half.bin"), ErrorCode.NO_SUCH_FILE),
        (attachment(b"never uploaded", "ghost.txt"), ErrorCode.NO_SUCH_FILE),
        (attachment(data, "a/b.txt"), ErrorCode.INVALID),
    ):
        with pytest.raises(ProtocolError) as err:
            await alice.request(
                Send(channel=notes, client_id=new_id(), text="x", attachments=[described])
            )
        assert err.value.code == code, described
    await send_chunks(alice, data, CHUNK)
    wrong_size = attachment(data)
    with pytest.raises(ProtocolError) as err:
        await alice.request(
            Send(
                channel=notes,
                client_id=new_id(),
                text="",
                attachments=[msgspec.structs.replace(wrong_size, size=5)],
            )
        )
    assert err.value.code == ErrorCode.INVALID and f"{len(data):,} bytes" in err.value.message
    # Without files a message still needs visible text; with them the caption may be empty.
    with pytest.raises(ProtocolError) as err:
        await alice.request(Send(channel=notes, client_id=new_id(), text=" "))
    assert err.value.code == ErrorCode.INVALID
    await alice.request(Send(channel=notes, client_id=new_id(), text=" ", attachments=[wrong_size]))


async def test_identical_files_are_stored_once(server: SyncServer, clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    data = os.urandom(CHUNK + 10)
    assert (await upload(alice, data)).complete
    # Bob holds the same bytes: he must upload them all (proving he has them), but they are
    # kept once.
    state = await begin(bob, data)
    assert (state.stored, state.complete) == (0, False)
    assert (await send_chunks(bob, data)).complete
    assert [p.name for p in stored_files(server)] == [sha256_of(data)]
    assert await download(bob, sha256_of(data), len(data)) == data
    # A user who may read it already needs to send nothing.
    assert (await begin(alice, data)).complete


async def test_deleting_the_last_message_that_carries_a_file_removes_it(
    server: SyncServer, clients: ClientFactory
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    notes = (await alice.request(OpenDirect(user="alice"))).channel.id
    kept, shared = os.urandom(700), os.urandom(900)
    first = await send_file(alice, channel, kept, "kept.bin")
    await send_file(alice, notes, kept, "kept.bin")  # the same file in a second message
    second = await send_file(alice, channel, shared, "gone.bin")
    assert len(stored_files(server)) == 2

    await alice.request(Delete(channel=channel, seq=second, client_id=new_id()))
    await alice.request(Delete(channel=channel, seq=first, client_id=new_id()))
    assert [p.name for p in stored_files(server)] == [sha256_of(kept)]
    assert await _refusal(bob, sha256_of(shared)) == await _refusal(bob, sha256_of(b"x"))
    page = await bob.request(History(channel=channel))
    assert all(e.attachments == () for e in page.events)
    assert await download(alice, sha256_of(kept), len(kept)) == kept


async def test_a_file_of_no_bytes_is_whole_once_begun(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    notes = (await alice.request(OpenDirect(user="alice"))).channel.id
    state = await begin(alice, b"", "empty.txt")
    assert (state.stored, state.complete) == (0, True)
    await alice.request(
        Send(channel=notes, client_id=new_id(), text="", attachments=[attachment(b"")])
    )
    assert await download(alice, sha256_of(b""), 0) == b""
    with pytest.raises(ProtocolError) as err:
        await alice.request(UploadBegin(sha256=sha256_of(b"x"), size=0, name="liar.txt"))
    assert err.value.code == ErrorCode.HASH_MISMATCH
