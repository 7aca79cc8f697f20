"""The packaged desktop app, as `make package` builds it, run with no Python around it.

`make package-smoke` builds dist/tidings/ and runs these with TIDINGS_TEST_PACKAGE naming it
(`.ci/run` does so after the test suite); without it they are skipped, since a build takes
PyInstaller and about half a minute. tests/desktop/test_selftest.py runs the same self-test
from source on every run.
"""

import configparser
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.self_test_output import assert_self_test_passed

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = os.environ.get("TIDINGS_TEST_PACKAGE")
RUN_LIMIT = 120  # secs; the self-test's own watchdog ends it after 75

pytestmark = pytest.mark.skipif(
    not PACKAGE, reason="`make package-smoke` builds the app and sets TIDINGS_TEST_PACKAGE"
)


@pytest.fixture
def folder() -> Path:
    assert PACKAGE is not None
    path = Path(PACKAGE)
    return path if path.is_absolute() else ROOT / path


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        version: str = tomllib.load(f)["project"]["version"]
    return version


def run_frozen(folder: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the built executable as a user's desktop would start it: no virtualenv, no
    PYTHONPATH, a bare PATH, a home of its own, and started from that home."""
    home.mkdir(exist_ok=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        # A binding the build lacks, as matplotlib users often set it: packaging/hooks'
        # runtime hook must keep qasync on the bundled PySide6.
        "QT_API": "pyqt5",
    }
    executable = folder / ("tidings.exe" if sys.platform == "win32" else "tidings")
    return subprocess.run(
        [str(executable), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=home,
        timeout=RUN_LIMIT,
    )


def test_frozen_app_prints_the_project_version(folder: Path, tmp_path: Path) -> None:
    result = run_frozen(folder, tmp_path / "home", "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"tidings {project_version()}"


def test_frozen_app_passes_its_self_test(folder: Path, tmp_path: Path) -> None:
    home, shot = tmp_path / "home", tmp_path / "window.png"
    result = run_frozen(folder, home, "--self-test", "--screenshot", str(shot))
    steps = (
        "keyring backends found: SecretService",  # keyring's entry points survived freezing
        "notification backend found",  # the D-Bus notifier (Linux) and plyer's module are in it
        "thumbnail made: image/png 64x48",  # Pillow's plugins and JPEG encoder are in it
        "icon and translations loaded",
        "embedded server started: tcp://127.0.0.1:",
        "account registered over CurveZMQ",  # the bundled libzmq and libsodium
        "message sent through the composer and stored by the server",
        "message read back from the local cache",
    )
    assert_self_test_passed(result, project_version(), steps, shot, home)


class _CaseSensitiveParser(configparser.ConfigParser):
    """A desktop entry's keys are case-sensitive; ConfigParser lowercases them by default."""

    def optionxform(self, optionstr: str) -> str:
        return optionstr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the desktop entry is Linux's")
def test_linux_build_carries_its_desktop_entry_and_icons(folder: Path) -> None:
    entry = _CaseSensitiveParser(interpolation=None)
    entry.read(folder / "tidings.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"] == "tidings" and desktop["Icon"] == "tidings"
    validator = shutil.which("desktop-file-validate")  # Debian's desktop-file-utils, if there
    if validator:
        checked = subprocess.run([validator, str(folder / "tidings.desktop")], capture_output=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (folder / "tidings.svg").read_text(encoding="utf-8").lstrip().startswith("<svg")
    assert (folder / "tidings.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
