"""``tidings-server migrate-to``: a SQLite server's database moved into PostgreSQL through the
real command. A server started on the copy serves its devices exactly what they had, and
goes on numbering where the old one stopped; a target that holds data, a URL that is not
PostgreSQL, a server that runs, a source from a newer server and a row PostgreSQL refuses
each leave everything as it was."""

import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import psycopg2

from shared.client import Credentials
from shared.ids import new_client_id
from shared.keys import KeyPair
from shared.protocol import (
    UNTIL_TURNED_OFF,
    CreateGroup,
    Delete,
    Edit,
    History,
    ListChannels,
    MarkRead,
    MuteChat,
    OpenDirect,
    React,
    Send,
    Sync,
    SyncPage,
    UpdateSettings,
)
from syncserver.bench.harness import free_port_pair
from syncserver.config import ServerConfig
from syncserver.server import SyncServer
from syncserver.store.database import database_url_of, open_database
from syncserver.store.models import SCHEMA_VERSION
from syncserver.store.transfer import copy_tables, tables
from tests.attachments import attachment, download, sha256_of, upload
from tests.lifecycle import sync_all
from tests.server_command import Finished, tidings_server
from tests.support import ClientFactory, TestClient, same_place
from tests.test_migrations import turn_back_to_schema

FILE = b"minutes of the meeting\n" * 100
Row = tuple[Any, ...]


@dataclass
class Before:
    """What the SQLite server served before the move."""

    config: ServerConfig  # with the ports it listened on, to start the next server there
    devices: dict[str, tuple[Credentials, KeyPair]]  # each device's credential and CURVE keys
    synced: dict[str, list[SyncPage]]  # each device's sync from the start
    direct: int
    group: int
    last_direct_seq: int
    epoch: str | None


def served(pages: list[SyncPage]) -> list[SyncPage]:
    """The pages without their request ids."""
    return [msgspec.structs.replace(page, rid=0) for page in pages]


def sqlite_config(tmp_path: Path) -> ServerConfig:
    return ServerConfig(
        data_dir=tmp_path / "server",
        listen="tcp://127.0.0.1:0",
        key_listen="tcp://127.0.0.1:0",
        heartbeat_interval=0.2,
        presence_timeout=1.0,
        address_burst=10_000,
    )


@asynccontextmanager
async def serving(config: ServerConfig) -> AsyncIterator[tuple[SyncServer, ClientFactory]]:
    server = SyncServer(config)
    await server.start()
    factory = ClientFactory(server)
    try:
        yield server, factory
    finally:
        await factory.close_all()
        await server.stop()


async def send(client: TestClient, channel: int, text: str, **more: Any) -> int:
    sent = await client.request(Send(channel=channel, client_id=new_client_id(), text=text, **more))
    return sent.seq


async def converse(alice: TestClient, bob: TestClient) -> tuple[int, int, int]:
    """A direct chat and a group with every kind of event; the chats' ids and the direct
    chat's newest seq."""
    direct = (await alice.request(OpenDirect(user="bob"))).channel.id
    group = (await alice.request(CreateGroup(name="Friends", members=["bob"]))).channel.id
    hello = await send(alice, direct, "hello bob")
    await alice.request(Edit(channel=direct, seq=hello, client_id=new_client_id(), text="hi, Bob"))
    await bob.request(React(channel=direct, seq=hello, client_id=new_client_id(), emoji="👍"))
    oops = await send(bob, group, "oops, wrong chat")
    await bob.request(Delete(channel=group, seq=oops, client_id=new_client_id()))
    await send(alice, group, "see you tonight @bob")
    assert (await upload(alice, FILE, "minutes.txt")).complete
    files = [attachment(FILE, "minutes.txt")]
    last = await send(alice, direct, "the minutes", attachments=files, reply_to=hello)
    await bob.request(MarkRead(channel=direct, seq=last))
    await alice.request(UpdateSettings(read_receipts=False))
    await bob.request(MuteChat(channel=group, until=UNTIL_TURNED_OFF))
    return direct, group, last


