"""This device's own choices for the app: language, starting minimised, starting at login.

They belong to the device, not the account, so they live in the profile directory, in
``preferences.json`` beside ``profile.json`` (a file of their own: an older app reading
``profile.json`` would refuse keys it does not know). A missing or unreadable file, or a
value this version does not know, means the defaults: a bad file never keeps the app from
starting.
"""

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal, get_args

from desktop.core.profile_files import read_json_object, write_json

PREFERENCES_FILE = "preferences.json"

Language = Literal["system", "en", "ko"]  # "system": the language the system asks for
LANGUAGES: tuple[str, ...] = get_args(Language)


@dataclass(frozen=True)
class Preferences:
    language: Language = "system"
    start_minimised: bool = False  # start in the tray, the window hidden
    start_at_login: bool = False  # as last chosen; the autostart entry is what acts on it

    @classmethod
    def load(cls, profile_dir: Path) -> "Preferences":
        """The saved choices, or the defaults for any that are missing or unreadable."""
        return cls._from(read_json_object(profile_dir / PREFERENCES_FILE, "preferences"))

    @classmethod
    def _from(cls, data: dict[str, Any]) -> "Preferences":
        """The values of ``data`` this version knows, the defaults for the rest."""
        known: dict[str, Any] = {}
        for f in fields(cls):
            value = data.get(f.name)
            default = f.default
            fits = value in LANGUAGES if f.name == "language" else type(value) is type(default)
            if fits:
                known[f.name] = value
        return cls(**known)

    def save(self, profile_dir: Path) -> None:
        """Write atomically (the old or the new file after a crash, never half)."""
        write_json(profile_dir / PREFERENCES_FILE, asdict(self))
