"""PyInstaller hook for plyer: its facades import the platform module by name at run time
(``plyer.platforms.<platform>.notification``), which PyInstaller cannot see, and without it
the frozen app's notifications fail with "No usable implementation found"."""

from PyInstaller.compat import is_darwin, is_win

PLATFORM = "win" if is_win else "macosx" if is_darwin else "linux"

# Only the notification facade: the app uses no other part of plyer.
hiddenimports = [f"plyer.platforms.{PLATFORM}.notification"]