async def seed(config: ServerConfig) -> Before:
    """Two users with devices talk on a SQLite server; each device then syncs everything."""
    async with serving(config) as (server, factory):
        alice = await factory.register("alice", "laptop")
        bob = await factory.register("bob", "laptop")
        phone = await factory.login("bob", "phone")
        direct, group, last = await converse(alice, bob)
        devices = {"alice": alice, "bob": bob, "bob's phone": phone}
        for device in devices.values():
            pages = await sync_all(device, 0)
            await device.request(Sync(after=pages[-1].next))  # confirms it stored them all
        # Now that receipts no longer move, what each device gets when it syncs again.
        synced = {name: await sync_all(device, 0) for name, device in devices.items()}
        return Before(
            config=same_place(server),
            devices={n: (d.credentials, d.conn.client_keys) for n, d in devices.items()},
            synced=synced,
            direct=direct,
            group=group,
            last_direct_seq=last,
            epoch=alice.welcome.epoch,
        )


async def migrate(config: ServerConfig, url: str) -> Finished:
    return await tidings_server("--data-dir", str(config.data_dir), "migrate-to", url, timeout=60)


def ok(finished: Finished) -> str:
    assert finished.status == 0, finished
    return finished.out


def refused(finished: Finished) -> str:
    assert finished.status == 1, finished
    assert "Traceback" not in finished.err
    return finished.err


def normal(value: Any) -> Any:
    """A PostgreSQL value as SQLite holds it: booleans are 0 and 1, blobs bytes."""
    if isinstance(value, bool):
        return int(value)
    return bytes(value) if isinstance(value, memoryview) else value


def sqlite_rows(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute(f'SELECT * FROM "{table}"').fetchall()
        names = [d[0] for d in db.execute(f'SELECT * FROM "{table}" LIMIT 0').description]
    return sorted(repr(dict(zip(names, row, strict=True))) for row in rows)


def postgres_rows(url: str, table: str) -> list[str]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(f'SELECT * FROM "{table}"')
        names = [d[0] for d in cur.description or ()]
        rows = cur.fetchall()
    conn.close()
    return sorted(repr(dict(zip(names, (normal(v) for v in row), strict=True))) for row in rows)


def postgres_tables(url: str) -> list[str]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' ORDER BY table_name"
        )
        found = [name for (name,) in cur.fetchall()]
    conn.close()
    return found


async def test_a_sqlite_server_moved_to_postgresql_serves_its_devices_what_they_had(
    tmp_path: Path, postgres_url: str
) -> None:
    config = sqlite_config(tmp_path)
    before = await seed(config)
    database = config.data_dir / "tidings.db"

    report = ok(await migrate(config, postgres_url))
    assert f"copied {database} into {postgres_url}" in report
    assert 'set database_url = "' in report and "start the server" in report
    for table in tables():
        # Every row, every column, ids included.
        assert postgres_rows(postgres_url, table) == sqlite_rows(database, table), table
        rows = len(sqlite_rows(database, table))
        assert any(line.split() == [table, f"{rows:,}"] for line in report.splitlines())

    moved = dataclasses.replace(before.config, database_url=postgres_url)
    async with serving(moved) as (_, factory):
        devices = {
            name: await factory.resume(credentials, client_keys=keys)
            for name, (credentials, keys) in before.devices.items()
        }
        for name, device in devices.items():
            # The same events at the same positions, and the cursor each device confirmed.
            assert served(await sync_all(device, 0)) == served(before.synced[name]), name
            assert device.welcome.sync_cursor == before.synced[name][-1].next
            # The same database, moved: devices have nothing to reconcile.
            assert device.welcome.epoch == before.epoch
        alice, bob = devices["alice"], devices["bob"]
        page = await bob.request(History(channel=before.direct))
        assert page.events[-1].attachments[0].sha256 == sha256_of(FILE)
        assert await download(bob, sha256_of(FILE), len(FILE)) == FILE  # the files stayed

        # New rows go on after the copied ones: seqs, positions, and ids from sequences.
        assert await send(alice, before.direct, "after the move") == before.last_direct_seq + 1
        carol = await factory.register("carol", "laptop")
        newest_device = max(c.device_id for c, _ in before.devices.values())
        assert carol.credentials.device_id == newest_device + 1
        third = (await carol.request(OpenDirect(user="alice"))).channel.id
        assert third == max(before.direct, before.group) + 1
        listed = await bob.request(ListChannels())
        assert sorted(c.id for c in listed.channels) == [before.direct, before.group]


