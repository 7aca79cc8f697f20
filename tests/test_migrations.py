"""Schema upgrades: a SQLite database is backed up beside itself before any migration runs,
each step commits with its new version or not at all, and a database from a newer server is
refused."""

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from peewee import Database

from shared.errors import ErrorCode, ProtocolError
from shared.ids import new_client_id
from shared.protocol import (
    UNTIL_TURNED_OFF,
    AccountSettings,
    ChatMute,
    Delete,
    Edit,
    GetReceipts,
    History,
    ListChannels,
    MuteChat,
    OpenDirect,
    QuietHours,
    React,
    Send,
    Sync,
    UpdateSettings,
)
from syncserver.config import ServerConfig
from syncserver.server import SyncServer
from syncserver.skeletons import skeleton
from syncserver.store.backup import check_database
from syncserver.store.database import (
    SchemaTooOld,
    database_url_for,
    database_url_of,
    migrate,
    open_database,
    stored_version,
)
from syncserver.store.models import SCHEMA_VERSION, Setting, User
from tests.attachments import attachment, upload
from tests.server_command import tidings_server
from tests.support import PASSWORD, ClientFactory, TestClient

NEXT = SCHEMA_VERSION + 1


def add_note_column(db: Database) -> None:
    db.execute_sql('ALTER TABLE "user" ADD COLUMN note TEXT')


def broken_step(db: Database) -> None:
    add_note_column(db)
    raise RuntimeError("this step fails halfway")


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[Database, Path]]:
    """A current database holding one user, open."""
    url = database_url_for(tmp_path)
    store = open_database(url)
    User.insert(name="alice", password_hash="x", created_at=0).execute(store.db)
    yield store.db, tmp_path / "tidings.db"
    store.close()


def columns(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[1] for row in db.execute('PRAGMA table_info("user")')]


def backups(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"tidings-schema{SCHEMA_VERSION}-before-{NEXT}-*.db"))


def test_a_migration_runs_after_a_backup_of_the_old_schema(database: tuple[Database, Path]) -> None:
    db, path = database
    migrate(db, path, SCHEMA_VERSION, NEXT, {SCHEMA_VERSION: add_note_column})
    assert stored_version(db) == NEXT
    assert "note" in columns(path)
    [saved] = backups(path.parent)
    summary = check_database(saved)
    assert (summary.schema_version, summary.users) == (SCHEMA_VERSION, 1)
    assert "note" not in columns(saved)


def test_a_failing_step_leaves_the_schema_as_it_was(database: tuple[Database, Path]) -> None:
    db, path = database
    with pytest.raises(RuntimeError, match="fails halfway"):
        migrate(db, path, SCHEMA_VERSION, NEXT, {SCHEMA_VERSION: broken_step})
    assert stored_version(db) == SCHEMA_VERSION
    assert "note" not in columns(path)
    assert len(backups(path.parent)) == 1


def test_a_schema_with_no_way_up_is_refused_untouched(database: tuple[Database, Path]) -> None:
    db, path = database
    with pytest.raises(SchemaTooOld, match=f"cannot be upgraded to {NEXT}"):
        migrate(db, path, SCHEMA_VERSION, NEXT, {})
    assert backups(path.parent) == []
    assert stored_version(db) == SCHEMA_VERSION


async def test_a_current_database_starts_without_a_backup(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path, listen="tcp://127.0.0.1:0", key_listen=None)
    for _ in range(2):
        server = SyncServer(config)
        await server.start()
        await server.stop()
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["tidings.db"]


async def test_the_server_refuses_a_database_from_a_newer_server(tmp_path: Path) -> None:
    open_database(database_url_for(tmp_path)).close()
    with sqlite3.connect(tmp_path / "tidings.db") as db:
        db.execute("UPDATE setting SET value = ? WHERE key = 'schema_version'", (str(NEXT),))
    finished = await tidings_server("--data-dir", str(tmp_path), "--listen", "tcp://127.0.0.1:0")
    assert finished.status == 2
    assert f"schema version {NEXT} is newer than this server" in finished.err
    assert "Traceback" not in finished.err


def _index_events_as_schema_1(db: Database) -> None:
    """Events indexed by (channel, seq) too, and message ids indexed sender first."""
    db.execute_sql('DROP INDEX "event_client_id_sender_id"')
    db.execute_sql(
        'CREATE UNIQUE INDEX "event_sender_id_client_id" ON "event" ("sender_id", "client_id")'
    )
    db.execute_sql('CREATE UNIQUE INDEX "event_channel_id_seq" ON "event" ("channel_id", "seq")')


