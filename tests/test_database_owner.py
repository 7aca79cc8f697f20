"""Servers share a PostgreSQL database; a command that needs it to itself (migrate-to) keeps
them out while it runs, and is kept out while any runs; a killed server leaves nothing behind
(real server processes, a real PostgreSQL)."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from syncserver.bench.harness import free_port_pair
from syncserver.store.owner import LOCK_KEY, DatabaseBusy, DatabaseOwner
from tests.cluster import advisory_locks
from tests.server_command import tidings_server
from tests.server_process import ServerProcess
from tests.support import WAIT

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
async def first(tmp_path: Path, database_url: str) -> AsyncIterator[ServerProcess]:
    server = ServerProcess(tmp_path / "first", free_port_pair(), "--database-url", database_url)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def _holders(database_url: str) -> int:
    return advisory_locks(database_url, LOCK_KEY, granted=True)


async def test_a_command_that_needs_the_database_alone_is_refused_while_a_server_runs(
    database_url: str, first: ServerProcess
) -> None:
    alone = DatabaseOwner(database_url, exclusive=True)
    with pytest.raises(DatabaseBusy, match="another Tidings server is using the database"):
        alone.acquire()
    assert _holders(database_url) == 1  # the server's, which still serves
    assert first.proc is not None and first.proc.returncode is None


async def test_a_server_is_refused_while_a_command_has_the_database_to_itself(
    tmp_path: Path, database_url: str
) -> None:
    alone = DatabaseOwner(database_url, exclusive=True)
    alone.acquire()
    try:
        refused = await tidings_server(
            *("--data", str(tmp_path / "server"), "--database-url", database_url),
            *("--listen", f"tcp://127.0.0.1:{free_port_pair()}"),
        )
    finally:
        alone.release()
    assert refused.status == 2, refused.err
    assert "that needs the database postgresql://" in refused.err
    assert "start the server once it is done" in refused.err
    assert "PostgreSQL process" in refused.err


async def test_a_killed_server_leaves_the_database_free(
    database_url: str, first: ServerProcess
) -> None:
    await first.kill()
    async with asyncio.timeout(WAIT):  # PostgreSQL ends the session once it sees it closed
        while _holders(database_url):
            await asyncio.sleep(0.05)
    alone = DatabaseOwner(database_url, exclusive=True)
    alone.acquire()  # would raise if the killed server's lock were left
    alone.release()
