"""``tidings --self-test``: prove that this build of the app works, end to end, on this machine.

It runs the real app offscreen in a throwaway profile: the window, the embedded server on
loopback ports of its own, CurveZMQ, the sync engine and the SQLite cache. A new account sends
a message to its own notes chat through the window's composer, the server stores it, and the
message is read back from the cache file once the app has shut down. Before that it checks
what a frozen build can lose: keyring's backends (found through package metadata), plyer's
platform module, Pillow's image plugins (thumbnails), the icon and the translations.

Nothing of the user's is touched: the profile and the server's data live in a temporary
directory that is removed afterwards, and the device's credentials stay in memory.
"""

import asyncio
import contextlib
import faulthandler
import importlib
import os
import secrets
import sys
import tempfile
import threading
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path

import keyring
import qasync
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from PIL import Image
from plyer.utils import platform as plyer_platform
from PySide6.QtCore import QTranslator, SignalInstance
from PySide6.QtWidgets import QApplication

from desktop.app import RESOURCES, DesktopApp, Running, check_display, install_translator
from desktop.cache.store import Cache
from desktop.core.thumbnails import describe
from desktop.embedded import EmbeddedServer
from desktop.platform.credentials import CredentialStore
from desktop.ui.collector import MainThreadCollector
from desktop.ui.first_run import FirstRunChoice
from desktop.ui.languages import qt_translations_dir
from desktop.ui.models import ChannelRole

TIMEOUT = 60.0  # secs for the whole self-test; a healthy run takes a few
SHUTDOWN_GRACE = 15.0  # secs past TIMEOUT before the watchdog ends a self-test stuck shutting down
EXIT_FAILED = 1
EXIT_HUNG = 3  # the watchdog's code: something stopped answering, even to cancellation
ANY_LOOPBACK_PORT = "tcp://127.0.0.1:0"  # never the user's own server port
USER = "selftest"
# A few scripts, so that text survives the whole round trip unchanged (and the fonts show).
MESSAGE = "Tidings self-test ✓ 안녕하세요 {token}"

# The keyring backend each platform's desktop users have, and a module it needs: keyring
# finds its backends through entry points in its package metadata, which a frozen build
# drops unless it is bundled. Only the Linux entry is exercised by this project's CI.
KEYRING_BACKENDS = {
    "linux": ("SecretService", "secretstorage"),
    "win32": ("Windows", "win32ctypes.pywin32.win32cred"),
    "darwin": ("macOS", "keyring.backends.macOS.api"),
}


class SelfTestFailed(Exception):
    """A step did not do what it should; the message says which and why."""


class Steps:
    """Prints each step as it passes; a failure names the step it happened in."""

    def __init__(self) -> None:
        self.current = "starting"

    @contextlib.contextmanager
    def step(self, doing: str) -> Iterator[list[str]]:
        """Run one step; what the block appends to the yielded list is printed after ok."""
        self.current = doing
        details: list[str] = []
        try:
            yield details
        except SelfTestFailed:
            raise
        except Exception as e:
            why = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            raise SelfTestFailed(f"{doing}: {why}") from e
        print(f"  ok  {doing}" + (f": {', '.join(details)}" if details else ""), flush=True)


def run_self_test(version: str, screenshot: Path | None = None, timeout: float = TIMEOUT) -> int:
    """Run the self-test and return the process exit code: 0 if every step passed.

    ``screenshot`` saves the main window, as the self-test drew it, to that PNG file.
    """
    # Offscreen unless the caller chose a platform (QT_QPA_PLATFORM=xcb tests the X11 plugin).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    watchdog = _watchdog(timeout + SHUTDOWN_GRACE)
    started = time.monotonic()
    print(f"tidings {version} self-test", flush=True)
    steps = Steps()
    try:
        with tempfile.TemporaryDirectory(prefix="tidings-self-test-") as tmp:
            _check_bundle(steps)
            _run_app(steps, Path(tmp), screenshot, timeout)
    except SelfTestFailed as e:
        print(f"tidings self-test FAILED: {e}", file=sys.stderr, flush=True)
        return EXIT_FAILED
    except Exception as e:  # outside any step (setting Qt up, shutting down): a bug to show
        traceback.print_exc()
        print(
            f"tidings self-test FAILED at or after {steps.current!r}: {type(e).__name__}: {e}",
            file=sys.stderr,
            flush=True,
        )
        return EXIT_FAILED
    finally:
        watchdog.cancel()
    print(f"self-test passed in {time.monotonic() - started:.1f} s", flush=True)
    return 0


