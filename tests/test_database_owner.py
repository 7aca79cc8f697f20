"""One server per PostgreSQL database: a second server on the same database is refused with
a message that says who holds it, and a killed server leaves nothing behind (real server
processes, a real PostgreSQL)."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg2
import pytest

from syncserver.bench.harness import free_port_pair
from syncserver.store.owner import LOCK_KEY
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


def _lock_held(database_url: str) -> bool:
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = %s AND objid = %s",
            (LOCK_KEY >> 32, LOCK_KEY & 0xFFFF_FFFF),
        )
        row = cur.fetchone()
    conn.close()
    return row is not None and bool(row[0])


async def _until_free(database_url: str) -> None:
    """PostgreSQL ends a killed client's session when it sees the connection closed."""
    async with asyncio.timeout(WAIT):
        while _lock_held(database_url):
            await asyncio.sleep(0.05)


async def test_a_second_server_on_the_same_database_is_refused_and_told_who_holds_it(
    tmp_path: Path, database_url: str, first: ServerProcess
) -> None:
    port = free_port_pair()
    refused = await tidings_server(
        *("--data", str(tmp_path / "second"), "--database-url", database_url),
        *("--listen", f"tcp://127.0.0.1:{port}"),
    )
    assert refused.status == 2, refused.err
    assert "another Tidings server is using the database postgresql://" in refused.err
    assert "one server per database" in refused.err
    assert "PostgreSQL process" in refused.err
    assert _lock_held(database_url)  # the first server kept it, and still serves
    assert first.proc is not None and first.proc.returncode is None


async def test_a_killed_server_leaves_the_database_free_for_the_next(
    tmp_path: Path, database_url: str, first: ServerProcess
) -> None:
    await first.kill()
    await _until_free(database_url)
    second = ServerProcess(tmp_path / "second", free_port_pair(), "--database-url", database_url)
    await second.start()  # it would exit at start if the database were still held
    try:
        assert _lock_held(database_url)
    finally:
        await second.stop()
    assert not _lock_held(database_url)  # a stopped server gives it back
