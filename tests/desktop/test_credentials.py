"""Device credentials in a real keyring, and which keyring backends the desktop app accepts."""

import json
import os
import subprocess
import sys
import uuid
from importlib.metadata import entry_points
from pathlib import Path

import keyring
import pytest

from desktop.platform.credentials import CredentialStore, DeviceSecret, KeyringUnavailable
from shared.keys import KeyPair
from tests.keyring_session import locked_keyring, secret_service  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
FAIL = "keyring.backends.fail.Keyring"
CHAINER = "keyring.backends.chainer.ChainerBackend"
UNAVAILABLE = 3  # exit code of STORE_SCRIPT when the store raised KeyringUnavailable


def _why_keyring_is_not_alone() -> str | None:
    """Why keyring could find more backends here than its own and those a test adds, if so."""
    if not sys.platform.startswith("linux"):
        return "other systems always have a native keyring"
    plugins = {e.dist.name for e in entry_points(group="keyring.backends") if e.dist is not None}
    plugins.discard("keyring")
    if plugins:
        return f"keyring plugins installed here add backends of their own: {sorted(plugins)}"
    return None


# Tests that need a machine where, without a session bus, keyring finds no secure backend and
# none but the backends each test adds itself.
keyring_alone = pytest.mark.skipif(
    _why_keyring_is_not_alone() is not None, reason=_why_keyring_is_not_alone() or ""
)


def make_secret(device_id: int) -> DeviceSecret:
    keys = KeyPair.generate()
    return DeviceSecret(device_id, uuid.uuid4().hex, keys.public, keys.secret)


@pytest.fixture
def store(secret_service: str) -> CredentialStore:  # noqa: F811
    # A service name of its own, so no test sees another's entries.
    return CredentialStore(service=f"tidings-test-{uuid.uuid4().hex}")


# --- with the real Secret Service -------------------------------------------------------------


def test_save_load_delete_round_trip(store: CredentialStore) -> None:
    secret = make_secret(41)
    store.save("alice@chat.example", secret)

    assert store.load("alice@chat.example") == secret
    # One keyring password per account, holding exactly the four fields as JSON.
    stored = json.loads(keyring.get_password(store.service, "alice@chat.example") or "null")
    assert stored == {
        "device_id": 41,
        "token": secret.token,
        "public_key": secret.public_key,
        "secret_key": secret.secret_key,
    }

    store.delete("alice@chat.example")
    assert store.load("alice@chat.example") is None
    assert keyring.get_password(store.service, "alice@chat.example") is None
    store.delete("alice@chat.example")  # already gone: no error


def test_unknown_account_loads_none(store: CredentialStore) -> None:
    assert store.load("nobody@chat.example") is None


def test_accounts_are_kept_apart(store: CredentialStore) -> None:
    alice, bob = make_secret(1), make_secret(2)
    store.save("alice@chat.example", alice)
    store.save("bob@chat.example", bob)

    assert store.load("alice@chat.example") == alice
    assert store.load("bob@chat.example") == bob
    store.delete("alice@chat.example")
    assert store.load("alice@chat.example") is None
    assert store.load("bob@chat.example") == bob


def test_save_replaces_what_was_stored(store: CredentialStore) -> None:
    store.save("alice@chat.example", make_secret(1))
    newer = make_secret(2)
    store.save("alice@chat.example", newer)
    assert store.load("alice@chat.example") == newer


def test_check_names_the_secret_service_backend(store: CredentialStore) -> None:
    assert store.check() == SECRET_SERVICE


def test_locked_keyring_is_reported_without_the_secret(store: CredentialStore) -> None:
    secret = make_secret(5)
    store.save("alice@chat.example", secret)
    with locked_keyring():
        with pytest.raises(KeyringUnavailable, match="locked") as raised:
            store.load("alice@chat.example")
        with pytest.raises(KeyringUnavailable, match="locked"):
            store.save("alice@chat.example", secret)
    message = str(raised.value)
    assert secret.token not in message
    assert secret.secret_key not in message
    assert store.load("alice@chat.example") == secret  # unlocked again, nothing lost


def test_entry_that_is_not_a_device_secret_is_refused_without_quoting_it(
    store: CredentialStore,
) -> None:
    keyring.set_password(store.service, "alice@chat.example", '{"token": "s3cr3t-value"}')
    with pytest.raises(ValueError, match="not a device secret") as raised:
        store.load("alice@chat.example")
    assert "s3cr3t-value" not in str(raised.value)


