"""Files attached to messages, between engines through a real server: sent and received
whole (SHA-256 checked), thumbnails with the message, downloads on demand kept for reading
offline within their space, uploads that resume where they stopped, cancelled ones, and
files a removed member may no longer read."""

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from desktop.bench_files import file_sha256 as sha256
from desktop.bench_files import random_file
from desktop.core.engine import OutboxError, SyncEngine
from desktop.core.events import (
    AppEvent,
    DownloadProgress,
    FilesChanged,
    MessageAdded,
    MessageDiscarded,
    UploadProgress,
)
from desktop.core.lifecycle import NotOffered
from shared.errors import ErrorCode, ProtocolError
from shared.protocol import Download
from syncserver.server import SyncServer
from tests.desktop.test_engine import started, until
from tests.proxy import RecordingProxy

MB = 1000 * 1000


def recorder(engine: SyncEngine, kind: type) -> list:
    """Every event of ``kind`` the engine emits from now on."""
    seen: list = []
    engine.subscribe(lambda e: seen.append(e) if isinstance(e, kind) else None)
    return seen


async def friends(make_profile, engines) -> tuple[SyncEngine, SyncEngine, int]:
    """Alice and Bob online, with their direct chat known to both."""
    alice = await started(engines(await make_profile("alice", "laptop", create=True)))
    bob = await started(engines(await make_profile("bob", "desk", create=True)))
    channel = await alice.open_direct("bob")
    await until(lambda: bob.cache.channel(channel.id) is not None)
    return alice, bob, channel.id


async def arrived(engine: SyncEngine, channel_id: int, client_id: str | None) -> int:
    """The seq of a message once the engine stored it."""

    def stored() -> int | None:
        found = [m for m in engine.cache.messages(channel_id) if m.client_id == client_id]
        return found[0].seq if found and found[0].seq is not None else None

    await until(lambda: stored() is not None, timeout=60)
    seq = stored()
    assert seq is not None
    return seq


async def test_two_people_exchange_a_50_mb_file_and_an_image(make_profile, engines, tmp_path: Path):
    alice, bob, channel = await friends(make_profile, engines)
    phone = await started(engines(await make_profile("bob", "phone")))
    big = random_file(tmp_path / "video.mp4", 50 * MB)
    big_sha256 = sha256(big)
    picture = tmp_path / "beach.png"
    Image.new("RGB", (1200, 800), (30, 120, 220)).save(picture)
    uploads = recorder(alice, UploadProgress)

    queued = await alice.send_files(channel, "holiday", [big, picture])
    big.rename(tmp_path / "moved.mp4")  # the copy taken when it was queued goes up
    assert queued.state == "pending" and [a.name for a in queued.attachments] == [
        "video.mp4",
        "beach.png",
    ]
    seq = await arrived(bob, channel, queued.client_id)

    assert {(u.index, u.stored) for u in uploads} >= {(0, 50 * MB), (1, picture.stat().st_size)}
    assert all(u.client_id == queued.client_id for u in uploads)
    message = bob.cache.message(channel, seq)
    assert message is not None and message.text == "holiday"
    video, image = message.attachments
    assert (video.name, video.size, video.sha256, video.mime) == (
        "video.mp4",
        50 * MB,
        big_sha256,
        "video/mp4",
    )
    # The thumbnail came with the message: shown before, and without, any download.
    assert (image.mime, image.width, image.height, image.path) == ("image/png", 1200, 800, None)
    assert Image.open(io.BytesIO(image.thumbnail)).size == (320, 213)

    downloads = recorder(bob, DownloadProgress)
    changed = recorder(bob, FilesChanged)
    got = await bob.download(channel, seq, 0)
    assert sha256(got) == big_sha256 and got.stat().st_size == 50 * MB
    assert downloads[-1] == DownloadProgress(channel, seq, 0, 50 * MB, 50 * MB)
    assert changed[-1].added == {big_sha256}
    shown = bob.cache.message(channel, seq)
    assert shown is not None and shown.attachments[0].path == got
    assert (await bob.download(channel, seq, 1)).read_bytes() == picture.read_bytes()

    await until(lambda: phone.cache.message(channel, seq) is not None)
    assert sha256(await phone.download(channel, seq, 0)) == big_sha256  # another device of his

    # Read offline: the server gone from Bob's view, the file is still his.
    await bob.stop()
    assert await bob.download(channel, seq, 0) == got
    # The sender keeps the copy it sent from.
    [sent] = [m for m in alice.cache.messages(channel) if m.seq == seq]
    assert sent.attachments[0].path is not None and sha256(sent.attachments[0].path) == big_sha256


