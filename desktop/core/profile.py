"""A device profile: which server and account this device uses, and the pinned server key.

The profile directory holds ``profile.json`` (nothing secret in it) and the account's cache.
The device credential and key pair live in the OS keyring, never in these files.
"""

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

from desktop.cache.local_files import files_folder
from desktop.core.profile_files import write_json

PROFILE_FILE = "profile.json"


def default_profile_dir() -> Path:
    return platformdirs.user_data_path("tidings", appauthor=False) / "default"


class NotSignedIn(RuntimeError):
    """The profile has no account yet."""


@dataclass(frozen=True)
class Profile:
    dir: Path
    server: str  # the server's ZeroMQ endpoint
    key_endpoint: str  # where its key service answers
    server_key: str  # pinned CURVE public key, Z85
    user: str
    device_id: int
    device_name: str

    @property
    def cache_path(self) -> Path:
        """One cache file per account in a profile."""
        return self.dir / f"{self.user}.sqlite3"

    @property
    def keyring_account(self) -> str:
        return f"{self.user}@{self.server}#{self.device_id}"

    def save(self) -> None:
        """Write atomically, so a crash leaves the old or the new profile, never half."""
        write_json(self.dir / PROFILE_FILE, {k: v for k, v in asdict(self).items() if k != "dir"})

    @classmethod
    def load(cls, directory: Path) -> "Profile":
        path = directory / PROFILE_FILE
        if not path.exists():
            raise NotSignedIn(f"no account in profile {directory}; register or log in first")
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(dir=directory, **data)

    def remove(self) -> None:
        """Forget the account on this device: profile file, cache and the files it held."""
        for path in (
            self.dir / PROFILE_FILE,
            self.cache_path,
            self.cache_path.with_name(self.cache_path.name + "-wal"),
            self.cache_path.with_name(self.cache_path.name + "-shm"),
        ):
            path.unlink(missing_ok=True)
        shutil.rmtree(files_folder(self.cache_path), ignore_errors=True)
