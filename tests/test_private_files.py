"""Everything the server keeps (database, its log and shared memory, key, lock, backups) is
its owner's only, on every way it starts: the server process, the admin commands, backup and
restore, the server the desktop app hosts, and the desktop's own profile and cache. Checked
with the common umask 022, under which files are created readable by everyone."""

from pathlib import Path

import pytest

from desktop.core.hosting import Hosting
from desktop.embedded import EmbeddedServer
from shared.protocol import OpenDirect, Send
from tests.private_files import common_umask, readable_by_others
from tests.support import PASSWORD, new_id
from tests.test_admin import Deployment, ok

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@sqlite_only
async def test_the_server_and_its_admin_commands_keep_files_private(
    tmp_path: Path, database_url: str | None
) -> None:
    with common_umask():
        deployment = Deployment(tmp_path, database_url)
        deployment.data.mkdir(mode=0o755)  # as an older version, or the admin, made it
        try:
            ok(await deployment.admin("create-user", "alice", stdin=PASSWORD))
            assert readable_by_others(deployment.data) == []

            await deployment.server.start()
            alice = await deployment.logged_in("alice")
            channel = (await alice.request(OpenDirect(user="alice"))).channel
            await alice.request(Send(channel=channel.id, client_id=new_id(), text="private"))
            assert {"tidings.db-wal", "tidings.db-shm", "server.key"} <= {
                p.name for p in deployment.data.iterdir()
            }
            assert readable_by_others(deployment.data) == []

            backup = tmp_path / "elsewhere" / "tidings-backup.db"
            backup.parent.mkdir()
            ok(await deployment.admin("backup", str(backup)))
            assert backup.stat().st_mode & 0o777 == 0o600
            await deployment.close()
            ok(await deployment.admin("restore", str(backup)))
            assert readable_by_others(deployment.data) == []
        finally:
            await deployment.close()


def test_files_an_older_version_left_readable_are_narrowed_at_start(tmp_path: Path) -> None:
    data = tmp_path / "server"
    with common_umask():
        data.mkdir(mode=0o755)
        for name in ("tidings.db", "tidings.db-wal", "tidings.db-shm"):
            (data / name).touch(mode=0o644)
        server = EmbeddedServer(data, listen="tcp://127.0.0.1:0", key_listen="tcp://127.0.0.1:0")
        server.start()
        try:
            assert readable_by_others(data) == []
        finally:
            server.stop()


def test_the_desktop_keeps_its_hosted_server_and_settings_private(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    with common_umask():
        server = EmbeddedServer(
            profile / "server", listen="tcp://127.0.0.1:0", key_listen="tcp://127.0.0.1:0"
        )
        server.start()
        try:
            Hosting(listen="tcp://127.0.0.1:0", data_dir=str(profile / "server")).save(profile)
            assert readable_by_others(profile) == []
        finally:
            server.stop()
