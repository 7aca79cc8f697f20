"""tidings-server's admin commands against a real server process and its real database:
accounts, devices (revoked under a running server), the key's fingerprint, and backups taken
under write load and restored."""

import asyncio
import hashlib
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.keys import fingerprint
from shared.protocol import Delete, History, ListDevices, OpenDirect, RevokedPush
from syncserver.bench.harness import free_port_pair
from syncserver.store.backup import check_database
from syncserver.store.models import SCHEMA_VERSION
from tests.attachments import download, send_file, sha256_of
from tests.load import Sender, stored_texts
from tests.server_command import Finished, tidings_server
from tests.server_process import ServerProcess
from tests.support import PASSWORD, WAIT, TestClient, new_id

NEW_PASSWORD = "a much newer password"


class Deployment:
    """A server process and the admin commands that share its settings."""

    def __init__(self, root: Path, database_url: str | None) -> None:
        self.data = root / "data"
        database = ("--database-url", database_url) if database_url else ()
        self.settings = ("--data-dir", str(self.data), *database)
        self.server = ServerProcess(self.data, free_port_pair(), *database)
        self.devices: list[TestClient] = []

    async def admin(self, *args: str, stdin: str = "") -> Finished:
        return await tidings_server(*self.settings, *args, stdin=stdin)

    async def device(self) -> TestClient:
        client = TestClient(self.server.connection())
        self.devices.append(client)
        await client.conn.open()
        await client.conn.wait_ready(WAIT)
        return client

    async def logged_in(self, user: str, password: str = PASSWORD) -> TestClient:
        client = await self.device()
        await client.conn.login(user, password, "laptop")
        return client

    async def close(self) -> None:
        for client in self.devices:
            await client.conn.close()
        await self.server.stop()


@pytest.fixture
async def deployment(tmp_path: Path, database_url: str | None) -> AsyncIterator[Deployment]:
    deployed = Deployment(tmp_path, database_url)
    try:
        yield deployed
    finally:
        await deployed.close()


sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def ok(finished: Finished) -> str:
    assert finished.status == 0, finished
    return finished.out


def refused(finished: Finished, status: int = 1) -> str:
    assert finished.status == status, finished
    assert "Traceback" not in finished.err
    return finished.err


async def test_create_user_on_a_closed_server_and_reset_the_password(
    deployment: Deployment,
) -> None:
    deployment.server.extra_args += ("--closed-registration",)
    # Before the first start too: the admin prepares accounts, then starts the server.
    assert "created user alice" in ok(
        await deployment.admin("create-user", "Alice", stdin=PASSWORD)
    )
    await deployment.server.start()
    await deployment.logged_in("alice")
    assert "taken" in refused(await deployment.admin("create-user", "alice", stdin=PASSWORD))
    look_alike = await deployment.admin("create-user", "a1ice", stdin=PASSWORD)
    assert "looks like the existing name 'alice'" in refused(look_alike)
    assert "at least 8" in refused(await deployment.admin("create-user", "bob", stdin="short\n"))
    ok(await deployment.admin("reset-password", "alice", stdin=NEW_PASSWORD + "\n"))
    with pytest.raises(ProtocolError) as old:
        await deployment.logged_in("alice")
    assert old.value.code == ErrorCode.AUTH_FAILED
    await deployment.logged_in("alice", NEW_PASSWORD)
    assert "no user named 'carol'" in refused(
        await deployment.admin("reset-password", "carol", stdin=NEW_PASSWORD)
    )


async def test_revoking_a_device_signs_it_out_of_the_running_server(
    deployment: Deployment,
) -> None:
    await deployment.server.start()
    ok(await deployment.admin("create-user", "alice", stdin=PASSWORD))
    phone = await deployment.logged_in("alice")
    laptop = await deployment.logged_in("alice")
    phone_id = phone.credentials.device_id
    listing = ok(await deployment.admin("devices", "alice"))
    assert [int(line.split()[0]) for line in listing.splitlines()[1:]] == [
        phone_id,
        laptop.credentials.device_id,
    ]
    ok(await deployment.admin("revoke-device", "alice", str(phone_id)))
    await phone.wait_push(lambda p: isinstance(p, RevokedPush))
    with pytest.raises(ProtocolError) as gone:
        await phone.request(ListDevices())  # not signed in; its hello is refused
    assert gone.value.code == ErrorCode.DEVICE_REVOKED
    devices = await laptop.request(ListDevices())
    assert [d.id for d in devices.devices] == [laptop.credentials.device_id]
    assert "no active device" in refused(
        await deployment.admin("revoke-device", "alice", str(phone_id))
    )