async def test_a_target_with_tidings_data_is_refused_and_a_freshly_made_one_taken(
    tmp_path: Path, postgres_url: str
) -> None:
    config = sqlite_config(tmp_path)
    async with serving(config) as (_, factory):
        await factory.register("alice", "laptop")
    # The tables a Tidings server made on it, no rows in them: taken.
    fresh = dataclasses.replace(config, database_url=postgres_url, data_dir=tmp_path / "fresh")
    await serving_once(fresh)
    ok(await migrate(config, postgres_url))
    users = postgres_rows(postgres_url, "user")

    message = refused(await migrate(config, postgres_url))
    assert "already holds Tidings data (in " in message and "user" in message
    assert postgres_rows(postgres_url, "user") == users


async def serving_once(config: ServerConfig) -> None:
    async with serving(config):
        pass


async def test_what_is_not_postgresql_is_refused_and_a_password_never_shown(
    tmp_path: Path, postgres_url: str
) -> None:
    config = sqlite_config(tmp_path)
    missing = refused(await migrate(config, postgres_url))
    assert f"there is no Tidings database at {config.data_dir / 'tidings.db'}" in missing
    assert not config.data_dir.exists()
    async with serving(config) as (_, factory):
        await factory.register("alice", "laptop")
    closed = f"postgresql://postgres:hunter22@127.0.0.1:{free_port_pair()}/tidings"
    for url, reason in [
        (f"sqlite:///{tmp_path / 'other.db'}", "is not a PostgreSQL database URL"),
        ("mysql://tidings:hunter22@localhost/tidings", "is not a PostgreSQL database URL"),
        ("postgresql://postgres@127.0.0.1", "is not a PostgreSQL database URL"),
        (closed, "cannot connect to postgresql://postgres@127.0.0.1:"),
    ]:
        message = refused(await migrate(config, url))
        assert reason in message
        assert "hunter22" not in message
    assert postgres_tables(postgres_url) == []


async def test_a_running_server_keeps_its_database_from_being_moved(
    tmp_path: Path, postgres_url: str
) -> None:
    config = sqlite_config(tmp_path)
    async with serving(config) as (_, factory):
        await factory.register("alice", "laptop")
        message = refused(await migrate(config, postgres_url))
    assert f"a Tidings server is running on {config.data_dir}" in message
    assert "stop it before migrating" in message
    assert postgres_tables(postgres_url) == []


async def test_a_server_running_on_the_target_keeps_it_from_being_filled(
    tmp_path: Path, postgres_url: str
) -> None:
    """A server on an unused PostgreSQL database would number new rows over copied ones."""
    config = sqlite_config(tmp_path)
    await serving_once(config)
    other = dataclasses.replace(config, database_url=postgres_url, data_dir=tmp_path / "other")
    async with serving(other):
        message = refused(await migrate(config, postgres_url))
    assert "another Tidings server is using the database" in message
    assert "stop it before migrating" in message
    assert postgres_rows(postgres_url, "user") == []
    ok(await migrate(config, postgres_url))  # once it stopped


