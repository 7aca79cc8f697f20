"""The servers a scenario runs against: one process on SQLite, as by default, or several
nodes on one PostgreSQL database, each with a data directory of its own and the key pair the
first one made. Devices are spread over the nodes: device i connects to node i % N."""

import shutil
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from syncserver.bench.device import PlacedDevice, Target
from syncserver.bench.harness import ServerHandle, new_data_dir, start_server
from syncserver.bench.scratch import scratch_database
from syncserver.bench.seed import seed_devices
from syncserver.server_keys import KEY_FILE


@dataclass(frozen=True)
class Servers:
    """How many server processes a scenario runs, and on which database."""

    nodes: int = 1
    database_url: str | None = None  # PostgreSQL; each run gets a scratch database beside it

    def __post_init__(self) -> None:
        if self.nodes < 1:
            raise ValueError(f"a benchmark needs at least one node, not {self.nodes}")
        if self.nodes > 1 and self.database_url is None:
            raise ValueError("several nodes need a PostgreSQL database (--database-url) to share")


class Cluster:
    """Running nodes on freshly seeded accounts; ``stop`` ends them and drops what they
    used (data directories, scratch database)."""

    def __init__(
        self, servers: Servers, users: list[str], devices_per_user: int, *options: str
    ) -> None:
        """Start ``servers`` with every option in ``options``, on a database seeded with
        ``users`` and their devices."""
        self._cleanup = ExitStack()
        self.nodes: list[ServerHandle] = []
        try:
            url = None
            if servers.database_url is not None:
                url = self._cleanup.enter_context(scratch_database(servers.database_url))
            data_dirs = [new_data_dir() for _ in range(servers.nodes)]
            for data_dir in data_dirs:
                self._cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
            self._cleanup.callback(self._stop_nodes)  # first: nothing runs on what goes next
            made = seed_devices(data_dirs[0], users, devices_per_user, database_url=url)
            self._start(data_dirs, url, options)
        except BaseException:
            self._cleanup.close()
            raise
        count = len(self.nodes)
        self.devices = [PlacedDevice(self.targets[i % count], c) for i, c in enumerate(made)]

    def _start(self, data_dirs: list[Path], url: str | None, options: tuple[str, ...]) -> None:
        first, *others = data_dirs
        self.nodes.append(start_server(first, *options, database_url=url))
        for data_dir in others:
            # Nodes of one service share its key pair: devices trust one server key.
            shutil.copy2(first / KEY_FILE, data_dir / KEY_FILE)
            self.nodes.append(start_server(data_dir, *options, database_url=url))

    @property
    def targets(self) -> list[Target]:
        """Where each node listens, and the key pair's public half they share."""
        return [Target(node.endpoint, node.public_key) for node in self.nodes]

    def cpu_seconds(self, main_thread: bool = False) -> float:
        """CPU time of every node together (see ``ServerHandle.cpu_seconds``); PostgreSQL's
        own is not counted."""
        return sum(node.cpu_seconds(main_thread) for node in self.nodes)

    def rss_bytes(self) -> int:
        """Resident memory of every node together."""
        return sum(node.rss_bytes() for node in self.nodes)

    def stop(self) -> None:
        self._cleanup.close()

    def _stop_nodes(self) -> None:
        for node in self.nodes:
            node.stop()
