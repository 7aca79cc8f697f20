"""``tidings-server``: run a Tidings sync server in the foreground, or one of its admin
commands. Every server setting comes from ``syncserver.settings``' table."""

import argparse
import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zmq

from syncserver import admin
from syncserver.config import ServerConfig
from syncserver.lock import DataDirBusy
from syncserver.server import SyncServer
from syncserver.settings import CONFIG_ENV, SETTINGS, Setting, SettingsError, convert, resolve
from syncserver.settings import describe_default as default_text
from syncserver.store import StorageError, keep_sql_out_of_logs
from syncserver.store.backup import BackupFailed
from syncserver.store.database import SchemaTooNew, SchemaTooOld, describe_url
from syncserver.store.owner import DatabaseBusy

USAGE_ERROR = 2  # argparse's own status for a bad command line

DESCRIPTION = """\
Tidings sync server: stores and relays chat for Tidings devices.

Each setting can come from the command line, an environment variable or the config file
(TOML, --config), in that order of precedence, and otherwise has the default shown.
"""

EPILOG = """\
With no command, or with "serve", the server runs in the foreground until SIGTERM or
SIGINT. Admin commands use the same settings to find the data directory and database, and
may run while the server does (restore, new-epoch and migrate-to excepted). See
docs/self-hosting.md.
"""


def build_parser() -> argparse.ArgumentParser:
    """The command line: every setting, --config, and the admin commands."""
    p = argparse.ArgumentParser(
        prog="tidings-server",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help=f"TOML config file with any of the settings below (env {CONFIG_ENV})",
    )
    for setting in SETTINGS:
        _add_setting(p, setting)
    p.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    _add_commands(p)
    return p


def _add_setting(p: argparse.ArgumentParser, s: Setting) -> None:
    where = f"[config key {s.key}, env {s.env}; default: {default_text(s)}]"
    help_text = f"{s.help} {where}"
    if s.kind is not bool:
        p.add_argument(*_flags(s), dest=s.name, type=_argument_type(s), help=help_text)
        return
    p.add_argument(*_flags(s), dest=s.name, action="store_const", const=True, help=help_text)
    if s.off_flag is not None:
        p.add_argument(
            s.off_flag, dest=s.name, action="store_const", const=False, help=f"not {s.flag}"
        )


def _flags(s: Setting) -> tuple[str, ...]:
    return (s.flag, *s.aliases)


def _argument_type(setting: Setting) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return convert(setting, text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return parse


def _add_commands(p: argparse.ArgumentParser) -> None:
    commands = p.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    commands.add_parser("serve", help="run the server (the default)")
    add = commands.add_parser("create-user", help="create an account; password from stdin")
    add.add_argument("name")
    reset = commands.add_parser("reset-password", help="set a new password; from stdin")
    reset.add_argument("name")
    devices = commands.add_parser("devices", help="list an account's active devices")
    devices.add_argument("name")
    revoke = commands.add_parser("revoke-device", help="sign a device out for good")
    revoke.add_argument("name")
    revoke.add_argument("device", type=int, help="the device's id, from: devices NAME")
    commands.add_parser("fingerprint", help="print the server key's fingerprint")
    backup = commands.add_parser("backup", help="copy the SQLite database, also while serving")
    backup.add_argument("file", type=Path, help="the new backup file")
    restore = commands.add_parser(
        "restore", help="replace the SQLite database with a backup; the server must be stopped"
    )
    restore.add_argument("file", type=Path, help="a file made by backup")
    commands.add_parser(
        "new-epoch",
        help="after restoring the database by other means (pg_restore): tell devices to "
        "reconcile their caches; the server must be stopped",
    )
    move = commands.add_parser(
        "migrate-to",
        help="copy the SQLite database into an empty PostgreSQL database; the server must "
        "be stopped",
    )
    move.add_argument("url", metavar="URL", help="postgresql://USER[:PASSWORD]@HOST/DBNAME")


ADMIN: dict[str, Callable[[ServerConfig, argparse.Namespace], str]] = {
    "create-user": lambda c, a: admin.create_user(c, a.name),
    "reset-password": lambda c, a: admin.reset_password(c, a.name),
    "devices": lambda c, a: admin.list_devices(c, a.name),
    "revoke-device": lambda c, a: admin.revoke_device(c, a.name, a.device),
    "fingerprint": lambda c, a: admin.fingerprint(c),
    "backup": lambda c, a: admin.backup(c, a.file),
    "restore": lambda c, a: admin.restore(c, a.file),
    "new-epoch": lambda c, a: admin.new_epoch(c),
    "migrate-to": lambda c, a: admin.migrate_to(c, a.url),
}


async def run(config: ServerConfig) -> None:
    """Serve until SIGINT or SIGTERM, then stop gracefully (``SyncServer.stop``)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = SyncServer(config)
    await server.start()
    # What starting made (modules, the settings, the database's connection) lives as long as
    # the process: left to the collector, a full collection walked all of it in the middle
    # of serving, 33 ms in one run at 1,000 messages/s, far the longest pause there.
    gc.freeze()
    print(f"Tidings sync server listening on {server.endpoint}", flush=True)
    if server.fingerprint:
        print(f"Key service on {server.key_endpoint}", flush=True)
        print(f"Server key fingerprint: {server.fingerprint}", flush=True)
    else:
        print("WARNING: encryption is OFF (--insecure-plaintext)", flush=True)
    print(
        f"Data in {config.data_dir}; database {describe_url(config.database_url or 'SQLite')}",
        flush=True,
    )
    await stop.wait()
    print("Stopping...", flush=True)
    await server.stop()


def serve(config: ServerConfig) -> int:
    """Run the server; the exit status."""
    try:
        asyncio.run(run(config))
    except (SchemaTooNew, SchemaTooOld, DataDirBusy, DatabaseBusy) as e:
        return _fail(str(e), USAGE_ERROR)
    except (OSError, zmq.ZMQError) as e:  # an address in use or not this machine's
        return _fail(str(e), 1)
    return 0


def _fail(message: str, status: int) -> int:
    print(f"tidings-server: {message}", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "serve"
    configure_logging(args.verbose, command)
    given = {s.name: getattr(args, s.name) for s in SETTINGS if getattr(args, s.name) is not None}
    try:
        config = resolve(given, file=args.config)
    except SettingsError as e:
        return _fail(str(e), USAGE_ERROR)
    if command == "serve":
        return serve(config)
    try:
        print(ADMIN[command](config, args))
    except (
        admin.AdminError,
        BackupFailed,
        SchemaTooNew,
        SchemaTooOld,
        StorageError,
        OSError,
    ) as e:
        return _fail(str(e), 1)
    return 0


def configure_logging(verbose: bool, command: str) -> None:
    """Log to stderr: routine lines while serving, debug detail if ``verbose``."""
    # Admin commands print their result; routine log lines would only bury it.
    quiet = logging.WARNING if command != "serve" else logging.INFO
    logging.basicConfig(
        level=logging.DEBUG if verbose else quiet,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    keep_sql_out_of_logs()


if __name__ == "__main__":
    sys.exit(main())