async def test_an_upload_cut_off_at_60_percent_goes_on_from_there(
    make_profile, engines, server: SyncServer, tmp_path: Path
):
    profile = await make_profile("alice", "laptop", create=True)
    bob = await started(engines(await make_profile("bob", "desk", create=True)))
    proxy = RecordingProxy(server.endpoint)
    await proxy.start()
    try:
        alice = engines(profile)
        alice.conn.endpoint = proxy.endpoint  # every byte between Alice and the server
        await started(alice)
        channel = (await alice.open_direct("bob")).id
        size = 8 * MB
        dump = random_file(tmp_path / "dump.bin", size)
        uploads = recorder(alice, UploadProgress)
        cut = asyncio.Event()

        def cut_at_60_percent(event: AppEvent) -> None:
            going = isinstance(event, UploadProgress) and event.stored >= 0.6 * size
            if going and not cut.is_set():
                proxy.cut()
                cut.set()

        alice.subscribe(cut_at_60_percent)
        queued = await alice.send_files(channel, "", [dump])
        async with asyncio.timeout(60):
            await cut.wait()
        stored_at_cut, heard = uploads[-1].stored, len(uploads)
        await until(lambda: proxy.dropped > 0)  # chunks on their way went nowhere
        sent_before = len(proxy.upstream)
        proxy.mend()

        seq = await arrived(bob, channel, queued.client_id)
        resumed = [u.stored for u in uploads[heard:]]
        assert resumed and min(resumed) >= stored_at_cut  # it went on, never from zero
        assert resumed[-1] == size
        sent_after = len(proxy.upstream) - sent_before
        assert sent_after < 0.6 * size, f"{sent_after:,} bytes went up after the cut"
        assert sha256(await bob.download(channel, seq)) == sha256(dump)
    finally:
        await proxy.stop()


async def test_an_upload_stopped_by_closing_the_app_goes_on_after_a_restart(
    make_profile, engines, server: SyncServer, tmp_path: Path
):
    profile = await make_profile("alice", "laptop", create=True)
    bob = await started(engines(await make_profile("bob", "desk", create=True)))
    proxy = RecordingProxy(server.endpoint)
    await proxy.start()
    try:
        alice = engines(profile)
        alice.conn.endpoint = proxy.endpoint  # so that the line goes dead as the app closes
        await started(alice)
        channel = (await alice.open_direct("bob")).id
        size = 6 * MB
        dump = random_file(tmp_path / "dump.bin", size)
        halfway = asyncio.Event()

        def close_halfway(event: AppEvent) -> None:
            if isinstance(event, UploadProgress) and event.stored >= size // 2:
                proxy.cut()  # nothing more goes up while the app closes
                halfway.set()

        alice.subscribe(close_halfway)
        queued = await alice.send_files(channel, "", [dump])
        async with asyncio.timeout(60):
            await halfway.wait()
        await alice.stop()
    finally:
        await proxy.stop()

    again = engines(profile)  # straight to the server this time
    uploads = recorder(again, UploadProgress)
    await again.start()
    seq = await arrived(bob, channel, queued.client_id)
    # It went on from what the server stored before the app closed, not from zero.
    assert size // 2 <= uploads[0].stored < size
    assert sha256(await bob.download(channel, seq)) == sha256(dump)


