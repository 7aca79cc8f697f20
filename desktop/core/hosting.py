"""Whether this profile hosts its server inside the app, remembered beside the profile."""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from shared.private import private_dir, private_file

HOSTING_FILE = "hosting.json"


@dataclass(frozen=True)
class Hosting:
    listen: str  # where the embedded server listens
    data_dir: str  # its key pair and database

    def save(self, profile_dir: Path) -> None:
        private_dir(profile_dir)
        tmp = private_file(profile_dir / (HOSTING_FILE + ".tmp"))
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        os.replace(tmp, profile_dir / HOSTING_FILE)

    @classmethod
    def load(cls, profile_dir: Path) -> "Hosting | None":
        path = profile_dir / HOSTING_FILE
        if not path.exists():
            return None
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def forget_hosting(profile_dir: Path) -> None:
    """This profile no longer hosts its server (its data stays where it is)."""
    (profile_dir / HOSTING_FILE).unlink(missing_ok=True)
