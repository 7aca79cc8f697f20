"""Hostile input: tens of thousands of broken, confused and unauthorised frames, pipelined
from three kinds of connection, must each get one well-formed answer, store nothing, and leave
the server serving everyone else."""

import asyncio
import contextlib
import dataclasses
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import pytest
import zmq
import zmq.asyncio

from shared import limits
from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    PROTOCOL_TAG,
    AddMembers,
    Bundle,
    ChannelList,
    CreateGroup,
    DeviceList,
    Error,
    EventPush,
    GetPresence,
    GetServerKey,
    Heartbeat,
    HeartbeatAck,
    Hello,
    History,
    LeaveChannel,
    ListChannels,
    ListDevices,
    Login,
    Logout,
    MarkRead,
    OpenDirect,
    PresenceList,
    PresencePush,
    Register,
    RemoveMember,
    RenameGroup,
    Reply,
    Request,
    RevokeDevice,
    RevokedPush,
    Send,
    ServerKey,
    Sync,
    SyncPage,
    Typing,
    Welcome,
    decode_request,
    decode_server_message,
    encode,
    salvage_rid,
)
from syncserver.config import ServerConfig
from syncserver.server import SyncServer
from tests.support import PASSWORD, WAIT, ClientFactory, bare_socket, new_id

SEED = 0x7D1_F022
FRAMES_PER_SOCKET = 7_000  # three sockets: 21,000 hostile frames in all
BATCH = 500  # frames sent before draining their answers
SENTINEL_RID = 1 << 62  # rids of the marker requests that close each batch; fuzz avoids them
QUIET = 2.0  # secs without any answer before a batch's marker is sent again

# --- hostile values ---------------------------------------------------------------------------

INTERESTING_INTS = [
    0,
    1,
    -1,
    2,
    3,
    7,
    999,
    2**31 - 1,
    2**31,
    2**32,
    2**53 + 1,
    2**63 - 1,
    2**63,
    2**64 - 1,
    -(2**31),
    -(2**63),
]
INTERESTING_STRS = [
    "",
    " ",
    "alice",
    "ALICE",
    "bob",
    "mallory",
    "\uff41\uff4c\uff49\uff43\uff45",  # fullwidth: alice after NFKC
    "a" * 33,
    "x" * 65,
    "\x00",
    "../../etc/passwd",
    "'; DROP TABLE user; --",
    "\u202e\u200b",
    "🦜" * 20,
]
INTERESTING_BYTES = [0x00, 0x7F, 0x80, 0x90, 0xA0, 0xC0, 0xC1, 0xC2, 0xCF, 0xD3, 0xDC, 0xDF, 0xFF]


def rand_int(rng: random.Random) -> int:
    if rng.random() < 0.7:
        return rng.choice(INTERESTING_INTS)
    return rng.randint(-(2**63), 2**64 - 1)