async def test_a_removed_member_cannot_read_a_file_sent_after_the_removal(
    make_profile, engines, tmp_path: Path
):
    alice = await started(engines(await make_profile("alice", "laptop", create=True)))
    carol = await started(engines(await make_profile("carol", "desk", create=True)))
    group = await alice.create_group("club", ["carol"])
    await until(lambda: carol.cache.channel(group.id) is not None)
    before = tmp_path / "before.txt"
    before.write_text("for members")
    first = await alice.send_files(group.id, "", [before])
    first_seq = await arrived(carol, group.id, first.client_id)

    await alice.remove_member(group.id, "carol")
    await until(lambda: not carol.cache.channel(group.id).active)  # type: ignore[union-attr]
    after = tmp_path / "after.txt"
    after.write_text("not for carol")
    second = await alice.send_files(group.id, "", [after])
    await arrived(alice, group.id, second.client_id)
    [secret] = [m for m in alice.cache.messages(group.id) if m.client_id == second.client_id]

    with pytest.raises(ProtocolError) as refused:
        await carol.request(Download(sha256=secret.attachments[0].sha256))
    assert refused.value.code == ErrorCode.NO_SUCH_FILE
    with pytest.raises(ValueError, match="not stored here"):
        await carol.download(group.id, (secret.seq or 0), 0)
    # What was sent while she was a member stays hers.
    assert (await carol.download(group.id, first_seq)).read_text() == "for members"


async def test_downloads_over_the_space_for_files_go_oldest_first(
    make_profile, engines, tmp_path: Path
):
    alice, bob, channel = await friends(make_profile, engines)
    files = [random_file(tmp_path / f"part{n}.bin", 300_000) for n in range(3)]
    seqs = []
    for path in files:
        queued = await alice.send_files(channel, path.name, [path])
        seqs.append(await arrived(bob, channel, queued.client_id))
    bob.set_files_budget(700_000)
    changed = recorder(bob, FilesChanged)

    first = await bob.download(channel, seqs[0])
    await bob.download(channel, seqs[1])
    assert await bob.download(channel, seqs[0]) == first  # opened again: used recently
    await bob.download(channel, seqs[2])

    assert changed[-1] == FilesChanged(frozenset({sha256(files[2])}), frozenset({sha256(files[1])}))
    paths = [bob.cache.message(channel, s).attachments[0].path for s in seqs]  # type: ignore[union-attr]
    assert paths[0] is not None and paths[1] is None and paths[2] is not None
    usage = bob.files_usage()
    assert (usage.used, usage.budget) == (600_000, 700_000)
    # An evicted file comes down again when asked for.
    assert sha256(await bob.download(channel, seqs[1])) == sha256(files[1])


async def test_a_message_with_files_can_be_cancelled_while_they_go_up(
    make_profile, engines, tmp_path: Path
):
    alice, bob, channel = await friends(make_profile, engines)
    dump = random_file(tmp_path / "dump.bin", 6 * MB)
    discarded = recorder(alice, MessageDiscarded)
    added = recorder(bob, MessageAdded)
    cancelled: list[str] = []

    def cancel_once_going(event: AppEvent) -> None:
        if isinstance(event, UploadProgress) and event.stored > 0 and not cancelled:
            cancelled.append(event.client_id)
            alice.cancel_upload(event.client_id)

    alice.subscribe(cancel_once_going)
    queued = await alice.send_files(channel, "never mind", [dump])
    await until(lambda: bool(discarded))
    assert discarded[0].message.client_id == queued.client_id == cancelled[0]
    assert alice.cache.outbox() == [] and alice.files_usage().used == 0  # its copy went too
    with pytest.raises(OutboxError, match="no message"):
        alice.cancel_upload(queued.client_id)

    later = alice.send(channel, "what goes next is sent")
    await arrived(bob, channel, later.client_id)
    assert [e.message.text for e in added if e.message.kind == "message"] == [
        "what goes next is sent"
    ]


async def test_files_need_a_server_that_takes_them_and_files_that_can_be_sent(
    make_profile, engines, tmp_path: Path
):
    alice, _bob, channel = await friends(make_profile, engines)
    note = tmp_path / "note.txt"
    note.write_text("hi")
    with pytest.raises(ValueError, match="at most 10 files"):
        await alice.send_files(channel, "", [note] * 11)
    with pytest.raises(ValueError, match="No such file"):
        await alice.send_files(channel, "", [tmp_path / "missing.txt"])
    with pytest.raises(ValueError, match="100,000 characters"):
        await alice.send_files(channel, "x" * 100_001, [note])
    assert alice.cache.outbox() == []

    fresh = engines(await make_profile("dave", "new", create=True))  # never reached the server
    with pytest.raises(NotOffered, match="has not reached its server yet"):
        await fresh.send_files_to_user("alice", "", [note])


