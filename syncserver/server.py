"""Socket wiring: the ROUTER every device talks to, the key service, and the dispatch loop.

One asyncio task reads frames. It drains everything already queued and handles the batch in
order; sends and changes of messages go to the writer (``syncserver.writer``), which stores
them in one transaction on its own thread and replies after the commit (group commit).
"""

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import zmq
import zmq.asyncio
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator

from shared import limits
from shared.endpoints import bindable, key_endpoint_for
from shared.errors import ErrorCode
from shared.keys import KeyPair, fingerprint
from shared.protocol import (
    PROTOCOL_TAG,
    UNDECODABLE,
    Bundle,
    Error,
    GetServerKey,
    GoingAwayPush,
    Heartbeat,
    Push,
    Reply,
    Request,
    ServerKey,
    decode_request,
    describe_tag,
    encode,
    salvage_rid,
    why_undecodable,
)
from syncserver import server_keys
from syncserver.backlog import TRACKED_BYTES, Backlog
from syncserver.batch import WRITTEN_REQUESTS
from syncserver.bundling import Outgoing
from syncserver.config import BEATS_PER_TIMEOUT, ServerConfig, check_consistency
from syncserver.costs import cost_of, reply_cost
from syncserver.delivery import Delivery
from syncserver.file_sweep import sweep_files
from syncserver.files import Files
from syncserver.handlers import HANDLERS, Call, Context, Handler, Refusal
from syncserver.handlers.base import Throttles
from syncserver.handlers.presence import presence_elsewhere, publish_presence, sweep_presence
from syncserver.lock import DataDirLock
from syncserver.members import MemberCache
from syncserver.names import NameCache
from syncserver.presence import Presence
from syncserver.ratelimit import rounded_up
from syncserver.receipts import ReceiptBoard
from syncserver.relay import Relay
from syncserver.revocations import watch_revocations
from syncserver.sequencer import Sequencer
from syncserver.sessions import ConnectedDevice, Session, SessionTable
from syncserver.store import StorageError, Store, nodes
from syncserver.store.accounts import set_last_seen
from syncserver.store.checkpoints import Checkpointer
from syncserver.store.database import database_url_of, open_database, sqlite_path
from syncserver.store.epoch import current_epoch
from syncserver.store.owner import DatabaseBusy, DatabaseOwner
from syncserver.writer import MessageWriter

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BATCH = 512  # frames handled per loop turn before replies go out
MAX_BATCH_BYTES = 32 << 20  # and at most about this many bytes of them
RECEIVE_AHEAD = 64  # requests ZeroMQ reads from one connection before the server takes them
# Plain ints: pyzmq's flag enums cost more to combine than the send itself.
_NOBLOCK = int(zmq.NOBLOCK)
_MORE = int(zmq.SNDMORE) | _NOBLOCK
KEY_SERVICE_MAX_BYTES = 1024  # the key service only ever needs a tiny request
LINGER_MS = 500  # time given to queued replies at shutdown
KEEPALIVE_PROBES = 3  # unanswered probes before the kernel drops a connection
LISTEN_BACKLOG = 4096  # connections waiting to be accepted (the kernel caps it at somaxconn)


