"""A Tidings sync server hosted by the desktop app itself.

The GUI's event loop runs on the Qt thread; the embedded server gets a thread and an asyncio
loop of its own so that its disk writes and password hashing never stall the interface.

Only one embedded server runs per process: the server's storage binds its database models
globally, so a second server in the same process would write into the first one's database.
This is the only module of the desktop app that imports the server package.
"""

import asyncio
import atexit
import contextlib
import errno
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import zmq

from shared.endpoints import key_endpoint_for
from syncserver.config import DEFAULT_LISTEN, ServerConfig
from syncserver.lock import DataDirBusy
from syncserver.server import SyncServer
from syncserver.sessions import ConnectedDevice

log = logging.getLogger(__name__)

THREAD_NAME = "tidings-embedded-server"


def default_server_dir() -> Path:
    """Where the embedded server keeps its key pair and database unless told otherwise."""
    return platformdirs.user_data_path("tidings", appauthor=False) / "server"


def lan_listen(port: int) -> str:
    """The endpoint that makes the server reachable from other machines on the network.

    It listens on every interface; other devices then connect to this machine's LAN address
    (for example ``tcp://192.168.1.20:PORT``), not to the returned endpoint itself.
    """
    return f"tcp://0.0.0.0:{port}"


@dataclass(frozen=True)
class HostedServer:
    """Where a started embedded server can be reached, and the key clients pin for it."""

    endpoint: str  # where clients connect, e.g. tcp://127.0.0.1:7744
    key_endpoint: str  # the key service new clients ask for ``public_key``
    fingerprint: str  # ``public_key`` in the short form shown to users
    public_key: str  # Z85 CURVE public key


class ServerStartError(RuntimeError):
    """The embedded server could not start; the message says why in the user's terms."""

    def __init__(self, message: str, address: str | None = None, in_use: bool = False) -> None:
        super().__init__(message)
        self.address = address  # the endpoint that could not be bound, if that was the cause
        self.in_use = in_use  # ... because another program listens there


_active_lock = threading.Lock()
_active: "EmbeddedServer | None" = None  # the one server this process may host


class EmbeddedServer:
    """A Tidings sync server running inside the desktop app, on a thread of its own."""

    def __init__(
        self,
        data_dir: Path,
        listen: str = DEFAULT_LISTEN,
        key_listen: str | None = None,
    ) -> None:
        self.config = ServerConfig(data_dir=data_dir, listen=listen, key_listen=key_listen)
        self.hosted: HostedServer | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: SyncServer | None = None  # once listening; used on its loop only
        self._stop_requested = asyncio.Event()
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._lifecycle = threading.Lock()  # start and stop may come from different threads

    @property
    def running(self) -> bool:
        """True from a successful ``start`` until ``stop``."""
        return self.hosted is not None and self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> HostedServer:
        """Start the server and block the caller until it listens.

        Call once, at start-up; from async code, call it through ``asyncio.to_thread`` so
        the caller's loop keeps running. Raises ``ServerStartError`` if the server cannot
        start (an address already in use, an unreadable data directory, a database from a
        newer version) and ``TimeoutError`` if it did not start within ``timeout`` seconds.
        """
        global _active
        with self._lifecycle:
            if self._thread is not None:
                raise RuntimeError("an embedded server is started only once; make a new one")
            with _active_lock:
                if _active is not None:
                    raise RuntimeError(
                        "this process already hosts a Tidings server; stop it before "
                        "starting another"
                    )
                _active = self
            # A selector loop explicitly: pyzmq's asyncio sockets need one, and on Windows
            # ``asyncio.new_event_loop()`` would give a proactor loop instead.
            self._loop = asyncio.SelectorEventLoop()
            self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
            self._thread.start()
        if not self._ready.wait(timeout):
            self.stop(timeout)
            raise TimeoutError(
                f"the Tidings server in {self.config.data_dir} did not start within {timeout:g}s"
            )
        if self._failure is not None:
            self._thread.join(timeout)
            self._release()
            raise self._failure
        # A daemon thread keeps a forgotten server from holding the app open at exit; this
        # still stops it gracefully when the interpreter exits normally.
        atexit.register(self.stop)
        assert self.hosted is not None
        return self.hosted

    def stop(self, timeout: float = 10.0) -> None:
        """Stop gracefully: finish what was received, close sockets and storage, end the
        thread. Stopping a stopped (or never started) server does nothing."""
        with self._lifecycle:
            thread, loop = self._thread, self._loop
            if thread is None or loop is None:
                return
            if thread.is_alive():
                # The loop may not be running yet (stop during start): the callback waits.
                # If it already closed, the thread is on its way out by itself.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self._stop_requested.set)
                thread.join(timeout)
                if thread.is_alive():
                    raise TimeoutError(f"the Tidings server did not stop within {timeout:g}s")
            self.hosted = None
            atexit.unregister(self.stop)
            self._release()

    @property
    def registration_open(self) -> bool:
        """Whether anyone who reaches the server may create an account on it."""
        return self.config.open_registration

    def connected_devices(self, timeout: float = 5.0) -> list[ConnectedDevice]:
        """Who is connected now, read on the server's own thread; from any thread (from
        the GUI's, through ``asyncio.to_thread``: it waits for the server's loop). Empty
        when the server is not running."""
        loop, server = self._loop, self._server
        if not self.running or loop is None or server is None:
            return []

        async def read() -> list[ConnectedDevice]:
            return server.connected_devices()

        return asyncio.run_coroutine_threadsafe(read(), loop).result(timeout)

    def _release(self) -> None:
        global _active
        with _active_lock:
            if _active is self:
                _active = None

    # --- on the server's thread ---------------------------------------------------------

    def _run(self) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as e:  # reported to ``start``, which would otherwise wait
            if not self._ready.is_set():
                self._failure = e
                self._ready.set()
            else:
                log.exception("the embedded server failed")
        finally:
            try:
                # Password hashing runs on the default executor; wait for its threads too.
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    async def _serve(self) -> None:
        server = SyncServer(self.config)
        try:
            await server.start()
        except Exception as e:
            self._failure = self._explain(server, e)
            self._failure.__cause__ = e
            self._ready.set()
            return
        assert server.keys is not None and server.key_endpoint is not None
        self.hosted = HostedServer(
            endpoint=server.endpoint,
            key_endpoint=server.key_endpoint,
            fingerprint=server.fingerprint or "",
            public_key=server.keys.public,
        )
        log.info("embedded server listening on %s", server.endpoint)
        self._server = server
        self._ready.set()
        try:
            await self._stop_requested.wait()
        finally:
            self._server = None
            await server.stop()

    def _explain(self, server: SyncServer, exc: Exception) -> ServerStartError:
        cfg = self.config
        if isinstance(exc, zmq.ZMQError):
            # The chat socket binds first: with no endpoint yet, it was the one refused.
            if not server.endpoint:
                address, service = cfg.listen, "the Tidings server"
            else:
                address = cfg.key_listen or key_endpoint_for(cfg.listen)
                service = "the Tidings server's key service"
            reason = zmq.strerror(exc.errno) if exc.errno is not None else str(exc)
            message = f"{service} could not listen on {address}: {reason}"
            if exc.errno == errno.EADDRINUSE:
                message += " (another program, or another Tidings server, is using that port)"
            return ServerStartError(message, address, in_use=exc.errno == errno.EADDRINUSE)
        if isinstance(exc, DataDirBusy):
            # Most likely Tidings is open already, hosting this server in another window.
            return ServerStartError(f"{exc}; is Tidings already open? Close it first")
        return ServerStartError(f"the Tidings server in {cfg.data_dir} could not start: {exc}")