async def test_a_message_with_files_written_offline_waits_for_the_server_and_its_chat(
    make_profile, engines, tmp_path: Path
):
    profile = await make_profile("alice", "laptop", create=True)
    await (await started(engines(profile))).stop()  # once online: it knows the server takes files
    bob = await started(engines(await make_profile("bob", "desk", create=True)))
    offline = engines(profile)
    note, empty = tmp_path / "note.txt", tmp_path / "empty.log"
    note.write_text("written offline")
    empty.write_bytes(b"")

    queued = await offline.send_files_to_user("@bob", "see attached", [note, empty])
    assert (queued.channel, queued.to_user, queued.state) == (0, "bob", "pending")
    note.unlink()  # gone from where it was: the copy in the profile is what goes
    regret = await offline.send_files_to_user("@bob", "", [empty])
    text = offline.send_to_user("@bob", "and a word")
    assert regret.client_id is not None and text.client_id is not None
    assert offline.cancel_upload(regret.client_id).client_id == regret.client_id
    with pytest.raises(OutboxError, match="has no files and is waiting"):
        offline.cancel_upload(text.client_id)  # it may be on its way: not cancelled under it

    await offline.start()
    await until(lambda: not offline.cache.outbox(), timeout=30)
    [channel] = [c for c in bob.cache.channels() if c.kind == "direct"]
    seq = await arrived(bob, channel.id, queued.client_id)
    assert (await bob.download(channel.id, seq)).read_text() == "written offline"
    nothing = await bob.download(channel.id, seq, 1)
    assert nothing.read_bytes() == b"" and nothing.name == "empty.log"
    await arrived(bob, channel.id, text.client_id)
    assert [m.client_id for m in bob.cache.messages(channel.id) if m.kind == "message"] == [
        queued.client_id,
        text.client_id,
    ]


async def test_clearing_the_files_keeps_those_still_to_go_up(make_profile, engines, tmp_path: Path):
    alice, bob, channel = await friends(make_profile, engines)
    note = tmp_path / "note.txt"
    note.write_text("read me")
    queued = await alice.send_files(channel, "", [note])
    seq = await arrived(bob, channel, queued.client_id)
    held = await bob.download(channel, seq)
    changed = recorder(bob, FilesChanged)

    usage = bob.clear_files()
    assert (usage.used, usage.pinned) == (0, 0) and not held.exists()
    assert changed == [FilesChanged(removed=frozenset({sha256(note)}))]
    shown = bob.cache.message(channel, seq)
    assert shown is not None and shown.attachments[0].path is None
    assert shown.attachments[0].name == "note.txt"  # the message still says what it carried
    assert (await bob.download(channel, seq)).read_text() == "read me"  # and it comes again

    await bob.stop()  # Bob offline: what he queues waits, its copy with it
    later = tmp_path / "later.txt"
    later.write_text("waiting")
    waiting = await bob.send_files(channel, "", [later])
    usage = bob.clear_files()
    assert usage.used == usage.pinned == len("waiting")
    [copy] = bob.cache.outbox()[0].attachments
    assert copy.path is not None and copy.path.read_text() == "waiting"
    assert waiting.client_id == bob.cache.outbox()[0].client_id


async def test_files_can_answer_a_message(make_profile, engines, tmp_path: Path):
    alice, bob, channel = await friends(make_profile, engines)
    question = bob.send(channel, "the tide table?")
    asked = await arrived(alice, channel, question.client_id)
    table = tmp_path / "tides.txt"
    table.write_text("high water 14:02")

    answer = await alice.send_files(channel, "here", [table], reply_to=asked)
    seq = await arrived(bob, channel, answer.client_id)
    shown = bob.cache.message(channel, seq)
    assert shown is not None and shown.reply_to == asked and shown.attachments[0].size == 16
    with pytest.raises(ValueError, match="no message 99"):
        await alice.send_files(channel, "", [table], reply_to=99)
