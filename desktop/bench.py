"""The desktop side of ``tidings-bench``: one JSON object on stdout per run.

``python -m desktop.bench catchup --endpoint E --server-key=K --messages N``
    Against a running server: a reader's desktop profile goes offline while N messages
    arrive in its direct chats with several senders; then the real sync engine starts on the
    real cache file and the seconds until the cache holds all N are measured.

``python -m desktop.bench files --endpoint E --server-key=K --megabytes N``
    Files through the real client core, from one profile to another (``desktop.bench_files``).

``python -m desktop.bench e2e --endpoint E --server-key=K --channel C --messages N --rate R``
    Two real app windows against a running server, with two of its devices' credentials on
    standard input: from pressing Enter in one to the message painted in the other
    (``desktop.bench_e2e``).

``python -m desktop.bench desktop --messages 1000000 --channels 200``
    Seeds a cache of that size (kept between runs, keyed by size and schema version), then
    starts the real app on it offscreen in a child process, with no server reachable, and
    measures the seconds from process start to the main window's first paint, the
    milliseconds to open the biggest chat until its newest rows are painted, and peak memory.

The server side (``syncserver/bench``) runs this module as a subprocess, so ``syncserver``
never imports ``desktop``. Device credentials stay in memory here: a benchmark device is
thrown away with its temporary profile and has no business in the user's keyring.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs

from desktop import bench_e2e, bench_files
from desktop.cache.schema import SCHEMA_MAJOR, SCHEMA_MINOR, open_cache_db
from desktop.core.account import open_engine, sign_in
from desktop.core.events import AppEvent, MessageAdded
from desktop.core.profile import Profile
from desktop.platform.credentials import CredentialStore, DeviceSecret
from shared.client import Connection
from shared.endpoints import key_endpoint_for
from shared.ids import new_client_id
from shared.keys import KeyPair, fingerprint
from shared.protocol import OpenDirect, Send

PASSWORD = "benchmark password"
CATCHUP_SENDERS = 4  # direct chats the reader's messages arrive in
SEND_LANES = 32  # sends in flight while filling the server
TIMEOUT = 600.0  # secs any one phase may take before the run counts as failed
PAINT_TIMEOUT = 60.0  # secs for the window or the opened chat to be painted
SEED_FORMAT = 1  # bump when the seeded cache's contents change
ME = "me"
NO_SERVER = "tcp://127.0.0.1:9"  # the discard port: nothing answers, the app stays offline


class MemoryCredentials(CredentialStore):
    """Device secrets kept in this process only, for benchmark devices."""

    def __init__(self) -> None:
        super().__init__(service="tidings-bench")
        self._secrets: dict[str, DeviceSecret] = {}

    def check(self) -> str:
        return "memory"

    def save(self, account: str, secret: DeviceSecret) -> None:
        self._secrets[account] = secret

    def load(self, account: str) -> DeviceSecret | None:
        return self._secrets.get(account)

    def delete(self, account: str) -> None:
        self._secrets.pop(account, None)


# --- catchup ---------------------------------------------------------------------------------


async def _person(endpoint: str, server_key: str, key_endpoint: str, user: str) -> Connection:
    conn = Connection(
        endpoint,
        server_key=server_key,
        key_endpoint=key_endpoint,
        request_timeout=60.0,
        heartbeat_interval=60.0,  # no presence traffic while filling the server
    )
    await conn.open()
    await conn.wait_ready(30.0)
    await conn.register(user, PASSWORD, "bench")
    return conn


async def _send_many(conn: Connection, channel: int, count: int) -> None:
    async def lane(n: int) -> None:
        for _ in range(n):
            await conn.request(
                Send(
                    channel=channel,
                    client_id=new_client_id(),
                    text=_text(random.randrange(1 << 30)),
                )
            )

    share, extra = divmod(count, SEND_LANES)
    await asyncio.gather(*(lane(share + (i < extra)) for i in range(SEND_LANES)))


async def catchup(
    endpoint: str, server_key: str, key_endpoint: str, messages: int, workdir: Path
) -> dict[str, Any]:
    """The reader's profile offline while ``messages`` arrive, then the seconds from starting
    its sync engine until its cache holds every one of them."""
    tag = uuid.uuid4().hex[:8]  # fresh names, so runs against one server do not collide
    reader = f"reader-{tag}"
    credentials = MemoryCredentials()
    profile = await sign_in(
        workdir / "reader",
        endpoint,
        reader,
        PASSWORD,
        "desktop",
        create_account=True,
        credentials=credentials,
        trust=lambda _server, offered: offered == fingerprint(server_key),
        key_endpoint=key_endpoint,
    )
    senders = [
        await _person(endpoint, server_key, key_endpoint, f"sender{i}-{tag}")
        for i in range(CATCHUP_SENDERS)
    ]
    chats = [(await s.request(OpenDirect(user=reader))).channel.id for s in senders]

    engine = open_engine(profile, credentials)
    await engine.start()
    await engine.wait_caught_up(60.0)
    await engine.stop()
    engine.cache.close()

    share, extra = divmod(messages, CATCHUP_SENDERS)
    await asyncio.gather(
        *(
            _send_many(s, chat, share + (i < extra))
            for i, (s, chat) in enumerate(zip(senders, chats, strict=True))
        )
    )

    stored = 0
    all_stored = asyncio.Event()

    def count(event: AppEvent) -> None:
        nonlocal stored
        if isinstance(event, MessageAdded) and event.message.sender != reader:
            stored += 1
            if stored >= messages:
                all_stored.set()

    start = time.perf_counter()
    engine = open_engine(profile, credentials)
    engine.subscribe(count)
    await engine.start()
    await asyncio.wait_for(all_stored.wait(), TIMEOUT)
    seconds = time.perf_counter() - start
    await engine.stop()
    engine.cache.close()
    for s in senders:
        await s.close()

    in_cache = _count_messages(profile.cache_path, exclude_sender=reader)
    if in_cache != messages:
        raise RuntimeError(f"the cache holds {in_cache} of {messages} messages")
    return {
        "messages": messages,
        "channels": CATCHUP_SENDERS,
        "seconds": seconds,
        "per_s": messages / seconds,
        "in_cache": in_cache,
    }


def _count_messages(path: Path, exclude_sender: str | None = None) -> int:
    with contextlib.closing(sqlite3.connect(path)) as db:
        row = db.execute(
            "SELECT COUNT(*) FROM message WHERE kind = 'message' AND sender IS NOT ?",
            (exclude_sender,),
        ).fetchone()
    return int(row[0])


# --- seeding a big cache ---------------------------------------------------------------------

_VOCABULARY = (
    "the a and to of in is it you that was for on are with as i his they be at one have "
    "this from or had by word but what some we can out other were all there when up use "
    "your how said an each she which do their time if will way about many then them write "
    "would like so these her long make thing see him two has look more day could go come "
    "did number sound no most people my over know water than call first who may down side "
    "been now find meeting release deploy lunch tomorrow review build server cache window "
    "thanks sure ok coffee weekend plan ticket bug fix merge branch test green red yes "
    "maybe later"
)
_WORDS = _VOCABULARY.split()


def _text(n: int, rng: random.Random | None = None) -> str:
    """Chat-like text: mostly a short line, sometimes a paragraph."""
    rng = rng or random.Random(n)
    words = rng.choice((3, 5, 8, 12, 20, 60))
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize()


def seed_cache(path: Path, messages: int, channels: int) -> dict[str, Any]:
    """A cache of ``messages`` events over ``channels`` chats, written with plain SQL into the
    real schema (full-text index included). Chat sizes fall off as 1/rank, so the biggest
    holds about a sixth of all messages with 200 chats. Returns facts about what was made."""
    open_cache_db(path, ME).db.close()  # the real schema, empty
    rng = random.Random(7)
    weights = [1 / (rank + 1) for rank in range(channels)]
    total = sum(weights)
    sizes = [max(1, int(messages * w / total)) for w in weights]
    sizes[0] += messages - sum(sizes)
    now = int(time.time() * 1000)
    year = 365 * 24 * 3600 * 1000
    people = [f"user{i}" for i in range(400)]
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        pos = 0
        for index, size in enumerate(sizes):
            channel_id = index + 1
            group = index % 4 == 3
            members = [ME, *rng.sample(people, 12 if group else 1)]
            # Mostly read; a few chats with a little unread, one with a lot.
            unread = 10_000 if index == 1 else rng.choice((0, 0, 0, 0, 1, 3, 12, 40))
            unread = min(unread, size)
            start = now - rng.randrange(year // 2, year)
            end = now - index * 60_000
            step = max(1, (end - start) // size)
            rows = []
            for seq in range(1, size + 1):
                pos += 1
                sender = ME if rng.random() < 0.3 else rng.choice(members[1:])
                rows.append(
                    (channel_id, seq, pos, "message", sender, start + seq * step, _text(pos, rng))
                )
            first_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM message").fetchone()[0]
            db.executemany(
                "INSERT INTO message (channel, seq, pos, kind, sender, ts, text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.execute(  # as the cache indexes what it stores, and marks it as indexed
                "INSERT INTO message_fts (rowid, text) SELECT id, text FROM message WHERE id >= ?",
                (first_id,),
            )
            db.execute(
                "UPDATE setting SET value = (SELECT MAX(id) FROM message) "
                "WHERE key = 'indexed_up_to'"
            )
            read_seq = size - unread
            unread_count = sum(1 for r in rows[read_seq:] if r[4] != ME)
            db.execute(
                "INSERT INTO channel (id, kind, name, owner, members, active, last_seq, "
                "read_seq, read_sent_seq, unread, last_ts, muted) "
                "VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, 0)",
                (
                    channel_id,
                    "group" if group else "direct",
                    f"group {channel_id}" if group else "",
                    ME if group else None,
                    json.dumps(members),
                    size,
                    read_seq,
                    read_seq,
                    unread_count,
                    rows[-1][5],
                ),
            )
        db.execute("INSERT INTO setting (key, value) VALUES ('sync_cursor', ?)", (str(pos),))
    return {"biggest_channel": 1, "biggest_messages": sizes[0]}


def seeded_cache(cache_dir: Path, messages: int, channels: int) -> tuple[Path, dict, float]:
    """The seeded cache for this size and schema, made now if no earlier run left one.
    Returns its path, its facts and the seconds spent seeding (0 when reused)."""
    version = f"s{SCHEMA_MAJOR}.{SCHEMA_MINOR}-f{SEED_FORMAT}"
    path = cache_dir / f"cache-{messages}-{channels}-{version}.sqlite3"
    facts_path = path.with_suffix(".json")
    if path.exists() and facts_path.exists():
        return path, json.loads(facts_path.read_text()), 0.0
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    start = time.perf_counter()
    facts = seed_cache(partial, messages, channels)
    os.replace(partial, path)
    facts_path.write_text(json.dumps(facts))
    return path, facts, time.perf_counter() - start


# --- desktop ---------------------------------------------------------------------------------


def desktop(
    messages: int, channels: int, cache_dir: Path, workdir: Path, grab: Path | None = None
) -> dict[str, Any]:
    """Start the app on a seeded cache in a child process and report what it measured;
    ``grab`` saves a picture of the window with the biggest chat open."""
    seeded, facts, seed_seconds = seeded_cache(cache_dir, messages, channels)
    profile_dir = workdir / "profile"
    profile_dir.mkdir(parents=True)
    profile = Profile(
        dir=profile_dir,
        endpoints=(NO_SERVER,),
        key_endpoint=key_endpoint_for(NO_SERVER),
        server_key=KeyPair.generate().public,
        user=ME,
        device_id=1,
        device_name="bench",
    )
    profile.save()
    # A copy per run: the app writes to its cache (read positions), and the next run must
    # start from the same state.
    shutil.copyfile(seeded, profile.cache_path)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.monotonic()
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop.bench",
            "window",
            "--profile",
            str(profile_dir),
            "--channel",
            str(facts["biggest_channel"]),
            *(["--grab", str(grab)] if grab else []),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
    )
    if child.returncode != 0:
        raise RuntimeError(f"the app failed (exit {child.returncode}):\n{child.stderr}")
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    return {
        "messages": messages,
        "channels": channels,
        "biggest_messages": facts["biggest_messages"],
        "seed_seconds": seed_seconds,
        "start_to_paint_s": measured["painted_at"] - started,
        "open_biggest_ms": measured["open_ms"],
        "open_rows": measured["open_rows"],
        "peak_rss_mb": measured["peak_rss_mb"],
    }


def window(profile_dir: Path, channel_id: int, grab: Path | None = None) -> dict[str, Any]:
    """Inside the child: the app's own start-up (as ``desktop.app.run``), with the times the
    window and then the opened chat were first painted. Qt paints a window's widgets in one
    pass; a zero timer started at the first paint event fires once that pass is done."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    from desktop.app import DesktopApp, start_qt
    from desktop.ui.main_window import MainWindow

    app, loop = start_qt(sys.argv[:1])

    class FirstPaint(QObject):
        """Resolves ``done`` with the time a widget (and all painted with it) was painted,
        once ``ready()`` holds at one of its paint events."""

        def __init__(self, ready: Callable[[QObject], bool]) -> None:
            super().__init__()
            self.ready = ready
            self.done: asyncio.Future[float] = loop.create_future()

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not self.done.done() and self.ready(watched):
                QTimer.singleShot(0, self._painted)
            return False

        def _painted(self) -> None:
            if not self.done.done():
                self.done.set_result(time.monotonic())

    shown = FirstPaint(lambda w: isinstance(w, MainWindow))
    app.installEventFilter(shown)
    credentials = MemoryCredentials()
    profile = Profile.load(profile_dir)
    credentials.save(
        profile.keyring_account,
        DeviceSecret(profile.device_id, "offline", *_key_pair()),
    )
    desktop_app = DesktopApp(app, profile_dir, credentials)
    with loop:
        running = loop.run_until_complete(desktop_app.start())
        assert running is not None
        painted_at = loop.run_until_complete(asyncio.wait_for(shown.done, PAINT_TIMEOUT))
        app.removeEventFilter(shown)

        main = running.window
        pane = main.pane

        def chat_painted(watched: QObject) -> bool:
            return (
                watched is pane.view.viewport()
                and pane.model is not None
                and pane.model.channel_id == channel_id
                and pane.model.rowCount() > 0
                and pane.is_at_bottom()
            )

        opened = FirstPaint(chat_painted)
        pane.view.viewport().installEventFilter(opened)
        row = main.channels.row_of(channel_id)
        assert row is not None, "the biggest chat is not in the list"
        index = main.filtered.mapFromSource(main.channels.index(row))
        click = time.monotonic()
        main.channel_list.setCurrentIndex(index)  # what a click or the arrow keys do
        painted = loop.run_until_complete(asyncio.wait_for(opened.done, PAINT_TIMEOUT))
        open_ms = (painted - click) * 1000
        rows = pane.model.rowCount()
        peak = _peak_rss_mb()
        if grab is not None:
            main.grab().save(str(grab))
        DesktopApp.shut_down(running)
    return {"painted_at": painted_at, "open_ms": open_ms, "open_rows": rows, "peak_rss_mb": peak}


