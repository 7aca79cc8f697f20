"""``tidings-server``: run a Tidings sync server in the foreground."""

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from syncserver.config import DEFAULT_LISTEN, ServerConfig, default_data_dir
from syncserver.server import SyncServer
from syncserver.store.database import SchemaTooNew, describe_url


def parse_args(argv: list[str] | None = None) -> ServerConfig:
    p = argparse.ArgumentParser(
        prog="tidings-server",
        description="Tidings sync server: stores and relays chat for Tidings devices.",
    )
    p.add_argument(
        "--data",
        type=Path,
        default=default_data_dir(),
        help="data directory for the key pair and SQLite database (default: %(default)s)",
    )
    p.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        help="ZeroMQ endpoint to listen on, tcp://HOST:PORT (default: %(default)s)",
    )
    p.add_argument(
        "--key-listen",
        default=None,
        help="endpoint of the key service that tells new clients the server key "
        "(default: the port after --listen's)",
    )
    p.add_argument(
        "--database",
        default=None,
        help="database URL such as postgresql://user@host/db (default: SQLite in --data)",
    )
    p.add_argument(
        "--closed-registration",
        action="store_true",
        help="refuse new accounts; existing users can still log in",
    )
    p.add_argument(
        "--max-group-members",
        type=int,
        default=ServerConfig.max_group_members,
        help="largest allowed group (default: %(default)s)",
    )
    p.add_argument(
        "--heartbeat-interval",
        type=float,
        default=ServerConfig.heartbeat_interval,
        help="seconds between client heartbeats (default: %(default)s)",
    )
    p.add_argument(
        "--presence-timeout",
        type=float,
        default=ServerConfig.presence_timeout,
        help="seconds without a heartbeat before a device counts as gone (default: %(default)s)",
    )
    p.add_argument(
        "--device-rate",
        type=float,
        default=ServerConfig.device_rate,
        help="requests per second each device may make (default: %(default)s)",
    )
    p.add_argument(
        "--address-burst",
        type=float,
        default=ServerConfig.address_burst,
        help="failed logins and new accounts one address may make in a row before it is "
        "slowed down (default: %(default)s)",
    )
    p.add_argument(
        "--insecure-plaintext",
        action="store_true",
        help="INSECURE: turn off CurveZMQ encryption; anyone on the network can read "
        "and forge traffic. For debugging on a trusted machine only",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    a = p.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if a.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return ServerConfig(
        data_dir=a.data,
        listen=a.listen,
        key_listen=a.key_listen,
        database_url=a.database,
        insecure_plaintext=a.insecure_plaintext,
        open_registration=not a.closed_registration,
        max_group_members=a.max_group_members,
        heartbeat_interval=a.heartbeat_interval,
        presence_timeout=a.presence_timeout,
        device_rate=a.device_rate,
        address_burst=a.address_burst,
    )


async def run(config: ServerConfig) -> None:
    """Serve until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = SyncServer(config)
    await server.start()
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


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    try:
        asyncio.run(run(config))
    except SchemaTooNew as e:
        print(f"tidings-server: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"tidings-server: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
