"""The async client connection every Tidings client uses: desktop app, CLI, tests, benchmarks.

It owns one DEALER socket to the server and gives callers request/response correlation,
server pushes, heartbeats, and re-authentication after ZeroMQ reconnects (each reconnect is a
new connection to the server, which must be told again which device it is). ZeroMQ itself
redials with back-off and notices a dead peer through ZMTP heartbeats.

A server may run as several nodes sharing one key pair. Given their endpoints (and learning
more from each welcome), the connection moves to the next node, round robin, when its own
has not been reachable for ``FAILOVER_TIMEOUT``, or left a heartbeat unanswered: it dials
anew, says hello again, and sends again what was waiting for an answer. With one endpoint it
only ever redials that one.
"""

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

import msgspec
import zmq
import zmq.asyncio
from zmq.utils.monitor import parse_monitor_message

from shared import limits
from shared.bundles import frames_of
from shared.endpoints import key_endpoint_for, merge_endpoints
from shared.errors import ErrorCode, ProtocolError
from shared.keys import KeyPair, fingerprint
from shared.protocol import (
    FEATURE_BUNDLES,
    FEATURE_TOLERANT,
    IDEMPOTENT_REQUESTS,
    KNOWN_SERVER_TYPES,
    PROTOCOL_TAG,
    UNDECODABLE,
    Bundle,
    Bye,
    Error,
    GetServerKey,
    GoingAwayPush,
    Heartbeat,
    HeartbeatAck,
    Hello,
    Login,
    Push,
    Register,
    Reply,
    ReplyT,
    Request,
    ServerKey,
    Welcome,
    decode_server_message,
    encode,
    peek_envelope,
)

log = logging.getLogger(__name__)

RECONNECT_IVL = 100  # ms before the first redial; ZeroMQ doubles it per failure
RECONNECT_IVL_MAX = 15_000  # ms between redials at most
REQUEST_TIMEOUT = 15.0  # secs a request waits for its reply
REQUEST_TRIES = 3  # sends of a repeatable request within its timeout
CANCEL_GRACE = 1.0  # secs to wait for a cancelled task before cancelling it again
KEY_PROBE_TIMEOUT = 3.0  # secs to wait for the key service
BYE_TIMEOUT = 1.0  # secs a closing connection waits for the server to take its goodbye
# With several nodes: secs a node may stay unreachable before the device moves to the next.
# A killed node's connection drops at once, and ZeroMQ notices a silent one within
# FAILOVER_PING + FAILOVER_PING_TIMEOUT, so the device is on another node within 5 s.
FAILOVER_TIMEOUT = 2.0
FAILOVER_PING = 1.0  # secs between ZMTP pings while the device knows several nodes
FAILOVER_PING_TIMEOUT = 1.5  # secs without traffic after a ping before the node counts gone


class ConnectionState(StrEnum):
    OFFLINE = "offline"  # the server cannot be reached; redialling with back-off
    CONNECTING = "connecting"  # dialling, or redialling after a loss
    CONNECTED = "connected"  # encrypted session up, no device authenticated yet
    ONLINE = "online"  # authenticated as a device
    FAILED = "failed"  # stopped for good; see ``Connection.failure``
    CLOSED = "closed"


# The states in which the node at hand answers; in the others it is a failover's to leave.
ANSWERING = frozenset({ConnectionState.CONNECTED, ConnectionState.ONLINE})


class ConnectionClosed(Exception):
    """The connection was closed or failed while a request waited."""


class ConnectionLost(ConnectionClosed):
    """The connection dropped while a request that must not be repeated was in flight:
    the server may or may not have applied it."""


class ServerKeyMismatch(Exception):
    """The server presents a key other than the one pinned for it: stop and tell the user."""

    def __init__(self, endpoint: str, pinned: str, offered: str) -> None:
        super().__init__(
            f"the server at {endpoint} now presents key {fingerprint(offered)}, but this client "
            f"trusted {fingerprint(pinned)}. Someone may be intercepting the connection, or the "
            "server's key was replaced. Not connecting; check with the server's admin."
        )
        self.endpoint = endpoint
        self.pinned = pinned
        self.offered = offered


