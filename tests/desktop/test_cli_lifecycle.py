"""``tidings-cli reply``, ``react``, ``edit`` and ``delete`` end to end, as scripts use them:
real processes against a real server, JSON field by field, exit codes, and changes that
wait in the outbox while the server is down."""

from pathlib import Path

import pytest

from shared.protocol import CreateGroup, History, Send
from syncserver.server import SyncServer
from tests.desktop.test_cli import Cli
from tests.support import ClientFactory, new_id, same_place

LIFECYCLE_FIELDS = {"reply_to", "reactions", "edited", "deleted", "mentions"}


@pytest.fixture
def cli(tmp_path: Path, server: SyncServer, secret_service: str) -> Cli:
    return Cli(tmp_path / "cli-profile", server)


async def test_reply_react_edit_delete_and_history(
    cli: Cli,
    clients: ClientFactory,
    server: SyncServer,
):
    await cli.register("alice")
    bob = await clients.register("bob")
    group = (await bob.request(CreateGroup(name="club", members=["alice"]))).channel.id
    said = await bob.request(Send(channel=group, client_id=new_id(), text="lunch, @alice?"))

    answer = await cli.ok("reply", "#club", str(said.seq), "-", stdin="yes, @bob\n")
    assert (answer["kind"], answer["text"], answer["reply_to"], answer["state"]) == (
        "message",
        "yes, @bob",
        said.seq,
        "sent",
    )
    reacted = await cli.ok("react", "#club", str(said.seq), "👍")
    assert (reacted["kind"], reacted["change_of"], reacted["emoji"], reacted["removed"]) == (
        "reaction",
        said.seq,
        "👍",
        False,
    )
    assert reacted["state"] == "sent" and isinstance(reacted["seq"], int)
    assert reacted["message"]["reactions"] == {"👍": ["alice"]}
    taken = await cli.ok("react", "#club", str(said.seq), "👍", "--remove")
    assert taken["removed"] is True and taken["message"]["reactions"] == {}

    edited = await cli.ok("edit", "#club", str(answer["seq"]), "--", "--help")
    assert (edited["kind"], edited["change_of"], edited["text"]) == (
        "edit",
        answer["seq"],
        "--help",
    )
    assert edited["message"]["text"] == "--help" and edited["message"]["edited"] is True
    mine = await cli.ok("send", "#club", "oops")
    gone = await cli.ok("delete", "#club", str(mine["seq"]))
    assert gone["kind"] == "delete" and gone["message"]["deleted"] is True

    history = await cli.ok("history", "#club")
    by_seq = {m["seq"]: m for m in history}
    assert set(by_seq[said.seq]) >= LIFECYCLE_FIELDS
    assert {k: by_seq[said.seq][k] for k in LIFECYCLE_FIELDS} == {
        "reply_to": None,
        "reactions": {},
        "edited": False,
        "deleted": False,
        "mentions": [{"user": "alice", "start": 7, "end": 13}],
    }
    assert (by_seq[answer["seq"]]["text"], by_seq[answer["seq"]]["reply_to"]) == (
        "--help",
        said.seq,
    )
    assert (by_seq[mine["seq"]]["text"], by_seq[mine["seq"]]["deleted"]) == ("", True)
    # Changes are not entries of their own; seqs skip over them.
    assert {m["kind"] for m in history} <= {"created", "message"}

    page = await bob.request(History(channel=group))
    [copy] = [e for e in page.events if e.seq == answer["seq"]]
    assert (copy.text, copy.reply_to) == ("--help", said.seq)

    code, text, err = await cli.run_text("history", "#club")
    assert code == 0 and err == ""
    lines = dict(line.split(maxsplit=1) for line in text.splitlines())
    assert lines[str(said.seq)].endswith("bob: lunch, @alice?")
    # Own messages end with their receipt ("[sent]", "[delivered]"...), said apart.
    assert f"alice: (re #{said.seq}) --help (edited) [" in lines[str(answer["seq"])]
    assert "alice: (message deleted)" in lines[str(mine["seq"])]


async def test_mistakes_exit_1_and_usage_exits_2(
    cli: Cli,
    clients: ClientFactory,
):
    await cli.register("alice")
    bob = await clients.register("bob")
    group = (await bob.request(CreateGroup(name="club", members=["alice"]))).channel.id
    said = await bob.request(Send(channel=group, client_id=new_id(), text="bob's"))
    for args, why in (
        (("edit", "#club", str(said.seq), "mine"), "you can edit only yours"),
        (("delete", "#club", str(said.seq)), "you can delete only yours"),
        (("react", "#club", str(said.seq), "x"), "'x' is not one emoji"),
        (("reply", "#club", "99", "hm"), "there is no message 99"),
        (("react", "#nowhere", "1", "👍"), "no group #nowhere"),
    ):
        code, data, err = await cli.run(*args)
        assert (code, data) == (1, None), err
        assert why in err and err.count("\n") == 1, err
    code, _, err = await cli.run("reply", "#club", str(said.seq))
    assert code == 2 and "reply needs the text" in err
    code, _, err = await cli.run("edit", "#club", "x", "text")
    assert code == 2 and "invalid int value" in err
    assert await cli.ok("outbox") == []  # nothing was queued


async def test_changes_wait_for_an_unreachable_server(
    cli: Cli,
    clients: ClientFactory,
    server: SyncServer,
):
    await cli.register("alice")
    bob = await clients.register("bob")
    group = (await bob.request(CreateGroup(name="club", members=["alice"]))).channel.id
    said = await bob.request(Send(channel=group, client_id=new_id(), text="react to me"))
    await cli.ok("history", "#club")
    config = same_place(server)
    await server.stop()

    code, data, err = await cli.run("--timeout", "0.5", "react", "#club", str(said.seq), "🎉")
    assert code == 3, err
    assert (data["state"], data["kind"], data["seq"]) == ("pending", "reaction", None)
    assert data["message"]["reactions"] == {"🎉": ["alice"]}  # shown as done while waiting
    code, data, err = await cli.run("--timeout", "0.5", "reply", "#club", str(said.seq), "ok")
    assert code == 3 and data["reply_to"] == said.seq, err
    waiting = await cli.ok("--offline", "outbox")
    assert [(m["kind"], m.get("change_of"), m["target"]) for m in waiting] == [
        ("reaction", said.seq, "#club"),
        ("message", None, "#club"),
    ]

    restarted = SyncServer(config)
    await restarted.start()
    try:
        synced = await cli.ok("sync")
        assert (synced["pending"], synced["failed"]) == (0, 0)
        history = await cli.ok("history", "#club")
        [message] = [m for m in history if m["seq"] == said.seq]
        assert message["reactions"] == {"🎉": ["alice"]}
        assert [m["text"] for m in history if m["reply_to"] == said.seq] == ["ok"]
    finally:
        await restarted.stop()
