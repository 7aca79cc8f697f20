"""The desktop app's composition root: Qt, qasync, the engine's thread, the embedded server,
notifications and the tray, put together. The only module that sees all of them."""

from __future__ import annotations

import asyncio
import ctypes.util
import logging
import os
import sys
from collections.abc import Coroutine
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import qasync
from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from desktop.core.account import open_engine, sign_in
from desktop.core.events import AppEvent, SignedOutReason, StateChanged
from desktop.core.hosting import Hosting, forget_hosting
from desktop.core.loop_thread import LoopThread
from desktop.core.notify_policy import NotificationPolicy
from desktop.core.notify_prefs import NotifyPrefs
from desktop.core.ports import free_port_pair
from desktop.core.preferences import Language, Preferences
from desktop.core.profile import NotSignedIn, Profile
from desktop.core.signed_out import forget_device, mark_signed_out, signed_out
from desktop.platform.credentials import CredentialStore
from desktop.platform.notifications import Notifier
from desktop.ui import refusals
from desktop.ui.bridge import EngineBridge
from desktop.ui.chime import Chime
from desktop.ui.collector import MainThreadCollector
from desktop.ui.dialogs import finished
from desktop.ui.first_run import FirstRunChoice, FirstRunDialog, sign_in_attempt
from desktop.ui.i18n import tr
from desktop.ui.idle import IdleMonitor
from desktop.ui.languages import install_translations
from desktop.ui.main_window import MainWindow
from desktop.ui.notification_links import NotificationLinks, notification_labels
from desktop.ui.quitting import NOTE_AFTER, FinishingNote
from desktop.ui.server_menu import add_server_menu
from desktop.ui.settings import SettingsWindow, alert_new_sign_in, build_settings
from desktop.ui.settings_notifications import NotificationsPage
from desktop.ui.sign_out import add_sign_out_action, confirm_sign_out, not_told_text, tell_server
from desktop.ui.signed_out import SignedOutDialog
from desktop.ui.tasks import spawn
from desktop.ui.tray import Tray
from desktop.ui.window_activation import bring_forward
from desktop.ui.window_layout import WindowLayout
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
ICON = RESOURCES / "icons" / "tidings-128.png"  # a bitmap: every notification server reads it


def install_translator(app: QApplication, language: Language = "system") -> list[QTranslator]:
    """The language chosen in the settings (``system``: Korean, or any shipped language,
    when the system locale asks for it), Qt's own strings in it too, and English plurals
    otherwise. Returns the translators installed."""
    return install_translations(app, QLocale() if language == "system" else QLocale(language))


@dataclass
class Running:
    """What a started app holds, to be shut down in reverse."""

    bridge: EngineBridge
    window: MainWindow
    server: EmbeddedServer | None
    notifier: Notifier
    tray: Tray | None
    layout: WindowLayout
    settings: SettingsWindow


