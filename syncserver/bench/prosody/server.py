"""A Prosody process of the benchmark's own: its configuration and data in a temporary folder,
on a free loopback port, with the benchmark's users registered. The packaged service (and
/etc/prosody) is never used."""

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from syncserver.bench.harness import cpu_seconds, rss_bytes
from syncserver.bench.prosody.config import DOMAIN, write_config

PASSWORD = "benchmark"
START_TIMEOUT = 20.0  # secs for Prosody to listen and open its admin socket
STOP_TIMEOUT = 10.0
SERVICE_USER = "prosody"  # the user the Debian package made; Prosody refuses to run as root
INSTALL = "sudo apt-get install prosody"


def missing() -> str | None:
    """Why Prosody cannot be run here, or None when it can."""
    for program in ("prosody", "prosodyctl"):
        if shutil.which(program) is None:
            return f"{program} is not installed (Debian: {INSTALL})"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            return f"running as root, and there is no {SERVICE_USER} user to run Prosody as"
    return None


def free_port() -> int:
    """A loopback port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_service_user() -> list[str]:
    """The command prefix that runs Prosody and prosodyctl as the ``prosody`` user when we are
    root (``setpriv`` execs, so the process started is Prosody itself); nothing otherwise."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={SERVICE_USER}", f"--regid={SERVICE_USER}", "--init-groups"]


def _hand_over(directory: Path) -> None:
    """Gives the folder to the user Prosody runs as."""
    if os.geteuid() != 0:
        return
    account = pwd.getpwnam(SERVICE_USER)
    for path in [directory, *directory.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid)


def _prepare(directory: Path, port: int) -> Path:
    """Prosody's folders and configuration in ``directory``, handed over to the user it runs
    as; the configuration's path."""
    for folder in ("data", "certs"):
        (directory / folder).mkdir()
    config = write_config(directory, port)
    _hand_over(directory)
    return config


VERSION_LINE = re.compile(r"^Prosody \d\S*$", re.MULTILINE)


def prosody_version() -> str:
    """Prosody's version, as ``prosodyctl about`` says it ("Prosody 0.12.3")."""
    # prosodyctl reads a configuration first, and /etc/prosody's is not everyone's to read.
    with tempfile.TemporaryDirectory(prefix="tidings-prosody-") as folder:
        about = subprocess.run(
            [
                *_as_service_user(),
                *("prosodyctl", "--config", str(_prepare(Path(folder), free_port())), "about"),
            ],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
    return version_in(about.stdout)


def version_in(about: str) -> str:
    """The version line of what ``prosodyctl about`` printed. Warnings come first, and may
    start with the name too ("Prosody was unable to find lua-unbound")."""
    said = VERSION_LINE.search(about)
    return said.group(0) if said else "Prosody (version unknown)"


@dataclass
class ProsodyServer:
    """A running Prosody; ``stop`` ends it and removes its folder."""

    proc: subprocess.Popen
    port: int
    directory: Path
    config: Path

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.proc.pid)

    def rss_bytes(self) -> int:
        return rss_bytes(self.proc.pid)

    def register(self, users: list[str]) -> None:
        """Creates the accounts through ``prosodyctl shell``: one process for all of them
        (``prosodyctl register`` takes a tenth of a second each)."""
        commands = "".join(f'user:create("{u}@{DOMAIN}", "{PASSWORD}")\n' for u in users)
        shell = subprocess.run(
            [*_as_service_user(), "prosodyctl", "--config", str(self.config), "shell"],
            input=commands,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT + len(users),
        )
        created = shell.stdout.count("User created")
        if created != len(users):
            raise RuntimeError(
                f"prosodyctl created {created} of {len(users)} users: {shell.stdout[-500:]}"
                f"{shell.stderr[-500:]}"
            )

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> "ProsodyServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_prosody(users: list[str]) -> ProsodyServer:
    """Prosody in the foreground on a free loopback port, ``users`` registered."""
    reason = missing()
    if reason is not None:
        raise RuntimeError(reason)
    directory = Path(tempfile.mkdtemp(prefix="tidings-prosody-"))
    port = free_port()
    config = _prepare(directory, port)
    with open(directory / "output.log", "wb") as output:
        proc = subprocess.Popen(
            [*_as_service_user(), "prosody", "--config", str(config), "-F"],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = ProsodyServer(proc, port, directory, config)
    try:
        _wait_until_ready(server)
        server.register(users)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_ready(server: ProsodyServer) -> None:
    """Until Prosody accepts connections and its admin socket is there."""
    deadline = time.monotonic() + START_TIMEOUT
    admin = server.directory / "data" / "prosody.sock"
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            log = (server.directory / "output.log").read_text(errors="replace")
            raise RuntimeError(f"Prosody exited while starting:\n{log[-2000:]}")
        if admin.exists() and _accepts(server.port):
            return
        time.sleep(0.05)  # polling a process we cannot be told about: it says nothing
    raise TimeoutError(f"Prosody did not listen on port {server.port} in {START_TIMEOUT:.0f} s")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False
