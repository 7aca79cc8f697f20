"""Quit in the tray menu ends the app, and the server it hosts, every time: offscreen with a
tray the app is told is there, and on a real X11 display with a real tray host, quit by a
user's pointer and keys."""

import contextlib
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop.core.account import sign_in
from desktop.core.hosting import Hosting
from desktop.core.loop_thread import LoopThread
from desktop.core.ports import free_port_pair, is_free
from desktop.embedded import EmbeddedServer
from desktop.platform.credentials import CredentialStore
from tests.support import PASSWORD, WAIT
from tests.tray_desktop import TrayDesktop, tray_desktop, wait_for  # noqa: F401  (fixture)

TRIES = 5
QUIT_TIMEOUT = 60.0  # secs for the app to start, show its window and quit
QUIT_AFTER = 30.0  # secs for the app to end once Quit is chosen (its server stores first)


@pytest.fixture
def hosting_profile(tmp_path: Path, net: LoopThread, secret_service: str) -> Path:
    """A profile signed in to a server it hosts, as the app leaves one after "Host a
    server", with its credential where the app looks (the test session's own keyring)."""
    # The app is started on this port again and again, and another program may take it in
    # between: a random start, below Linux's ephemeral ports (32768 on), keeps another test
    # session on this machine off it, and outgoing connections too.
    port = free_port_pair(random.randrange(20000, 30000, 2), "127.0.0.1")
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


def hosted_port(profile_dir: Path) -> int:
    hosting = Hosting.load(profile_dir)
    assert hosting is not None
    return int(hosting.listen.rsplit(":", 1)[1])


def test_quit_from_the_tray_ends_the_app_and_its_server_every_time(hosting_profile: Path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    port = hosted_port(hosting_profile)
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


@contextlib.contextmanager
def app_on(desktop: TrayDesktop, profile_dir: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The real app (``tidings --profile``) on the desktop's display; killed if still running
    after the block."""
    with log.open("wb") as err:
        app = subprocess.Popen(
            [sys.executable, "-m", "desktop", "--profile", str(profile_dir)],
            env=desktop.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        yield app
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


def quit_from_the_tray(desktop: TrayDesktop, app: subprocess.Popen[bytes]) -> None:
    """Once the window is up and the icon in the tray, right-click the icon, and once its
    menu is open, choose its last entry, Quit, by keyboard (Up, then Enter)."""

    def while_alive(windows: Callable[[], set[int]]) -> Callable[[], set[int]]:
        def look() -> set[int]:
            if app.poll() is not None:
                raise AssertionError(f"the app exited ({app.returncode}) before Quit")
            return windows()

        return look

    wait_for(while_alive(lambda: desktop.top_level_windows(app.pid)), "the window did not show")
    (icon,) = wait_for(while_alive(lambda: desktop.tray_icons(app.pid)), "no icon in the tray")
    before = desktop.top_level_windows(app.pid)
    desktop.right_click(icon)
    opened = while_alive(lambda: desktop.top_level_windows(app.pid) - before)
    wait_for(opened, "the icon's menu did not open")
    desktop.keys("Up", "Return")


def test_quit_from_a_real_tray_ends_the_app_and_its_server_every_time(
    hosting_profile: Path,
    tray_desktop: TrayDesktop,  # noqa: F811
    tmp_path: Path,
):
    port = hosted_port(hosting_profile)
    for attempt in range(1, TRIES + 1):
        log = tmp_path / f"app-{attempt}.log"
        with app_on(tray_desktop, hosting_profile, log) as app:
            try:
                quit_from_the_tray(tray_desktop, app)
                returncode = app.wait(QUIT_AFTER)
            except subprocess.TimeoutExpired:
                pytest.fail(f"try {attempt}: still running {QUIT_AFTER:g}s after Quit: {tail(log)}")
            except (AssertionError, TimeoutError) as e:
                pytest.fail(f"try {attempt}: {e}; the app's log ends: {tail(log)}")
        assert returncode == 0, f"try {attempt}: {tail(log)}"
        assert is_free(port, "127.0.0.1"), f"try {attempt}: the hosted server ended with the app"


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]