def _watchdog(seconds: float) -> threading.Timer:
    """End the process if the self-test is still running after ``seconds``.

    The steps have timeouts of their own; this covers what cannot be cancelled, such as a
    thread stuck in a native call, so that a self-test never hangs a build or CI.
    """

    def expire() -> None:
        print(
            f"tidings self-test FAILED: still running after {seconds:g}s; the threads were:",
            file=sys.stderr,
            flush=True,
        )
        if sys.stderr is not None:  # a windowed build on Windows has no stderr
            faulthandler.dump_traceback(sys.stderr, all_threads=True)
        os._exit(EXIT_HUNG)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


# --- what a frozen build can lose -------------------------------------------------------------


def _check_bundle(steps: Steps) -> None:
    with steps.step("keyring backends found") as details:
        details.append(_check_keyring_backends())
    with steps.step("notification backend found") as details:
        details.append(_check_notifications())
    with steps.step("thumbnail made") as details:
        details.append(_check_thumbnails())


def _check_keyring_backends() -> str:
    """The platform's keyring backend is discoverable the way keyring discovers it.

    Only the module is loaded: asking the backend whether it is usable would talk to the
    user's keyring service, which the self-test leaves alone.
    """
    platform = "linux" if sys.platform.startswith("linux") else sys.platform
    if platform not in KEYRING_BACKENDS:
        return f"no known backend for {sys.platform}; not checked"
    name, needs = KEYRING_BACKENDS[platform]
    found = {ep.name: ep for ep in metadata.entry_points(group="keyring.backends")}
    if name not in found:
        raise SelfTestFailed(
            f"keyring's {name} backend is not registered (entry points found: "
            f"{', '.join(sorted(found)) or 'none'}); the build lacks keyring's package metadata"
        )
    found[name].load()
    try:
        importlib.import_module(needs)
    except ImportError as e:
        raise SelfTestFailed(f"keyring's {name} backend needs {needs}, which is missing") from e
    return f"{name} ({len(found)} registered)"


def _check_thumbnails() -> str:
    """Pillow's image plugins and its JPEG encoder are there: a picture attached to a message
    gets its thumbnail (Pillow finds its plugins by importing them, which a build can miss)."""
    with tempfile.TemporaryDirectory(prefix="tidings-self-test-") as tmp:
        picture = Path(tmp) / "picture.png"
        Image.new("RGB", (64, 48), "teal").save(picture)
        facts = describe(picture, picture.name)
    if not facts.thumbnail:
        raise SelfTestFailed("no thumbnail of a PNG picture; the build lacks Pillow's plugins")
    return f"{facts.mime} {facts.width}x{facts.height}, {len(facts.thumbnail)} bytes"


def _check_notifications() -> str:
    """On Linux the D-Bus notifier (and jeepney) is there; plyer's module for this platform
    is too, as the fallback. Whether the system has a notification service is the machine's
    business, so that is reported, not required."""
    fallback = _check_plyer_notifications()
    if not sys.platform.startswith("linux"):
        return fallback
    try:
        importlib.import_module("desktop.platform.dbus_notifications")
    except ImportError as e:
        raise SelfTestFailed(f"{e.name} is missing, so notifications could not use D-Bus") from e
    return f"D-Bus; fallback: {fallback}"