def _drop_name_skeletons(db: Database) -> None:
    db.execute_sql('DROP INDEX "user_skeleton"')
    db.execute_sql('ALTER TABLE "user" DROP COLUMN "skeleton"')


def _drop_times_of_writing(db: Database) -> None:
    db.execute_sql('ALTER TABLE "event" DROP COLUMN "written"')


def _drop_messages_that_change(db: Database) -> None:
    db.execute_sql('DROP INDEX "event_channel_id_target"')
    columns = ("reply_to", "target", "emoji", "removed", "mentions", "edited", "deleted")
    for column in (*columns, "changed"):
        db.execute_sql(f'ALTER TABLE "event" DROP COLUMN "{column}"')
    db.execute_sql('DROP TABLE "reaction"')


def _drop_receipts(db: Database) -> None:
    db.execute_sql('DROP TABLE "receipt"')
    db.execute_sql('DROP TABLE "account_settings"')


def _number_positions_server_wide(db: Database) -> None:
    """Schema 6 numbered everything in one server-wide order and kept every stretch of a
    membership (here with the columns the upgrade reads). Cursors and read positions become
    server-wide positions (the event they stand at; no test here reads before turning
    back), and the streams go."""
    at = (
        'SELECT s."event_pos" FROM "stream" s WHERE s."user_id" = {user} '
        'AND s."pos" <= {pos} ORDER BY s."pos" DESC LIMIT 1'
    )
    device = at.format(user='"device"."user_id"', pos='"device"."sync_cursor"')
    db.execute_sql(f'UPDATE "device" SET "sync_cursor" = COALESCE(({device}), 0)')
    read = at.format(user='"userread"."user_id"', pos='"userread"."pos"')
    db.execute_sql(f'UPDATE "userread" SET "pos" = COALESCE(({read}), 0)')
    db.execute_sql(
        'CREATE TABLE "membershipperiod" ("channel_id" INTEGER NOT NULL, '
        '"user_id" INTEGER NOT NULL, "joined_pos" BIGINT NOT NULL, "left_pos" BIGINT)'
    )
    db.execute_sql(
        'INSERT INTO "membershipperiod" ("channel_id", "user_id", "joined_pos", "left_pos") '
        'SELECT "channel_id", "user_id", "joined_pos", "left_pos" FROM "membership"'
    )
    db.execute_sql('DROP TABLE "stream"')
    db.execute_sql("DELETE FROM \"setting\" WHERE \"key\" IN ('stream_base', 'stream_base_user')")


def _drop_do_not_disturb(db: Database) -> None:
    db.execute_sql('ALTER TABLE "account_settings" DROP COLUMN "dnd_until"')
    db.execute_sql('ALTER TABLE "account_settings" DROP COLUMN "mentions_when_muted"')
    db.execute_sql('ALTER TABLE "membership" DROP COLUMN "muted_until"')


def _drop_display_names(db: Database) -> None:
    db.execute_sql('ALTER TABLE "user" DROP COLUMN "display_name"')


def _drop_quiet_hours(db: Database) -> None:
    for column in ("quiet_on", "quiet_start", "quiet_end", "quiet_days"):
        db.execute_sql(f'ALTER TABLE "account_settings" DROP COLUMN "{column}"')


def _drop_attachments(db: Database) -> None:
    db.execute_sql('ALTER TABLE "event" DROP COLUMN "attachments"')
    for table in ("event_file", "upload", "stored_file"):
        db.execute_sql(f'DROP TABLE "{table}"')


@asynccontextmanager
async def serving(config: ServerConfig) -> AsyncIterator[ClientFactory]:
    """A server on the configured database, with a factory of clients; the clients are
    closed and the server stopped when the block ends."""
    server = SyncServer(config)
    await server.start()
    factory = ClientFactory(server)
    try:
        yield factory
    finally:
        await factory.close_all()
        await server.stop()


# Version -> what undoes the migration from it to the next (see syncserver/store/migrations.py).
UNDO: dict[int, Callable[[Database], None]] = {
    1: _index_events_as_schema_1,
    2: _drop_name_skeletons,
    3: _drop_times_of_writing,
    4: _drop_messages_that_change,
    5: _drop_receipts,
    6: _number_positions_server_wide,
    7: _drop_do_not_disturb,
    8: _drop_display_names,
    9: _drop_quiet_hours,
    10: _drop_attachments,
}


def turn_back_to_schema(url: str, version: int) -> None:
    """The database as a server of schema ``version`` left it: every later migration undone,
    newest first."""
    store = open_database(url)
    for undone in sorted(UNDO, reverse=True):
        if undone >= version:
            UNDO[undone](store.db)
    Setting.put(store.db, "schema_version", str(version))
    store.close()


