"""What this device does when a message notifies: whether it shows notifications at all,
with the message's text or not, and with a sound. Choices of the device, not the account
(a phone may chime where a laptop stays silent), kept in the profile directory beside
``profile.json``; a file that is missing or unreadable means every default."""

from dataclasses import asdict, dataclass, fields
from pathlib import Path

from desktop.core.profile_files import read_json_object, write_json

PREFS_FILE = "notifications.json"


@dataclass(frozen=True)
class NotifyPrefs:
    enabled: bool = True  # show notifications on this device
    preview: bool = True  # with the message's text (else only who wrote, and where)
    sound: bool = True  # with a sound

    def save(self, directory: Path) -> None:
        """Write atomically into the profile directory."""
        write_json(directory / PREFS_FILE, asdict(self))

    @classmethod
    def load(cls, directory: Path) -> "NotifyPrefs":
        """The profile's choices; keys this version does not know are ignored, and ones it
        lacks take their defaults (a file from another version)."""
        data = read_json_object(directory / PREFS_FILE, "notification choices")
        known = {f.name for f in fields(cls)}
        return cls(**{k: bool(v) for k, v in data.items() if k in known})
