"""Server settings, with defaults that need no configuration."""

from dataclasses import dataclass
from pathlib import Path

import platformdirs

from shared import limits

DEFAULT_PORT = 7744
DEFAULT_LISTEN = f"tcp://127.0.0.1:{DEFAULT_PORT}"
# Heartbeats a device may miss in a row before it counts as gone, plus one: a late beat or a
# lost one must not make a person flap offline and back.
BEATS_PER_TIMEOUT = 3


def default_data_dir() -> Path:
    return platformdirs.user_data_path("tidings-server", appauthor=False)


@dataclass
class ServerConfig:
    data_dir: Path
    listen: str = DEFAULT_LISTEN
    key_listen: str | None = None  # None: port after ``listen``'s
    # The chat endpoints of every node of this service (this one included), told to devices
    # in their welcome so that they can move to another node when theirs stops answering.
    nodes: tuple[str, ...] = ()
    database_url: str | None = None  # None: SQLite in ``data_dir``
    insecure_plaintext: bool = False
    open_registration: bool = True
    max_group_members: int = limits.MAX_GROUP_MEMBERS
    heartbeat_interval: float = limits.HEARTBEAT_INTERVAL  # secs, told to clients
    presence_timeout: float = limits.PRESENCE_TIMEOUT  # secs without a heartbeat: offline
    # Per device and per account: request cost units per second (syncserver/costs.py), and
    # the burst above that rate; the default leaves a client room to catch up after
    # reconnecting, while one account's devices together get a tenth of the server's time.
    device_rate: float = 500.0
    device_burst: float = 2_000.0
    account_rate: float = 1_000.0
    account_burst: float = 4_000.0
    max_devices: int = 10  # active devices per account
    # Per connection: bytes of replies and pushes held for a device that does not read them
    # (and, apart, of its requests waiting for their answers), and how many requests wait.
    max_queued_bytes: int = 4 << 20
    max_in_flight: int = 256
    # Failed logins: a burst of attempts, then one more per interval, per account and per
    # address, so guessing a password takes years while a typo costs nothing.
    login_burst: float = 5.0
    login_interval: float = 30.0  # secs per further attempt for one account
    address_burst: float = 20.0
    address_interval: float = 5.0  # secs per further failed login or new account, per address
    # Attachments (docs/self-hosting.md, "Files"): where their bytes live, how large one may
    # be, how much a user and all users together may keep (0: no limit but the disk's), how
    # long an upload may lie idle, and how fast a device may begin new uploads.
    files_dir: Path | None = None  # None: "files" in ``data_dir``
    max_file_bytes: int = limits.DEFAULT_MAX_FILE_BYTES
    user_quota_bytes: int = 10 * 1000**3
    max_storage_bytes: int = 0
    upload_expiry: float = 24 * 3600.0  # secs
    upload_rate: float = 2.0  # new uploads a second, per device
    upload_burst: float = 100.0

    @property
    def files_path(self) -> Path:
        """The directory attachments are stored in."""
        return self.files_dir if self.files_dir is not None else self.data_dir / "files"


class InconsistentSettings(ValueError):
    """Settings that each make sense but not together."""


def check_consistency(config: ServerConfig) -> None:
    """Raise ``InconsistentSettings`` naming the settings that contradict each other."""
    if config.presence_timeout < BEATS_PER_TIMEOUT * config.heartbeat_interval:
        raise InconsistentSettings(
            f"presence_timeout ({config.presence_timeout:g} s) must be at least "
            f"{BEATS_PER_TIMEOUT} times heartbeat_interval ({config.heartbeat_interval:g} s): "
            "otherwise a device that beats on time is taken for gone between two heartbeats"
        )