async def test_schema_1_is_upgraded_and_still_stores_each_message_once(
    server_config: ServerConfig,
) -> None:
    async with serving(server_config) as factory:
        alice = await factory.register("alice")
        channel = (await alice.request(OpenDirect(user="alice"))).channel
        message = Send(channel=channel.id, client_id=new_client_id(), text="before the upgrade")
        before = await alice.request(message)
    url = database_url_of(server_config)
    turn_back_to_schema(url, 1)

    async with serving(server_config) as factory:
        db = factory.server.ctx.store.db
        assert stored_version(db) == SCHEMA_VERSION
        indexes = {index.name for index in db.get_indexes("event")}
        assert "event_client_id_sender_id" in indexes
        assert "event_sender_id_client_id" not in indexes
        assert "event_channel_id_seq" not in indexes
        alice = await factory.login("alice", "desktop")
        again = await alice.request(message)  # a resend after the upgrade is recognised
        assert (again.seq, again.pos) == (before.seq, before.pos)
        page = await alice.request(History(channel=channel.id))
        assert [e.text for e in page.events if e.kind == "message"] == ["before the upgrade"]


async def test_schema_2_gets_name_skeletons_and_refuses_new_look_alikes(
    server_config: ServerConfig,
) -> None:
    """Look-alikes registered before the rule keep their names; the oldest of them holds the
    skeleton, and a new look-alike of either is refused."""
    server_config.data_dir.mkdir()
    url = database_url_of(server_config)
    store = open_database(url)
    for name in ("mill", "rnill"):  # as a schema 2 server took them: both look like "mill"
        User.insert(name=name, password_hash="x", created_at=0).execute(store.db)
    store.close()
    turn_back_to_schema(url, 2)

    async with serving(server_config) as factory:
        db = factory.server.ctx.store.db
        assert stored_version(db) == SCHEMA_VERSION
        held = {u.name: u.skeleton for u in User.select().order_by(User.id).bind(db)}
        assert held == {"mill": skeleton("mill"), "rnill": None}
        client = await factory.connect()
        with pytest.raises(ProtocolError) as err:
            await client.conn.register("rni1l", PASSWORD, "laptop")
        assert err.value.code == ErrorCode.USER_EXISTS
        assert "looks like the existing name 'mill'" in err.value.message
        await factory.register("milo")


async def test_schema_3_gets_times_of_writing(server_config: ServerConfig) -> None:
    """Messages stored before have no time of writing; new ones keep theirs."""
    async with serving(server_config) as factory:
        alice = await factory.register("alice")
        channel = (await alice.request(OpenDirect(user="alice"))).channel
        await alice.request(Send(channel=channel.id, client_id=new_client_id(), text="before"))
    turn_back_to_schema(database_url_of(server_config), 3)

    async with serving(server_config) as factory:
        assert stored_version(factory.server.ctx.store.db) == SCHEMA_VERSION
        alice = await factory.login("alice", "desktop")
        after = Send(channel=channel.id, client_id=new_client_id(), text="after", written=1)
        sent = await alice.request(after)
        assert sent.written is not None and sent.written <= sent.ts
        page = await alice.request(History(channel=channel.id))
        stored = [(e.text, e.written) for e in page.events if e.kind == "message"]
        assert stored == [("before", None), ("after", sent.written)]


async def test_schema_4_gets_messages_that_change(server_config: ServerConfig) -> None:
    """Messages stored before are plain, unchanged messages; they can be reacted to, edited
    and deleted after the upgrade, and a resend of one is still recognised."""
    async with serving(server_config) as factory:
        alice = await factory.register("alice")
        channel = (await alice.request(OpenDirect(user="alice"))).channel
        message = Send(channel=channel.id, client_id=new_client_id(), text="before")
        before = await alice.request(message)
    turn_back_to_schema(database_url_of(server_config), 4)

    async with serving(server_config) as factory:
        assert stored_version(factory.server.ctx.store.db) == SCHEMA_VERSION
        alice = await factory.login("alice", "desktop")
        assert (await alice.request(message)).seq == before.seq
        seq = before.seq
        await alice.request(
            React(channel=channel.id, seq=seq, client_id=new_client_id(), emoji="👍")
        )
        await alice.request(
            Edit(channel=channel.id, seq=seq, client_id=new_client_id(), text="after")
        )
        page = await alice.request(History(channel=channel.id))
        [stored] = [e for e in page.events if e.seq == seq]
        assert (stored.text, stored.edited, stored.deleted) == ("after", seq + 2, False)
        assert [(r.emoji, r.users) for r in stored.reactions] == [("👍", ["alice"])]
        await alice.request(Delete(channel=channel.id, seq=seq, client_id=new_client_id()))
        page = await alice.request(History(channel=channel.id))
        [stored] = [e for e in page.events if e.seq == seq]
        assert (stored.text, stored.deleted, stored.reactions) == ("", True, ())


