"""Whether this profile hosts its server inside the app, remembered beside the profile."""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop.core.profile_files import write_json

HOSTING_FILE = "hosting.json"


@dataclass(frozen=True)
class Hosting:
    listen: str  # where the embedded server listens
    data_dir: str  # its key pair and database

    def save(self, profile_dir: Path) -> None:
        write_json(profile_dir / HOSTING_FILE, asdict(self))

    @classmethod
    def load(cls, profile_dir: Path) -> "Hosting | None":
        path = profile_dir / HOSTING_FILE
        if not path.exists():
            return None
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def forget_hosting(profile_dir: Path) -> None:
    """This profile no longer hosts its server (its data stays where it is)."""
    (profile_dir / HOSTING_FILE).unlink(missing_ok=True)
