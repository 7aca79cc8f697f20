"""The desktop app's composition root: Qt, qasync, the engine's thread, the embedded server,
notifications and the tray, put together. The only module that sees all of them."""

from __future__ import annotations

import asyncio
import ctypes.util
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import qasync
from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from desktop.core.account import open_engine, sign_in
from desktop.core.hosting import Hosting
from desktop.core.loop_thread import LoopThread
from desktop.core.notify_policy import NotificationPolicy
from desktop.core.profile import NotSignedIn, Profile
from desktop.platform.credentials import CredentialStore
from desktop.platform.notifications import Notifier
from desktop.ui.bridge import EngineBridge
from desktop.ui.collector import MainThreadCollector
from desktop.ui.dialogs import finished
from desktop.ui.first_run import FirstRunChoice, FirstRunDialog
from desktop.ui.i18n import tr
from desktop.ui.idle import IdleMonitor
from desktop.ui.main_window import MainWindow
from desktop.ui.server_menu import add_server_menu
from desktop.ui.tray import Tray
from shared.client import fetch_server_key
from shared.endpoints import key_endpoint_for
from shared.keys import fingerprint

if TYPE_CHECKING:
    # Imported where a server is hosted: the server's modules take a third of a start-up
    # that does not need them.
    from desktop.embedded import EmbeddedServer

log = logging.getLogger(__name__)

# Libraries Qt's X11 platform plugin loads that desktop installs may lack, with the Debian
# package suffix (libxcb-cursor0 and so on).
XCB_LIBRARIES = {"xcb-cursor": "0", "xcb-icccm": "4", "xcb-keysyms": "1"}
RESOURCES = Path(__file__).resolve().parent.parent / "resources"
DEFAULT_PORT = 7744


def install_translator(app: QApplication) -> QTranslator | None:
    """Korean (or any shipped language) when the system locale asks for it."""
    translator = QTranslator(app)
    if translator.load(QLocale(), "tidings", "_", str(RESOURCES / "i18n")):
        app.installTranslator(translator)
        return translator
    return None


@dataclass
class Running:
    """What a started app holds, to be shut down in reverse."""

    bridge: EngineBridge
    window: MainWindow
    server: EmbeddedServer | None
    notifier: Notifier
    tray: Tray | None