async def test_fingerprint_is_the_one_the_server_shows(deployment: Deployment) -> None:
    assert "no server key" in refused(await deployment.admin("fingerprint"))
    await deployment.server.start()
    assert deployment.server.keys is not None
    expected = fingerprint(deployment.server.keys.public)
    assert ok(await deployment.admin("fingerprint")).strip() == expected


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@sqlite_only
async def test_backup_under_write_load_holds_every_acknowledged_message_and_restores(
    deployment: Deployment, tmp_path: Path
) -> None:
    await deployment.server.start()
    alice = await deployment.device()
    await alice.conn.register("alice", PASSWORD, "laptop")
    await (await deployment.device()).conn.register("bob", PASSWORD, "laptop")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    sender = Sender(alice, channel)
    try:
        await sender.wait_for(100)
        acked_before = list(sender.acked)
        backup = tmp_path / "backup.db"
        report = ok(await deployment.admin("backup", str(backup)))
        await sender.wait_for(len(acked_before) + 100)  # writes went on during the backup
    finally:
        await sender.stop()
    assert f"backed up to {backup}" in report
    assert check_database(backup).schema_version == SCHEMA_VERSION
    in_backup = stored_texts(backup)
    assert set(acked_before) <= set(in_backup)
    assert len(in_backup) == len(set(in_backup))
    assert not Path(f"{backup}-wal").exists()  # one self-contained file
    assert backup.stat().st_mode & 0o777 == 0o600  # it holds every message and password hash
    assert "exists" in refused(await deployment.admin("backup", str(backup)))

    assert "is running" in refused(await deployment.admin("restore", str(backup)))
    await deployment.server.stop()
    everything = stored_texts(deployment.data / "tidings.db")
    assert len(everything) > len(in_backup)
    report = ok(await deployment.admin("restore", str(backup)))
    assert "saved as" in report
    await deployment.server.start()
    bob = await deployment.logged_in("bob")
    page = await bob.request(History(channel=channel, limit=500))
    restored = stored_texts(deployment.data / "tidings.db")
    assert restored == in_backup
    served = [e.text for e in page.events if e.kind == "message"]
    assert served == in_backup[-len(served) :]
    saved = next(deployment.data.glob("tidings-before-restore-*.db"))
    assert stored_texts(saved) == everything


@sqlite_only
async def test_backup_and_restore_carry_the_attached_files(
    deployment: Deployment, tmp_path: Path
) -> None:
    """The backup holds the files its database refers to; restoring brings back the files of
    then (one deleted since included), and what was sent after is gone with its message."""
    await deployment.server.start()
    alice = await deployment.device()
    await alice.conn.register("alice", PASSWORD, "laptop")
    await (await deployment.device()).conn.register("bob", PASSWORD, "laptop")
    channel = (await alice.request(OpenDirect(user="bob"))).channel.id
    kept, deleted_later, sent_later = os.urandom(3000), os.urandom(4000), os.urandom(5000)
    await send_file(alice, channel, kept)
    deleted_seq = await send_file(alice, channel, deleted_later)
    backup = tmp_path / "backup.db"
    report = ok(await deployment.admin("backup", str(backup)))
    assert f"{backup}.files: 2 files, 7,000 bytes" in report
    assert (tmp_path / "backup.db.files").stat().st_mode & 0o777 == 0o700
    await send_file(alice, channel, sent_later)
    await alice.request(Delete(channel=channel, seq=deleted_seq, client_id=new_id()))
    assert "exists" in refused(await deployment.admin("backup", str(backup)))
    await deployment.server.stop()

    report = ok(await deployment.admin("restore", str(backup)))
    assert "attached files: 2 files, 7,000 bytes" in report
    await deployment.server.start()
    bob = await deployment.logged_in("bob")
    assert await download(bob, sha256_of(kept), len(kept)) == kept
    assert await download(bob, sha256_of(deleted_later), len(deleted_later)) == deleted_later
    with pytest.raises(ProtocolError) as gone:
        await download(bob, sha256_of(sent_later), len(sent_later))
    assert gone.value.code == ErrorCode.NO_SUCH_FILE
    [saved] = deployment.data.glob("files-before-restore-*")
    assert {p.name for p in saved.glob("??/*")} == {sha256_of(kept), sha256_of(sent_later)}


