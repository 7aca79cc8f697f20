"""Device credentials in the OS keyring, through the ``keyring`` package.

Only a backend that keeps secrets safely is used: one that keyring itself recommends, or one
the user chose explicitly. Anything else raises ``KeyringUnavailable`` rather than quietly
writing the device's secret key somewhere weaker (or nowhere).
"""

import configparser
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keyring
import keyring.core
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.util import platform_

log = logging.getLogger(__name__)

_ENV_VAR = "PYTHON_KEYRING_BACKEND"
_CONFIG_NAME = "keyringrc.cfg"

# These accept calls and keep nothing (or fail every call): choosing one explicitly would
# still lose the device's credentials, so no choice makes them acceptable.
_CANNOT_STORE: tuple[type[KeyringBackend], ...] = (fail.Keyring, null.Keyring)


class KeyringUnavailable(RuntimeError):
    """No secure keyring backend, and the user chose none explicitly."""


@dataclass(frozen=True)
class DeviceSecret:
    """What a signed-in device needs to connect again: its server credential and key pair."""

    device_id: int
    # The secret halves stay out of repr so that logging or printing one cannot leak them.
    token: str = field(repr=False)  # the device credential the server issued
    public_key: str  # the device's CURVE key pair, Z85 text (40 characters each)
    secret_key: str = field(repr=False)


_FIELDS = {"device_id": int, "token": str, "public_key": str, "secret_key": str}


class CredentialStore:
    """Device secrets, one keyring password per account under one service name."""

    def __init__(self, service: str = "tidings") -> None:
        self.service = service
        self._backend: KeyringBackend | None = None
        self._name = ""

    def check(self) -> str:
        """Name of the backend in use; raises KeyringUnavailable if it is not acceptable."""
        if self._backend is not None:
            return self._name
        choice = _explicit_choice()
        try:
            backend = keyring.get_keyring()
        except Exception as e:
            # keyring loads an explicitly named backend eagerly: a typo or a backend that
            # cannot run here fails right in get_keyring().
            what = f"The keyring backend chosen in {choice}" if choice else "keyring's backend"
            raise KeyringUnavailable(
                f"{what} could not be loaded ({type(e).__name__}: {e}). {_how_to_choose()}"
            ) from e
        name = _describe(backend)
        _judge(backend, name, choice)
        log.info("device credentials are kept in keyring backend %s", name)
        self._backend, self._name = backend, name
        return name

    def save(self, account: str, secret: DeviceSecret) -> None:
        """Store ``secret`` for ``account``, replacing whatever was stored for it."""
        backend = self._checked()
        password = json.dumps(asdict(secret), sort_keys=True)
        try:
            backend.set_password(self.service, account, password)
        except keyring.errors.KeyringError as e:
            raise self._failed("store", account, e) from e

    def load(self, account: str) -> DeviceSecret | None:
        """The secret stored for ``account``, or None if nothing is stored.

        Raises ValueError if the keyring holds something for ``account`` that is not a
        device secret (the message does not repeat what was found).
        """
        backend = self._checked()
        try:
            password = backend.get_password(self.service, account)
        except keyring.errors.KeyringError as e:
            raise self._failed("read", account, e) from e
        if password is None:
            return None
        return self._decode(account, password)

    def delete(self, account: str) -> None:
        """Forget the secret for ``account``; no error if none is stored."""
        backend = self._checked()
        try:
            backend.delete_password(self.service, account)
        except keyring.errors.PasswordDeleteError:
            # Backends report "nothing stored" this way; any other trouble would already
            # have failed earlier in the call (locked, no connection) as another error.
            pass
        except keyring.errors.KeyringError as e:
            raise self._failed("delete", account, e) from e

    def _checked(self) -> KeyringBackend:
        self.check()
        assert self._backend is not None
        return self._backend

    def _decode(self, account: str, password: str) -> DeviceSecret:
        try:
            data = json.loads(password)
        except ValueError:
            data = None
        if (
            not isinstance(data, dict)
            or data.keys() != _FIELDS.keys()
            or isinstance(data["device_id"], bool)
            or not all(isinstance(data[k], t) for k, t in _FIELDS.items())
        ):
            # json's own message would quote the stored text, which may be a secret.
            raise ValueError(
                f"The keyring entry for account {account!r} of service {self.service!r} "
                "is not a device secret that this version of Tidings can read."
            ) from None
        return DeviceSecret(**data)

    def _failed(self, action: str, account: str, e: Exception) -> KeyringUnavailable:
        if isinstance(e, keyring.errors.KeyringLocked):
            what = "is locked and was not unlocked; unlock it (for example in your desktop's "
            what += "password manager) and try again"
        else:
            what = f"failed ({type(e).__name__}: {e})"
        return KeyringUnavailable(
            f"Could not {action} the device credentials for account {account!r}: "
            f"the keyring ({self._name}) {what}."
        )


