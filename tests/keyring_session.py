"""A real Secret Service for tests: a private D-Bus session bus with gnome-keyring-daemon on it.

Import the fixture where it is needed (pytest finds fixtures by name in a module's or a
conftest's namespace):

    from tests.keyring_session import secret_service  # noqa: F401

However many modules import it, one bus and one daemon serve the whole session.
"""

import contextlib
import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from jeepney.io.blocking import DBusConnection

SKIP_REASON = (
    "real keyring tests need Debian's dbus and gnome-keyring (`make test` installs them as root)"
)
MASTER_PASSWORD = "tidings test keyring"  # unlocks the daemon's throwaway login keyring
READY_TIMEOUT = 15.0  # secs each daemon may take to come up
STOP_TIMEOUT = 5.0
SECRETS_NAME = "org.freedesktop.secrets"
# Named explicitly for the session: keyring's own pick depends on what else is installed (with
# keyrings.alt in the virtualenv it picks a chainer), and these tests are about this backend.
BACKEND = "keyring.backends.SecretService.Keyring"

# What the test process itself gets for the rest of the session. XDG_CONFIG_HOME matters most:
# keyring reads its config file there, and a developer's own file could pick another backend.
SESSION_VARS = ("DBUS_SESSION_BUS_ADDRESS", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR")

# Left out of the daemons' environment: a session bus of the user's own must not be reached,
# and with a display, the keyring's unlock prompt could pop up on the developer's screen.
_DAEMON_DROPS = frozenset(
    {"DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "PYTHON_KEYRING_BACKEND"}
)

_active_address: str | None = None  # the running bus, while a secret_service fixture owns one


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout:g}s")
        time.sleep(0.02)


def _read_line(stream: IO[bytes], proc: subprocess.Popen[bytes], log: Path) -> str:
    """One line from a daemon's stdout, or an error once it exits or the timeout passes."""
    program = Path(str(proc.args[0] if isinstance(proc.args, list) else proc.args)).name
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        if not sel.select(READY_TIMEOUT):
            raise TimeoutError(f"{program} printed nothing within {READY_TIMEOUT:g}s")
    line = stream.readline().decode().strip()
    if not line:
        raise RuntimeError(
            f"{program} exited ({proc.wait()}) before printing its address: {_log_tail(log)}"
        )
    return line


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def _log_tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-2000:]
    except OSError:
        return ""


def _connection(address: str) -> "DBusConnection":
    # Imported late, like everything D-Bus here: only Linux has jeepney and secretstorage.
    from jeepney.io.blocking import open_dbus_connection

    return open_dbus_connection(address)


def _secrets_ready(address: str) -> bool:
    """The daemon owns the Secret Service name and its default collection is unlocked.

    Asked without side effects: secretstorage's get_default_collection would try to create
    a collection (through a prompt) if the alias were not there yet.
    """
    import secretstorage
    from jeepney.bus_messages import message_bus
    from secretstorage.defines import SS_PATH, SS_PREFIX
    from secretstorage.util import DBusAddressWrapper

    with contextlib.closing(_connection(address)) as conn:
        if not conn.send_and_get_reply(message_bus.NameHasOwner(SECRETS_NAME)).body[0]:
            return False
        service = DBusAddressWrapper(SS_PATH, SS_PREFIX + "Service", conn)
        (path,) = service.call("ReadAlias", "s", "default")
        return path != "/" and not secretstorage.Collection(conn, path).is_locked()


def _redetect_keyring() -> None:
    """Make keyring in this process pick its backend again from the current environment.

    keyring caches twice: the chosen backend (core.init_backend replaces it) and, through
    jaraco's @once, the list of viable backends (a SecretService that was not viable when
    first asked stays out of it until reset).
    """
    import keyring.backend
    import keyring.core

    with contextlib.suppress(KeyError):  # reset() fails if nothing was cached yet
        keyring.backend.get_all_keyring.reset()
    keyring.core.init_backend()


def _check_round_trip() -> None:
    import keyring
    from keyring.backends import SecretService

    backend = keyring.get_keyring()
    if not isinstance(backend, SecretService.Keyring):
        raise RuntimeError(f"keyring picked {backend!r}, not the Secret Service, on the test bus")
    keyring.set_password("tidings-test-probe", "probe", "round trip")
    try:
        got = keyring.get_password("tidings-test-probe", "probe")
    finally:
        keyring.delete_password("tidings-test-probe", "probe")
    if got != "round trip":
        raise RuntimeError(f"the test keyring gave back {got!r} for what was stored")