async def test_a_database_from_a_newer_server_is_refused(tmp_path: Path, postgres_url: str) -> None:
    config = sqlite_config(tmp_path)
    await serving_once(config)
    with sqlite3.connect(config.data_dir / "tidings.db") as db:
        db.execute(
            "UPDATE setting SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    message = refused(await migrate(config, postgres_url))
    assert f"schema version {SCHEMA_VERSION + 1}, newer than this server" in message
    assert postgres_tables(postgres_url) == []


async def test_a_row_postgresql_refuses_rolls_the_whole_copy_back_and_names_its_table(
    tmp_path: Path, postgres_url: str
) -> None:
    config = sqlite_config(tmp_path)
    async with serving(config) as (_, factory):
        alice = await factory.register("alice", "laptop")
        notes = (await alice.request(OpenDirect(user="alice"))).channel.id
        await send(alice, notes, "a note")
    # PostgreSQL's text holds no NUL character, which SQLite's does.
    with sqlite3.connect(config.data_dir / "tidings.db") as db:
        db.execute("UPDATE event SET text = 'a' || char(0) || 'b' WHERE kind = 'message'")

    message = refused(await migrate(config, postgres_url))
    assert "copying table event failed" in message
    # No user, no device: the tables are made, empty, their settings only the schema's.
    for table in tables():
        if table == "setting":
            continue
        assert postgres_rows(postgres_url, table) == [], table
    schema = {"key": "schema_version", "value": str(SCHEMA_VERSION)}
    assert postgres_rows(postgres_url, "setting") == [repr(schema)]
    # Nothing is left that a second try, once the row is mended, would refuse.
    with sqlite3.connect(config.data_dir / "tidings.db") as db:
        db.execute("UPDATE event SET text = 'ab' WHERE kind = 'message'")
    ok(await migrate(config, postgres_url))
    assert len(postgres_rows(postgres_url, "event")) == len(
        sqlite_rows(config.data_dir / "tidings.db", "event")
    )


async def test_an_older_database_is_upgraded_first_and_kept_as_it_was(
    tmp_path: Path, postgres_url: str
) -> None:
    config = sqlite_config(tmp_path)
    async with serving(config) as (_, factory):
        alice = await factory.register("alice", "laptop")
        notes = (await alice.request(OpenDirect(user="alice"))).channel.id
        await send(alice, notes, "from before files")
    old = SCHEMA_VERSION - 1
    turn_back_to_schema(database_url_of(config), old)

    report = ok(await migrate(config, postgres_url))
    assert f"first upgraded from schema version {old}" in report
    [kept] = config.data_dir.glob(f"tidings-schema{old}-before-{SCHEMA_VERSION}-*.db")
    with sqlite3.connect(kept) as db:
        assert db.execute("SELECT value FROM setting WHERE key = 'schema_version'").fetchone() == (
            str(old),
        )
    database = config.data_dir / "tidings.db"
    for table in tables():
        assert postgres_rows(postgres_url, table) == sqlite_rows(database, table), table


async def test_copying_a_few_rows_at_a_time_gives_the_same_tables(
    tmp_path: Path, postgres_url: str
) -> None:
    config = sqlite_config(tmp_path)
    async with serving(config) as (_, factory):
        alice = await factory.register("alice", "laptop")
        bob = await factory.register("bob", "laptop")
        await converse(alice, bob)
    database = config.data_dir / "tidings.db"
    announced: list[tuple[str, int]] = []
    source = open_database(f"sqlite:///{database}")
    target = open_database(postgres_url)
    try:
        copied = copy_tables(source, target, lambda t, n: announced.append((t, n)), chunk_rows=2)
    finally:
        target.close()
        source.close()
    expected = [(table, len(sqlite_rows(database, table))) for table in tables()]
    assert [(c.table, c.rows) for c in copied] == announced == expected
    assert max(rows for _, rows in expected) > 2  # more than one chunk
    for table in tables():
        assert postgres_rows(postgres_url, table) == sqlite_rows(database, table), table
