"""The PostgreSQL server the storage tests run on, found or started for the test session.

In order: the server named in ``TIDINGS_TEST_POSTGRES``; a local server on 127.0.0.1:5432
that lets ``postgres`` in without a password; a throwaway server started from the installed
server binaries in a temporary folder (stopped and removed at the end of the session). Only
when none of these can be had are the PostgreSQL tests skipped, with the reason.
"""

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "TIDINGS_TEST_POSTGRES"  # e.g. postgresql://postgres@127.0.0.1:5432/postgres
LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT = 3  # secs to wait for a server that may be there
START_TIMEOUT = 60  # secs pg_ctl may take to start or stop the throwaway server
# The throwaway server's data is thrown away anyway: no need to wait for the disk.
SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


@dataclass(frozen=True)
class PostgresPlan:
    """Where the session's PostgreSQL comes from: a URL to use, binaries to start, or neither."""

    description: str  # for the report header, e.g. "PostgreSQL 15.4 at 127.0.0.1:5432 (local)"
    url: str | None = None  # a running server's admin URL
    bin_dir: Path | None = None  # server binaries to start a throwaway server from
    skip_reason: str | None = None


def plan() -> PostgresPlan:
    """Decide, without starting anything, which PostgreSQL server the session will use."""
    named = os.environ.get(ENV_VAR)
    if named:
        return PostgresPlan(f"{_version(named) or 'PostgreSQL'} from {ENV_VAR}", url=named)
    local = _version(LOCAL_URL)
    if local:
        return PostgresPlan(f"{local} at 127.0.0.1:5432 (the local server)", url=LOCAL_URL)
    bin_dir = _server_binaries()
    if bin_dir is None:
        return PostgresPlan(
            "no PostgreSQL",
            skip_reason=(
                "PostgreSQL tests need a server: none answers on 127.0.0.1:5432 (trust auth), "
                f"{ENV_VAR} names none and no server binaries (initdb, pg_ctl) are installed "
                "to start one (Debian: apt-get install postgresql)"
            ),
        )
    return PostgresPlan(f"a throwaway PostgreSQL from {bin_dir}", bin_dir=bin_dir)


@contextlib.contextmanager
def throwaway_server(bin_dir: Path) -> Iterator[str]:
    """A PostgreSQL server of its own in a temporary folder, on a free loopback port.

    Yields its admin URL (user ``postgres``, trust auth). PostgreSQL refuses to run as root,
    so as root the server runs as the ``postgres`` user (or ``nobody``).
    """
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="tidings-postgres-"))
    try:
        if user is not None:
            os.chown(root, user.pw_uid, user.pw_gid)
        data, log = root / "data", root / "server.log"
        port = _free_port()
        _run(
            user,
            bin_dir / "initdb",
            "--pgdata",
            str(data),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-sync",
        )
        options = f"{SERVER_OPTIONS} -c listen_addresses=127.0.0.1 -p {port} -k {root}"
        start = ("start", "-D", str(data), "-l", str(log), "-w", "-o", options)
        _run(user, bin_dir / "pg_ctl", *start, log=log)
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            _run(user, bin_dir / "pg_ctl", "stop", "-D", str(data), "-m", "immediate", "-w")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def new_database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server at ``admin_url``, dropped when the block ends."""
    import psycopg2

    name = f"tidings_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _version(url: str) -> str | None:
    """``PostgreSQL 15.4`` if a server answers at url and lets us in, else None."""
    try:
        import psycopg2
    except ImportError:
        return None
    try:
        conn = psycopg2.connect(url, connect_timeout=CONNECT_TIMEOUT)
    except psycopg2.Error:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW server_version")
            row = cur.fetchone()
    finally:
        conn.close()
    return f"PostgreSQL {str(row[0]).split()[0]}" if row else "PostgreSQL"


def _server_binaries() -> Path | None:
    """The folder of the newest installed initdb and pg_ctl, if any."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    # Debian keeps them off PATH, one folder per major version.
    versioned = glob.glob("/usr/lib/postgresql/*/bin")
    versioned.sort(key=lambda p: [int(n) for n in re.findall(r"\d+", p)], reverse=True)
    candidates += [Path(p) for p in versioned]
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _server_user() -> pwd.struct_passwd | None:
    """Whom to run the server as: None for this process's own user, unless that is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("PostgreSQL cannot run as root, and there is no postgres or nobody user")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(user: pwd.struct_passwd | None, *args: str | Path, log: Path | None = None) -> None:
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        cwd="/",  # the server user may not be allowed into this process's folder
        check=False,
        user=None if user is None else user.pw_uid,
        group=None if user is None else user.pw_gid,
        extra_groups=None if user is None else [],
    )
    if result.returncode != 0:
        server_log = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        raise RuntimeError(
            f"{Path(args[0]).name} failed ({result.returncode}): "
            f"{result.stdout}{result.stderr}{server_log}"
        )
