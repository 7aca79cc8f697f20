"""Every server setting in one table, and how the config file, the environment and the
command line combine into a ``ServerConfig``.

Each ``Setting`` names a ``ServerConfig`` field; its config-file key, environment variable and
command-line flag are derived from that name, so a setting is declared once. Precedence, from
strongest to weakest: command line, environment, config file, built-in default.
"""

import dataclasses
import difflib
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared import limits
from syncserver.config import (
    InconsistentSettings,
    ServerConfig,
    check_consistency,
    default_data_dir,
)
from syncserver.store.database import describe_url

ENV_PREFIX = "TIDINGS_"
CONFIG_ENV = "TIDINGS_CONFIG"  # names the config file when --config is not given

_ENDPOINT = re.compile(r"tcp://(\[[0-9A-Fa-f:.]+\]|[^:/\s\[\]]+):(\d{1,5}|\*)")
_DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgres://")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class SettingsError(ValueError):
    """A setting was unknown or had a value of the wrong type or range; the message says
    where it came from, which setting, and what was expected."""


@dataclass(frozen=True)
class Setting:
    name: str  # the ServerConfig field, and the key in the config file
    kind: type  # str, Path, int, float, bool, or tuple (of strings)
    help: str
    section: str | None = None  # the config file table the key lives in
    aliases: tuple[str, ...] = ()  # further command-line flags, kept for existing scripts
    off_flag: str | None = None  # a bool's flag that turns it off
    default_text: str | None = None  # the default as the help should put it
    check: Callable[[Any], str | None] | None = None  # what is wrong with a value, or None
    shown: Callable[[str], str] = str  # a value as an error message may quote it

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}" if self.section else self.name

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def _endpoint(value: str) -> str | None:
    match = _ENDPOINT.fullmatch(value)
    if match is None or (match[2] != "*" and int(match[2]) > 65535):
        return "an endpoint tcp://HOST:PORT, such as tcp://0.0.0.0:7744"
    return None


def _node_endpoints(values: tuple[str, ...]) -> str | None:
    """Each node must be an endpoint devices can dial: a port number, not a wildcard."""
    for value in values:
        match = _ENDPOINT.fullmatch(value)
        if match is None or match[2] == "*" or not 0 < int(match[2]) < 65536:
            return (
                "endpoints tcp://HOST:PORT that devices can reach, separated by commas, such as "
                f"tcp://chat1.example.org:7744,tcp://chat2.example.org:7744; {value!r} is not one"
            )
    return None


def _database(value: str) -> str | None:
    if not value.startswith(_DATABASE_SCHEMES):
        return "a database URL starting sqlite:/// or postgresql://"
    return None


def _positive(value: float) -> str | None:
    return None if value > 0 and math.isfinite(value) else "a number above 0"


def _heartbeat_interval(value: float) -> str | None:
    # Clients beat no faster than this whatever they are told: a shorter interval would be
    # promised to them but not kept, and they would flap offline between their heartbeats.
    fastest = limits.MIN_HEARTBEAT_INTERVAL
    return None if fastest <= value < math.inf else f"a number of seconds of at least {fastest:g}"


def _at_least_two(value: int) -> str | None:
    return None if value >= 2 else "an integer of at least 2"


def _at_least_one(value: int) -> str | None:
    return None if value >= 1 else "an integer of at least 1"


def _not_negative(value: int) -> str | None:
    return None if value >= 0 else "an integer of at least 0 (0: no limit)"