async def test_schema_5_gets_receipts_from_the_devices_cursors(
    server_config: ServerConfig,
) -> None:
    """Members start delivered up to the newest event their furthest device confirmed;
    every account keeps read receipts on."""
    async with serving(server_config) as factory:
        alice = await factory.register("alice")
        bob = await factory.register("bob")
        channel = (await alice.request(OpenDirect(user="bob"))).channel
        for text in ("one", "two"):
            await alice.request(Send(channel=channel.id, client_id=new_client_id(), text=text))
        page = await bob.request(Sync(after=bob.welcome.sync_cursor))
        await bob.request(Sync(after=page.next))  # confirms everything up to "two"
    turn_back_to_schema(database_url_of(server_config), 5)

    async with serving(server_config) as factory:
        assert stored_version(factory.server.ctx.store.db) == SCHEMA_VERSION
        alice = await factory.login("alice", "desktop")
        assert alice.welcome.settings == AccountSettings(read_receipts=True)
        reply = await alice.request(GetReceipts(channels=[channel.id]))
        assert [(r.user, r.delivered, r.read) for r in reply.receipts] == [("bob", 3, 0)]


async def _say(client: TestClient, channel_id: int, text: str) -> None:
    await client.request(Send(channel=channel_id, client_id=new_client_id(), text=text))


async def test_schema_6_gets_streams_and_the_cursors_devices_hold_still_hold(
    server_config: ServerConfig,
) -> None:
    """Events stored before the upgrade keep their server-wide positions in every stream, so
    a device resumes from the cursor it has, missing nothing and getting nothing twice;
    after it, a user's positions count only their own events."""
    async with serving(server_config) as factory:
        alice = await factory.register("alice")
        bob = await factory.register("bob")
        carol = await factory.register("carol")
        await factory.register("dave")
        chat = (await alice.request(OpenDirect(user="bob"))).channel
        elsewhere = (await carol.request(OpenDirect(user="dave"))).channel
        await _say(alice, chat.id, "a1")
        for text in ("c1", "c2"):
            await _say(carol, elsewhere.id, text)
        page = await bob.request(Sync(after=bob.welcome.sync_cursor))
        bob_cursor = next(e.pos for e in page.events if e.text == "a1")
        await bob.request(Sync(after=bob_cursor))  # confirms up to a1
        await _say(alice, chat.id, "a2")
        await _say(carol, elsewhere.id, "c3")
        await _say(alice, chat.id, "a3")
        credentials, keys = bob.credentials, bob.conn.client_keys
    turn_back_to_schema(database_url_of(server_config), 6)

    async with serving(server_config) as factory:
        assert stored_version(factory.server.ctx.store.db) == SCHEMA_VERSION
        bob = await factory.resume(credentials, client_keys=keys)
        held = bob.welcome.sync_cursor  # the server-wide position of a1, as schema 6 kept it
        page = await bob.request(Sync(after=held))
        assert [e.text for e in page.events] == ["a2", "a3"]
        old_positions = [e.pos for e in page.events]
        assert old_positions[0] > held and old_positions[1] > old_positions[0] + 1  # c3
        upgraded_at = factory.server.ctx.sequencer.head

        alice = await factory.login("alice", "phone")
        carol = await factory.login("carol", "phone")
        await _say(alice, chat.id, "a4")
        await _say(carol, elsewhere.id, "c4")
        await _say(alice, chat.id, "a5")
        page = await bob.request(Sync(after=page.next))
        assert [(e.text, e.pos) for e in page.events] == [
            ("a4", upgraded_at + 1),
            ("a5", upgraded_at + 2),
        ]
        erin = await factory.register("erin")
        assert erin.welcome.head == 0  # registered after the upgrade: a stream from 0