def _explicit_choice() -> str | None:
    """Where the user named a backend, in words, or None if keyring picked one itself."""
    if os.environ.get(_ENV_VAR):
        return f"the {_ENV_VAR} environment variable"
    path = _config_path()
    config = configparser.RawConfigParser()
    try:
        config.read(path, encoding="utf-8")
        chosen = config.get("backend", "default-keyring", fallback="").strip()
    except (configparser.Error, OSError, UnicodeDecodeError):
        # keyring cannot read such a file either, so it has chosen nothing.
        return None
    return f"keyring's config file {path}" if chosen else None


def _judge(backend: KeyringBackend, name: str, choice: str | None) -> None:
    if isinstance(backend, _CANNOT_STORE):
        # Auto-detection lands on the fail backend whenever nothing better is there: that is
        # the ordinary "no keyring service" case, not a choice to point out.
        if not choice:
            raise _no_secure_keyring(name)
        raise KeyringUnavailable(
            f"The keyring backend {name}, chosen in {choice}, cannot store passwords, so it "
            f"cannot keep this device's credentials. {_how_to_choose()}"
        )
    if isinstance(backend, chainer.ChainerBackend):
        # The chainer reports a high priority whenever it has two members, whatever they
        # are, so only its members say whether the secrets land somewhere safe.
        members = backend.backends
        if not members:
            raise KeyringUnavailable(
                f"The keyring backend {name} has no backends to pass passwords on to, so it "
                f"cannot keep this device's credentials. {_how_to_choose()}"
            )
        recommended = any(keyring.core.recommended(m) for m in members)
    else:
        recommended = keyring.core.recommended(backend)
    if not (recommended or choice):
        raise _no_secure_keyring(name)


def _no_secure_keyring(name: str) -> KeyringUnavailable:
    return KeyringUnavailable(
        "No secure keyring is available to keep this device's credentials: keyring found no "
        f"backend it recommends and fell back to {name}, and no backend was chosen "
        "explicitly. Start your desktop's keyring service (a Secret Service such as GNOME "
        f"Keyring or KWallet), or choose a backend yourself. {_how_to_choose()}"
    )


def _how_to_choose() -> str:
    return (
        f"To choose a backend explicitly, set the {_ENV_VAR} environment variable to its class "
        "name (for example keyring.backends.SecretService.Keyring), or put that name under "
        f"[backend] as default-keyring = ... in keyring's config file, {_config_path()} "
        "(`python -m keyring diagnose` shows where that file is, `python -m keyring "
        "--list-backends` lists the backends)."
    )


def _config_path() -> Path:
    return Path(platform_.config_root()) / _CONFIG_NAME


def _class_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _describe(backend: KeyringBackend) -> str:
    """The backend's class name, the form PYTHON_KEYRING_BACKEND takes."""
    name = _class_name(backend)
    if isinstance(backend, chainer.ChainerBackend):
        members = ", ".join(_class_name(m) for m in backend.backends) or "no backends"
        name = f"{name} ({members})"
    return name