class DesktopApp:
    def __init__(
        self, app: QApplication, profile_dir: Path, credentials: CredentialStore | None = None
    ) -> None:
        self.app = app
        self.profile_dir = profile_dir
        self.credentials = credentials or CredentialStore()
        self.icon = QIcon(str(RESOURCES / "tidings.svg"))
        self.idle = IdleMonitor()
        app.installEventFilter(self.idle)
        app.setWindowIcon(self.icon)

    # --- start ------------------------------------------------------------------------------

    async def start(self) -> Running | None:
        """Sign in if needed, start the embedded server if this profile hosts one, show the
        window. None if the user gave up on the first-run dialog."""
        server: EmbeddedServer | None = None
        try:
            profile = Profile.load(self.profile_dir)
        except NotSignedIn:
            signed = await self._first_run()
            if signed is None:
                return None
            profile, server = signed
        hosting = Hosting.load(self.profile_dir)
        if server is None and hosting is not None:
            from desktop.embedded import EmbeddedServer

            server = EmbeddedServer(Path(hosting.data_dir), hosting.listen)
            await asyncio.to_thread(server.start)
        return await self.show(profile, server)

    async def show(self, profile: Profile, server: EmbeddedServer | None) -> Running:
        """Start the profile's engine and open the main window."""
        bridge = EngineBridge(lambda: open_engine(profile, self.credentials))
        await bridge.start()
        notifier = Notifier(app_icon=RESOURCES / "tidings.svg")
        policy = NotificationPolicy(bridge.cache, notifier.notify)
        bridge.post(bridge.engine.subscribe, policy.on_event)
        window = MainWindow(bridge, profile.user, policy, self.idle)
        add_server_menu(window, bridge, profile, server)
        tray = self._tray(window) if QSystemTrayIcon.isSystemTrayAvailable() else None
        window.show()
        return Running(bridge, window, server, notifier, tray)

    def _tray(self, window: MainWindow) -> Tray:
        tray = Tray(self.icon)
        tray.open_requested.connect(lambda: _bring_forward(window))
        tray.quit_requested.connect(self.app.quit)
        tray.do_not_disturb.connect(window.set_do_not_disturb)
        window.unread_total_changed.connect(tray.set_unread)
        window.hide_to_tray = True
        tray.show()
        return tray

    async def _first_run(self) -> tuple[Profile, EmbeddedServer | None] | None:
        dialog = FirstRunDialog()
        while await finished(dialog):
            choice = dialog.choice()
            hosted = await self._host(choice.lan) if choice.host_here else None
            try:
                profile = await self.sign_in(choice, hosted)
            except Exception as e:  # every failure is shown, and the user may try again
                log.info("sign-in failed: %s", e)
                dialog.show_error(str(e))
                if hosted is not None:
                    await asyncio.to_thread(hosted.stop)
                continue
            if hosted is not None:
                config = hosted.config
                Hosting(listen=config.listen, data_dir=str(config.data_dir)).save(self.profile_dir)
            return profile, hosted
        return None

    async def sign_in(self, choice: FirstRunChoice, hosted: EmbeddedServer | None) -> Profile:
        """Sign in (or create the account) as the first-run dialog chose, on the server this
        app hosts if ``hosted``, and save the profile."""
        network = LoopThread("tidings-sign-in")
        network.start()
        try:
            if hosted is not None:
                where = hosted.hosted
                assert where is not None
                # A server listening on every interface is reached here through loopback.
                server = where.endpoint.replace("0.0.0.0", "127.0.0.1")
                key_endpoint = where.key_endpoint.replace("0.0.0.0", "127.0.0.1")
                expected = where.fingerprint
            else:
                server, key_endpoint = choice.server, key_endpoint_for(choice.server)
                offered = await asyncio.wrap_future(network.submit(fetch_server_key(key_endpoint)))
                expected = fingerprint(offered.public_key)
                if not self._confirm_key(server, expected):
                    raise RuntimeError(tr("The server's key was not accepted."))
            return await asyncio.wrap_future(
                network.submit(
                    sign_in(
                        self.profile_dir,
                        server,
                        choice.user,
                        choice.password,
                        choice.device,
                        create_account=choice.create_account,
                        credentials=self.credentials,
                        trust=lambda _server, fp: fp == expected,
                        key_endpoint=key_endpoint,
                    )
                )
            )
        finally:
            network.stop()

    async def _host(self, lan: bool) -> EmbeddedServer:
        from desktop.embedded import EmbeddedServer, default_server_dir, lan_listen

        listen = lan_listen(DEFAULT_PORT) if lan else f"tcp://127.0.0.1:{DEFAULT_PORT}"
        data_dir = default_server_dir()
        server = EmbeddedServer(data_dir, listen)
        await asyncio.to_thread(server.start)
        return server

    def _confirm_key(self, server: str, fp: str) -> bool:
        text = tr(
            "The server at {server} identifies itself with the key\n\n{fingerprint}\n\n"
            "Ask its administrator whether this is right before you trust it."
        ).format(server=server, fingerprint=fp)
        answer = QMessageBox.question(None, tr("Trust this server?"), text)
        return answer == QMessageBox.StandardButton.Yes

    # --- stop -------------------------------------------------------------------------------

    @staticmethod
    def shut_down(running: Running) -> None:
        running.bridge.stop()
        running.notifier.close()
        if running.server is not None:
            running.server.stop()


def _bring_forward(window: MainWindow) -> None:
    window.show()
    window.raise_()
    window.activateWindow()


def check_display() -> str | None:
    """Qt aborts (exit 134) without a display or its X11 libraries; say what to do instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return (
            "no display found: run Tidings in a desktop session, or set QT_QPA_PLATFORM=offscreen"
        )
    missing = [lib for lib in XCB_LIBRARIES if ctypes.util.find_library(lib) is None]
    if os.environ.get("DISPLAY") and missing:
        packages = " ".join(f"lib{lib}{XCB_LIBRARIES[lib]}" for lib in missing)
        return (
            f"Qt needs these X11 libraries: {packages} (Debian/Ubuntu: sudo apt install {packages})"
        )
    return None


def run(profile_dir: Path) -> int:
    """Start the app and run until it quits."""
    problem = check_display()
    if problem:
        print(f"tidings: {problem}", file=sys.stderr)
        return 1
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv)
    app.setApplicationName("Tidings")
    # The first-run dialog closing must not end the app before the window opens.
    app.setQuitOnLastWindowClosed(False)
    install_translator(app)
    MainThreadCollector(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    desktop = DesktopApp(app, profile_dir)
    with loop:
        try:
            running = loop.run_until_complete(desktop.start())
        except Exception as e:  # a window that says why beats a silent exit
            log.exception("Tidings could not start")
            reason = str(e) or type(e).__name__
            QMessageBox.critical(
                None, tr("Tidings could not start"), reason[:1].upper() + reason[1:]
            )
            return 1
        if running is None:
            return 0
        app.setQuitOnLastWindowClosed(running.tray is None)
        quit_event = asyncio.Event()
        app.aboutToQuit.connect(quit_event.set)
        loop.run_until_complete(quit_event.wait())
        DesktopApp.shut_down(running)
    return 0