def test_subprocesses_reach_the_same_keyring(store: CredentialStore, tmp_path: Path) -> None:
    # The fixture's environment is inherited: what a child process stores, this one reads.
    result = run_store_script(dict(os.environ), tmp_path, service=store.service, keep=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == SECRET_SERVICE
    assert store.load("alice") == SCRIPT_SECRET


def test_chainer_with_a_recommended_member_is_accepted(
    secret_service: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = plain_env(tmp_path, DBUS_SESSION_BUS_ADDRESS=secret_service)
    env["PYTHON_KEYRING_BACKEND"] = CHAINER
    result = run_store_script(env, tmp_path)
    assert result.returncode == 0, result.stderr
    # Other installed backends (keyrings.alt's, say) may join the chain too.
    name, members = result.stdout.strip().removesuffix(")").split(" (", 1)
    assert name == CHAINER
    assert SECRET_SERVICE in members.split(", ")


# --- which backends are accepted (each in a subprocess, so nothing leaks into this one) --------

SCRIPT_SECRET = DeviceSecret(7, "device-token", "P" * 40, "S" * 40)  # as STORE_SCRIPT makes it

# Prints the backend's name after a full round trip, or the KeyringUnavailable message.
STORE_SCRIPT = f"""
import sys
from desktop.platform.credentials import CredentialStore, DeviceSecret, KeyringUnavailable

secret = DeviceSecret(7, "device-token", "P" * 40, "S" * 40)
store = CredentialStore(sys.argv[1])
try:
    name = store.check()
    store.save("alice", secret)
    assert store.load("alice") == secret
    if sys.argv[2] != "keep":
        store.delete("alice")
        assert store.load("alice") is None
except KeyringUnavailable as e:
    print(e)
    sys.exit({UNAVAILABLE})
print(name)
"""

# A keyring backend that works (a plain JSON file) but that keyring, rightly, would not
# recommend; a second one when asked for, so that keyring's chainer takes over.
FILE_BACKEND = """
import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

STORE = Path(os.environ["TIDINGS_TEST_FILE_KEYRING"])


class _JsonFile:
    def _entries(self):
        return json.loads(STORE.read_text()) if STORE.exists() else {}

    def get_password(self, service, username):
        return self._entries().get(f"{service}/{username}")

    def set_password(self, service, username, password):
        entries = self._entries()
        entries[f"{service}/{username}"] = password
        STORE.write_text(json.dumps(entries))

    def delete_password(self, service, username):
        entries = self._entries()
        if entries.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("not stored")
        STORE.write_text(json.dumps(entries))


class Keyring(_JsonFile, KeyringBackend):
    priority = 0.5


if os.environ.get("TIDINGS_TEST_SECOND_BACKEND"):

    class SecondKeyring(_JsonFile, KeyringBackend):
        priority = 0.4
"""


def plain_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any keyring choice, session bus or config file."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DBUS_SESSION_BUS_ADDRESS",
            "PYTHON_KEYRING_BACKEND",
            "XDG_CONFIG_HOME",
            "XDG_DATA_HOME",
            "XDG_RUNTIME_DIR",
            "PYTHONPATH",
        }
    }
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env["HOME"] = str(home)
    env["TIDINGS_TEST_FILE_KEYRING"] = str(tmp_path / "file-keyring.json")
    env.update(extra)
    return env


def config_path(env: dict[str, str]) -> Path:
    return Path(env["HOME"]) / ".config" / "python_keyring" / "keyringrc.cfg"