def daemons() -> tuple[str, str] | None:
    """The paths of dbus-daemon and gnome-keyring-daemon, or None if either is missing."""
    dbus_daemon = shutil.which("dbus-daemon")
    keyring_daemon = shutil.which("gnome-keyring-daemon")
    return (dbus_daemon, keyring_daemon) if dbus_daemon and keyring_daemon else None


def describe() -> str:
    """What the ``secret_service`` fixture will use, in words, for the test report's header."""
    if daemons() is None:
        return "no Secret Service (keyring tests skip: no dbus-daemon or gnome-keyring-daemon)"
    return "gnome-keyring (Secret Service) on a private D-Bus session"


def start_session_bus(
    dbus_daemon: str, root: Path, log: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str]:
    """A private session bus as an owned child (``--nofork``: a forked daemon would be left
    behind as an orphan), its socket in ``root``; returns the process and its address."""
    with log.open("wb") as err:
        bus = subprocess.Popen(
            [
                dbus_daemon,
                "--session",
                "--nofork",
                "--print-address=1",
                f"--address=unix:dir={root}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            env=env,
        )
    assert bus.stdout is not None
    return bus, _read_line(bus.stdout, bus, log)


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private session bus with an unlocked gnome-keyring on it; yields the bus address.

    For the rest of the session, os.environ points at that bus (so keyring here and in
    subprocesses finds it) and at throwaway XDG dirs, and PYTHON_KEYRING_BACKEND names the
    Secret Service backend.
    """
    global _active_address
    if _active_address is not None:
        # Each module that imports the fixture has its own instance of it: later ones share
        # what the first one started, which outlives them (teardown runs in reverse order).
        yield _active_address
        return

    found = daemons()
    if found is None:
        pytest.skip(SKIP_REASON)
    dbus_daemon, keyring_daemon = found

    root = tmp_path_factory.mktemp("keyring")
    dirs = {
        name: root / name.lower()
        for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR")
    }
    for path in dirs.values():
        path.mkdir(mode=0o700)
    daemon_env = {k: v for k, v in os.environ.items() if k not in _DAEMON_DROPS}
    daemon_env.update({name: str(path) for name, path in dirs.items()})
    bus_log, keyring_log = root / "dbus.log", root / "gnome-keyring.log"

    saved = {name: os.environ.get(name) for name in (*SESSION_VARS, "PYTHON_KEYRING_BACKEND")}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        bus, address = start_session_bus(dbus_daemon, root, bus_log, daemon_env)
        procs.append(bus)
        daemon_env["DBUS_SESSION_BUS_ADDRESS"] = address

        with keyring_log.open("wb") as err:
            gkd = subprocess.Popen(
                [keyring_daemon, "--foreground", "--unlock", "--components=secrets"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=daemon_env,
            )
        procs.append(gkd)
        assert gkd.stdin is not None
        gkd.stdin.write(MASTER_PASSWORD.encode())
        gkd.stdin.close()

        def ready() -> bool:
            if gkd.poll() is not None:
                raise RuntimeError(
                    f"gnome-keyring-daemon exited ({gkd.returncode}): {_log_tail(keyring_log)}"
                )
            return _secrets_ready(address)

        try:
            _wait_for(ready, "gnome-keyring-daemon did not unlock its keyring on the test bus")
        except TimeoutError as e:
            raise TimeoutError(f"{e}: {_log_tail(keyring_log)}") from None

        os.environ["PYTHON_KEYRING_BACKEND"] = BACKEND
        os.environ.update({name: daemon_env[name] for name in SESSION_VARS})
        _redetect_keyring()
        _check_round_trip()
        _active_address = address
        yield address
    finally:
        _active_address = None
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for proc in reversed(procs):
            _stop(proc)
        _redetect_keyring()


@contextlib.contextmanager
def locked_keyring() -> Iterator[None]:
    """Lock the test keyring's default collection for the block; unlock it again after.

    Needs ``secret_service``. The unlock goes through gnome-keyring's own interface for
    unlocking with the password, since the Secret Service one would need a prompt.
    """
    import secretstorage
    from secretstorage.defines import SS_PATH
    from secretstorage.util import DBusAddressWrapper, format_secret, open_session

    address = os.environ["DBUS_SESSION_BUS_ADDRESS"]
    with contextlib.closing(_connection(address)) as conn:
        collection = secretstorage.get_default_collection(conn)
        collection.lock()
        if not collection.is_locked():
            raise RuntimeError("the test keyring did not lock")
        try:
            yield
        finally:
            gnome = DBusAddressWrapper(
                SS_PATH, "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface", conn
            )
            secret = format_secret(open_session(conn), MASTER_PASSWORD.encode(), "text/plain")
            gnome.call("UnlockWithMasterPassword", "o(oayays)", collection.collection_path, secret)
            if collection.is_locked():
                raise RuntimeError("the test keyring did not unlock again")