def _key_pair() -> tuple[str, str]:
    keys = KeyPair.generate()
    return keys.public, keys.secret


def _peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else float("nan")


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m desktop.bench", description="Desktop benchmarks; prints one JSON object."
    )
    sub = parser.add_subparsers(dest="scenario", required=True)
    up = sub.add_parser("catchup", help="sync engine catch-up into a real cache")
    up.add_argument("--endpoint", required=True, help="the running server, tcp://HOST:PORT")
    up.add_argument("--server-key", required=True, help="its CURVE public key (Z85)")
    up.add_argument("--key-endpoint", help="its key service (default: the next port)")
    up.add_argument("--messages", type=int, default=20_000)
    files = sub.add_parser("files", help="a file sent and downloaded through the client core")
    files.add_argument("--endpoint", required=True, help="the running server, tcp://HOST:PORT")
    files.add_argument("--server-key", required=True, help="its CURVE public key (Z85)")
    files.add_argument("--key-endpoint", help="its key service (default: the next port)")
    files.add_argument("--megabytes", type=int, default=50)
    e2e = sub.add_parser("e2e", help="Enter in one app window to painted in another")
    e2e.add_argument("--endpoint", required=True, help="the running server, tcp://HOST:PORT")
    e2e.add_argument("--server-key", required=True, help="its CURVE public key (Z85)")
    e2e.add_argument("--key-endpoint", help="its key service (default: the next port)")
    e2e.add_argument("--channel", type=int, required=True, help="the direct chat of the two")
    e2e.add_argument("--messages", type=int, default=200)
    e2e.add_argument("--rate", type=float, default=10.0, help="messages a second")
    app = sub.add_parser("desktop", help="app start-up and opening the biggest chat")
    app.add_argument("--messages", type=int, default=1_000_000)
    app.add_argument("--channels", type=int, default=200)
    app.add_argument(
        "--cache-dir",
        type=Path,
        default=platformdirs.user_cache_path("tidings", appauthor=False) / "bench",
        help="where seeded caches are kept between runs (default: %(default)s)",
    )
    app.add_argument("--grab", type=Path, metavar="PNG", help="save the window with the chat open")
    child = sub.add_parser("window", help="(internal) the app process of the desktop scenario")
    child.add_argument("--profile", type=Path, required=True)
    child.add_argument("--channel", type=int, required=True)
    child.add_argument("--grab", type=Path)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="tidings-desktop-bench-") as tmp:
        if args.scenario == "catchup":
            key_endpoint = args.key_endpoint or key_endpoint_for(args.endpoint)
            result = asyncio.run(
                catchup(args.endpoint, args.server_key, key_endpoint, args.messages, Path(tmp))
            )
        elif args.scenario == "files":
            result = asyncio.run(
                bench_files.files(
                    args.endpoint,
                    args.server_key,
                    args.key_endpoint or key_endpoint_for(args.endpoint),
                    args.megabytes,
                    Path(tmp),
                    MemoryCredentials(),
                    PASSWORD,
                )
            )
        elif args.scenario == "e2e":
            result = asyncio.run(
                bench_e2e.e2e(
                    args.endpoint,
                    args.server_key,
                    args.key_endpoint or key_endpoint_for(args.endpoint),
                    json.load(sys.stdin),
                    args.channel,
                    args.messages,
                    args.rate,
                    Path(tmp),
                )
            )
        elif args.scenario == "desktop":
            result = desktop(args.messages, args.channels, args.cache_dir, Path(tmp), args.grab)
        else:
            result = window(args.profile, args.channel, args.grab)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
