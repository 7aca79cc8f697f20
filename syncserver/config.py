"""Server settings, with defaults that need no configuration."""

from dataclasses import dataclass
from pathlib import Path

import platformdirs

from shared import limits

DEFAULT_PORT = 7744
DEFAULT_LISTEN = f"tcp://127.0.0.1:{DEFAULT_PORT}"


def default_data_dir() -> Path:
    return platformdirs.user_data_path("tidings-server", appauthor=False)


@dataclass
class ServerConfig:
    data_dir: Path
    listen: str = DEFAULT_LISTEN
    key_listen: str | None = None  # None: port after ``listen``'s
    database_url: str | None = None  # None: SQLite in ``data_dir``
    insecure_plaintext: bool = False
    open_registration: bool = True
    max_group_members: int = limits.MAX_GROUP_MEMBERS
    heartbeat_interval: float = limits.HEARTBEAT_INTERVAL  # secs, told to clients
    presence_timeout: float = limits.PRESENCE_TIMEOUT  # secs without a heartbeat: offline
