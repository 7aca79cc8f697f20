"""Files with ``tidings-cli``: ``send --file``, ``history`` listing them, ``download``
(``--out``, ``--index``, offline), ``files --budget``, a send killed once queued; real
processes, a real server."""

import hashlib
import os
from pathlib import Path

from PIL import Image

from shared.protocol import History, OpenDirect
from syncserver.server import SyncServer
from tests.desktop.test_cli import Cli, killed_once_queued
from tests.support import ClientFactory


async def test_files_are_sent_listed_and_downloaded_from_the_command_line(
    tmp_path: Path, server: SyncServer, secret_service: str
):
    alice, bob = Cli(tmp_path / "alice", server), Cli(tmp_path / "bob", server)
    await alice.register("alice")
    await bob.register("bob")
    notes = tmp_path / "notes.txt"
    notes.write_text("meeting at ten")
    picture = tmp_path / "map.png"
    Image.new("RGB", (640, 480), "green").save(picture)

    sent = await alice.ok(
        "send", "@bob", "for tomorrow", "--file", str(notes), "--file", str(picture)
    )
    assert (sent["state"], sent["text"]) == ("sent", "for tomorrow")
    assert [(a["index"], a["name"], a["size"], a["mime"]) for a in sent["attachments"]] == [
        (0, "notes.txt", 14, "text/plain"),
        (1, "map.png", picture.stat().st_size, "image/png"),
    ]
    only_file = await alice.ok("send", "@bob", "--file", str(notes))
    assert only_file["text"] == "" and only_file["attachments"][0]["name"] == "notes.txt"

    history = await bob.ok("history", "@alice")
    [with_two] = [m for m in history if m["seq"] == sent["seq"]]
    listed = with_two["attachments"]
    assert listed[0] == {
        "index": 0,
        "name": "notes.txt",
        "size": 14,
        "mime": "text/plain",
        "sha256": hashlib.sha256(b"meeting at ten").hexdigest(),
        "width": None,
        "height": None,
        "path": None,  # not downloaded yet
    }
    assert (listed[1]["width"], listed[1]["height"]) == (640, 480)
    code, text, _ = await bob.run_text("history", "@alice")
    assert code == 0 and "for tomorrow [📎 notes.txt, 14 bytes] [📎 map.png," in text
    assert "alice: [📎 notes.txt, 14 bytes]" in text  # a file without a caption

    code, _, err = await bob.run("--offline", "download", "@alice", str(sent["seq"]))
    assert code == 3 and "cannot be reached" in err

    out = tmp_path / "saved"
    got = await bob.ok("download", "@alice", str(sent["seq"]), "--out", str(out))
    assert [Path(g["path"]) for g in got] == [out / "notes.txt", out / "map.png"]
    assert (out / "notes.txt").read_text() == "meeting at ten"
    assert (out / "map.png").read_bytes() == picture.read_bytes()
    again = await bob.ok("download", "@alice", str(sent["seq"]), "--index", "0", "--out", str(out))
    assert [Path(g["path"]) for g in again] == [out / "notes (1).txt"]  # nothing overwritten

    history = await bob.ok("--offline", "history", "@alice")
    [with_two] = [m for m in history if m["seq"] == sent["seq"]]
    held = Path(with_two["attachments"][0]["path"])
    assert held.read_text() == "meeting at ten" and out not in held.parents

    code, _, err = await bob.run("download", "@alice", str(sent["seq"]), "--index", "2")
    assert code == 1 and "files 0 to 1, not 2" in err
    code, _, err = await bob.run("download", "@alice", "1")
    assert code == 1 and "carries no files" in err
    code, _, err = await alice.run("send", "@bob", "--file", str(tmp_path / "gone.txt"))
    assert code == 1 and "cannot attach" in err and "gone.txt" in err

    usage = await bob.ok("files", "--budget", "1MB")
    assert usage["budget"] == 1_000_000 and usage["used"] == 14 + picture.stat().st_size
    assert (await bob.ok("files"))["budget"] == 1_000_000
    code, _, err = await bob.run("files", "--budget", "lots")
    assert code == 2 and "is not a size" in err

    assert (bob.profile / "bob.files").is_dir()
    await bob.ok("logout")
    assert not (bob.profile / "bob.files").exists()  # signing out leaves no file behind


async def test_a_send_with_a_file_killed_once_queued_goes_with_the_next_sync(
    tmp_path: Path, server: SyncServer, secret_service: str, clients: ClientFactory
):
    cli = Cli(tmp_path / "alice", server)
    await cli.register("alice")
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel
    await cli.ok("sync")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20_000_000))
    digest = hashlib.sha256(big.read_bytes()).hexdigest()

    text = "killed on its way"
    await killed_once_queued(cli, text, "send", "@bob", text, "--file", str(big))
    big.unlink()  # the queued message has its own copy

    synced = await cli.ok("sync")
    assert (synced["pending"], synced["failed"]) == (0, 0)
    events = (await bob.request(History(channel=channel.id))).events
    [message] = [e for e in events if e.kind == "message"]  # once, whatever went before
    assert message.text == "killed on its way"
    assert [(a.name, a.size, a.sha256) for a in message.attachments] == [
        ("big.bin", 20_000_000, digest)
    ]
