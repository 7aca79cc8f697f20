"""What this device does when a message notifies: whether it shows notifications at all,
with the message's text or not, and with a sound. Choices of the device, not the account
(a phone may chime where a laptop stays silent), kept in the profile directory beside
``profile.json``; a file that is missing or unreadable means every default."""

import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from shared.private import private_dir, private_file

log = logging.getLogger(__name__)

PREFS_FILE = "notifications.json"


@dataclass(frozen=True)
class NotifyPrefs:
    enabled: bool = True  # show notifications on this device
    preview: bool = True  # with the message's text (else only who wrote, and where)
    sound: bool = True  # with a sound

    def save(self, directory: Path) -> None:
        """Write atomically into the profile directory."""
        private_dir(directory)
        tmp = private_file(directory / (PREFS_FILE + ".tmp"))
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        os.replace(tmp, directory / PREFS_FILE)

    @classmethod
    def load(cls, directory: Path) -> "NotifyPrefs":
        """The profile's choices; keys this version does not know are ignored, and ones it
        lacks take their defaults (a file from another version)."""
        path = directory / PREFS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as e:
            log.warning("notification choices in %s not read (%s); using the defaults", path, e)
            return cls()
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict):
            return cls()
        return cls(**{k: bool(v) for k, v in data.items() if k in known})