@sqlite_only
async def test_restore_refuses_what_is_not_a_tidings_database(
    deployment: Deployment, tmp_path: Path
) -> None:
    await deployment.server.start()
    await deployment.server.stop()
    current = deployment.data / "tidings.db"
    before = digest(current)
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    newer = tmp_path / "newer.db"
    ok(await deployment.admin("backup", str(newer)))
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE setting SET value = '999' WHERE key = 'schema_version'")
    for candidate, reason in [
        (text, "is not a SQLite database"),
        (other, "not a Tidings server database"),
        (newer, "schema version 999, newer than this server understands"),
        (tmp_path / "missing.db", "does not exist"),
    ]:
        assert reason in refused(await deployment.admin("restore", str(candidate)))
    assert digest(current) == before
    assert sorted(p.name for p in deployment.data.glob("tidings*")) == ["tidings.db"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_backup_and_restore_point_postgresql_to_pg_dump(
    deployment: Deployment, tmp_path: Path
) -> None:
    for command in ("backup", "restore"):
        message = refused(await deployment.admin(command, str(tmp_path / "x.db")))
        assert "SQLite databases only" in message and "pg_dump" in message
        assert "postgresql://postgres@" in message


@sqlite_only
async def test_a_second_server_on_the_same_data_dir_is_refused(
    deployment: Deployment,
) -> None:
    await deployment.server.start()
    other_port = f"tcp://127.0.0.1:{free_port_pair()}"
    finished = await tidings_server(*deployment.settings, "--listen", other_port)
    message = refused(finished, status=2)
    assert f"a Tidings server is running on {deployment.data} (process " in message


@sqlite_only
async def test_restore_replaces_a_damaged_database_and_keeps_its_bytes(
    deployment: Deployment, tmp_path: Path
) -> None:
    await deployment.server.start()
    await (await deployment.device()).conn.register("alice", PASSWORD, "laptop")
    backup = tmp_path / "backup.db"
    ok(await deployment.admin("backup", str(backup)))
    await deployment.server.stop()
    current = deployment.data / "tidings.db"
    damaged = b"SQLite format 3\x00" + b"\xff" * 8192  # a header, then garbage
    current.write_bytes(damaged)

    report = ok(await deployment.admin("restore", str(backup)))
    assert "saved as" in report
    assert check_database(current).users == 1
    saved = next(deployment.data.glob("tidings-before-restore-*.db"))
    assert saved.read_bytes() == damaged
    assert not list(deployment.data.glob("*.restoring")) + list(deployment.data.glob("*.partial"))


@sqlite_only
async def test_admin_commands_leave_an_old_schema_to_the_server(deployment: Deployment) -> None:
    await deployment.server.start()
    await (await deployment.device()).conn.register("alice", PASSWORD, "laptop")
    await deployment.server.stop()
    current = deployment.data / "tidings.db"
    with sqlite3.connect(current) as db:  # as a database of an older version would read
        db.execute("UPDATE setting SET value = '0' WHERE key = 'schema_version'")
    assert "start the server once to upgrade it" in refused(
        await deployment.admin("devices", "alice")
    )
    with sqlite3.connect(current) as db:
        assert db.execute("SELECT value FROM setting WHERE key = 'schema_version'").fetchone() == (
            "0",
        )
    assert not list(deployment.data.glob("tidings-schema*"))  # no upgrade, so no backup either


async def _copy_database(deployment: Deployment, database_url: str | None, copy: Path) -> None:
    if database_url is None:
        ok(await deployment.admin("backup", str(copy)))
    else:
        await _run("pg_dump", "--format=custom", f"--file={copy}", database_url)


async def _restore_database(deployment: Deployment, database_url: str | None, copy: Path) -> None:
    if database_url is None:
        ok(await deployment.admin("restore", str(copy)))
    else:
        await _run("pg_restore", "--clean", "--if-exists", f"--dbname={database_url}", str(copy))
        assert "epoch is now" in ok(await deployment.admin("new-epoch"))


async def _run(*argv: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, (argv[0], out, err)


async def test_a_restored_database_has_a_new_epoch(
    deployment: Deployment, database_url: str | None, tmp_path: Path
) -> None:
    await deployment.server.start()
    first = await (await deployment.device()).conn.register("alice", PASSWORD, "laptop")
    assert first.epoch is not None and len(first.epoch) == 32
    copy = tmp_path / "copy"
    await _copy_database(deployment, database_url, copy)
    await deployment.server.stop()
    await deployment.server.start()
    again = (await deployment.logged_in("alice")).conn.welcome
    assert again is not None and again.epoch == first.epoch  # a restart is not a restore
    assert "is running" in refused(await deployment.admin("new-epoch"))

    await deployment.server.stop()
    await _restore_database(deployment, database_url, copy)
    await deployment.server.start()
    restored = (await deployment.logged_in("alice")).conn.welcome
    assert restored is not None and restored.epoch not in (None, first.epoch)