async def test_schema_7_gets_do_not_disturb_off_and_no_chat_muted(
    server_config: ServerConfig,
) -> None:
    """Accounts (with a settings row or without) start with do not disturb off and mentions
    notifying in muted chats; no chat is muted; both can be set at once."""
    async with serving(server_config) as factory:
        alice = await factory.register("alice")
        await factory.register("bob")
        await alice.request(UpdateSettings(read_receipts=False))  # a row from schema 7
        channel = (await alice.request(OpenDirect(user="bob"))).channel
    turn_back_to_schema(database_url_of(server_config), 7)

    async with serving(server_config) as factory:
        assert stored_version(factory.server.ctx.store.db) == SCHEMA_VERSION
        alice = await factory.login("alice", "desktop")
        bob = await factory.login("bob", "desktop")
        assert alice.welcome.settings == AccountSettings(read_receipts=False)
        assert bob.welcome.settings == AccountSettings()
        assert (alice.welcome.mutes, bob.welcome.mutes) == ([], [])
        [listed] = (await alice.request(ListChannels())).channels
        assert listed.muted_until == 0
        await alice.request(MuteChat(channel=channel.id, until=UNTIL_TURNED_OFF))
        reply = await bob.request(UpdateSettings(dnd_until=UNTIL_TURNED_OFF))
        assert reply.settings == AccountSettings(dnd_until=UNTIL_TURNED_OFF)
        again = await factory.login("alice", "phone")
        assert again.welcome.mutes == [ChatMute(channel=channel.id, until=UNTIL_TURNED_OFF)]


async def test_schema_8_gets_no_display_names_and_takes_them(
    server_config: ServerConfig,
) -> None:
    """Users from before display names have none, and are shown by name; once upgraded,
    one sets a display name and the user sharing a chat with them learns it."""
    async with serving(server_config) as factory:
        alice = await factory.register("alice")
        await factory.register("bob")
        channel = (await alice.request(OpenDirect(user="bob"))).channel
    turn_back_to_schema(database_url_of(server_config), 8)

    async with serving(server_config) as factory:
        assert stored_version(factory.server.ctx.store.db) == SCHEMA_VERSION
        alice = await factory.login("alice", "desktop")
        bob = await factory.login("bob", "desktop")
        assert alice.welcome.settings == AccountSettings()
        [listed] = (await bob.request(ListChannels())).channels
        assert listed.display_names == {}
        reply = await alice.request(UpdateSettings(display_name="Alice"))
        assert reply.settings == AccountSettings(display_name="Alice")
        [listed] = (await bob.request(ListChannels())).channels
        assert (listed.id, listed.display_names) == (channel.id, {"alice": "Alice"})


async def test_schema_9_gets_quiet_hours_off(server_config: ServerConfig) -> None:
    """Accounts (with a settings row or without) start with no quiet hours, their other
    settings kept; a schedule can then be set."""
    async with serving(server_config) as factory:
        alice = await factory.register("alice")
        await factory.register("bob")
        await alice.request(UpdateSettings(dnd_until=UNTIL_TURNED_OFF))  # a row from schema 8
    turn_back_to_schema(database_url_of(server_config), 9)

    async with serving(server_config) as factory:
        assert stored_version(factory.server.ctx.store.db) == SCHEMA_VERSION
        alice = await factory.login("alice", "desktop")
        bob = await factory.login("bob", "desktop")
        assert alice.welcome.settings == AccountSettings(dnd_until=UNTIL_TURNED_OFF)
        assert bob.welcome.settings == AccountSettings()
        nights = QuietHours(on=True, start=23 * 60, end=6 * 60, days=0b1100000)
        reply = await bob.request(UpdateSettings(quiet_hours=nights))
        assert reply.settings == AccountSettings(quiet_hours=nights)
        again = await factory.login("alice", "phone")
        assert again.welcome.settings == AccountSettings(dnd_until=UNTIL_TURNED_OFF)


async def test_schema_10_gets_attachments(server_config: ServerConfig) -> None:
    """Messages stored before carry no files and read as before; files can then be
    uploaded and sent."""
    async with serving(server_config) as factory:
        alice = await factory.register("alice")
        notes = (await alice.request(OpenDirect(user="alice"))).channel.id
        await alice.request(Send(channel=notes, client_id=new_client_id(), text="old"))
    turn_back_to_schema(database_url_of(server_config), 10)

    async with serving(server_config) as factory:
        assert stored_version(factory.server.ctx.store.db) == SCHEMA_VERSION
        alice = await factory.login("alice", "desktop")
        data = b"a file after the upgrade"
        assert (await upload(alice, data)).complete
        await alice.request(
            Send(channel=notes, client_id=new_client_id(), text="", attachments=[attachment(data)])
        )
        page = await alice.request(History(channel=notes))
        messages = [e for e in page.events if e.kind == "message"]
        assert [(e.text, [a.name for a in e.attachments]) for e in messages] == [
            ("old", []),
            ("", ["notes.txt"]),
        ]
