"""Quit in the tray menu ends the app, and the server it hosts, every time."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core.account import sign_in
from desktop.core.hosting import Hosting
from desktop.core.loop_thread import LoopThread
from desktop.core.ports import free_port_pair, is_free
from desktop.embedded import EmbeddedServer
from desktop.platform.credentials import CredentialStore
from tests.support import PASSWORD, WAIT

TRIES = 5
QUIT_TIMEOUT = 60.0  # secs for the app to start, show its window and quit


@pytest.fixture
def hosting_profile(tmp_path: Path, net: LoopThread, secret_service: str) -> Path:
    """A profile signed in to a server it hosts, as the app leaves one after "Host a
    server", with its credential where the app looks (the test session's own keyring)."""
    port = free_port_pair(47744, "127.0.0.1")
    listen = f"tcp://127.0.0.1:{port}"
    server = EmbeddedServer(tmp_path / "server", listen)
    hosted = server.start()
    profile_dir = tmp_path / "profile"
    try:
        net.submit(
            sign_in(
                profile_dir,
                hosted.endpoint,
                "alice",
                PASSWORD,
                "laptop",
                create_account=True,
                credentials=CredentialStore(),
                trust=lambda *_: True,
                key_endpoint=hosted.key_endpoint,
            )
        ).result(WAIT)
    finally:
        server.stop()
    Hosting(listen=listen, data_dir=str(tmp_path / "server")).save(profile_dir)
    return profile_dir


def test_quit_from_the_tray_ends_the_app_and_its_server_every_time(hosting_profile: Path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    listen = Hosting.load(hosting_profile)
    assert listen is not None
    port = int(listen.listen.rsplit(":", 1)[1])
    for attempt in range(TRIES):
        done = subprocess.run(
            [sys.executable, "-m", "tests.desktop.ui.tray_quit_app", str(hosting_profile)],
            env=env,
            capture_output=True,
            text=True,
            timeout=QUIT_TIMEOUT,
        )
        assert "window shown" in done.stdout, done.stderr
        assert done.returncode == 0, f"try {attempt + 1}: {done.stderr}"
        assert is_free(port, "127.0.0.1"), "the hosted server ended with the app"