class SyncServer:
    """A running Tidings sync server. ``await start()``, then ``await stop()``."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.keys: KeyPair | None = None
        self.endpoint = ""
        self.key_endpoint: str | None = None
        self._zmq = zmq.asyncio.Context()
        self._auth: ThreadAuthenticator | None = None
        self._store: Store | None = None
        self._checkpointer: Checkpointer | None = None
        self._raw: zmq.Socket | None = None
        self._relay: Relay | None = None
        self._tasks: set[asyncio.Task] = set()
        self._gone: set[bytes] = set()

    @property
    def fingerprint(self) -> str | None:
        return fingerprint(self.keys.public) if self.keys else None

    def connected_devices(self) -> list[ConnectedDevice]:
        """Who is connected now (user and device), for the person hosting the server.
        Call it on the server's loop: the session table is that loop's alone (an embedded
        server's host asks through ``EmbeddedServer.connected_devices``), once started."""
        return self.ctx.sessions.connected()

    async def start(self) -> None:
        """Take the data directory's lock, open storage, bind the sockets and start serving;
        raises ``DataDirBusy`` if another server runs on the same data directory,
        ``DatabaseBusy`` if a command has its PostgreSQL database to itself, and
        ``InconsistentSettings`` for settings that contradict each other."""
        cfg = self.config
        check_consistency(cfg)
        if cfg.presence_timeout < BEATS_PER_TIMEOUT * limits.HEARTBEAT_INTERVAL:
            log.warning(
                "presence_timeout is %g s: apps older than this server beat every %g s "
                "whatever it says, and will be shown offline between their heartbeats",
                cfg.presence_timeout,
                limits.HEARTBEAT_INTERVAL,
            )
        self._lock = DataDirLock(cfg.data_dir)
        self._lock.acquire()
        self._owner = DatabaseOwner(database_url_of(cfg))
        try:
            self._owner.acquire()
            await self._open()
        except BaseException:
            await self._abandon()
            raise

    async def _abandon(self) -> None:
        """Release what a start that failed halfway (a port in use, say) had opened, the lock
        last, so that the next attempt can start: ``stop`` expects a completed start."""
        try:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if self._raw is not None:
                asyncio.get_running_loop().remove_reader(self._raw.FD)
            if self._relay is not None:
                self._relay.close()
            if self._auth is not None:
                self._auth.stop()
            self._zmq.destroy(linger=0)  # every socket it made, one whose bind failed too
            if self._store is not None:
                self._store.close()
            if self._checkpointer is not None:
                self._checkpointer.stop()
        finally:
            self._owner.release()
            self._lock.release()

    async def _open(self) -> None:
        cfg = self.config
        url = database_url_of(cfg)
        store = self._store = open_database(url)
        path = sqlite_path(url)
        self._checkpointer = Checkpointer(path) if path is not None else None
        if self._checkpointer is not None:
            self._checkpointer.start()
        sessions = SessionTable()
        self._sock = self._bind_router()
        self._raw = zmq.Socket.shadow(self._sock.underlying)
        # Frames from this size on are sent without a copy, so that they can be tracked.
        self._raw.copy_threshold = TRACKED_BYTES
        self.backlog = Backlog(cfg.max_queued_bytes, cfg.max_in_flight)
        self._outgoing = Outgoing(self._send_now, self._reads_bundles)
        # The loop watches the socket's descriptor itself (see _serve).
        self._readable = asyncio.Event()
        asyncio.get_running_loop().add_reader(self._raw.FD, self._readable.set)
        shared = nodes.is_shared(url)
        self._relay = Relay(url, functools.partial(nodes.notify, store)) if shared else None
        members, names = MemberCache(store, shared), NameCache(store)
        if shared:
            sequencer = Sequencer(store, nodes.WriteLock(store), members.hold)
        else:
            sequencer = Sequencer(store)
        delivery = Delivery(sessions, self._send_frame, self._relay)
        files = Files.from_config(cfg)
        files.disk.open()
        self.ctx = Context(
            config=cfg,
            store=store,
            sequencer=sequencer,
            sessions=sessions,
            presence=Presence(sessions),
            delivery=delivery,
            names=names,
            throttles=Throttles.from_config(cfg, self._relay.spend if self._relay else None),
            members=members,
            receipts=ReceiptBoard(store, sessions, delivery, members, names, sequencer.last_seq),
            epoch=current_epoch(store),
            files=files,
            settle=self._settle,
            shared=shared,
            relay=self._relay,
        )
        if self._relay is not None:
            ctx = self.ctx
            self._relay.listen(
                delivery,
                lambda node, said: presence_elsewhere(ctx, node, said),
                ctx.throttles.spent_elsewhere,
            )
        self._writer = MessageWriter(
            self.ctx, self._answer_waiting, self._outgoing.corked, store_on_loop=path is not None
        )
        self._spawn(self._serve())
        self._spawn(self._sweep())
        self._spawn(watch_revocations(self.ctx))
        self._spawn(sweep_files(self.ctx))
        if self.keys is not None:
            self._key_sock = self._bind_key_service()
            self._spawn(self._serve_keys())
        log.info("listening on %s", self.endpoint)

    def _bind_router(self) -> zmq.asyncio.Socket:
        cfg = self.config
        sock = self._zmq.socket(zmq.ROUTER)
        sock.setsockopt(zmq.ROUTER_MANDATORY, 1)
        sock.setsockopt(zmq.MAXMSGSIZE, limits.MAX_FRAME_BYTES)
        # Requests ZeroMQ reads ahead from one connection; past them it stops reading it
        # until the server caught up, so a flooding device is held back by its own socket.
        sock.setsockopt(zmq.RCVHWM, RECEIVE_AHEAD)
        sock.setsockopt(zmq.LINGER, LINGER_MS)
        # After a restart every device reconnects at once; ZeroMQ's default queue of 100
        # pending connections overflowed and the kernel's retries stretched ten thousand
        # reconnects over a minute.
        sock.setsockopt(zmq.BACKLOG, LISTEN_BACKLOG)
        # The kernel's keepalive probes free connections whose peer vanished without closing
        # them. Not ZMTP heartbeats: libzmq cancels a timer with a walk over every timer of
        # the I/O thread, so with 10,000 devices their heartbeats alone took 0.6 of a core.
        # Presence does not depend on either: it comes from the devices' own heartbeats.
        sock.setsockopt(zmq.TCP_KEEPALIVE, 1)
        sock.setsockopt(zmq.TCP_KEEPALIVE_IDLE, max(1, round(cfg.presence_timeout)))
        sock.setsockopt(zmq.TCP_KEEPALIVE_INTVL, max(1, round(cfg.heartbeat_interval)))
        sock.setsockopt(zmq.TCP_KEEPALIVE_CNT, KEEPALIVE_PROBES)
        if not cfg.insecure_plaintext:
            self.keys = server_keys.load_or_create(cfg.data_dir)
            # ZAP on its own thread: handshakes never wait behind a busy socket loop (and the
            # asyncio variant failed to answer when a server was restarted in one process).
            # A plain (not asyncio) context for its thread, whatever loop policy is in force.
            self._auth = ThreadAuthenticator(zmq.Context.shadow(self._zmq.underlying))
            self._auth.start()
            # Any client key may connect: accounts, not keys, are authenticated, and the key
            # the handshake proved becomes the frame's User-Id that device credentials bind to.
            self._auth.configure_curve(domain="*", location=zmq.auth.CURVE_ALLOW_ANY)
            sock.curve_secretkey = self.keys.secret.encode()
            sock.curve_publickey = self.keys.public.encode()
            sock.curve_server = True
        sock.bind(bindable(cfg.listen))
        self.endpoint = sock.getsockopt_string(zmq.LAST_ENDPOINT)
        return sock

    def _bind_key_service(self) -> zmq.asyncio.Socket:
        sock = self._zmq.socket(zmq.ROUTER)
        sock.setsockopt(zmq.MAXMSGSIZE, KEY_SERVICE_MAX_BYTES)
        sock.setsockopt(zmq.LINGER, 0)
        sock.bind(bindable(self.config.key_listen or key_endpoint_for(self.config.listen)))
        self.key_endpoint = sock.getsockopt_string(zmq.LAST_ENDPOINT)
        return sock

    def _spawn(self, coro: Awaitable) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Finish what was received, tell connected devices to reconnect, record last-seen
        times, close sockets and storage. Stopping a stopped server does nothing; a server is
        not started twice."""
        if self._zmq.closed:
            return None
        try:
            await self._finish()
        finally:
            self._owner.release()  # whatever failed, the next server may start
            self._lock.release()
        log.info("stopped")

    async def _finish(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._writer.close()  # stores and acknowledges every send received
        self.ctx.receipts.close()
        if self._relay is not None:
            self._relay.close()
        self._say_going_away()
        now = int(time.time() * 1000)
        for user_id in self.ctx.sessions.online_users():
            set_last_seen(self.ctx.store, user_id, now)
        if self._raw is not None:
            asyncio.get_running_loop().remove_reader(self._raw.FD)
        self._sock.close()
        if self.keys is not None:
            self._key_sock.close(linger=0)
        if self._auth is not None:
            self._auth.stop()
        self._zmq.term()
        if self._store is not None:
            self._store.close()
        if self._checkpointer is not None:
            self._checkpointer.stop()

    def _say_going_away(self) -> None:
        """Tell every connected device the connection is about to close, after every reply,
        so it reconnects now instead of when its requests or heartbeats time out."""
        sessions, body = self.ctx.sessions, encode(GoingAwayPush())
        for session in sessions.of_users(sessions.online_users()):
            self._send_frame(session.routing_id, body)

    # --- receiving ----------------------------------------------------------------------

    async def _serve(self) -> None:
        # ZeroMQ's descriptor only says that something may have changed, and any call on the
        # socket (a send from the writer's callback too) can consume that signal. So the loop
        # receives until the socket is empty before it waits again, and every send wakes it.
        while True:
            await self._readable.wait()
            self._readable.clear()
            while batch := self._recv_batch():
                # What the batch answers and pushes goes out together when it is handled
                # (``syncserver.bundling``), and before any wait.
                with self._outgoing.corked():
                    for frames in batch:
                        for handle in self._guarded(self._dispatch, frames) or ():
                            if self._writer.busy:
                                with self._outgoing.paused():
                                    await self._settle()  # earlier sends are stored first
                            self._guarded(handle)
                    self._guarded(self._writer.kick)
                self._guarded(self._forget_gone)
                # While devices keep sending, the socket is never empty: let what else waits
                # on the loop (another node's pushes, timers) run between batches, or it
                # would wait until the sending stopped.
                await asyncio.sleep(0)

    def _recv_batch(self) -> list[list[zmq.Frame]]:
        """Up to ``MAX_BATCH`` queued messages, without waiting."""
        batch: list[list[zmq.Frame]] = []
        size = 0
        while len(batch) < MAX_BATCH and size < MAX_BATCH_BYTES:
            try:
                frames = self._recv_now()
            except zmq.Again:
                break
            batch.append(frames)
            size += len(frames[-1])
        return batch

    async def _settle(self) -> None:
        await self._writer.settle()

    def _recv_now(self) -> list[zmq.Frame]:
        """One queued message, or ``zmq.Again``. Written out because ``recv_multipart`` asks
        the socket about every part and costs twice as much as these receives."""
        raw = self._raw
        assert raw is not None  # _open sets it before _serve starts
        frame = raw.recv(_NOBLOCK, copy=False)
        frames = [frame]
        while frame.more:
            frame = raw.recv(_NOBLOCK, copy=False)
            frames.append(frame)
        return frames

    @staticmethod
    def _guarded(step: Callable[..., T], *args: object) -> T | None:
        """A bug costs the one frame (or step) it hit, never the rest or the server."""
        try:
            return step(*args)
        except Exception:
            log.exception("%s failed", getattr(step, "__name__", "a step"))
            return None

    def _dispatch(self, frames: list[zmq.Frame]) -> list[Callable[[], object]]:
        """Answer what needs no handler, queue sends; for anything else, the calls that
        handle it (one per request of a bundle), to run once earlier sends are stored."""
        routing_id = frames[0].bytes
        req = self._decode(routing_id, frames)
        if req is None:
            return []
        if not isinstance(req, Bundle):
            handle = self._dispatch_one(routing_id, frames[-1], req, len(frames[-1]))
            return [] if handle is None else [handle]
        handles = []
        for item in req.items:
            body = bytes(item)
            one = self._decode_body(routing_id, body)
            if isinstance(one, Bundle):
                refusal = "a bundle cannot hold another bundle; send its items in the first"
                self._send(
                    routing_id,
                    Error(rid=salvage_rid(body), code=ErrorCode.BAD_REQUEST, message=refusal),
                )
            elif one is not None:
                handle = self._dispatch_one(routing_id, frames[-1], one, len(body))
                if handle is not None:
                    handles.append(handle)
        return handles

    def _dispatch_one(
        self, routing_id: bytes, last: zmq.Frame, req: Request, size: int
    ) -> Callable[[], object] | None:
        """``_dispatch`` for one request; ``last`` is the frame that carried it."""
        if isinstance(req, GetServerKey):
            self._send(routing_id, self._key_reply(req.rid))
            return None
        session = self.ctx.sessions.get(routing_id)
        if session is not None:
            session.last_beat = time.monotonic()
            refusal = self._admit(routing_id, session, req)
            if refusal is not None:
                self._send(routing_id, refusal)
                return None
        handler = None if isinstance(req, WRITTEN_REQUESTS) else HANDLERS[type(req)]
        if session is None and (handler is None or handler.authenticated):
            message = "this connection is not logged in; send hello or login first"
            self._send(
                routing_id, Error(rid=req.rid, code=ErrorCode.NOT_AUTHENTICATED, message=message)
            )
            return None
        logging_in = handler is not None and not handler.authenticated
        call = Call(routing_id, None, session, size=size)
        if logging_in:
            call.curve_key = _frame_property(last, "User-Id")
            call.address = _frame_property(last, "Peer-Address")
        if handler is None or handler.slow:  # answered later: counts as in flight till then
            if self.backlog.busy(routing_id, call.size):
                self._send(routing_id, _too_many_waiting(req.rid))
                return None
            self.backlog.started(routing_id, call.size)
        if handler is None:
            if isinstance(req, WRITTEN_REQUESTS):  # the writer stores these in batches
                self._writer.add(call, req)
            return None
        if handler.slow:
            return lambda: self._spawn(self._run_slow(handler, call, req))
        return lambda: self._answer(call, self._run(handler, call, req))

    def _admit(self, routing_id: bytes, session: Session, req: Request) -> Error | None:
        """The refusal of a request its connection or account may not make now, or None
        after charging its cost."""
        if not isinstance(req, Heartbeat) and self.backlog.full(routing_id):
            return _unread(req.rid, self.backlog.queued_bytes(routing_id))
        if not isinstance(req, Heartbeat) and self.backlog.account_full(session.user_id):
            return _unread_elsewhere(req.rid)
        admitted = self.ctx.throttles.admit(session, cost_of(req))
        if admitted is not None:
            return _slow_down(req.rid, *admitted)
        return None

    def _decode(self, routing_id: bytes, frames: list[zmq.Frame]) -> Request | Bundle | None:
        """The request in ``frames``, or None after replying with what is wrong with it."""
        error: Error | None = None
        if len(frames) != 3:
            error = Error(
                rid=0,
                code=ErrorCode.BAD_FRAME,
                message=f"expected 2 frames [{PROTOCOL_TAG.decode()}, body], got {len(frames) - 1}",
            )
        elif frames[1].bytes != PROTOCOL_TAG:
            error = Error(
                rid=salvage_rid(frames[2].bytes),
                code=ErrorCode.UNSUPPORTED_VERSION,
                message=(
                    f"this server speaks {PROTOCOL_TAG.decode()}, "
                    f"not {describe_tag(frames[1].bytes)}"
                ),
            )
        else:
            return self._decode_body(routing_id, frames[2].bytes)
        self._refuse_frame(routing_id, error)
        return None

    def _decode_body(self, routing_id: bytes, body: bytes) -> Request | Bundle | None:
        """The request (or bundle) in a body, or None after replying with what is wrong."""
        try:
            return decode_request(body)
        except UNDECODABLE as e:
            reason = why_undecodable(e)
            error = Error(rid=salvage_rid(body), code=ErrorCode.BAD_REQUEST, message=reason)
        self._refuse_frame(routing_id, error)
        return None

    def _refuse_frame(self, routing_id: bytes, error: Error) -> None:
        log.info("refused a frame: %s", error.message[:200])
        self._send(routing_id, error)

    def _run(self, handler: Handler, call: Call, req: Request) -> Reply:
        try:
            reply = handler.fn(self.ctx, call, req)
            if not isinstance(reply, Reply):
                raise TypeError(f"the {type(req).__name__} handler waits: register it as slow")
            return reply
        except Exception as e:
            return self._error_reply(req, e)

    async def _run_slow(self, handler: Handler, call: Call, req: Request) -> None:
        try:
            result = handler.fn(self.ctx, call, req)
            reply = result if isinstance(result, Reply) else await result
        except Exception as e:
            reply = self._error_reply(req, e)
        self._answer_waiting(call, reply)

    @staticmethod
    def _error_reply(req: Request, exc: Exception) -> Error:
        if isinstance(exc, Refusal):
            return Error(
                rid=req.rid,
                code=exc.code,
                message=exc.message,
                retry_after=exc.retry_after,
                offset=exc.offset,
            )
        if isinstance(exc, StorageError):
            log.error("storage failed for %s: %s", type(req).__name__, exc)
            message = f"the server could not store this change: {exc}"
            return Error(rid=req.rid, code=ErrorCode.UNAVAILABLE, message=message)
        log.exception("handler for %s failed", type(req).__name__)
        return Error(rid=req.rid, code=ErrorCode.INTERNAL, message="internal server error")

    def _key_reply(self, rid: int) -> Reply:
        if self.keys is None:
            message = "this server runs without encryption and has no key"
            return Error(rid=rid, code=ErrorCode.INVALID, message=message)
        return ServerKey(rid=rid, public_key=self.keys.public, fingerprint=self.fingerprint or "")

    # --- sending ------------------------------------------------------------------------

    def _send(self, routing_id: bytes, message: Reply | Push) -> bool:
        if isinstance(message, Reply):
            return self._send_reply(routing_id, message) > 0
        return self._send_frame(routing_id, encode(message))

    def _send_reply(self, routing_id: bytes, reply: Reply) -> int:
        """Send a reply; a large one to a connection that is not reading becomes an error
        saying so. The bytes sent, 0 if none."""
        body = encode(reply)
        if not self.backlog.has_room(routing_id, len(body)):
            body = encode(_unread(reply.rid, self.backlog.queued_bytes(routing_id)))
        return len(body) if self._send_frame(routing_id, body) else 0

    def _answer(self, call: Call, reply: Reply) -> None:
        """Send a handler's reply and charge the device for its size."""
        size = self._send_reply(call.routing_id, reply)
        if call.session is not None:
            self.ctx.throttles.charge(call.session, reply_cost(reply, size))

    def _answer_waiting(self, call: Call, reply: Reply) -> None:
        """Answer a request that was counted in flight (a send, a login)."""
        self.backlog.answered(call.routing_id, call.size)
        self._send_reply(call.routing_id, reply)

    def _send_frame(self, routing_id: bytes, body: bytes) -> bool:
        """Send an encoded message, or hold it to go out with others when the loop's turn
        ends (``syncserver.bundling``); False if the peer is gone, its queue is full, or it
        has more bytes queued than its budget (a push is a hint: its sync cursor recovers
        it)."""
        if self._outgoing.hold(routing_id, body):
            return True
        self._outgoing.release(routing_id)  # what is held for the peer goes first
        return self._send_now(routing_id, body)

    def _reads_bundles(self, routing_id: bytes) -> bool:
        session = self.ctx.sessions.get(routing_id)
        return session is not None and session.bundles

    def _send_now(self, routing_id: bytes, body: bytes) -> bool:
        if not self.backlog.has_room(routing_id, len(body)):
            return False
        sock = self._raw
        assert sock is not None  # _open sets it before anything is sent
        self._readable.set()  # this call may consume the socket's signal: look again after it
        try:
            # A ROUTER takes a message whole or refuses it at its first part.
            sock.send(routing_id, _MORE)
            sock.send(PROTOCOL_TAG, _MORE)
            if len(body) < TRACKED_BYTES:
                sock.send(body, _NOBLOCK)
            else:
                tracker = sock.send(body, _NOBLOCK, copy=False, track=True)
                session = self.ctx.sessions.get(routing_id)
                account = session.user_id if session is not None else None
                self.backlog.queued(routing_id, tracker, len(body), account)
        except zmq.Again:
            return False  # the peer's queue is full; its sync cursor recovers what it missed
        except zmq.ZMQError as e:
            if e.errno != zmq.EHOSTUNREACH:
                raise
            self._gone.add(routing_id)
            return False
        return True

    def _forget_gone(self) -> None:
        # Telling others about a departure can reveal more departures: repeat until settled.
        while self._gone:
            gone, self._gone = self._gone, set()
            for routing_id in gone:
                session = self.ctx.sessions.drop(routing_id)
                if session is not None:
                    log.info("device %d disconnected", session.device_id)
                    publish_presence(self.ctx, session.user_id)

    # --- background ---------------------------------------------------------------------

    async def _sweep(self) -> None:
        interval = min(1.0, self.config.presence_timeout / 4)  # secs
        while True:
            await asyncio.sleep(interval)
            self._guarded(sweep_presence, self.ctx)
            self._guarded(self._forget_gone)
            self._guarded(self.backlog.forget_released)
            self._guarded(self.ctx.receipts.forget_old)
            self._keep_owning()

    def _keep_owning(self) -> None:
        """Hold the database's lock again once PostgreSQL is back (``DatabaseOwner.keep``)."""
        try:
            self._owner.keep()
        except (StorageError, DatabaseBusy) as e:
            log.warning("cannot hold the database's lock yet: %s", e)

    async def _serve_keys(self) -> None:
        while True:
            frames = await self._key_sock.recv_multipart()
            rid = salvage_rid(frames[-1]) if len(frames) == 3 else 0
            reply = encode(self._key_reply(rid))
            with contextlib.suppress(zmq.ZMQError):  # the asker left; nothing is lost
                self._key_sock.send_multipart([frames[0], PROTOCOL_TAG, reply], zmq.NOBLOCK)


def _frame_property(frame: zmq.Frame, name: str) -> str | None:
    """Connection metadata ZeroMQ attaches to a frame: ``User-Id`` is the CURVE key the peer
    proved in its handshake (None without CURVE), ``Peer-Address`` its IP address."""
    try:
        value = frame.get(name)
    except zmq.ZMQError:
        return None
    return value if isinstance(value, str) and value else None


def _slow_down(rid: int, wait: float, whose: str) -> Error:
    retry_after = rounded_up(wait)
    return Error(
        rid=rid,
        code=ErrorCode.RATE_LIMITED,
        message=f"too many requests from {whose}; try again in {retry_after:g} s",
        retry_after=retry_after,
    )


def _unread(rid: int, queued: int) -> Error:
    return Error(
        rid=rid,
        code=ErrorCode.BACKLOG_FULL,
        message=f"this connection has {queued:,} bytes of replies and pushes it has not read "
        "yet; read them before asking for more",
    )


def _unread_elsewhere(rid: int) -> Error:
    return Error(
        rid=rid,
        code=ErrorCode.BACKLOG_FULL,
        message="this account's connections hold as many replies and pushes they have not "
        "read as they may; read them, or close the connections that do not, before asking "
        "for more",
    )


def _too_many_waiting(rid: int) -> Error:
    return Error(
        rid=rid,
        code=ErrorCode.BACKLOG_FULL,
        message="this connection has as many requests waiting for their answers as it may "
        "(in number or in bytes); wait for some of them before sending more",
    )