def write_config(env: dict[str, str], text: str) -> Path:
    path = config_path(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def file_backend(tmp_path: Path, entry_point: bool = False) -> Path:
    """A folder with the file backend's module, registered as a keyring plugin if asked."""
    folder = tmp_path / "plugins"
    folder.mkdir(exist_ok=True)
    (folder / "filekeyring.py").write_text(FILE_BACKEND)
    if entry_point:
        dist = folder / "filekeyring-1.0.dist-info"
        dist.mkdir(exist_ok=True)
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: filekeyring\nVersion: 1.0\n")
        (dist / "entry_points.txt").write_text("[keyring.backends]\nfile = filekeyring\n")
    return folder


def run_store_script(
    env: dict[str, str], tmp_path: Path, service: str = "tidings-test", keep: bool = False
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", STORE_SCRIPT, service, "keep" if keep else "clean"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_unavailable(result: subprocess.CompletedProcess[str], *phrases: str) -> str:
    assert result.returncode == UNAVAILABLE, (result.stdout, result.stderr)
    message = result.stdout
    for phrase in phrases:
        assert phrase in message
    # Every refusal tells how to choose a backend and where keyring's config file is.
    assert "PYTHON_KEYRING_BACKEND" in message
    assert "python -m keyring diagnose" in message
    assert SCRIPT_SECRET.token not in message
    return message


def test_fail_backend_chosen_in_the_environment_is_refused(tmp_path: Path) -> None:
    env = plain_env(tmp_path, PYTHON_KEYRING_BACKEND=FAIL)
    assert_unavailable(
        run_store_script(env, tmp_path),
        f"{FAIL}, chosen in the PYTHON_KEYRING_BACKEND environment variable",
        "cannot store passwords",
    )


def test_fail_backend_chosen_in_the_config_file_is_refused(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    path = write_config(env, f"[backend]\ndefault-keyring = {FAIL}\n")
    assert_unavailable(
        run_store_script(env, tmp_path),
        f"chosen in keyring's config file {path}",
        "cannot store passwords",
    )


@keyring_alone
def test_no_secure_backend_is_explained(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    assert_unavailable(
        run_store_script(env, tmp_path),
        "No secure keyring is available",
        f"fell back to {FAIL}",
        str(config_path(env)),  # where the user's file would go, under their home
    )


def test_explicit_backend_that_cannot_run_here_is_reported(tmp_path: Path) -> None:
    # Explicitly chosen Secret Service, but there is no session bus to reach it on.
    env = plain_env(tmp_path, PYTHON_KEYRING_BACKEND=SECRET_SERVICE)
    assert_unavailable(
        run_store_script(env, tmp_path),
        "chosen in the PYTHON_KEYRING_BACKEND environment variable could not be loaded",
    )


@keyring_alone
def test_explicit_chainer_with_nothing_to_chain_is_refused(tmp_path: Path) -> None:
    env = plain_env(tmp_path, PYTHON_KEYRING_BACKEND=CHAINER)
    assert_unavailable(run_store_script(env, tmp_path), "has no backends to pass passwords on to")


@pytest.mark.parametrize("where", ["environment", "config file"])
def test_non_recommended_backend_chosen_explicitly_is_used(tmp_path: Path, where: str) -> None:
    plugins = file_backend(tmp_path)
    env = plain_env(tmp_path)
    if where == "environment":
        env["PYTHON_KEYRING_BACKEND"] = "filekeyring.Keyring"
        env["PYTHONPATH"] = str(plugins)
    else:
        write_config(
            env, f"[backend]\ndefault-keyring = filekeyring.Keyring\nkeyring-path = {plugins}\n"
        )
    result = run_store_script(env, tmp_path, keep=True)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stdout.strip() == "filekeyring.Keyring"
    stored = json.loads(Path(env["TIDINGS_TEST_FILE_KEYRING"]).read_text())
    assert json.loads(stored["tidings-test/alice"])["token"] == SCRIPT_SECRET.token


@keyring_alone
def test_non_recommended_backend_found_by_keyring_is_refused(tmp_path: Path) -> None:
    env = plain_env(tmp_path, PYTHONPATH=str(file_backend(tmp_path, entry_point=True)))
    assert_unavailable(
        run_store_script(env, tmp_path), "No secure keyring", "fell back to filekeyring.Keyring"
    )
    assert not Path(env["TIDINGS_TEST_FILE_KEYRING"]).exists()


@keyring_alone
def test_chainer_of_non_recommended_backends_is_refused(tmp_path: Path) -> None:
    # With two usable backends keyring picks its chainer, whose own priority (10) says
    # "recommended" whatever it chains; what counts is that no member is recommended.
    env = plain_env(
        tmp_path,
        PYTHONPATH=str(file_backend(tmp_path, entry_point=True)),
        TIDINGS_TEST_SECOND_BACKEND="1",
    )
    assert_unavailable(
        run_store_script(env, tmp_path),
        "No secure keyring",
        f"fell back to {CHAINER} (filekeyring.Keyring, filekeyring.SecondKeyring)",
    )
    assert not Path(env["TIDINGS_TEST_FILE_KEYRING"]).exists()


def test_repr_leaves_the_secrets_out() -> None:
    secret = make_secret(9)
    text = repr(secret)
    assert "device_id=9" in text
    assert secret.public_key in text
    assert secret.token not in text
    assert secret.secret_key not in text
