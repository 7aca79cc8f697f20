"""Native notifications, to a real notification server on a private D-Bus session bus: what
every backend must do (through the one this system picks), and the plyer fallback with the
real notify-send."""

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop.platform import plyer_notifications
from desktop.platform.notification_backend import Identity, QuietListener
from desktop.platform.notifications import ELLIPSIS, PREVIEW_LENGTH, Notifier, system_backend
from desktop.platform.plyer_notifications import PlyerNotifications
from tests.keyring_session import secret_service  # noqa: F401
from tests.notification_service import (
    Notification,
    NotificationService,
    notification_bus,  # noqa: F401
)

REPO = Path(__file__).resolve().parents[2]
SUBPROCESS_TIMEOUT = 30.0

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="notify-send and LD_LIBRARY_PATH are Linux's"
)


@pytest.fixture
def notifier() -> Iterator[Notifier]:
    n = Notifier()
    try:
        yield n
    finally:
        n.close()


@pytest.fixture
def plyer_notifier() -> Iterator[Notifier]:
    n = Notifier(backend=PlyerNotifications)
    try:
        yield n
    finally:
        n.close()


def by_summary(summary: str) -> Callable[[Notification], bool]:
    """A wait_for predicate: the call with this summary."""
    return lambda call: call.summary == summary


def run_script(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )


# --- delivery ---------------------------------------------------------------------------------


def test_notification_reaches_the_server_intact(bus: NotificationService, notifier: Notifier):
    notifier.notify("Alice", "안녕하세요 — see you at 7")

    call = bus.wait_for(by_summary("Alice"))
    assert call == ("Tidings", "Alice", "안녕하세요 — see you at 7")
    assert notifier.available


def test_notifications_arrive_in_submission_order(bus: NotificationService, notifier: Notifier):
    sent = [(f"Sender {i}", f"message {i}") for i in range(5)]
    for title, message in sent:
        notifier.notify(title, message)

    bus.wait_for(by_summary("Sender 4"))
    assert bus.calls == [Notification("Tidings", t, m) for t, m in sent]


def test_notify_returns_while_delivery_is_blocked(bus: NotificationService, notifier: Notifier):
    with bus.held():
        notifier.notify("Held", "first")
        first = bus.wait_for(by_summary("Held"))
        # Its sender is still on the bus waiting for the reply the server holds back: so
        # notify() above returned while the worker was stuck delivering.
        assert bus.sender_connected(first)

        notifier.notify("Queued", "second")
        # The single worker is still blocked on the first, so the second cannot have gone.
        assert [c.summary for c in bus.calls] == ["Held"]

    bus.wait_for(by_summary("Queued"))
    assert [c.summary for c in bus.calls] == ["Held", "Queued"]


def test_long_body_is_cut_to_a_preview(bus: NotificationService, notifier: Notifier):
    exact = "a" * PREVIEW_LENGTH
    notifier.notify("Exact", exact)
    notifier.notify("Long", "안" * (PREVIEW_LENGTH + 1))

    assert bus.wait_for(by_summary("Exact")).body == exact
    body = bus.wait_for(by_summary("Long")).body
    assert len(body) == PREVIEW_LENGTH
    assert body == "안" * (PREVIEW_LENGTH - len(ELLIPSIS)) + ELLIPSIS


def test_odd_text_arrives_as_written(bus: NotificationService, notifier: Notifier):
    notifier.notify("-Bob", "--help me with C:\\temp\\new and \\n <b>&</b>")
    notifier.notify("", "no title")

    call = bus.wait_for(by_summary("-Bob"))
    assert call.body == "--help me with C:\\temp\\new and \\n <b>&</b>"
    assert bus.wait_for(lambda c: c.body == "no title").summary == "Tidings"


@linux_only
def test_text_that_notify_send_would_misread_arrives(
    bus: NotificationService, plyer_notifier: Notifier
):
    # Leading dashes look like options to notify-send, and it expands escapes in the body.
    plyer_notifier.notify("-Bob", "--help me with C:\\temp\\new and \\n <b>&</b>")
    plyer_notifier.notify("", "no title")

    call = bus.wait_for(by_summary(" -Bob"))
    assert call.body == " --help me with C:\\temp\\new and \\n <b>&</b>"
    # An empty summary makes notify-send refuse; the app's name stands in for it.
    assert bus.wait_for(lambda c: c.body == "no title").summary == "Tidings"