def _check_plyer_notifications() -> str:
    """plyer's module for this platform is there."""
    module = f"plyer.platforms.{plyer_platform}.notification"
    try:
        backend_module = importlib.import_module(module)
    except ImportError as e:
        # Missing itself (or its package): what a build without packaging/hooks lacks.
        if e.name and f"{module}.".startswith(f"{e.name}."):
            raise SelfTestFailed(f"{module} is missing, so notifications could not be shown") from e
        # A library plyer's module wants (pyobjus on macOS) is not installed: the app runs,
        # without notifications, as it would from source.
        return f"none ({module} needs {e.name}; notifications stay off)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # plyer warns when dbus-python is absent; fine
        backend = backend_module.instance()
    name = type(backend).__name__
    return name if name != "Notification" else "none on this system (notifications stay off)"


# --- the app, end to end ----------------------------------------------------------------------


def _run_app(steps: Steps, root: Path, screenshot: Path | None, timeout: float) -> None:
    with steps.step("display available"):
        problem = check_display()
        if problem:
            raise SelfTestFailed(problem)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Tidings")
    install_translator(app)
    MainThreadCollector(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(_exercise(app, steps, root, screenshot, timeout))


async def _exercise(
    app: QApplication, steps: Steps, root: Path, screenshot: Path | None, timeout: float
) -> None:
    try:
        async with asyncio.timeout(timeout):
            await _scenario(app, steps, root, screenshot)
    except TimeoutError as e:
        raise SelfTestFailed(f"{steps.current}: no result within {timeout:g}s") from e


async def _scenario(app: QApplication, steps: Steps, root: Path, screenshot: Path | None) -> None:
    use_memory_keyring()
    credentials = CredentialStore(service="tidings-self-test")
    desktop = DesktopApp(app, root / "profile", credentials)
    with steps.step("icon and translations loaded"):
        if desktop.icon.pixmap(64, 64).isNull():
            raise SelfTestFailed(f"the app icon {RESOURCES / 'tidings.svg'} did not load")
        if not QTranslator().load("tidings_ko", str(RESOURCES / "i18n")):
            raise SelfTestFailed(f"the Korean translation is missing from {RESOURCES / 'i18n'}")
        if not QTranslator().load("qtbase_ko", str(qt_translations_dir())):
            raise SelfTestFailed(f"Qt's Korean translation is missing from {qt_translations_dir()}")
        if not QTranslator().load("plurals_en", str(RESOURCES / "i18n")):
            raise SelfTestFailed(f"the English plurals are missing from {RESOURCES / 'i18n'}")

    with steps.step("embedded server started") as details:
        server = EmbeddedServer(root / "server", ANY_LOOPBACK_PORT, ANY_LOOPBACK_PORT)
        hosted = await asyncio.to_thread(server.start)
        details.append(hosted.endpoint)
    try:
        with steps.step("account registered over CurveZMQ") as details:
            # As the first-run dialog signs in to the server this app hosts.
            choice = FirstRunChoice(
                host_here=True,
                lan=False,
                server=hosted.endpoint,
                create_account=True,
                user=USER,
                password=secrets.token_urlsafe(24),
                device="self-test",
            )
            profile = await desktop.sign_in(choice, server)
            details.append(f"{profile.user}, device {profile.device_id}")
        text = MESSAGE.format(token=uuid.uuid4().hex[:8])
        # The step the app takes after its first-run sign-in: the window, with the engine on
        # its thread, talking to the server this process hosts (stopped by shut_down).
        running = await desktop.show(profile, server)
    except BaseException:
        await asyncio.to_thread(server.stop)
        raise
    try:
        channel_id = await _send_through_window(steps, running, text)
        if screenshot is not None:
            with steps.step("window saved") as details:
                if not running.window.grab().save(str(screenshot), "PNG"):
                    raise SelfTestFailed(f"could not write {screenshot}")
                details.append(str(screenshot))
    finally:
        DesktopApp.shut_down(running)
        running.window.hide()
        running.window.deleteLater()

    with steps.step("message read back from the local cache") as details:
        cache = Cache.open(profile.cache_path, profile.user)
        try:
            stored = [m for m in cache.messages(channel_id) if m.text == text]
        finally:
            cache.close()
        if len(stored) != 1 or stored[0].state != "sent" or stored[0].sender != profile.user:
            raise SelfTestFailed(f"the cache holds {stored!r} for the message sent")
        details.append(f"seq {stored[0].seq} in {profile.cache_path.name}")


async def _send_through_window(steps: Steps, running: Running, text: str) -> int:
    """Type ``text`` into the notes chat's composer, press Send, and wait until the server
    has stored it and the window shows it. Returns the chat's id."""
    bridge, window = running.bridge, running.window
    with steps.step("main window shown, engine online"):
        if not window.isVisible():
            raise SelfTestFailed("the main window is not visible")
        await bridge.wait(bridge.engine.wait_caught_up(TIMEOUT))
    with steps.step("notes chat opened"):
        channel_id = (await bridge.ask(bridge.engine.open_direct, window.me)).id
        window.open_channel(channel_id)
        if window.pane.channel is None or window.pane.channel.id != channel_id:
            raise SelfTestFailed("the window did not open the notes chat")
    with steps.step("message sent through the composer and stored by the server") as details:
        composer = window.pane.composer
        composer.edit.setPlainText(text)
        composer.button.click()

        def delivered() -> bool:
            model = window.pane.model
            return model is not None and any(
                m.text == text and m.state == "sent" and m.seq is not None
                for m in (model.message_at(r) for r in range(model.rowCount()))
            )

        await _until(delivered, bridge.engine_event)
        details.append("shown in the window as sent")
    with steps.step("notes chat listed and selected"):
        # The chat list is re-read from the cache shortly after events, not at once; the
        # window selects the open chat right after the re-read, before this resumes.
        await _until(
            lambda: window.channels.row_of(channel_id) is not None, window.channels.modelReset
        )
        current = window.channel_list.currentIndex().data(ChannelRole)
        if current is None or current.id != channel_id:
            raise SelfTestFailed("the chat list does not show the open chat as selected")
    with steps.step("window drawn") as details:
        image = window.grab().toImage()
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 8)
            for y in range(0, image.height(), 8)
        }
        if len(colours) < 3:  # a missing style or font leaves an empty, flat window
            raise SelfTestFailed(f"the window drew {len(colours)} colour(s) only")
        details.append(f"{image.width()}x{image.height()}, {len(colours)} colours sampled")
    return channel_id