def rand_str(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(INTERESTING_STRS)
    alphabet = rng.choice(
        [
            (0x20, 0x7E),
            (0x00, 0x1F),
            (0xA0, 0x24F),
            (0xAC00, 0xD7A3),
            (0x1F300, 0x1F6FF),
            (0xE000, 0xF8FF),
        ]
    )
    return "".join(chr(rng.randint(*alphabet)) for _ in range(rng.randint(0, 80)))


def rand_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(10 if depth < 3 else 8)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind in (2, 3):
        return rand_int(rng)
    if kind == 4:
        return rng.choice([0.0, -0.0, 1.5, float("nan"), float("inf"), -1e308])
    if kind == 5:
        return rand_str(rng)
    if kind == 6:
        return rng.randbytes(rng.randint(0, 40))
    if kind == 7:
        return msgspec.msgpack.Ext(rng.randint(-128, 127), rng.randbytes(rng.randint(0, 16)))
    if kind == 8:
        return [rand_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {rand_str(rng): rand_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def nested_body(rng: random.Random) -> bytes:
    """A small body holding a deep stack of one-element arrays or maps somewhere."""
    depth = rng.choice([40, 200, 1_000, 5_000, 50_000])
    step = b"\x91" if rng.random() < 0.5 else b"\x81\xa1k"
    deep = step * depth + b"\xc0"
    key = msgspec.msgpack.encode
    where = rng.randrange(5)
    if where == 0:
        return deep
    if where == 1:
        return b"\x82" + key("type") + deep + key("rid") + key(5)
    if where == 2:
        return b"\x83" + key("junk") + deep + key("type") + key("history") + key("rid") + key(6)
    if where == 3:
        return (
            b"\x83" + key("type") + key("get_presence") + key("rid") + key(7) + key("users") + deep
        )
    return b"\x82" + key("rid") + deep + key("type") + key("list_channels")


def mutate(rng: random.Random, data: bytes) -> bytes:
    """Bit flips, truncations, insertions, deletions and duplications."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        if op == 0 and b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            del b[rng.randrange(len(b)) :]
        elif op == 2:
            i = rng.randint(0, len(b))
            b[i:i] = rng.randbytes(rng.randint(1, 8))
        elif op == 3 and b:
            i = rng.randrange(len(b))
            del b[i : i + rng.randint(1, 8)]
        elif op == 4 and b:
            b[rng.randrange(len(b))] = rng.choice(INTERESTING_BYTES)
        elif op == 5 and b:
            i = rng.randrange(len(b))
            b[i:i] = b[i : i + rng.randint(1, 16)]
    return bytes(b)


# --- what the server must answer ----------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """The answer one frame must get: an Error with one of ``codes``, or (``check`` given) a
    reply that passes it; ``rid`` None when the rid cannot be predicted."""

    rid: int | None
    codes: frozenset[str] = frozenset()
    check: Callable[[Reply], bool] | None = None
    what: str = ""

    def matches(self, reply: Reply) -> bool:
        if self.rid is not None and reply.rid != self.rid:
            return False
        if isinstance(reply, Error):
            return reply.code in self.codes
        return self.check is not None and self.check(reply)


def _codes(*codes: ErrorCode) -> frozenset[str]:
    return frozenset(str(c) for c in codes)


def _safe_rid(body: bytes) -> int | None:
    try:
        return salvage_rid(body)
    except (RecursionError, UnicodeDecodeError):  # must still be answered, with some rid
        return None


def _decode(body: bytes) -> Request | Bundle | None:
    try:
        return decode_request(body)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        return None


CHANNEL_REQUESTS = (History, MarkRead, Typing, RenameGroup, AddMembers, RemoveMember, LeaveChannel)


@dataclass
class Identity:
    """What one fuzzing connection is: which device, if any, it speaks for."""

    kind: str  # "anonymous", "unrelated" or "revoked"
    device_id: int | None = None  # the unrelated device's own id
    head: int = 0  # the stream head while fuzzing (nothing may move it)

    @property
    def authenticated(self) -> bool:
        return self.kind == "unrelated"

    def admits(self, req: Request) -> bool:
        """Whether ``req`` may be in the pipelined stream. Register and Login are never (they
        are answered out of order, after password hashing, and may create accounts); the
        unrelated device sends nothing that may legitimately store data: no OpenDirect or
        CreateGroup (they create channels), no Logout and no revoking its own device."""
        if isinstance(req, Register | Login):
            return False
        if is_marker(req.rid):
            return False
        if not self.authenticated:
            return True
        if isinstance(req, OpenDirect | CreateGroup | Logout):
            return False
        return not (isinstance(req, RevokeDevice) and req.device_id == self.device_id)

    def marker(self, rid: int) -> Request:
        """A request answered only after every earlier one, including pending sends."""
        return Heartbeat(rid=rid) if self.authenticated else GetServerKey(rid=rid)

    def expect(self, frames: list[bytes]) -> Expect:
        if len(frames) != 2:
            return Expect(0, _codes(ErrorCode.BAD_FRAME), what="frame count")
        tag, body = frames
        if tag != PROTOCOL_TAG:
            return Expect(_safe_rid(body), _codes(ErrorCode.UNSUPPORTED_VERSION), what="tag")
        req = _decode(body)
        if req is None:
            return Expect(_safe_rid(body), _codes(ErrorCode.BAD_REQUEST), what="undecodable")
        assert not isinstance(req, Bundle)  # hostile_stream leaves bundles out
        return self.expect_request(req)

    def expect_request(self, req: Request) -> Expect:
        name = type(req).__name__
        if isinstance(req, GetServerKey):
            return Expect(req.rid, check=lambda r: isinstance(r, ServerKey), what=name)
        if isinstance(req, Hello):
            refused = _codes(
                ErrorCode.AUTH_FAILED, ErrorCode.DEVICE_REVOKED, ErrorCode.KEY_MISMATCH
            )
            return Expect(req.rid, refused, what=name)
        if not self.authenticated:
            return Expect(req.rid, _codes(ErrorCode.NOT_AUTHENTICATED), what=name)
        # The unrelated device is a member of nothing and may see nothing of anyone.
        if isinstance(req, Send):
            codes = _codes(ErrorCode.NO_SUCH_CHANNEL, ErrorCode.INVALID, ErrorCode.MESSAGE_TOO_LONG)
            return Expect(req.rid, codes, what=name)
        if isinstance(req, CHANNEL_REQUESTS):
            return Expect(req.rid, _codes(ErrorCode.NO_SUCH_CHANNEL), what=name)
        if isinstance(req, RevokeDevice):
            return Expect(req.rid, _codes(ErrorCode.NO_SUCH_DEVICE), what=name)
        bad_cursor = _codes(ErrorCode.BAD_CURSOR)
        if isinstance(req, Sync):
            empty = lambda r: (  # noqa: E731
                isinstance(r, SyncPage) and not (r.events or r.reads or r.channels or r.more)
            )
            return Expect(req.rid, bad_cursor, check=empty, what=name)
        if isinstance(req, Heartbeat):
            ack = lambda r: isinstance(r, HeartbeatAck)  # noqa: E731
            return Expect(req.rid, bad_cursor, check=ack, what=name)
        if isinstance(req, GetPresence):
            nobody = lambda r: isinstance(r, PresenceList) and r.presence == []  # noqa: E731
            return Expect(req.rid, check=nobody, what=name)
        if isinstance(req, ListChannels):
            none = lambda r: isinstance(r, ChannelList) and r.channels == []  # noqa: E731
            return Expect(req.rid, check=none, what=name)
        if isinstance(req, ListDevices):
            own = self.device_id
            only_own = lambda r: (  # noqa: E731
                isinstance(r, DeviceList)
                and [(d.id, d.current) for d in r.devices] == [(own, True)]
            )
            return Expect(req.rid, check=only_own, what=name)
        raise AssertionError(f"no expectation for {name}")


# --- the frames -------------------------------------------------------------------------------


@dataclass
class Known:
    """Real ids and names from the victims' data, for well-aimed requests."""

    channels: list[int]
    devices: list[int]
    client_ids: list[str]
    users: list[str]
    last_seq: int
    head: int
    stolen: Hello  # a victim's real credential, presented over the wrong key
    own: Hello | None = None  # the revoked device's own credential


def valid_requests(rng: random.Random, known: Known) -> list[Request]:
    """A pool of well-formed requests aimed at other people's things, or at nothing."""
    channels = [*known.channels, 0x7FFF_FFFF, 999]
    seqs = [0, 1, known.last_seq, known.last_seq + 1, 2**40]

    def ch() -> int:
        return rng.choice(channels)

    def rid() -> int:
        return rng.choice([0, 1, rng.randint(2, 10**6), 2**63, SENTINEL_RID - 1])

    pool: list[Request] = []
    for _ in range(40):
        text = rng.choice(["hi", "  ", "x" * 5000, "let me in", rand_str(rng) or "?"])
        cid = rng.choice([*known.client_ids, new_id(), "x" * 64])
        pool += [
            Send(rid=rid(), channel=ch(), client_id=cid, text=text),
            History(rid=rid(), channel=ch(), before=rng.choice([None, *seqs[1:]]), limit=500),
            MarkRead(rid=rid(), channel=ch(), seq=rng.choice(seqs)),
            Typing(rid=rid(), channel=ch()),
            RenameGroup(rid=rid(), channel=ch(), name="pwned"),
            AddMembers(rid=rid(), channel=ch(), users=["mallory", *known.users]),
            RemoveMember(rid=rid(), channel=ch(), user=rng.choice(known.users)),
            LeaveChannel(rid=rid(), channel=ch()),
            Sync(rid=rid(), after=rng.choice([None, 0, 1, known.head, known.head + 1])),
            Heartbeat(rid=rid(), idle=rng.random() < 0.5, cursor=rng.choice([None, 0, known.head])),
            GetPresence(rid=rid(), users=[*known.users, "nobody"]),
            ListChannels(rid=rid()),
            ListDevices(rid=rid()),
            RevokeDevice(rid=rid(), device_id=rng.choice([*known.devices, 10**6])),
            Hello(rid=rid(), device_id=rng.choice(known.devices), token=new_id() * 2),
            msgspec.structs.replace(known.stolen, rid=rid()),
            GetServerKey(rid=rid()),
            OpenDirect(rid=rid(), user=rng.choice(known.users)),
            CreateGroup(rid=rid(), name="mine", members=known.users),
            Logout(rid=rid()),
        ]
        if known.own is not None:
            pool.append(msgspec.structs.replace(known.own, rid=rid()))
    return pool


def confuse(rng: random.Random, req: Request) -> bytes:
    """``req`` as a map with a field's type or value wrong, a field missing or extra, or its
    ``type`` unknown."""
    doc = msgspec.to_builtins(req)
    fields = [k for k in doc if k != "type"]
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(6)
        if op == 0 and fields:
            doc[rng.choice(fields)] = rand_value(rng)
        elif op == 1 and fields:
            doc[rng.choice(fields)] = rand_int(rng)
        elif op == 2 and fields:
            doc.pop(rng.choice(fields), None)
        elif op == 3:
            doc[rng.choice(["extra", "admin", "user_id", "sender", rand_str(rng)])] = rand_value(
                rng
            )
        elif op == 4:
            doc["type"] = rng.choice(
                ["launch_missiles", "", "SEND", "error", "welcome", "revoked", rand_str(rng)]
            )
        else:
            doc["rid"] = rng.choice([-1, None, "7", 1.5, [1], 2**64 - 1, rand_int(rng)])
    return msgspec.msgpack.encode(doc)


def hostile_frame(rng: random.Random, pool: list[Request]) -> tuple[str, list[bytes]]:
    """One hostile frame and the name of how it was made."""
    roll = rng.random()
    if roll < 0.12:
        return "random bytes", [PROTOCOL_TAG, rng.randbytes(rng.randint(0, 200))]
    if roll < 0.40:
        return "mutated", [PROTOCOL_TAG, mutate(rng, encode(rng.choice(pool)))]
    if roll < 0.68:
        return "confused", [PROTOCOL_TAG, confuse(rng, rng.choice(pool))]
    if roll < 0.80:
        return "well-aimed", [PROTOCOL_TAG, encode(rng.choice(pool))]
    if roll < 0.83:
        return "random structure", [PROTOCOL_TAG, msgspec.msgpack.encode(rand_value(rng))]
    if roll < 0.88:
        parts = rng.choice([1, 3, 5])
        frames = [PROTOCOL_TAG, encode(rng.choice(pool))] + [
            rng.randbytes(rng.randint(0, 30)) for _ in range(3)
        ]
        return f"{parts} parts", frames[:parts]
    if roll < 0.93:
        tag = rng.choice([b"tidings/2", b"tidings/0", b"", b"TIDINGS/1", b"tidings/1\x00"])
        return "wrong tag", [tag, encode(rng.choice(pool))]
    if roll < 0.97:
        return "nested", [PROTOCOL_TAG, nested_body(rng)]
    if roll < 0.995:
        doc = msgspec.to_builtins(rng.choice(pool))
        doc["rid"] = rng.choice([-1, 2**63, 2**64 - 1])
        return "huge rid", [PROTOCOL_TAG, msgspec.msgpack.encode(doc)]
    size = rng.randint(100_000, limits.MAX_FRAME_BYTES - 64)
    if rng.random() < 0.5:
        return "oversized", [PROTOCOL_TAG, rng.randbytes(size)]
    big = Send(rid=11, channel=rng.choice([1, 2, 999]), client_id=new_id(), text="가" * (size // 3))
    return "oversized", [PROTOCOL_TAG, encode(big)]


def hostile_stream(
    rng: random.Random, pool: list[Request], me: Identity, count: int
) -> list[tuple[str, list[bytes], Expect]]:
    stream: list[tuple[str, list[bytes], Expect]] = []
    while len(stream) < count:
        how, frames = hostile_frame(rng, pool)
        if len(frames) == 2 and frames[0] == PROTOCOL_TAG:
            req = _decode(frames[1])
            if isinstance(req, Bundle) or (req is not None and not me.admits(req)):
                continue
        stream.append((how, frames, me.expect(frames)))
    return stream


# --- the connections --------------------------------------------------------------------------


def raw_socket(server: SyncServer) -> zmq.asyncio.Socket:
    assert server.keys is not None
    return bare_socket(server.endpoint, server.keys.public)


async def exchange(sock: zmq.asyncio.Socket, req: Request) -> Reply:
    await sock.send_multipart([PROTOCOL_TAG, encode(req)])
    async with asyncio.timeout(WAIT):
        while True:
            tag, body = await sock.recv_multipart()
            assert tag == PROTOCOL_TAG
            message = decode_server_message(body)
            if isinstance(message, Reply) and message.rid == req.rid:
                return message


@dataclass
class Tally:
    sent: Counter = field(default_factory=Counter)
    answers: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def is_marker(rid: int) -> bool:
    return SENTINEL_RID <= rid < SENTINEL_RID + 10_000


async def fuzz(
    sock: zmq.asyncio.Socket,
    me: Identity,
    stream: list[tuple[str, list[bytes], Expect]],
    tally: Tally,
) -> None:
    """Pipeline ``stream`` in batches; after each, a marker request whose answer shows that
    every earlier frame was answered."""
    marker = SENTINEL_RID
    for start in range(0, len(stream), BATCH):
        batch = stream[start : start + BATCH]
        for how, frames, _ in batch:
            await sock.send_multipart(frames)
            tally.sent[how] += 1
        marker += 1
        await sock.send_multipart([PROTOCOL_TAG, encode(me.marker(marker))])
        replies: list[Reply] = []
        while True:
            if not await sock.poll(int(QUIET * 1000)):
                # The marker itself was lost: ask again.
                marker += 1
                await sock.send_multipart([PROTOCOL_TAG, encode(me.marker(marker))])
                continue
            parts = await sock.recv_multipart()
            assert len(parts) == 2 and parts[0] == PROTOCOL_TAG, parts[:1]
            message = decode_server_message(parts[1])  # every answer is well-formed
            tally.answers[type(message).__name__] += 1
            if not isinstance(message, Reply):
                # Its own presence (the device reported idle) is all a fuzzer may hear of.
                if not (isinstance(message, PresencePush) and message.presence.user == "mallory"):
                    tally.problems.append(f"{me.kind}: unexpected push {message!r}")
                continue
            if is_marker(message.rid):
                tally.answers[type(message).__name__] -= 1
                if message.rid == marker:
                    break
                continue
            replies.append(message)
        check_batch(me, start, batch, replies, tally)


def check_batch(
    me: Identity,
    start: int,
    batch: list[tuple[str, list[bytes], Expect]],
    replies: list[Reply],
    tally: Tally,
) -> None:
    """Pair answers with frames. The server answers a connection in order, except that the
    answers to an authenticated device's sends wait for their group commit, which comes
    before the next request handled or at the end of the server's batch."""
    where = f"{me.kind} frames {start}-{start + len(batch) - 1}"
    if len(replies) != len(batch):
        kinds = Counter(how for how, _, _ in batch)
        tally.problems.append(
            f"{where}: {len(batch) - len(replies)} of {len(batch)} frames got no answer "
            f"(batch held {dict(kinds)})"
        )
        return
    waiting: list[tuple[str, list[bytes], Expect]] = []  # sends awaiting their commit
    ahead = 0  # the next frame answered in order
    for reply in replies:
        while ahead < len(batch) and me.authenticated and batch[ahead][2].what == "Send":
            waiting.append(batch[ahead])
            ahead += 1
        if waiting and (ahead == len(batch) or waiting[0][2].matches(reply)):
            how, frames, expect = waiting.pop(0)
        else:
            how, frames, expect = batch[ahead]
            ahead += 1
        if not expect.matches(reply):
            body = frames[-1]
            tally.problems.append(
                f"{where}: {how} frame ({expect.what}, rid {expect.rid}) got {reply!r}; "
                f"frames {[f[:80] for f in frames[:-1]]} body {body[:120]!r}"
                f"{'...' if len(body) > 120 else ''} ({len(body)} bytes)"
            )
    assert not waiting and ahead == len(batch)  # as many answers as frames: all paired


# --- the stored state -------------------------------------------------------------------------

CHANGING_COLUMNS = {"last_seen"}  # presence bookkeeping, legitimately rewritten at any time


def snapshot(db_file: Path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        state = {}
        for table in tables:
            columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]
            kept = [c for c in columns if c not in CHANGING_COLUMNS]
            listed = ", ".join(f'"{c}"' for c in kept)
            state[table] = sorted(
                db.execute(f'SELECT {listed} FROM "{table}"').fetchall(), key=repr
            )
        return state
    finally:
        db.close()


# --- the test ---------------------------------------------------------------------------------


@pytest.fixture
def server_config(server_config: ServerConfig) -> ServerConfig:
    """The fuzzing device sends tens of thousands of frames as fast as it can, and each one's
    own answer is checked: request budgets (tests/test_rate_limits.py) stay out of the way."""
    unlimited = 1e9  # cost units
    return dataclasses.replace(
        server_config,
        device_rate=unlimited,
        device_burst=unlimited,
        account_rate=unlimited,
        account_burst=unlimited,
    )


# Fuzzed on SQLite only: the handlers are the same, and a file snapshots.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_hostile_frames_are_answered_store_nothing_and_harm_no_one(
    clients: ClientFactory, server: SyncServer
) -> None:
    # Frames of the fuzzing device may queue behind heavy batches: keep it from timing out.
    server.config.presence_timeout = 120.0

    # Victims with data: a direct chat and a group, messages, read positions.
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    carol = await clients.register("carol")
    direct = (await alice.request(OpenDirect(user="bob"))).channel
    group = (await alice.request(CreateGroup(name="crew", members=["bob", "carol"]))).channel
    client_ids = []
    for i in range(5):
        for channel in (direct, group):
            cid = new_id()
            client_ids.append(cid)
            await alice.request(Send(channel=channel.id, client_id=cid, text=f"secret {i}"))
    await bob.request(MarkRead(channel=direct.id, seq=3))
    await carol.request(MarkRead(channel=group.id, seq=2))
    history_before = await bob.request(History(channel=direct.id))

    # A device revoked by its owner's other device; its connection stays open.
    trudy = await clients.register("trudy")
    revoked = raw_socket(server)
    login = await exchange(revoked, Login(rid=1, user="trudy", password=PASSWORD, device="old"))
    assert isinstance(login, Welcome) and login.token is not None
    await trudy.request(RevokeDevice(device_id=login.device_id))
    async with asyncio.timeout(WAIT):
        while not isinstance(
            decode_server_message((await revoked.recv_multipart())[1]), RevokedPush
        ):
            pass

    # An authenticated device of a user who is in no channel at all.
    unrelated = raw_socket(server)
    welcome = await exchange(
        unrelated, Register(rid=1, user="mallory", password=PASSWORD, device="fuzzer")
    )
    assert isinstance(welcome, Welcome)
    anonymous = raw_socket(server)
    assert isinstance(await exchange(anonymous, GetServerKey(rid=1)), ServerKey)

    head = (await alice.request(ListChannels())).head
    known = Known(
        channels=[direct.id, group.id],
        devices=[alice.credentials.device_id, bob.credentials.device_id, login.device_id],
        client_ids=client_ids,
        users=["alice", "bob", "carol", "trudy"],
        last_seq=max(c.last_seq for c in (await alice.request(ListChannels())).channels),
        head=head,
        stolen=Hello(device_id=alice.credentials.device_id, token=alice.credentials.token),
        own=Hello(device_id=login.device_id, token=login.token),
    )
    db_file = server.config.data_dir / "tidings.db"
    before = snapshot(db_file)
    assert before["event"] and before["userread"] and before["device"]

    rng = random.Random(SEED)
    pool = valid_requests(rng, known)
    identities = {
        "anonymous": (anonymous, Identity("anonymous", head=head)),
        "unrelated": (unrelated, Identity("unrelated", welcome.device_id, head)),
        "revoked": (revoked, Identity("revoked", head=head)),
    }
    streams = {
        who: hostile_stream(rng, pool, me, FRAMES_PER_SOCKET) for who, (_, me) in identities.items()
    }
    tally = Tally()
    fuzz_started = time.monotonic()
    await asyncio.gather(
        *(fuzz(sock, me, streams[who], tally) for who, (sock, me) in identities.items())
    )
    fuzz_secs = time.monotonic() - fuzz_started
    for sock, _ in identities.values():
        sock.close()

    sent = sum(tally.sent.values())
    print(
        f"\n{sent} hostile frames in {fuzz_secs:.1f}s ({dict(tally.sent)}); "
        f"answers {dict(tally.answers)}; {len(tally.problems)} problems"
    )
    assert sent >= 20_000
    assert not tally.problems, "\n".join(
        [f"{len(tally.problems)} problems, the first:", *tally.problems[:15]]
    )
    assert sum(n for kind, n in tally.answers.items() if kind != "PresencePush") == sent
    assert tally.answers["Error"] > sent // 2

    # Nothing stored changed.
    after = snapshot(db_file)
    for table in before:
        assert after[table] == before[table], f"table {table} changed"
    assert after.keys() == before.keys()

    # The victims' data is intact and the server serves old and new users alike.
    history_after = await bob.request(History(channel=direct.id))
    assert (history_after.events, history_after.more) == (history_before.events, False)
    dave = await clients.register("dave")
    erin = await clients.register("erin")
    chat = (await dave.request(OpenDirect(user="erin"))).channel
    sent_reply = await dave.request(Send(channel=chat.id, client_id=new_id(), text="still here"))
    push = await erin.wait_push(lambda p: isinstance(p, EventPush) and p.event.text == "still here")
    assert isinstance(push, EventPush) and push.event.seq == sent_reply.seq
    page = await erin.request(History(channel=chat.id))
    assert [e.text for e in page.events if e.kind == "message"] == ["still here"]
    await alice.request(Send(channel=direct.id, client_id=new_id(), text="after the storm"))
    await bob.wait_push(lambda p: isinstance(p, EventPush) and p.event.text == "after the storm")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the decoder's alone
async def test_undecodable_bodies_cost_no_other_frame(server: SyncServer) -> None:
    """Bodies that break the decoder in unusual ways (nesting deeper than it recurses, text
    that is not UTF-8) get a bad_request like any other, and frames queued behind them are
    still answered."""
    key = msgspec.msgpack.encode
    poison = [
        b"\x82" + key("type") + b"\x91" * 2_000 + b"\xc0" + key("rid") + key(5),
        b"\x82" + key("rid") + key(5) + key("type") + b"\xa2\xff\xfe",
    ]
    sock = raw_socket(server)
    try:
        for body in poison:
            await sock.send_multipart([PROTOCOL_TAG, encode(History(rid=1, channel=1))])
            await sock.send_multipart([PROTOCOL_TAG, body])
            await sock.send_multipart([PROTOCOL_TAG, encode(History(rid=2, channel=1))])
            answers: list[Error] = []
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(WAIT / 2):
                    while len(answers) < 3:
                        answer = decode_server_message((await sock.recv_multipart())[1])
                        assert isinstance(answer, Error), answer
                        answers.append(answer)
            assert [
                (a.rid in (0, 5) if i == 1 else a.rid, a.code) for i, a in enumerate(answers)
            ] == [
                (1, ErrorCode.NOT_AUTHENTICATED),
                (True, ErrorCode.BAD_REQUEST),
                (2, ErrorCode.NOT_AUTHENTICATED),
            ], body[:40]
    finally:
        sock.close()


async def test_ids_beyond_storage_range_are_refused_not_internal_errors(
    clients: ClientFactory, server: SyncServer
) -> None:
    """Ids are 64-bit signed in storage; larger ones are valid MessagePack and must get an
    ordinary refusal, and a send with one must still be answered."""
    alice = await clients.register("alice")
    await clients.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    huge = 2**63
    attempts: list[Request[Any]] = [
        History(channel=huge),
        Typing(channel=huge),
        MarkRead(channel=huge, seq=1),
        RevokeDevice(device_id=huge),
        History(channel=channel.id, before=2**64 - 1),
        Send(channel=huge, client_id=new_id(), text="overflow"),
    ]
    fine = {ErrorCode.BAD_REQUEST, ErrorCode.NO_SUCH_CHANNEL, ErrorCode.NO_SUCH_DEVICE}
    for request in attempts:
        with pytest.raises(ProtocolError) as err:
            await alice.conn.request(request, timeout=WAIT / 2)
        assert err.value.code in fine, (request, err.value)
    sent = await alice.request(Send(channel=channel.id, client_id=new_id(), text="fine"))
    assert sent.seq == 2
