"""A device's preferences file: saved and read back, and never in the way of starting."""

from pathlib import Path

from desktop.core.preferences import PREFERENCES_FILE, Preferences
from desktop.platform import autostart


def test_preferences_are_read_back_as_saved(tmp_path: Path) -> None:
    assert Preferences.load(tmp_path) == Preferences()  # none saved yet: the defaults
    chosen = Preferences(language="ko", start_minimised=True, start_at_login=True)
    chosen.save(tmp_path / "profile")
    assert Preferences.load(tmp_path / "profile") == chosen
    assert (tmp_path / "profile" / PREFERENCES_FILE).stat().st_mode & 0o077 == 0


def test_unreadable_or_unknown_values_fall_back_to_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / PREFERENCES_FILE
    path.write_text("{not json", encoding="utf-8")
    assert Preferences.load(tmp_path) == Preferences()
    path.write_text(
        '{"language": "tlh", "start_minimised": "yes", "start_at_login": true, "later": 1}',
        encoding="utf-8",
    )
    assert Preferences.load(tmp_path) == Preferences(start_at_login=True)


def test_the_autostart_entry_quotes_what_the_spec_reserves(tmp_path: Path) -> None:
    profile = tmp_path / "my profile"
    text = autostart.entry_text(profile)
    [exec_line] = [line for line in text.splitlines() if line.startswith("Exec=")]
    assert f'"{profile}"' in exec_line and exec_line.endswith(f'--profile "{profile}"')
    assert autostart.entry_path(profile) != autostart.entry_path(tmp_path / "other")
