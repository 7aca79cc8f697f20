"""Starting Tidings when the user logs in, where the platform has a way this app supports.

On Linux (and other free desktops) that is an XDG autostart entry: a ``.desktop`` file in
``$XDG_CONFIG_HOME/autostart`` (``~/.config/autostart``) that the session starts at login.
Other platforms are not supported yet: ``supported`` says so, and the window says it.
"""

import hashlib
import os
import sys
from pathlib import Path

from desktop.core.profile import default_profile_dir

ENTRY_NAME = "tidings.desktop"
# Characters that make an Exec argument need quotes (Desktop Entry Specification, "The Exec
# key").
RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


def supported(platform: str = sys.platform) -> bool:
    """Whether this platform starts apps at login through XDG autostart entries."""
    return platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))


def autostart_dir() -> Path:
    """Where the session looks for autostart entries (XDG Base Directory rules)."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "autostart"


def entry_path(profile_dir: Path) -> Path:
    """The entry of this profile: the default profile's has the plain name, another
    profile's a name of its own, so that each profile's entry is kept apart."""
    if profile_dir == default_profile_dir():
        return autostart_dir() / ENTRY_NAME
    # A digest, not hash(): that changes from one run of Python to the next.
    suffix = hashlib.sha256(str(profile_dir.resolve()).encode()).hexdigest()[:8]
    return autostart_dir() / f"tidings-{profile_dir.name}-{suffix}.desktop"


def start_command(profile_dir: Path) -> list[str]:
    """How this installation starts the app for ``profile_dir``: the packaged executable,
    or this Python running the ``desktop`` package."""
    frozen = getattr(sys, "frozen", False)
    command = [sys.executable] if frozen else [sys.executable, "-m", "desktop"]
    if profile_dir != default_profile_dir():
        command += ["--profile", str(profile_dir)]
    return command


def entry_text(profile_dir: Path) -> str:
    """The autostart entry's contents (Desktop Entry Specification 1.1)."""
    exec_line = " ".join(_quoted(arg) for arg in start_command(profile_dir))
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.1\n"
        "Name=Tidings\n"
        "Comment=Self-hosted chat, started at login\n"
        f"Exec={exec_line}\n"
        "Icon=tidings\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def _quoted(arg: str) -> str:
    """An Exec argument: quoted when it holds characters the spec reserves, with ``%``
    doubled (a field code otherwise)."""
    arg = arg.replace("%", "%%")
    if not arg or any(c in arg for c in RESERVED):
        escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
        escaped = escaped.replace("$", "\\$")
        # The string escape of .desktop values applies before the quoting rule.
        return f'"{escaped}"'.replace("\\", "\\\\")
    return arg


def is_enabled(profile_dir: Path) -> bool:
    return entry_path(profile_dir).exists()


def set_enabled(profile_dir: Path, on: bool) -> None:
    """Write the entry, or remove it. Raises ``OSError`` when the directory cannot be
    written (the window says so)."""
    path = entry_path(profile_dir)
    if on:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(entry_text(profile_dir), encoding="utf-8")
        os.replace(tmp, path)
    else:
        path.unlink(missing_ok=True)