def test_notify_after_close_is_ignored(bus: NotificationService):
    n = Notifier()
    n.notify("Before", "sent")
    n.close()
    n.close()
    n.notify("After", "dropped")

    # close() let the queued one out; nothing new was queued after it.
    bus.wait_for(by_summary("Before"))
    assert [c.summary for c in bus.calls] == ["Before"]


# --- no notifications to be had ---------------------------------------------------------------

FAILING_SCRIPT = """
from desktop.platform.notifications import Notifier
from desktop.platform.plyer_notifications import PlyerNotifications
n = Notifier(backend=PlyerNotifications)
n.notify("Mallory", "secret words")
n.notify("Mallory", "more secret words")
n.close(timeout=20)
print(n.available)
"""


@linux_only
def test_no_notification_service_is_not_an_error(
    notification_bus: NotificationService,  # noqa: F811 - only for its notify-send check
    tmp_path: Path,
):
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path / 'no-bus'}"}
    result = run_script(FAILING_SCRIPT, env)

    assert result.returncode == 0, result.stderr
    assert "secret" not in result.stderr + result.stdout
    assert "Mallory" not in result.stderr + result.stdout


@linux_only
@pytest.mark.skipif(
    importlib.util.find_spec("dbus") is not None, reason="plyer would use dbus-python instead"
)
def test_no_backend_is_reported_once(tmp_path: Path):
    # An empty PATH: plyer finds no notify-send (and dbus-python is not installed here).
    env = {**os.environ, "PATH": str(tmp_path)}
    result = run_script(FAILING_SCRIPT, env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert result.stderr.count("no native notification backend") == 1, result.stderr
    assert "secret" not in result.stderr


# --- a frozen (PyInstaller) app ---------------------------------------------------------------

FROZEN_SCRIPT = """
import os, sys
sys.frozen = True  # what PyInstaller's bootloader sets
from desktop.platform.notifications import Notifier
from desktop.platform.plyer_notifications import PlyerNotifications
n = Notifier(backend=PlyerNotifications)
n.notify("Frozen", "from the bundle")
n.close(timeout=20)
print(os.environ.get("LD_LIBRARY_PATH"))
"""


@linux_only
def test_frozen_app_gives_notify_send_the_users_library_path(
    bus: NotificationService, tmp_path: Path
):
    # The bundle's own copy of a library notify-send needs (a broken one here): inherited,
    # it keeps notify-send from starting at all.
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "libnotify.so.4").write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH_ORIG"}
    env["LD_LIBRARY_PATH"] = str(bundle)  # what PyInstaller sets when there was none before
    broken = subprocess.run(
        ["notify-send", "Control", "unseen"], env=env, capture_output=True, timeout=10
    )
    assert broken.returncode != 0

    result = run_script(FROZEN_SCRIPT, env)

    assert result.returncode == 0, result.stderr
    assert bus.wait_for(by_summary("Frozen")).body == "from the bundle"
    assert result.stdout.strip() == str(bundle)  # the app's own environment is as it was


def test_frozen_app_restores_the_original_library_path(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/bundle:/usr/local/lib")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/usr/local/lib")

    with plyer_notifications._library_path_for_children():
        assert os.environ["LD_LIBRARY_PATH"] == "/usr/local/lib"
    assert os.environ["LD_LIBRARY_PATH"] == "/bundle:/usr/local/lib"


def test_unfrozen_app_leaves_the_library_path_alone(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/lib")

    with plyer_notifications._library_path_for_children():
        assert os.environ["LD_LIBRARY_PATH"] == "/opt/lib"


def test_notifications_share_the_keyring_bus(bus: NotificationService, secret_service: str):  # noqa: F811
    # One session bus serves both, so keyring and notifications work in the same session.
    assert bus.address == secret_service == os.environ["DBUS_SESSION_BUS_ADDRESS"]


# --- which backend ----------------------------------------------------------------------------


@linux_only
def test_linux_talks_d_bus_and_falls_back_to_plyer_without_a_bus(
    bus: NotificationService, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    from desktop.platform.dbus_notifications import DBusNotifications  # jeepney: Linux only

    chosen = system_backend(Identity(), QuietListener(), lambda job: None)
    try:
        assert isinstance(chosen, DBusNotifications)
    finally:
        chosen.close()

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    assert isinstance(
        system_backend(Identity(), QuietListener(), lambda job: None), PlyerNotifications
    )