def _at_least_one_frame(value: int) -> str | None:
    frame = limits.MAX_FRAME_BYTES
    return None if value >= frame else f"an integer of at least {frame} (one frame)"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "data_dir",
        Path,
        "data directory: the server's key pair, and its SQLite database unless database_url "
        "names another",
        aliases=("--data",),
        default_text="the user data directory, such as ~/.local/share/tidings-server",
    ),
    Setting(
        "listen",
        str,
        "endpoint the chat service listens on; tcp://0.0.0.0:PORT for every interface",
        check=_endpoint,
    ),
    Setting(
        "key_listen",
        str,
        "endpoint of the key service that tells new clients the server's public key",
        default_text="the port after listen's",
        check=_endpoint,
    ),
    Setting(
        "nodes",
        tuple,
        "the chat endpoints of all of this service's nodes, told to devices so that they move "
        "to another node when theirs stops answering",
        default_text="none",
        check=_node_endpoints,
    ),
    Setting(
        "database_url",
        str,
        "database URL such as postgresql://USER@HOST/DBNAME",
        aliases=("--database",),
        default_text="SQLite in the data directory",
        check=_database,
        shown=describe_url,  # errors go to the journal: never its password
    ),
    Setting(
        "open_registration",
        bool,
        "whether anyone may create an account; when closed, add users with create-user",
        off_flag="--closed-registration",
    ),
    Setting(
        "insecure_plaintext",
        bool,
        "INSECURE: turn off CurveZMQ encryption; anyone on the network can read and forge "
        "traffic. For debugging on a trusted machine only",
    ),
    Setting(
        "max_group_members", int, "largest allowed group", section="limits", check=_at_least_two
    ),
    Setting(
        "device_rate",
        float,
        "request cost units per second each device may spend",
        section="limits",
        check=_positive,
    ),
    Setting(
        "device_burst",
        float,
        "request cost units a device may spend in a row above its rate",
        section="limits",
        check=_positive,
    ),
    Setting(
        "account_rate",
        float,
        "request cost units per second all devices of one account may spend together",
        section="limits",
        check=_positive,
    ),
    Setting(
        "account_burst",
        float,
        "request cost units one account may spend in a row above its rate",
        section="limits",
        check=_positive,
    ),
    Setting(
        "max_devices",
        int,
        "active devices one account may have; logging in one more is refused",
        section="limits",
        check=_at_least_one,
    ),
    Setting(
        "max_queued_bytes",
        int,
        "bytes of replies and pushes held for one connection that does not read them (beyond "
        "it, its requests are refused and pushes to it dropped), and bytes of its requests "
        "waiting for their answers",
        section="limits",
        check=_at_least_one_frame,
    ),
    Setting(
        "max_in_flight",
        int,
        "requests one connection may have waiting for their answers; beyond it they are refused",
        section="limits",
        check=_at_least_one,
    ),
    Setting(
        "login_burst",
        float,
        "failed logins for one account before it is slowed down",
        section="limits",
        check=_positive,
    ),
    Setting(
        "login_interval",
        float,
        "seconds per further login attempt for one account once slowed down",
        section="limits",
        check=_positive,
    ),
    Setting(
        "address_burst",
        float,
        "failed logins and new accounts one address may make in a row before it is slowed down",
        section="limits",
        check=_positive,
    ),
    Setting(
        "address_interval",
        float,
        "seconds per further failed login or new account from one address once slowed down",
        section="limits",
        check=_positive,
    ),
    Setting(
        "files_dir",
        Path,
        "directory the files attached to messages are stored in, and uploads on their way",
        section="files",
        default_text="files in the data directory",
    ),
    Setting(
        "max_file_bytes",
        int,
        "largest file, in bytes, that may be attached to a message",
        section="files",
        check=_at_least_one,
    ),
    Setting(
        "user_quota_bytes",
        int,
        "bytes of files each user may keep on the server (0: no limit)",
        section="files",
        check=_not_negative,
    ),
    Setting(
        "max_storage_bytes",
        int,
        "bytes of files all users together may keep on the server (0: as much as the disk holds)",
        section="files",
        check=_not_negative,
    ),
    Setting(
        "upload_expiry",
        float,
        "seconds an unfinished upload may lie idle, or a finished one wait to be attached to "
        "a message, before it is removed",
        section="files",
        check=_positive,
    ),
    Setting(
        "upload_rate",
        float,
        "new uploads a second each device may begin",
        section="files",
        check=_positive,
    ),
    Setting(
        "upload_burst",
        float,
        "new uploads a device may begin in a row above its rate",
        section="files",
        check=_positive,
    ),
    Setting(
        "heartbeat_interval",
        float,
        "seconds between client heartbeats, told to each device when it connects",
        section="presence",
        check=_heartbeat_interval,
    ),
    Setting(
        "presence_timeout",
        float,
        "seconds without a heartbeat before a device counts as gone (at least 3 heartbeats)",
        section="presence",
        check=_positive,
    ),
)

_EXPECTED = {
    str: "a string",
    Path: "a path",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    tuple: "a list of strings",
}


def default_of(setting: Setting) -> Any:
    """The built-in default of a setting."""
    if setting.name == "data_dir":
        return default_data_dir()
    return next(f.default for f in dataclasses.fields(ServerConfig) if f.name == setting.name)


def describe_default(setting: Setting) -> str:
    """The default as the help text shows it."""
    if setting.default_text is not None:
        return setting.default_text
    value = default_of(setting)
    return str(value).lower() if isinstance(value, bool) else str(value)