@dataclass
class _InFlight:
    body: bytes
    reply: asyncio.Future[Reply]
    repeatable: bool


@dataclass(frozen=True)
class Credentials:
    """A device's login: what Register or Login returned."""

    device_id: int
    token: str


async def cancel_and_wait(tasks: list[asyncio.Task]) -> None:
    """Cancel tasks and wait until they are done. Python 3.11's ``wait_for`` can swallow a
    cancellation that races with its result, so cancelling once is not always enough."""
    pending = [t for t in tasks if not t.done()]
    while pending:
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=CANCEL_GRACE)
        pending = [t for t in pending if not t.done()]


async def fetch_server_key(
    key_endpoint: str,
    timeout: float = KEY_PROBE_TIMEOUT,
    context: zmq.asyncio.Context | None = None,
) -> ServerKey:
    """Ask a server's key service for its public key (trust on first use: show the
    fingerprint to the user before pinning it)."""
    ctx = context or zmq.asyncio.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(key_endpoint)
    try:
        await sock.send_multipart([PROTOCOL_TAG, encode(GetServerKey(rid=1))])
        frames = await asyncio.wait_for(sock.recv_multipart(), timeout)
    except TimeoutError:
        raise TimeoutError(f"no answer from the key service at {key_endpoint}") from None
    finally:
        sock.close()
    reply = decode_server_message(frames[-1])
    if isinstance(reply, Error):
        raise ProtocolError(reply.code, reply.message)
    if not isinstance(reply, ServerKey):
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"unexpected answer {type(reply).__name__}")
    return reply


