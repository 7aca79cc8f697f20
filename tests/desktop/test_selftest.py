"""``tidings --version`` and ``tidings --self-test`` run from source, as their own processes.

The packaged app runs the same self-test (tests/test_package.py); here it runs on every test
run, so its logic is checked without a build."""

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import keyring
from keyring.backends import SecretService

from tests.keyring_session import secret_service  # noqa: F401  (fixture)
from tests.self_test_output import assert_self_test_passed

SELF_TEST_LIMIT = 90  # secs; the self-test's own timeout is 60, a healthy run takes a few


def run_tidings(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=SELF_TEST_LIMIT,
    )


def isolated_env(home: Path) -> dict[str, str]:
    """This environment with a home of its own, so that any trace the app leaves shows."""
    env = dict(os.environ, HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env["XDG_DATA_HOME"] = str(home / ".local" / "share")
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    env["XDG_CACHE_HOME"] = str(home / ".cache")
    return env


def test_version_is_the_package_version() -> None:
    result = run_tidings("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"tidings {metadata.version('tidings')}"


def test_self_test_passes_and_leaves_no_profile_behind(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shot = tmp_path / "window.png"
    result = run_tidings("--self-test", "--screenshot", str(shot), env=isolated_env(home))
    steps = (
        "keyring backends found: SecretService",
        "thumbnail made: image/png 64x48",
        "embedded server started: tcp://127.0.0.1:",
        "message sent through the composer and stored by the server",
        "notes chat listed and selected",
        "message read back from the local cache: seq 2 in selftest.sqlite3",
    )
    assert_self_test_passed(result, metadata.version("tidings"), steps, shot, home)


def test_self_test_keeps_out_of_a_working_keyring(
    secret_service: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    # The fixture points this environment at a real, unlocked Secret Service; the self-test's
    # throwaway device must still not be stored there.
    result = run_tidings("--self-test", env=isolated_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    backend = keyring.get_keyring()
    assert isinstance(backend, SecretService.Keyring)
    collection = backend.get_preferred_collection()
    assert list(collection.search_items({"service": "tidings-self-test"})) == []
