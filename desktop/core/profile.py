"""A device profile: which server and account this device uses, and the pinned server key.

A server may run as several nodes sharing one key: the profile keeps the endpoints of all
those it knows, the one it signed in with first.

The profile directory holds ``profile.json`` (nothing secret in it), ``endpoints.json`` (the
server's endpoints, in a file of their own: an older app reading ``profile.json`` meets no
key it does not know) and the account's cache. The device credential and key pair live in
the OS keyring, never in these files.
"""

import dataclasses
import json
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import platformdirs

from desktop.cache.local_files import files_folder
from desktop.core.profile_files import read_json_object, write_json
from shared.endpoints import merge_endpoints

PROFILE_FILE = "profile.json"
ENDPOINTS_FILE = "endpoints.json"


def default_profile_dir() -> Path:
    return platformdirs.user_data_path("tidings", appauthor=False) / "default"


class NotSignedIn(RuntimeError):
    """The profile has no account yet."""


@dataclass(frozen=True)
class Profile:
    dir: Path
    # The server's ZeroMQ endpoints: the one signed in with, then its other nodes.
    endpoints: tuple[str, ...]
    key_endpoint: str  # where the first endpoint's key service answers
    server_key: str  # pinned CURVE public key, Z85
    user: str
    device_id: int
    device_name: str

    def __post_init__(self) -> None:
        if not self.endpoints:
            raise ValueError("a profile needs the endpoint of its server")

    @property
    def server(self) -> str:
        """The endpoint signed in with, which names the server to people and in the keyring."""
        return self.endpoints[0]

    @property
    def cache_path(self) -> Path:
        """One cache file per account in a profile."""
        return self.dir / f"{self.user}.sqlite3"

    @property
    def keyring_account(self) -> str:
        # The first endpoint only, as before there were several: credentials stay found.
        return f"{self.user}@{self.server}#{self.device_id}"

    def with_nodes(self, nodes: Sequence[object]) -> "Profile":
        """This profile knowing ``nodes`` too (new, well-formed ones, up to a bound)."""
        return dataclasses.replace(self, endpoints=merge_endpoints(self.endpoints, nodes))

    def save(self) -> None:
        """Write atomically, so a crash leaves the old or the new profile, never half."""
        data: dict[str, Any] = {"server": self.server}
        data.update((k, v) for k, v in asdict(self).items() if k not in ("dir", "endpoints"))
        write_json(self.dir / ENDPOINTS_FILE, {"endpoints": list(self.endpoints)})
        write_json(self.dir / PROFILE_FILE, data)

    @classmethod
    def load(cls, directory: Path) -> "Profile":
        path = directory / PROFILE_FILE
        if not path.exists():
            raise NotSignedIn(f"no account in profile {directory}; register or log in first")
        data = json.loads(path.read_text(encoding="utf-8"))
        server = data.pop("server")
        # Profiles saved before servers had several nodes have no endpoints file; a bad one
        # costs the other nodes, never the server signed in at.
        saved = read_json_object(directory / ENDPOINTS_FILE, "server endpoints")
        others = saved.get("endpoints")
        endpoints = merge_endpoints((server,), others if isinstance(others, list) else [])
        return cls(dir=directory, endpoints=endpoints, **data)

    def remove(self) -> None:
        """Forget the account on this device: profile files, cache and the files it held."""
        for path in (
            self.dir / PROFILE_FILE,
            self.dir / ENDPOINTS_FILE,
            self.cache_path,
            self.cache_path.with_name(self.cache_path.name + "-wal"),
            self.cache_path.with_name(self.cache_path.name + "-shm"),
        ):
            path.unlink(missing_ok=True)
        shutil.rmtree(files_folder(self.cache_path), ignore_errors=True)