def convert(setting: Setting, value: object, typed_source: bool = False) -> Any:
    """``value`` (the text of a variable or flag, or with ``typed_source`` a TOML value,
    which must have the right type already) as the setting's type; ``ValueError`` saying
    what was expected."""
    textual = setting.kind in (str, Path)
    wrong_type = typed_source and isinstance(value, str) != textual
    converted = None if wrong_type else _typed(setting.kind, value)
    if converted is None:
        raise ValueError(f"expected {_EXPECTED[setting.kind]}, got {_quoted(setting, value)}")
    problem = setting.check(converted) if setting.check else None
    if problem is not None:
        raise ValueError(f"expected {problem}, got {_quoted(setting, value)}")
    return converted


def _quoted(setting: Setting, value: object) -> str:
    return repr(setting.shown(value) if isinstance(value, str) else value)


def _typed(kind: type, value: object) -> Any:
    """``value`` as ``kind``, or None if it is not one."""
    if isinstance(value, str):
        return _parse_text(kind, value)
    if isinstance(value, list):
        return tuple(value) if kind is tuple and all(isinstance(v, str) for v in value) else None
    if isinstance(value, bool):
        return value if kind is bool else None
    if kind is float and isinstance(value, int | float):
        return float(value)
    if kind is int and isinstance(value, int):
        return value
    return None


def _parse_text(kind: type, text: str) -> Any:
    if kind is str:
        return text
    if kind is Path:
        return Path(text).expanduser() if text else None
    if kind is tuple:  # comma-separated, as a flag or a variable gives a list
        return tuple(item.strip() for item in text.split(",") if item.strip())
    if kind is bool:
        lowered = text.strip().lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else None
    try:
        return kind(text.strip())
    except ValueError:
        return None


def from_file(path: Path) -> dict[str, Any]:
    """The settings a TOML config file sets; a relative path in it is taken from the file's
    directory."""
    try:
        with path.open("rb") as f:
            document = tomllib.load(f)
    except OSError as e:
        raise SettingsError(f"cannot read config file {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"config file {path} is not valid TOML: {e}") from None
    values: dict[str, Any] = {}
    for key, raw in _flatten(document):
        setting = _setting_for_key(key)
        if setting is None:
            raise SettingsError(f"config file {path}: unknown key {key!r}{_suggest(key)}")
        try:
            value = convert(setting, raw, typed_source=True)
        except ValueError as e:
            raise SettingsError(f"config file {path}: key {key!r}: {e}") from None
        if isinstance(value, Path) and not value.is_absolute():
            value = path.parent / value
        values[setting.name] = value
    return values


def _flatten(document: dict[str, Any]) -> list[tuple[str, Any]]:
    """``[(dotted key, value)]``; a table nests only one level deep in this file."""
    pairs: list[tuple[str, Any]] = []
    for key, value in document.items():
        if isinstance(value, dict):
            pairs.extend((f"{key}.{sub}", inner) for sub, inner in value.items())
        else:
            pairs.append((key, value))
    return pairs


def _setting_for_key(key: str) -> Setting | None:
    return next((s for s in SETTINGS if s.key == key), None)


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, [s.key for s in SETTINGS], n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; known keys: {_known_keys()}"


def _known_keys() -> str:
    return ", ".join(s.key for s in SETTINGS)


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings the environment sets. Other ``TIDINGS_`` variables are left alone: the
    desktop app and the tests have their own."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.env in environ:
            try:
                values[setting.name] = convert(setting, environ[setting.env])
            except ValueError as e:
                raise SettingsError(f"environment variable {setting.env}: {e}") from None
    return values


def config_file(given: Path | None, environ: Mapping[str, str]) -> Path | None:
    """The config file named by ``--config`` or, failing that, by ``TIDINGS_CONFIG``."""
    if given is not None:
        return given
    named = environ.get(CONFIG_ENV)
    return Path(named).expanduser() if named else None


def resolve(
    command_line: dict[str, Any],
    environ: Mapping[str, str] | None = None,
    file: Path | None = None,
) -> ServerConfig:
    """The configuration from defaults, the file, the environment and the command line, each
    overriding the ones before it."""
    environ = os.environ if environ is None else environ
    path = config_file(file, environ)
    values = {s.name: default_of(s) for s in SETTINGS}
    if path is not None:
        values.update(from_file(path))
    values.update(from_environment(environ))
    values.update(command_line)
    config = ServerConfig(**values)
    try:
        check_consistency(config)
    except InconsistentSettings as e:
        raise SettingsError(str(e)) from None
    return config