async def _until(condition: Callable[[], bool], *signals: SignalInstance) -> None:
    """Wait until ``condition`` holds, checking it each time one of ``signals`` fires.

    Connected after the window's own slots, so the window has handled what fired first.
    """
    changed = asyncio.Event()

    def check(*_args: object) -> None:
        if condition():
            changed.set()

    for signal in signals:
        signal.connect(check)
    try:
        if not condition():
            await changed.wait()  # bounded by the self-test's timeout
    finally:
        for signal in signals:
            signal.disconnect(check)


def use_memory_keyring() -> None:
    """Keep this process's device credentials in memory, away from the user's keyring (for
    the self-test and the screenshots, whose devices are thrown away).

    ``CredentialStore`` asks keyring for its backend, so the self-test sets one for this
    process; keyring's own null and fail backends keep nothing, and the engine must read
    back what sign-in stored. It claims keyring's "recommended" priority, because the store
    accepts nothing less; that is true here, where the secrets never leave the process.
    """

    # Defined here, not at module level: keyring registers each backend class as it is
    # defined, and would then offer this one to anything else in a process that imported us.
    class MemoryKeyring(KeyringBackend):
        priority = 1

        def __init__(self) -> None:
            super().__init__()
            self._secrets: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self._secrets.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self._secrets[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if self._secrets.pop((service, username), None) is None:
                raise PasswordDeleteError(f"nothing stored for {username}")

    keyring.set_keyring(MemoryKeyring())
