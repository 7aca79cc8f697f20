"""``tidings-cli`` as scripts use it: real processes against a real server, JSON checked
field by field, exit codes, and an outbox that survives a killed process."""

import asyncio
import datetime as dt
import json
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from desktop import cli_times
from shared import limits
from shared.protocol import (
    UNTIL_TURNED_OFF,
    CreateGroup,
    GetReceipts,
    History,
    MarkRead,
    MutedPush,
    OpenDirect,
    ProfilePush,
    QuietHours,
    Send,
    SettingsPush,
    UpdateSettings,
)
from syncserver.server import SyncServer
from syncserver.store.backup import backup_sqlite, restore_sqlite
from tests.support import PASSWORD, WAIT, ClientFactory, new_id, same_place


class Cli:
    """Runs ``tidings-cli --profile DIR --json ...`` as its own process."""

    def __init__(self, profile: Path, server: SyncServer) -> None:
        self.profile = profile
        self.server = server

    def argv(self, *args: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "desktop.cli",
            "--profile",
            str(self.profile),
            "--json",
            *args,
        ]

    async def run(self, *args: str, stdin: str = "", timeout: float = 30) -> tuple[int, Any, str]:
        proc = await asyncio.create_subprocess_exec(
            *self.argv(*args),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), timeout)
        text = out.decode()
        assert proc.returncode is not None  # communicate() waited for the exit
        return proc.returncode, json.loads(text) if text.strip() else None, err.decode()

    async def run_text(self, *args: str) -> tuple[int, str, str]:
        """Run without ``--json``: the exit code, stdout and stderr as people see them."""
        argv = [a for a in self.argv(*args) if a != "--json"]
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode is not None
        return proc.returncode, out.decode(), err.decode()

    async def ok(self, *args: str, stdin: str = "") -> Any:
        """What the command printed (parsed JSON), after checking that it succeeded."""
        code, data, err = await self.run(*args, stdin=stdin)
        assert code == 0, err
        return data

    async def register(self, user: str, command: str = "register") -> Any:
        """Sign in with ``register`` (a new account) or ``login`` (a new device)."""
        assert self.server.key_endpoint is not None and self.server.fingerprint is not None
        return await self.ok(
            command,
            user,
            "--server",
            self.server.endpoint,
            "--key-endpoint",
            self.server.key_endpoint,
            "--device",
            "cli",
            "--fingerprint",
            self.server.fingerprint,
            stdin=PASSWORD + "\n",
        )


@pytest.fixture
def cli(tmp_path: Path, server: SyncServer, secret_service: str) -> Cli:
    return Cli(tmp_path / "cli-profile", server)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