class Connection:
    """One device's connection to a server.

    ``server_key`` is the pinned public key (None only with ``plaintext=True``, which is
    insecure). Pushes go to ``on_push``; state changes to ``on_state``; each heartbeat ack's
    stream head to ``on_head`` (a device behind that head should sync). Heartbeats go out
    as often as the server asks in its welcome, unless ``heartbeat_interval`` fixes it.
    ``nodes`` are further endpoints of the same server (the same key) to move to when
    ``endpoint`` stops answering; the endpoints known, with those learnt from welcomes, go
    to ``on_endpoints`` whenever a welcome adds one.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        server_key: str | None,
        client_keys: KeyPair | None = None,
        credentials: Credentials | None = None,
        plaintext: bool = False,
        key_endpoint: str | None = None,
        heartbeat_interval: float | None = None,
        request_timeout: float = REQUEST_TIMEOUT,
        on_push: Callable[[Push], None] | None = None,
        on_state: Callable[[ConnectionState], None] | None = None,
        on_head: Callable[[int], None] | None = None,
        context: zmq.asyncio.Context | None = None,
        nodes: Sequence[str] = (),
        on_endpoints: Callable[[tuple[str, ...]], None] | None = None,
    ) -> None:
        if server_key is None and not plaintext:
            raise ValueError("a server key is required unless plaintext=True (insecure)")
        self.endpoint = endpoint  # the node dialled now
        self.endpoints = merge_endpoints((endpoint,), nodes)  # all known, ``endpoint`` first
        self.server_key = server_key
        self.client_keys = client_keys or KeyPair.generate()
        self.credentials = credentials
        self.plaintext = plaintext
        # The key service of the first endpoint may have been given; other nodes' follow
        # their chat port.
        self._first_key_endpoint = key_endpoint or key_endpoint_for(endpoint)
        self.key_endpoint = self._first_key_endpoint
        self.on_endpoints = on_endpoints
        # None: beat as often as the server's welcome asks, the default until then.
        self._fixed_interval = heartbeat_interval
        self.heartbeat_interval = heartbeat_interval or limits.HEARTBEAT_INTERVAL
        self.request_timeout = request_timeout
        self.on_push = on_push
        self.on_state = on_state
        self.on_head = on_head
        self.idle = False  # reported in heartbeats: the user is away
        self.confirmed_cursor: int | None = None  # reported in heartbeats: stored up to here
        self.state = ConnectionState.CLOSED
        self.failure: Exception | None = None
        self.welcome: Welcome | None = None
        # What this app tells the server it reads (FEATURE_TOLERANT), until a server from
        # before features refuses the field.
        self._features: list[str] = [FEATURE_TOLERANT, FEATURE_BUNDLES]
        self._unknown_types: set[str] = set()  # push types from a newer server, logged once
        self._ctx = context or zmq.asyncio.Context.instance()
        self._rids = itertools.count(1)
        self._pending: dict[int, _InFlight] = {}
        # Request bodies waiting for the writer task, which sends those made in one turn of
        # the loop after the first together (as bundles, where the server reads them).
        self._unsent: list[bytes] = []
        self._unsent_ready = asyncio.Event()
        self._sent_this_turn = False
        self._tasks: list[asyncio.Task[None]] = []  # for as long as the connection is open
        self._socket_tasks: list[asyncio.Task[None]] = []  # for as long as one socket is
        self._state_changed = asyncio.Event()
        self._answering_changed = asyncio.Event()  # for the failover watch
        self._interval_changed = asyncio.Event()
        self._auth_lock = asyncio.Lock()
        self._move_lock = asyncio.Lock()
        # Whether requests sent before the next handshake may have been lost with an earlier
        # connection, and must be dealt with (``_recover``) once it is up.
        self._may_have_lost = False
        self._handshaken = False  # the socket now open completed its handshake once
        self._silent_since = 0.0  # loop time since which the node has not been answering
        self._sock: zmq.asyncio.Socket | None = None

    # --- lifecycle ----------------------------------------------------------------------

    async def open(self) -> None:
        """Start dialling; returns at once. Use ``wait_ready`` to wait for the session."""
        self._dial(self.endpoint)
        self._set_state(ConnectionState.CONNECTING)
        self._tasks = [asyncio.create_task(self._beat()), asyncio.create_task(self._fail_over())]

    def _dial(self, endpoint: str) -> None:
        """Open a socket to ``endpoint``, with the tasks that read, write and watch it."""
        sock = self._ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        # Jitter keeps many clients from redialling a restarted server in lockstep.
        sock.setsockopt(zmq.RECONNECT_IVL, int(RECONNECT_IVL * random.uniform(1.0, 2.0)))
        sock.setsockopt(zmq.RECONNECT_IVL_MAX, RECONNECT_IVL_MAX)
        sock.setsockopt(zmq.MAXMSGSIZE, 4 * limits.MAX_FRAME_BYTES)
        # With other nodes to go to, a silent node is given up on in seconds.
        several = len(self.endpoints) > 1
        ping = FAILOVER_PING if several else self.heartbeat_interval
        silence = FAILOVER_PING_TIMEOUT if several else self.heartbeat_interval * 3
        sock.setsockopt(zmq.HEARTBEAT_IVL, int(ping * 1000))
        sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, int(silence * 1000))
        if not self.plaintext:
            assert self.server_key is not None  # __init__ refuses CURVE without one
            sock.curve_serverkey = self.server_key.encode()
            sock.curve_publickey = self.client_keys.public.encode()
            sock.curve_secretkey = self.client_keys.secret.encode()
        monitor = sock.get_monitor_socket(
            zmq.EVENT_HANDSHAKE_SUCCEEDED
            | zmq.EVENT_CONNECTED
            | zmq.EVENT_CONNECT_RETRIED
            | zmq.EVENT_DISCONNECTED
            | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
            | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
            | zmq.EVENT_HANDSHAKE_FAILED_AUTH
        )
        sock.connect(endpoint)
        self._sock = sock
        self._handshaken = False
        self._silent_since = asyncio.get_running_loop().time()
        self._socket_tasks = [
            asyncio.create_task(self._read()),
            asyncio.create_task(self._write()),
            asyncio.create_task(self._watch(monitor)),
        ]

    async def close(self) -> None:
        """Say goodbye (so others see this device leave at once, not at the presence
        timeout), then close."""
        await self._say_goodbye()
        await self._shutdown(ConnectionState.CLOSED)

    async def _say_goodbye(self) -> None:
        """Send ``Bye`` to a server that takes it, waiting briefly for its answer; a device
        that cannot say it (offline, a slow server) leaves by timing out, as before."""
        if self.state != ConnectionState.ONLINE or self.welcome is None or not self.welcome.bye:
            return
        with contextlib.suppress(TimeoutError, ConnectionClosed):
            await self._exchange(Bye(), BYE_TIMEOUT)

    async def _shutdown(self, state: ConnectionState) -> None:
        current = asyncio.current_task()
        tasks, self._tasks = [t for t in self._tasks if t is not current], []
        await self._hang_up(tasks)
        for flight in self._pending.values():
            if not flight.reply.done():
                flight.reply.set_exception(ConnectionClosed(f"connection {state}"))
        self._pending.clear()
        self._set_state(state)

    async def wait_ready(self, timeout: float = 10.0) -> None:
        """Wait until the session is up (and the device authenticated, if it has
        credentials). Raises ``ServerKeyMismatch`` or another failure, or ``TimeoutError``."""
        wanted = ConnectionState.ONLINE if self.credentials else ConnectionState.CONNECTED
        async with asyncio.timeout(timeout):
            while True:
                if self.state == ConnectionState.FAILED and self.failure is not None:
                    raise self.failure
                if self.state == wanted or self.state == ConnectionState.ONLINE:
                    return
                if self.state == ConnectionState.CLOSED:
                    raise ConnectionClosed("connection closed")
                self._state_changed.clear()
                await self._state_changed.wait()

    async def _hang_up(self, tasks: list[asyncio.Task[None]]) -> None:
        """Close the socket now open, after stopping its tasks and ``tasks``."""
        if self._sock is not None:
            # Before the watcher closes its end of the monitor: ZeroMQ's I/O thread sends each
            # event with a blocking send, so an event (a redial, say) arriving once nobody can
            # read it blocks that thread for good, and this call with it (libzmq#3575).
            with contextlib.suppress(zmq.ZMQError):
                self._sock.disable_monitor()
        current = asyncio.current_task()
        socket_tasks, self._socket_tasks = self._socket_tasks, []
        await cancel_and_wait([t for t in [*socket_tasks, *tasks] if t is not current])
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _set_state(self, state: ConnectionState) -> None:
        if state != self.state:
            if self.state in ANSWERING and state not in ANSWERING:
                self._silent_since = asyncio.get_running_loop().time()
            self.state = state
            self._state_changed.set()
            self._answering_changed.set()
            if self.on_state is not None:
                self.on_state(state)

    # --- requests -----------------------------------------------------------------------

    async def request(self, req: Request[ReplyT], timeout: float | None = None) -> ReplyT:
        """Send a request and return its reply; an Error reply raises ``ProtocolError``.
        After a reconnect the device is authenticated again and the request sent once more."""
        reply = await self._exchange(req, timeout)
        if (
            isinstance(reply, Error)
            and reply.code == ErrorCode.NOT_AUTHENTICATED
            and self.credentials is not None
            and not isinstance(req, Hello)
        ):
            await self._reauthenticate()
            reply = await self._exchange(req, timeout)
        if isinstance(reply, Error):
            raise ProtocolError(reply.code, reply.message, reply.retry_after, reply.offset)
        # The server answers each request with the reply its type names, or with Error.
        return cast(ReplyT, reply)

    async def _exchange(self, req: Request, timeout: float | None) -> Reply:
        if self._sock is None:
            raise ConnectionClosed("connection is not open")
        rid = next(self._rids)
        flight = _InFlight(
            body=encode(msgspec.structs.replace(req, rid=rid)),
            reply=asyncio.get_running_loop().create_future(),
            repeatable=isinstance(req, IDEMPOTENT_REQUESTS),
        )
        self._pending[rid] = flight
        total = timeout or self.request_timeout
        # The server may drop a reply like any push when this device's queue is full; a
        # request that is safe to repeat is sent again (same id) before giving up.
        tries = REQUEST_TRIES if flight.repeatable else 1
        try:
            for _ in range(tries - 1):
                await self._send_flight(flight)
                with contextlib.suppress(TimeoutError):
                    return await asyncio.wait_for(asyncio.shield(flight.reply), total / tries)
            await self._send_flight(flight)
            return await asyncio.wait_for(flight.reply, total / tries)
        finally:
            self._pending.pop(rid, None)

    async def _send_flight(self, flight: _InFlight) -> None:
        """Send a request: at once if it is the first of this turn of the loop (the app may
        be busy for a while before the next turn, storing a page, say), otherwise with the
        others made in the same turn, after those sent before."""
        if self._sock is None:
            raise ConnectionClosed("connection closed")
        if self._unsent or (self._bundling and self._sent_this_turn):
            self._unsent.append(flight.body)
            self._unsent_ready.set()
            return
        if self._bundling:
            self._sent_this_turn = True
            asyncio.get_running_loop().call_soon(self._next_turn)
        await self._sock.send_multipart([PROTOCOL_TAG, flight.body])

    def _next_turn(self) -> None:
        self._sent_this_turn = False

    @property
    def _bundling(self) -> bool:
        """Whether this server reads bundles (it said so in its welcome)."""
        return self.welcome is not None and FEATURE_BUNDLES in self.welcome.features

    async def _write(self) -> None:
        """Send the requests ``_send_flight`` queued, in the order they were made; those of
        one turn (an outbox sent after a reconnect, say) as bundles, to a server that reads
        them."""
        assert self._sock is not None
        while True:
            await self._unsent_ready.wait()
            self._unsent_ready.clear()
            bodies, self._unsent = self._unsent, []
            frames = frames_of(bodies) if self._bundling else iter(bodies)
            for body in frames:
                try:
                    await self._sock.send_multipart([PROTOCOL_TAG, body])
                except zmq.ZMQError as e:  # its request times out, as if the frame were lost
                    log.warning("could not send a request: %s", e)

    async def register(self, user: str, password: str, device: str) -> Welcome:
        """Create an account with this as its first device."""
        req = Register(user=user, password=password, device=device, features=self._features)
        return await self._authenticate(req)

    async def login(self, user: str, password: str, device: str) -> Welcome:
        """Log in, creating a new device for this connection."""
        req = Login(user=user, password=password, device=device, features=self._features)
        return await self._authenticate(req)

    async def hello(self) -> Welcome:
        """Authenticate as the device in ``credentials``."""
        if self.credentials is None:
            raise ValueError("no device credentials to say hello with")
        c = self.credentials
        req = Hello(device_id=c.device_id, token=c.token, features=self._features)
        return await self._authenticate(req)

    async def _authenticate(self, req: Register | Login | Hello) -> Welcome:
        try:
            welcome = await self.request(req)
        except ProtocolError as e:
            if not (req.features and e.code == ErrorCode.BAD_REQUEST and "features" in e.message):
                raise
            # A server from before features were named refuses the field: sign in as apps
            # did then, and name none again on this connection.
            self._features = []
            welcome = await self.request(msgspec.structs.replace(req, features=[]))
        if welcome.token is not None:
            self.credentials = Credentials(welcome.device_id, welcome.token)
        self.welcome = welcome
        self._learn(welcome.nodes)
        if self._fixed_interval is None and welcome.heartbeat_interval is not None:
            self._set_interval(max(limits.MIN_HEARTBEAT_INTERVAL, welcome.heartbeat_interval))
        self._set_state(ConnectionState.ONLINE)
        return welcome

    def _learn(self, nodes: list[str]) -> None:
        """Add the nodes a welcome names to those this connection may move to."""
        known = merge_endpoints(self.endpoints, nodes)
        if known != self.endpoints:
            self.endpoints = known
            if self.on_endpoints is not None:
                self.on_endpoints(known)

    def _set_interval(self, interval: float) -> None:
        if interval != self.heartbeat_interval:
            self.heartbeat_interval = interval
            self._interval_changed.set()  # the wait for the next beat starts again at this rate

    async def _reauthenticate(self) -> None:
        async with self._auth_lock:
            await self.hello()

    # --- background tasks ---------------------------------------------------------------

    async def _read(self) -> None:
        assert self._sock is not None
        while True:
            frames = await self._sock.recv_multipart()
            if len(frames) != 2 or frames[0] != PROTOCOL_TAG:
                log.warning("dropped a malformed frame from the server")
                continue
            self._take(frames[1])

    def _take(self, body: bytes, in_bundle: bool = False) -> None:
        """Hand a server message to whoever waits for it: a reply to its request, a push to
        ``on_push``, each item of a bundle in turn."""
        try:
            message = decode_server_message(body)
        except UNDECODABLE as e:
            self._undecodable(body, e)
            return
        if isinstance(message, Bundle):
            if in_bundle:
                log.warning("dropped a bundle inside a bundle from the server")
                return
            for item in message.items:
                self._take(bytes(item), in_bundle=True)
            return
        if isinstance(message, Reply):
            flight = self._pending.get(message.rid)
            if flight is not None and not flight.reply.done():
                flight.reply.set_result(message)
            return
        if isinstance(message, GoingAwayPush):
            self._server_going_away()
        if self.on_push is not None:
            try:
                self.on_push(message)
            except Exception:  # a failing listener must not stop replies being matched
                log.exception("handling a push failed")

    def _undecodable(self, body: bytes, error: Exception) -> None:
        """A message of a type this version lacks comes from a newer server: a push is
        ignored (logged once per type), a reply fails its request at once rather than
        letting it time out. Anything else is a broken frame, dropped."""
        envelope = peek_envelope(body)
        if envelope is None or envelope.type in KNOWN_SERVER_TYPES:
            log.warning("dropped an undecodable frame from the server: %s", type(error).__name__)
            return
        if envelope.rid is None:
            if envelope.type not in self._unknown_types:
                self._unknown_types.add(envelope.type)
                log.info(
                    "ignoring pushes of type %r, which this version does not know", envelope.type
                )
            return
        flight = self._pending.get(envelope.rid)
        if flight is not None and not flight.reply.done():
            flight.reply.set_exception(
                ProtocolError(
                    ErrorCode.BAD_REQUEST,
                    f"the server answered with a message of type {envelope.type!r}, "
                    "which this version of Tidings does not know",
                )
            )

    def _server_going_away(self) -> None:
        """The server is shutting down and has answered everything it will answer here.
        Stop using the connection now: requests that must not be repeated fail at once;
        repeatable ones wait, and are sent again once the device is back (``_recover``).
        ZeroMQ redials with its back-off as soon as the server closes the connection."""
        log.info("the server at %s is shutting down; reconnecting", self.endpoint)
        self._set_state(ConnectionState.CONNECTING)
        for flight in self._pending.values():
            if not flight.repeatable and not flight.reply.done():
                flight.reply.set_exception(
                    ConnectionLost("the server shut down before answering this request")
                )

    async def _watch(self, monitor: zmq.asyncio.Socket) -> None:
        try:
            while True:
                event = parse_monitor_message(await monitor.recv_multipart())["event"]
                if event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                    lost = self._may_have_lost
                    self._may_have_lost = self._handshaken = True
                    self._set_state(ConnectionState.CONNECTED)
                    in_flight = dict(self._pending) if lost else {}
                    if self.credentials is not None or in_flight:
                        self._background(self._recover(in_flight), self._socket_tasks)
                elif event == zmq.EVENT_CONNECT_RETRIED:
                    self._set_state(ConnectionState.OFFLINE)
                elif event == zmq.EVENT_CONNECTED:
                    self._set_state(ConnectionState.CONNECTING)
                elif event == zmq.EVENT_DISCONNECTED:
                    self._set_state(ConnectionState.CONNECTING)
                    if not self._handshaken:
                        await self._check_server_key()
                else:
                    await self._check_server_key()
        finally:
            monitor.close()

    def _background(
        self, coro: Coroutine[Any, Any, None], tasks: list[asyncio.Task[None]] | None = None
    ) -> None:
        """Run ``coro`` as one of ``tasks`` (those of the connection unless given), which are
        stopped with it."""
        into = self._tasks if tasks is None else tasks
        task = asyncio.create_task(coro)
        into.append(task)
        task.add_done_callback(lambda done: into.remove(done) if done in into else None)

    async def _recover(self, in_flight: dict[int, _InFlight]) -> None:
        """After a (re)connect: authenticate again, then deal with requests that may have
        been lost with the old connection: repeat the harmless ones, report the others."""
        if self.credentials is not None and not await self._rehello():
            return
        for rid, flight in in_flight.items():
            if flight.reply.done() or rid not in self._pending:
                continue
            if flight.repeatable:
                await self._send_flight(flight)
            else:
                flight.reply.set_exception(
                    ConnectionLost("the connection dropped; the request may not have been applied")
                )

    async def _rehello(self) -> bool:
        try:
            await self._reauthenticate()
            return True
        except (ProtocolError, TimeoutError, ConnectionClosed) as e:
            log.warning("could not authenticate after reconnecting: %s", e)
            if isinstance(e, ProtocolError) and e.code in (
                ErrorCode.DEVICE_REVOKED,
                ErrorCode.AUTH_FAILED,
                ErrorCode.KEY_MISMATCH,
            ):
                self.failure = e
                self._background(self._shutdown(ConnectionState.FAILED))
            return False

    async def _check_server_key(self) -> None:
        """A failed handshake may mean the server's key changed: ask its key service."""
        if self.plaintext:
            return
        try:
            offered = (await fetch_server_key(self.key_endpoint, context=self._ctx)).public_key
        except (TimeoutError, ProtocolError, zmq.ZMQError, msgspec.DecodeError):
            return  # cannot tell; keep redialling
        if offered != self.server_key:
            self.failure = ServerKeyMismatch(self.endpoint, self.server_key or "", offered)
            log.error("%s", self.failure)
            self._background(self._shutdown(ConnectionState.FAILED))

    async def _beat(self) -> None:
        while True:
            if not await self._beat_due():
                continue
            if self.state == ConnectionState.CONNECTED and self.credentials is not None:
                await self._rehello()  # the hello after the last reconnect did not get through
            if self.state != ConnectionState.ONLINE:
                continue
            sock = self._sock
            try:
                beat = Heartbeat(idle=self.idle, cursor=self.confirmed_cursor)
                ack = await self.request(beat, self.heartbeat_interval * 2)
            except (TimeoutError, ProtocolError, ConnectionClosed) as e:
                log.debug("heartbeat failed: %s", e)
                if isinstance(e, TimeoutError) and len(self.endpoints) > 1:
                    await self._move_on(sock, "it left a heartbeat unanswered")
                continue
            if isinstance(ack, HeartbeatAck) and self.on_head is not None:
                self.on_head(ack.head)

    async def _fail_over(self) -> None:
        """While several nodes are known: move to the next one whenever the node at hand has
        not been answering for ``FAILOVER_TIMEOUT``."""
        loop = asyncio.get_running_loop()
        while True:
            self._answering_changed.clear()
            left = self._silent_since + FAILOVER_TIMEOUT - loop.time()
            if self.state in ANSWERING or len(self.endpoints) < 2:
                await self._answering_changed.wait()
            elif left > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(left):
                        await self._answering_changed.wait()
            else:
                await self._move_on(self._sock, f"it did not answer for {FAILOVER_TIMEOUT:g} s")

    async def _move_on(self, leaving: zmq.asyncio.Socket | None, why: str) -> None:
        """Leave the node at hand (whose socket is ``leaving``, unless the device moved on
        already) for the next one: what was waiting for an answer there is sent again once
        the device said hello on the next (``_recover``)."""
        async with self._move_lock:
            if self._sock is not leaving or leaving is None:
                return
            following = self.endpoints[
                (self.endpoints.index(self.endpoint) + 1) % len(self.endpoints)
            ]
            log.info("the server at %s: %s; moving to %s", self.endpoint, why, following)
            await self._hang_up([])
            self._redial(following)

    def _redial(self, following: str) -> None:
        """Dial ``following`` in place of the node just left."""
        self._unsent.clear()  # held for the old socket; their requests are sent again
        self._sent_this_turn = False
        self._may_have_lost = True
        self.endpoint = following
        first = following == self.endpoints[0]
        self.key_endpoint = self._first_key_endpoint if first else key_endpoint_for(following)
        if self.state in ANSWERING:
            self._set_state(ConnectionState.CONNECTING)
        self._dial(following)

    async def _beat_due(self) -> bool:
        """Wait one heartbeat interval; False if the interval changed meanwhile (the first
        welcome may ask for beats sooner than the default the wait began with)."""
        self._interval_changed.clear()
        try:
            async with asyncio.timeout(self.heartbeat_interval):
                await self._interval_changed.wait()
        except TimeoutError:
            return True
        return False
