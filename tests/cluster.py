"""Several server processes (nodes) on one PostgreSQL database, sharing one key pair, as an
admin runs them: started, killed with SIGKILL, paused with SIGSTOP and brought back."""

import asyncio
import os
import shutil
import signal
from pathlib import Path

import psycopg2

from syncserver.bench.harness import free_port_pair
from syncserver.server_keys import KEY_FILE
from tests.server_process import ServerProcess
from tests.support import PASSWORD, WAIT, TestClient


class Cluster:
    """Server processes on one database; the first makes the key pair the others share."""

    def __init__(self, root: Path, database_url: str, count: int, *options: str) -> None:
        self.nodes = [
            # Each in a folder of its own, where its log goes too.
            ServerProcess(
                root / f"node{i}" / "data",
                free_port_pair(),
                *("--database-url", database_url),
                # Presence changes within a second, as the other servers in the tests have it.
                *("--heartbeat-interval", "0.2", "--presence-timeout", "1"),
                *options,
            )
            for i in range(count)
        ]
        self.devices: list[TestClient] = []
        self.paused: set[int] = set()

    @property
    def endpoints(self) -> list[str]:
        return [node.endpoint for node in self.nodes]

    async def start(self) -> None:
        first, *others = self.nodes
        for node in self.nodes:
            node.data_dir.mkdir(mode=0o700, parents=True)
        await first.start()
        for node in others:
            shutil.copy2(first.data_dir / KEY_FILE, node.data_dir / KEY_FILE)
        await asyncio.gather(*(node.start() for node in others))

    async def kill(self, node: int) -> None:
        """SIGKILL the node: its connections and any transaction it had open go with it."""
        self.resume(node)  # a stopped process dies only once it runs again
        await self.nodes[node].kill()

    def pause(self, node: int) -> None:
        """SIGSTOP: the node keeps its sockets and answers nothing, not even ZeroMQ's pings."""
        os.kill(self.nodes[node].pid, signal.SIGSTOP)
        self.paused.add(node)

    def resume(self, node: int) -> None:
        if node in self.paused:
            os.kill(self.nodes[node].pid, signal.SIGCONT)
            self.paused.discard(node)

    async def register(self, node: int, user: str) -> TestClient:
        device = TestClient(self.nodes[node].connection())
        self.devices.append(device)
        await device.conn.open()
        await device.conn.wait_ready(WAIT)
        await device.conn.register(user, PASSWORD, "laptop")
        return device

    async def login(self, node: int, user: str, device_name: str) -> TestClient:
        device = TestClient(self.nodes[node].connection())
        self.devices.append(device)
        await device.conn.open()
        await device.conn.wait_ready(WAIT)
        await device.conn.login(user, PASSWORD, device_name)
        return device

    async def stop(self) -> None:
        for device in self.devices:
            await device.conn.close()
        for node in list(self.paused):
            self.resume(node)
        await asyncio.gather(*(node.stop() for node in self.nodes))


def advisory_locks(database_url: str, key: int, *, granted: bool) -> int:
    """How many connections hold (or, not ``granted``, wait for) the advisory lock ``key``
    of this database now."""
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = %s "
            "AND classid = %s AND objid = %s "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (granted, key >> 32, key & 0xFFFF_FFFF),
        )
        row = cur.fetchone()
    conn.close()
    return int(row[0]) if row else 0
