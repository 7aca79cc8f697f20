"""Window tests: real Qt widgets (offscreen) on a qasync loop, as in the app.

The server runs embedded on its own thread (as the app hosts it) and the other people are
protocol clients on a network thread, so the test's qasync loop only drives the window."""

import asyncio
import gc
import os
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import qasync
from PySide6.QtCore import QEvent, QLocale
from PySide6.QtWidgets import QApplication

from desktop.app import DesktopApp, Running
from desktop.core.account import sign_in
from desktop.core.loop_thread import LoopThread
from desktop.core.profile import Profile
from desktop.embedded import EmbeddedServer, HostedServer
from desktop.platform.credentials import CredentialStore
from desktop.ui.languages import install_translations
from shared.client import Connection
from tests.support import PASSWORD, WAIT


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)
    del loop
    gc.collect()  # Qt objects must be freed on this thread, not by a collection elsewhere


@pytest.fixture
def net() -> Iterator[LoopThread]:
    """A thread for protocol clients and sign-in, independent of the window's loop."""
    thread = LoopThread("test-network")
    thread.start()
    yield thread
    thread.stop()


class Host:
    """The embedded server, restartable at the same address."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.server = EmbeddedServer(data_dir, "tcp://127.0.0.1:0", "tcp://127.0.0.1:0")
        self.hosted: HostedServer = self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def restart(self) -> None:
        self.server = EmbeddedServer(self.data_dir, self.hosted.endpoint, self.hosted.key_endpoint)
        self.server.start()


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    h = Host(tmp_path / "server")
    yield h
    h.server.stop()


async def connected(host: Host) -> Connection:
    """A protocol client connected to the host, not signed in yet."""
    conn = Connection(
        host.hosted.endpoint,
        server_key=host.hosted.public_key,
        key_endpoint=host.hosted.key_endpoint,
    )
    await conn.open()
    await conn.wait_ready(WAIT)
    return conn


@pytest.fixture
def people(host: Host, net: LoopThread) -> Iterator[Callable]:
    """Register someone as a protocol client on the network thread."""
    made: list[Connection] = []

    async def register(name: str) -> Connection:
        conn = await connected(host)
        await conn.register(name, PASSWORD, "phone")
        made.append(conn)
        return conn

    def make(name: str) -> Connection:
        return net.submit(register(name)).result(WAIT)

    yield make
    for conn in made:
        net.submit(conn.close()).result(WAIT)


@pytest.fixture
def profiles(tmp_path: Path, host: Host, net: LoopThread, credentials: CredentialStore) -> Callable:
    def make(user: str, device: str, create: bool = False, password: str = PASSWORD) -> Profile:
        return net.submit(
            sign_in(
                tmp_path / f"{user}-{device}",
                host.hosted.endpoint,
                user,
                password,
                device,
                create_account=create,
                credentials=credentials,
                trust=lambda *_: True,
                key_endpoint=host.hosted.key_endpoint,
            )
        ).result(WAIT)

    return make


@pytest.fixture
def windows(qapp: QApplication, qloop, credentials: CredentialStore) -> Iterator[Callable]:
    """Open the real app window for a profile, caught up; all are shut down afterwards."""
    opened: list[tuple[DesktopApp, Running]] = []

    async def open_window(profile: Profile) -> Running:
        desktop = DesktopApp(qapp, profile.dir, credentials)
        running = await desktop.show(profile, None)
        opened.append((desktop, running))
        running.window.activateWindow()
        await running.bridge.wait(running.bridge.engine.wait_caught_up(WAIT))
        return running

    yield open_window
    # Stop every engine thread before any widget goes, then delete the widgets through Qt
    # (not through Python's garbage collector in the middle of a later test's events).
    for desktop, running in opened:
        DesktopApp.shut_down(running)
        qapp.removeEventFilter(desktop.idle)
        running.window.hide()
        running.window.deleteLater()
        desktop.idle.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    opened.clear()
    gc.collect()


@pytest.fixture(scope="session", autouse=True)
def english(qapp: QApplication) -> Iterator[None]:
    """The window in English, as on a system whose locale has no translation: its plurals
    ("1 member", "2 members") come from a translation file too."""
    installed = install_translations(qapp, QLocale(QLocale.Language.English))
    yield
    for translator in installed:
        qapp.removeTranslator(translator)