async def test_json_output_field_by_field(cli: Cli, clients: ClientFactory, server: SyncServer):
    signed = await cli.register("alice")
    assert signed == {
        "user": "alice",
        "device_id": signed["device_id"],
        "device": "cli",
        "server": server.endpoint,
        "endpoints": [server.endpoint],
        "fingerprint": server.fingerprint,
    }
    assert _is_int(signed["device_id"])
    bob = await clients.register("bob")

    sent = await cli.ok("send", "@bob", "hello bob")
    assert set(sent) == {
        "channel",
        "seq",
        "kind",
        "sender",
        "text",
        "ts",
        "written",
        "state",
        "client_id",
        "error",
        "target",
        "reply_to",
        "reactions",
        "edited",
        "deleted",
        "mentions",
        "attachments",
    }
    assert sent["attachments"] == []
    assert (sent["seq"], sent["kind"], sent["sender"], sent["text"]) == (
        2,
        "message",
        "alice",
        "hello bob",
    )
    assert (sent["state"], sent["error"], sent["target"]) == ("sent", None, "@bob")
    assert _is_int(sent["channel"]) and _is_int(sent["ts"]) and len(sent["client_id"]) == 32
    await bob.wait_push(lambda p: getattr(getattr(p, "event", None), "text", "") == "hello bob")

    reply = await bob.request(Send(channel=sent["channel"], client_id=new_id(), text="hi alice"))
    [channel] = await cli.ok("channels")
    assert channel == {
        "target": "@bob",
        "id": sent["channel"],
        "kind": "direct",
        "name": "",
        "title": "bob",
        "display_name": "",  # bob set none
        "members": ["alice", "bob"],
        "owner": None,
        "active": True,
        "unread": 1,
        "last_seq": reply.seq,
        "read_seq": 2,  # sending marked it read up to alice's own message
        "last_ts": reply.ts,
    }

    history = await cli.ok("history", "@bob")
    assert [(m["seq"], m["kind"], m["sender"], m["text"], m["state"]) for m in history] == [
        (1, "created", "alice", "", "sent"),
        (2, "message", "alice", "hello bob", "sent"),
        (3, "message", "bob", "hi alice", "sent"),
    ]
    assert history[2]["ts"] == reply.ts and history[1]["client_id"] == sent["client_id"]
    limited = await cli.ok("history", "@bob", "--limit", "1", "--before", "3")
    assert [m["seq"] for m in limited] == [2]

    assert await cli.ok("read", "@bob") == {"target": "@bob", "read_seq": 3, "unread": 0}

    [hit] = await cli.ok("--offline", "search", "alice")
    assert (hit["text"], hit["seq"], hit["target"], hit["spans"]) == (
        "hi alice",
        3,
        "@bob",
        [[3, 8]],
    )
    assert isinstance(hit["rank"], float)

    [device] = await cli.ok("devices")
    assert set(device) == {"id", "name", "created", "last_seen", "current"}
    assert (device["id"], device["name"], device["current"]) == (signed["device_id"], "cli", True)

    [presence] = await cli.ok("presence", "bob")
    assert (presence["user"], presence["state"]) == ("bob", "online")
    assert _is_int(presence["last_seen"])

    group = await cli.ok("group", "create", "Trip", "--members", "bob")
    assert (group["target"], group["kind"], group["members"], group["owner"]) == (
        "#Trip",
        "group",
        ["alice", "bob"],
        "alice",
    )
    left = await cli.ok("group", "leave", "Trip")
    assert left["active"] is False and left["members"] == []

    code, data, err = await cli.run("history", "#nobody-here")
    assert code == 1 and data is None and err.count("\n") == 1 and "nobody-here" in err


async def test_send_while_unreachable_queues_and_exits_3(
    cli: Cli, clients: ClientFactory, server: SyncServer
):
    bob, channel, config = await _alice_with_bob_then_server_down(cli, clients, server)

    for i in range(3):
        code, data, err = await cli.run("--timeout", "0.5", "send", "@bob", f"queued {i}")
        assert code == 3, err
        assert (data["state"], data["seq"], data["text"]) == ("pending", None, f"queued {i}")
        assert "outbox" in err or "not reachable" in err

    restarted = SyncServer(config)
    await restarted.start()
    try:
        synced = await cli.ok("sync")
        assert (synced["pending"], synced["failed"]) == (0, 0) and _is_int(synced["cursor"])
        page = await _history(restarted, bob, channel.id)
        assert page == ["queued 0", "queued 1", "queued 2"]
    finally:
        await restarted.stop()


async def _history(server: SyncServer, bob, channel_id: int) -> list[str]:
    page = await bob.request(History(channel=channel_id))
    return [e.text for e in page.events if e.kind == "message"]


async def test_killed_client_process_loses_no_queued_message(
    cli: Cli, clients: ClientFactory, server: SyncServer
):
    bob, channel, config = await _alice_with_bob_then_server_down(cli, clients, server)

    # A send that waits for an unreachable server, killed outright once its message is queued.
    text = "first, then killed"
    await killed_once_queued(cli, text, "--timeout", "60", "send", "@bob", text)
    cache = cli.profile / "alice.sqlite3"
    code, _, _ = await cli.run("--timeout", "0.5", "send", "@bob", "second")
    assert code == 3
    assert _outbox(cache) == ["first, then killed", "second"]

    restarted = SyncServer(config)
    await restarted.start()
    try:
        await cli.ok("sync")
        assert await _history(restarted, bob, channel.id) == ["first, then killed", "second"]
        assert _outbox(cache) == []
    finally:
        await restarted.stop()