class DesktopApp:
    def __init__(
        self, app: QApplication, profile_dir: Path, credentials: CredentialStore | None = None
    ) -> None:
        self.app = app
        self.profile_dir = profile_dir
        self.credentials = credentials or CredentialStore()
        self.icon = QIcon(str(RESOURCES / "tidings.svg"))
        self.server: EmbeddedServer | None = None  # the server this app hosts, if any
        self.running: Running | None = None  # the window shown now
        self.quit_requested = asyncio.Event()
        self._leaving = False  # a window is closing for a sign-out; the next is not open
        self.idle = IdleMonitor()
        self.chime = Chime()  # notifications from the engine's thread sound on this one
        app.installEventFilter(self.idle)
        app.setWindowIcon(self.icon)

    # --- start ------------------------------------------------------------------------------

    async def start(self) -> Running | None:
        """Start the embedded server if this profile hosts one, sign in if needed (saying
        first why, for a device the server no longer takes), show the window. None if the
        user gave up on the first-run dialog or chose to quit."""
        hosting = Hosting.load(self.profile_dir)
        if hosting is not None:
            from desktop.embedded import EmbeddedServer

            self.server = EmbeddedServer(Path(hosting.data_dir), hosting.listen)
            await asyncio.to_thread(self.server.start)
        reason = signed_out(self.profile_dir)
        if reason is not None:
            return await self._sign_in_again(reason)
        try:
            profile = Profile.load(self.profile_dir)
        except NotSignedIn:
            return await self._sign_in_and_show()
        return await self.show(profile, self.server)

    async def show(self, profile: Profile, server: EmbeddedServer | None) -> Running:
        """Start the profile's engine and open the main window. Nothing is awaited between
        the engine's start and the last of the window's listeners: what the engine tells
        at once (a sign-in made while this device was away, told once) reaches them all."""
        prefs = await asyncio.to_thread(NotifyPrefs.load, profile.dir)
        bridge = EngineBridge(lambda: open_engine(profile, self.credentials))
        await bridge.start()
        links = NotificationLinks()
        notifier = Notifier(app_icon=ICON, labels=notification_labels(), listener=links)
        policy = NotificationPolicy(
            bridge.cache,
            notifier.notify,
            notifier.withdraw,
            chime=self.chime.ring.emit,
            hidden_body=tr("New message"),
        )
        policy.prefs = prefs
        bridge.post(bridge.engine.subscribe, policy.on_event)
        bridge.engine_event.connect(partial(alert_new_sign_in, notifier.notify))
        window = MainWindow(bridge, profile.user, policy, self.idle, profile.dir)
        layout = WindowLayout(window, window.splitter, profile.dir)
        layout.restore()  # as the user left it (the profile's own: each has its window)
        links.attach(window, bridge, notifier.notify)
        add_server_menu(window, bridge, profile, server)
        add_sign_out_action(window.account_menu, window, self.ask_sign_out)
        tray = self._tray(window) if QSystemTrayIcon.isSystemTrayAvailable() else None
        preferences = Preferences.load(profile.dir)
        notifications = NotificationsPage(window.dnd, policy, profile.dir)
        settings = build_settings(
            window,
            bridge,
            profile.dir,
            preferences,
            tray is not None,
            notifications,
            self.ask_sign_out,
        )
        window.settings_requested.connect(settings.show_page)
        if not preferences.start_minimised:
            window.show()
        elif tray is None:  # nowhere to wait but the task bar
            window.showMinimized()
        self.running = Running(bridge, window, server, notifier, tray, layout, settings)
        bridge.engine_event.connect(self._watch_sign_in)
        if bridge.engine.signed_out is not None:  # refused before the window listened
            self._signed_out(bridge.engine.signed_out)
        return self.running

    # --- leaving an account -----------------------------------------------------------------

    def _watch_sign_in(self, event: AppEvent) -> None:
        if isinstance(event, StateChanged) and event.signed_out is not None:
            self._signed_out(event.signed_out)

    def _signed_out(self, reason: SignedOutReason) -> None:
        """The server no longer takes this device: close the window, say why."""
        running = self.running
        if running is None or self._leaving:
            return  # already on the way out (this device's own sign-out is refused next)
        self._leaving = True
        mark_signed_out(self.profile_dir, reason)  # a small file: the next start says why
        self._close(running)
        spawn(self._then(self._sign_in_again(reason)))

    def ask_sign_out(self) -> None:
        """Account > Sign out of this device (the menu's or the Settings window's)."""
        spawn(self.sign_out())

    async def sign_out(self) -> None:
        """Account > Sign out: confirm, tell the server if it can be reached, remove what
        this device kept and show the sign-in flow."""
        running = self.running
        if running is None or self._leaving or not await confirm_sign_out(running.window):
            return
        self._leaving = True
        told = await tell_server(running.bridge)
        self._close(running)
        before = await asyncio.to_thread(forget_device, self.profile_dir, self.credentials)
        if not told:
            box = QMessageBox(QMessageBox.Icon.Information, tr("Signed out"), not_told_text())
            await finished(box)
        await self._then(self._sign_in_and_show(before))

    async def _sign_in_again(self, reason: SignedOutReason) -> Running | None:
        """Say why this device is signed out. Sign in again: remove what it kept and show
        the sign-in flow; Quit: leave it as it is (the next start says why again)."""
        if not await finished(SignedOutDialog(reason)):
            return None
        before = await asyncio.to_thread(forget_device, self.profile_dir, self.credentials)
        return await self._sign_in_and_show(before)

    async def _sign_in_and_show(self, before: Profile | None = None) -> Running | None:
        profile = await self._first_run(before)
        return None if profile is None else await self.show(profile, self.server)

    async def _then(self, next_running: Coroutine[Any, Any, Running | None]) -> None:
        """Carry on with what comes after a window closed: another window, or quitting."""
        self.running = await next_running
        self._leaving = False
        if self.running is None:
            self.quit()
        else:
            self.app.setQuitOnLastWindowClosed(self.running.tray is None)

    def _close(self, running: Running) -> None:
        """Close a profile's window and stop its engine; a hosted server keeps running."""
        self.app.setQuitOnLastWindowClosed(False)  # the next dialog is not open yet
        self.running = None
        running.bridge.stop()
        running.notifier.close()
        if running.tray is not None:
            running.tray.hide()
            running.tray.deleteLater()
        running.window.hide_to_tray = False
        running.window.hide()
        running.window.deleteLater()

    def quit(self) -> None:
        """End the app (after the window it shows, if any, is shut down in ``run``)."""
        self.quit_requested.set()

    def _tray(self, window: MainWindow) -> Tray:
        tray = Tray(self.icon, self.app)
        tray.open_requested.connect(lambda: bring_forward(window))
        # Not QApplication.quit: that first asks every window to close, and a window that
        # hides to the tray refuses, so Qt gives up quitting whenever another top-level
        # window (Qt's own X11 tray icon is one) comes after it: the window only hid.
        tray.quit_requested.connect(self.quit)
        tray.show_do_not_disturb(window.dnd)
        window.unread_total_changed.connect(tray.set_unread)
        window.hide_to_tray = True
        tray.show()
        return tray

    async def _first_run(self, before: Profile | None = None) -> Profile | None:
        """Sign in as the first-run dialog says; None if the user gave up. A server this
        app hosts already is used when the user chooses to host one; one the user chooses
        not to use any more is stopped, once signed in elsewhere. ``before``: the profile
        this device just left, whose server and user the dialog offers again."""
        dialog = FirstRunDialog()
        if before is not None:
            dialog.sign_in_again(before, self.server is not None and self.server.running)
        while await finished(dialog):
            choice = dialog.choice()
            kept = self.server if self.server is not None and self.server.running else None
            hosted = None
            if choice.host_here:
                hosted = kept or await self._host(choice, dialog)
                if hosted is None:
                    continue  # the dialog says why, and offers what to do instead
            try:
                profile = await self.sign_in(choice, hosted)
            except Exception as e:  # every failure is shown, and the user may try again
                log.info("sign-in failed: %s", e)
                attempt = sign_in_attempt(choice)
                dialog.show_error(f"{refusals.title(attempt)}: {refusals.explain(e, attempt)}")
                if hosted is not None and hosted is not kept:
                    await asyncio.to_thread(hosted.stop)
                continue
            if kept is not None and hosted is not kept:
                await asyncio.to_thread(kept.stop)
                forget_hosting(self.profile_dir)
            if hosted is not None:
                config = hosted.config
                Hosting(listen=config.listen, data_dir=str(config.data_dir)).save(self.profile_dir)
            self.server = hosted
            return profile
        return None

    async def sign_in(self, choice: FirstRunChoice, hosted: EmbeddedServer | None) -> Profile:
        """Sign in (or create the account) as the first-run dialog chose, on the server this
        app hosts if ``hosted``, and save the profile."""
        network = LoopThread("tidings-sign-in")
        network.start()
        try:
            others: tuple[str, ...] = ()
            if hosted is not None:
                where = hosted.hosted
                assert where is not None
                # A server listening on every interface is reached here through loopback.
                server = where.endpoint.replace("0.0.0.0", "127.0.0.1")
                key_endpoint = where.key_endpoint.replace("0.0.0.0", "127.0.0.1")
                expected = where.fingerprint
            else:
                server, key_endpoint = choice.server, key_endpoint_for(choice.server)
                others = choice.other_nodes
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
                        other_nodes=others,
                    )
                )
            )
        finally:
            network.stop()

    async def _host(self, choice: FirstRunChoice, dialog: FirstRunDialog) -> EmbeddedServer | None:
        """Start the server the user chose to host; None if it could not start, with the
        reason in the dialog (and a free port in place of a taken one)."""
        from desktop.embedded import (
            EmbeddedServer,
            ServerStartError,
            default_server_dir,
            lan_listen,
        )

        host = "" if choice.lan else "127.0.0.1"
        port = choice.port
        listen = lan_listen(port) if choice.lan else f"tcp://127.0.0.1:{port}"
        server = EmbeddedServer(default_server_dir(), listen)
        try:
            await asyncio.to_thread(server.start)
        except ServerStartError as e:
            log.info("the server could not start: %s", e)
            if e.in_use:
                dialog.offer_port(port, await asyncio.to_thread(free_port_pair, port + 1, host))
            else:
                dialog.show_error(str(e))
            return None
        return server

    def _confirm_key(self, server: str, fp: str) -> bool:
        text = tr(
            "The server at {server} identifies itself with the key\n\n{fingerprint}\n\n"
            "Ask its administrator whether this is right before you trust it."
        ).format(server=server, fingerprint=fp)
        answer = QMessageBox.question(None, tr("Trust this server?"), text)
        return answer == QMessageBox.StandardButton.Yes

    # --- stop -------------------------------------------------------------------------------

    async def finish(self) -> None:
        """Close the window shown, if any, then stop the server this app hosts, saying so
        when it takes a moment (it stores what it received first)."""
        if self.running is not None:
            self._close(self.running)
        server, self.server = self.server, None
        if server is None:
            return
        stopping = asyncio.ensure_future(asyncio.to_thread(server.stop))
        done, _ = await asyncio.wait({stopping}, timeout=NOTE_AFTER)
        if not done:
            note = FinishingNote()
            note.show()
            await asyncio.wait({stopping})
            note.close()
        stopping.result()

    @staticmethod
    def shut_down(running: Running) -> None:
        running.layout.save()
        running.window.pane.drafts.save()  # what was typed last, before the engine stops
        running.bridge.stop()
        running.notifier.close()
        if running.server is not None:
            running.server.stop()


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


def start_qt(
    argv: list[str], language: Language = "system"
) -> tuple[QApplication, qasync.QEventLoop]:
    """Qt's application object (the one already made, if any) set up as the app needs it,
    and an asyncio loop inside Qt's, made the current one."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv)
    app.setApplicationName("Tidings")
    # The first-run dialog closing must not end the app before the window opens.
    app.setQuitOnLastWindowClosed(False)
    install_translator(app, language)
    MainThreadCollector(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    return app, loop


def run(profile_dir: Path) -> int:
    """Start the app and run until it quits."""
    problem = check_display()
    if problem:
        print(f"tidings: {problem}", file=sys.stderr)
        return 1
    app, loop = start_qt(sys.argv, Preferences.load(profile_dir).language)
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
        if running is not None:
            app.setQuitOnLastWindowClosed(running.tray is None)
            app.aboutToQuit.connect(desktop.quit)
            loop.run_until_complete(desktop.quit_requested.wait())
        loop.run_until_complete(desktop.finish())
    return 0