async def killed_once_queued(cli: Cli, text: str, *args: str) -> None:
    """Run a command (of Alice's) that queues ``text``, and kill it outright (SIGKILL) once
    the message is in the outbox."""
    proc = await asyncio.create_subprocess_exec(
        *cli.argv(*args),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    cache = cli.profile / "alice.sqlite3"
    async with asyncio.timeout(WAIT):
        while text not in _outbox(cache):
            await asyncio.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    assert await proc.wait() == -signal.SIGKILL


async def _alice_with_bob_then_server_down(cli: Cli, clients: ClientFactory, server: SyncServer):
    await cli.register("alice")
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel
    await cli.ok("sync")
    config = same_place(server)
    await server.stop()
    return bob, channel, config


def _outbox(cache: Path) -> list[str]:
    with sqlite3.connect(cache) as db:
        return [row[0] for row in db.execute("SELECT text FROM outbox ORDER BY id")]


async def test_not_signed_in_and_usage_errors(cli: Cli):
    code, data, err = await cli.run("channels")
    assert (code, data) == (1, None) and "register or log in" in err
    code, _, err = await cli.run("send")
    assert code == 2 and "usage" in err


async def test_a_reader_that_stops_early_is_no_error(cli: Cli, clients: ClientFactory):
    """``tidings-cli history ... | head -n 1``: the reader closing the pipe is not a crash."""
    await cli.register("alice")
    await clients.register("bob")
    await cli.ok("send", "@bob", "x" * 100_000)  # more than a pipe holds
    reader, writer = os.pipe()
    proc = await asyncio.create_subprocess_exec(
        *cli.argv("history", "@bob"), stdout=writer, stderr=asyncio.subprocess.PIPE
    )
    os.close(writer)
    assert await asyncio.to_thread(os.read, reader, 1)  # the reader takes a little...
    os.close(reader)  # ...then goes away
    assert proc.stderr is not None
    err = await asyncio.wait_for(proc.stderr.read(), WAIT)
    assert await asyncio.wait_for(proc.wait(), WAIT) == 0, err
    assert b"Traceback" not in err


async def test_a_server_address_as_people_write_it(cli: Cli):
    """``host:port`` signs in like ``tcp://host:port``; a malformed address is a usage error
    naming the forms, not a traceback."""
    server = cli.server
    assert server.key_endpoint is not None and server.fingerprint is not None
    bare = server.endpoint.removeprefix("tcp://")
    data = await cli.ok(
        "register", "alice", "--server", bare, "--key-endpoint", server.key_endpoint,
        "--fingerprint", server.fingerprint, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert data["server"] == server.endpoint
    code, _, err = await cli.run("login", "alice", "--server", "tcp://host:port:7744")
    assert code == 2 and "host:port" in err and "Traceback" not in err


async def test_the_nodes_of_a_server_are_given_separated_by_commas(cli: Cli) -> None:
    """The first is signed in at; the profile keeps them all, in order."""
    server = cli.server
    assert server.key_endpoint is not None and server.fingerprint is not None
    other = "tcp://127.0.0.1:1"  # never dialled while the first answers
    data = await cli.ok(
        "register", "alice", "--server", f"{server.endpoint}, 127.0.0.1:1",
        "--key-endpoint", server.key_endpoint, "--fingerprint", server.fingerprint,
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert data["server"] == server.endpoint and data["endpoints"] == [server.endpoint, other]
    saved = json.loads((cli.profile / "endpoints.json").read_text(encoding="utf-8"))
    assert saved["endpoints"] == [server.endpoint, other]
    code, _, err = await cli.run("login", "alice", "--server", "chat1, http://chat2")
    assert code == 2 and "'http://chat2' is not a server address" in err, err


async def test_follow_streams_json_lines_until_interrupted(cli: Cli, clients: ClientFactory):
    await cli.register("alice")
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel
    await cli.ok("sync")
    proc = await asyncio.create_subprocess_exec(
        *cli.argv("follow"), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        # Keep sending until the follower, once connected, prints one; then check it.
        async with asyncio.timeout(WAIT):
            assert proc.stdout is not None  # stdout=PIPE
            line = asyncio.ensure_future(proc.stdout.readline())
            while not line.done():
                await bob.request(Send(channel=channel.id, client_id=new_id(), text="ping"))
                await asyncio.wait([line], timeout=0.2)
        event = json.loads(line.result())
        assert (event["target"], event["sender"], event["text"], event["state"]) == (
            "@bob",
            "bob",
            "ping",
            "sent",
        )
        assert _is_int(event["seq"]) and event["channel"] == channel.id
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), WAIT) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_group_members_and_logout(cli: Cli, clients: ClientFactory, server: SyncServer):
    await cli.register("alice")
    await clients.register("bob")
    await clients.register("carol")
    await cli.ok("group", "create", "club", "--members", "bob")
    added = await cli.ok("group", "add", "club", "carol")
    assert added["members"] == ["alice", "bob", "carol"]
    removed = await cli.ok("group", "remove", "#club", "bob")
    assert removed["members"] == ["alice", "carol"]

    signed_out = await cli.ok("logout")
    assert signed_out["user"] == "alice"
    assert not (cli.profile / "alice.sqlite3").exists()
    code, _, err = await cli.run("channels")
    assert code == 1 and "register or log in" in err


async def _bob_writes(bob, channel_id: int, texts: list[str]) -> None:
    for text in texts:
        await bob.request(Send(channel=channel_id, client_id=new_id(), text=text))


async def _alice_signs_in_after(cli: Cli, clients: ClientFactory, texts: list[str]) -> None:
    """Bob's messages to Alice, all written before the CLI's device signs in as her."""
    await clients.register("alice")
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel
    await _bob_writes(bob, channel.id, texts)
    await cli.register("alice", "login")


async def test_history_before_an_uncached_range_fetches_that_page(cli: Cli, clients: ClientFactory):
    await _alice_signs_in_after(cli, clients, [f"message {seq}" for seq in range(2, 308)])

    # The device starts with the newest page only: seqs 5 to 9 are on the server alone.
    for _ in range(3):
        page = await cli.ok("history", "@bob", "--before", "10", "--limit", "5")
        assert [(m["seq"], m["text"]) for m in page] == [(s, f"message {s}") for s in range(5, 10)]
    code, cached, err = await cli.run(
        "--offline", "history", "@bob", "--before", "10", "--limit", "5"
    )
    assert code == 0 and [m["seq"] for m in cached] == list(range(5, 10)), err


async def test_history_is_whole_when_pages_are_cut_by_size(cli: Cli, clients: ClientFactory):
    # Each message is as long as allowed, so a page holds only a few of them.
    texts = [f"{i:02d}" + "字" * (limits.MAX_TEXT_CHARS - 2) for i in range(13)]
    await _alice_signs_in_after(cli, clients, texts)

    page = await cli.ok("history", "@bob", "--limit", "50")
    assert [m["text"][:2] for m in page if m["kind"] == "message"] == [t[:2] for t in texts]
    assert [m["seq"] for m in page] == list(range(1, 15))


async def test_history_says_when_a_page_is_partial(cli: Cli, clients: ClientFactory):
    await _alice_signs_in_after(cli, clients, [f"message {seq}" for seq in range(2, 80)])
    await cli.ok("sync")  # the newest page only: 30 to 79

    code, page, err = await cli.run("--offline", "history", "@bob", "--before", "35")
    assert code == 3 and [m["seq"] for m in page] == list(range(30, 35))
    assert "partial page: 29 of its events are not in the local cache" in err


async def test_cli_says_when_the_server_was_restored(
    cli: Cli, clients: ClientFactory, server: SyncServer, tmp_path: Path
):
    await cli.register("alice")
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel
    await _bob_writes(bob, channel.id, ["kept"])
    await cli.ok("sync")
    database = server.config.data_dir / "tidings.db"
    backup_sqlite(database, tmp_path / "backup.db")
    await _bob_writes(bob, channel.id, ["lost"])
    assert [m["text"] for m in await cli.ok("history", "@bob")] == ["", "kept", "lost"]
    config = same_place(server)
    await server.stop()
    restore_sqlite(tmp_path / "backup.db", database)

    restored = SyncServer(config)
    await restored.start()
    try:
        code, page, err = await cli.run("history", "@bob")
        assert code == 0 and [m["text"] for m in page] == ["", "kept"]
        assert "the server was restored from a backup; it no longer has 1 of" in err.lower()
        assert "(in 1 chat)" in err and err.count("\n") == 1
        code, _, err = await cli.run("history", "@bob")
        assert code == 0 and err == ""  # said once
    finally:
        await restored.stop()


async def test_cli_says_once_when_another_device_signed_in(cli: Cli, clients: ClientFactory):
    await cli.register("alice")
    code, _, err = await cli.run("channels")
    assert code == 0 and err == ""
    await clients.login("alice", "phone")
    code, _, err = await cli.run("channels")
    assert code == 0 and err.startswith("tidings-cli: new sign-in: phone at ")
    assert err.count("\n") == 1
    code, _, err = await cli.run("channels")
    assert code == 0 and err == ""  # said once


async def test_an_unreachable_server_is_waited_for_once(
    cli: Cli, clients: ClientFactory, server: SyncServer
):
    """A command that looks a chat up again after it could not connect does not connect,
    and wait, a second time."""
    await _alice_with_bob_then_server_down(cli, clients, server)
    code, data, err = await cli.run("--timeout", "1", "history", "@carol")
    assert (code, data) == (0, []), err
    assert err.count("is not reachable") == 1, err


async def test_receipts_in_history_and_the_read_receipts_setting(cli: Cli, clients: ClientFactory):
    await cli.register("alice")
    bob = await clients.register("bob")
    assert await cli.ok("settings") == {"read_receipts": True}
    sent = await cli.ok("send", "@bob", "did you read this?")
    await bob.request(MarkRead(channel=sent["channel"], seq=sent["seq"]))
    await bob.request(Send(channel=sent["channel"], client_id=new_id(), text="yes"))

    history = await cli.ok("history", "@bob")
    assert [(m["text"], m["receipt"]) for m in history] == [
        ("", None),  # the chat's creation
        ("did you read this?", {"state": "read", "read_by": ["bob"], "others": 1}),
        ("yes", None),
    ]

    assert await cli.ok("settings", "--read-receipts", "off") == {"read_receipts": False}
    assert await cli.ok("--offline", "settings") == {"read_receipts": False}
    await cli.ok("read", "@bob")
    told = await bob.request(GetReceipts(channels=[sent["channel"]]))
    assert [(r.user, r.read) for r in told.receipts] == [("alice", 0)]
    code, _, err = await cli.run("settings", "--read-receipts", "maybe")
    assert code == 2 and "maybe" in err


async def test_do_not_disturb_and_mutes_for_all_devices(cli: Cli, clients: ClientFactory):
    await cli.register("alice")
    bob = await clients.register("bob")
    phone = await clients.login("alice", "phone")
    shown = await cli.ok("dnd")
    assert shown.pop("quiet_hours")["on"] is False
    assert shown == {"on": False, "dnd_until": 0, "everywhere": True}
    assert (await cli.ok("dnd", "on")).items() >= {
        "on": True,
        "dnd_until": UNTIL_TURNED_OFF,
        "everywhere": True,
    }.items()
    await phone.wait_push(lambda p: isinstance(p, SettingsPush) and p.settings.dnd_until > 0)
    soon = await cli.ok("dnd", "--for", "1h")
    assert soon["on"] and 0 < soon["dnd_until"] - time.time() * 1000 <= 3_600_000
    assert (await cli.ok("dnd", "off"))["on"] is False
    code, _, err = await cli.run("dnd", "--for", "soon")
    assert code == 2 and "not a span of time" in err

    await cli.ok("send", "@bob", "hi")
    muted = await cli.ok("mute", "@bob", "--for", "8h")
    assert muted["target"] == "@bob" and muted["muted_until"] > time.time() * 1000
    pushed = await phone.wait_push(lambda p: isinstance(p, MutedPush))
    assert isinstance(pushed, MutedPush) and pushed.mute.until == muted["muted_until"]
    assert (await cli.ok("unmute", "@bob"))["muted_until"] == 0
    code, _, err = await cli.run("mute", "#nowhere")
    assert code != 0 and "no group #nowhere" in err
    assert bob.welcome.mutes == []  # Alice's mutes are hers


async def test_the_display_name_is_set_shown_and_cleared(cli: Cli, clients: ClientFactory):
    await cli.register("alice")
    bob = await clients.register("bob")
    await bob.request(OpenDirect(user="alice"))
    assert await cli.ok("profile") == {"user": "alice", "display_name": ""}
    set_ = await cli.ok("profile", "--display-name", " Alice Liddell ")
    assert set_ == {"user": "alice", "display_name": "Alice Liddell"}
    pushed = await bob.wait_push(lambda p: isinstance(p, ProfilePush))
    assert isinstance(pushed, ProfilePush) and pushed.display_name == "Alice Liddell"
    assert (await cli.ok("--offline", "profile"))["display_name"] == "Alice Liddell"
    code, out, err = await cli.run_text("profile", "--display-name", "x" * 65)
    assert code == 1 and "a display name has 1 to 64 characters" in err
    assert (await cli.ok("profile", "--display-name", ""))["display_name"] == ""
    code, out, _ = await cli.run_text("profile")
    assert code == 0 and out == "alice: none (others see your user name)\n"


async def test_history_and_channels_show_display_names_beside_user_names(
    cli: Cli, clients: ClientFactory
):
    await cli.register("alice")
    bob = await clients.register("bob")
    await clients.register("carol")
    await bob.request(UpdateSettings(display_name="Bob Builder"))
    made = await bob.request(CreateGroup(name="Trip", members=["alice", "carol"]))
    await bob.request(Send(channel=made.channel.id, client_id=new_id(), text="tent?"))
    await cli.ok("send", "@bob", "hi")

    code, out, err = await cli.run_text("history", "#Trip")
    assert code == 0, err
    lines = [line.split(None, 3)[-1] for line in out.splitlines()]  # after seq, day, time
    assert lines == [
        "* bob (Bob Builder) created Trip",
        "bob (Bob Builder): tent?",
    ]
    code, out, _ = await cli.run_text("channels")
    assert code == 0
    assert [line.split()[:3] for line in out.splitlines()] == [
        ["@bob", "(Bob", "Builder)"],
        ["#Trip", "group", "unread"],
    ]
    history = await cli.ok("history", "#Trip")  # JSON: the same fields, and one more
    assert [(m["sender"], m["sender_display_name"]) for m in history] == [
        ("bob", "Bob Builder"),
        ("bob", "Bob Builder"),
    ]
    assert [c["display_name"] for c in await cli.ok("channels")] == ["Bob Builder", ""]


async def test_quiet_hours_for_all_devices(cli: Cli, clients: ClientFactory):
    await cli.register("alice")
    phone = await clients.login("alice", "phone")
    nights = await cli.ok("dnd", "--schedule", "22:00-07:00", "--days", "mon,tue,wed,thu,fri")
    assert nights["on"] is False  # do not disturb itself is as it was
    hours = nights["quiet_hours"]
    assert hours.items() >= {"on": True, "from": "22:00", "to": "07:00", "everywhere": True}.items()
    assert hours["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert isinstance(hours["now"], bool) and (hours["until"] > 0) == hours["now"]
    weekdays = QuietHours(on=True, start=22 * 60, end=7 * 60, days=0b0011111)
    await phone.wait_push(
        lambda p: isinstance(p, SettingsPush) and p.settings.quiet_hours == weekdays
    )

    later = await cli.ok("dnd", "--schedule", "23:30-06:00")  # the days stay
    code, text, _ = await cli.run_text("dnd")
    assert code == 0 and "quiet hours: 23:30-06:00 on mon,tue,wed,thu,fri" in text
    assert later["quiet_hours"]["from"] == "23:30" and later["quiet_hours"]["days"][-1] == "fri"
    off = (await cli.ok("dnd", "--no-schedule"))["quiet_hours"]
    assert off["on"] is False and off["from"] == "23:30"  # kept for next time
    code, text, _ = await cli.run_text("dnd")
    assert code == 0 and "quiet hours: off (all your devices)" in text
    code, _, err = await cli.run("dnd", "--schedule", "late")
    assert code == 2 and "22:00-07:00" in err
    code, _, err = await cli.run("dnd", "--schedule", "22:00-07:00", "--days", "mon,funday")
    assert code == 2 and "not a list of days" in err
    code, _, err = await cli.run("dnd", "--days", "mon")
    assert code == 2 and "--days goes with --schedule" in err


def test_times_the_command_line_takes() -> None:
    evening = dt.datetime(2025, 3, 1, 20, 0).astimezone()
    assert cli_times.span("1h30m") == 5_400_000
    assert cli_times.moment("18:00", evening) == int(
        (evening.replace(hour=18, minute=0) + dt.timedelta(days=1)).timestamp() * 1000
    )
    assert cli_times.moment("2025-03-02 08:00", evening) == int(
        dt.datetime(2025, 3, 2, 8, 0).astimezone().timestamp() * 1000
    )
