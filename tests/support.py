"""Test helpers: real protocol clients with their pushes collected for waiting on."""

import asyncio
import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import zmq
import zmq.asyncio

from shared.client import Connection, Credentials
from shared.keys import KeyPair
from shared.protocol import Bundle, Push, Reply, ReplyT, Request, Welcome, decode_server_message
from syncserver.config import ServerConfig
from syncserver.server import SyncServer

PASSWORD = "correct horse battery"
WAIT = 10.0  # secs any single expected event may take before a test fails


class TestClient:
    """A device: a ``Connection`` plus every push it received."""

    __test__ = False  # not a pytest test class

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pushes: list[Push] = []
        self._arrived = asyncio.Event()
        conn.on_push = self._on_push

    def _on_push(self, push: Push) -> None:
        self.pushes.append(push)
        self._arrived.set()

    @property
    def credentials(self) -> Credentials:
        """The device's credentials, once it has registered, logged in or resumed."""
        if self.conn.credentials is None:
            raise AssertionError("this client has no device credentials yet")
        return self.conn.credentials

    @property
    def welcome(self) -> Welcome:
        """The server's welcome to this device's last hello, login or registration."""
        if self.conn.welcome is None:
            raise AssertionError("this client has not been welcomed yet")
        return self.conn.welcome

    async def request(self, req: Request[ReplyT]) -> ReplyT:
        return await self.conn.request(req)

    async def wait_push(self, match: Callable[[Push], bool], timeout: float = WAIT) -> Push:
        """The first push (already received or arriving) that satisfies ``match``."""
        async with asyncio.timeout(timeout):
            seen = 0
            while True:
                for push in self.pushes[seen:]:
                    if match(push):
                        return push
                seen = len(self.pushes)
                self._arrived.clear()
                await self._arrived.wait()


class ClientFactory:
    """Makes devices connected to one server, pinned to its key, and closes them all."""

    def __init__(self, server: SyncServer) -> None:
        self.server = server
        self.made: list[TestClient] = []

    def connection(self, **overrides: Any) -> Connection:
        options: dict[str, Any] = {
            "server_key": self.server.keys.public if self.server.keys else None,
            "plaintext": self.server.keys is None,
            "key_endpoint": self.server.key_endpoint,
            "request_timeout": WAIT,
        }
        options.update(overrides)
        return Connection(self.server.endpoint, **options)

    async def connect(self, **overrides: Any) -> TestClient:
        client = TestClient(self.connection(**overrides))
        self.made.append(client)
        await client.conn.open()
        await client.conn.wait_ready(WAIT)
        return client

    async def register(self, user: str, device: str = "laptop") -> TestClient:
        client = await self.connect()
        await client.conn.register(user, PASSWORD, device)
        return client

    async def login(self, user: str, device: str) -> TestClient:
        client = await self.connect()
        await client.conn.login(user, PASSWORD, device)
        return client

    async def resume(self, credentials: Credentials, **overrides: Any) -> TestClient:
        """The same device connecting again (same transport key, same credential)."""
        return await self.connect(credentials=credentials, **overrides)

    async def close_all(self) -> None:
        for client in self.made:
            await client.conn.close()


def fake_server_socket() -> tuple[zmq.asyncio.Socket, str, str]:
    """A CURVE ROUTER on a free loopback port, for a stand-in server older or newer than
    this one (its frames written by the test); returns it, its endpoint and public key."""
    keys = KeyPair.generate()
    sock = zmq.asyncio.Context.instance().socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.curve_server = True
    sock.curve_secretkey = keys.secret.encode()
    sock.curve_publickey = keys.public.encode()
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    return sock, f"tcp://127.0.0.1:{port}", keys.public


def bare_socket(
    endpoint: str, server_key: str, keys: KeyPair | None = None, **options: int
) -> zmq.asyncio.Socket:
    """A DEALER socket connected to a server over CURVE, for a device that sends what the
    shared client never would, or reads when the test decides; ``options`` are further socket
    options by name (``RCVHWM=1``). New keys unless ``keys`` are given."""
    keys = keys or KeyPair.generate()
    sock = zmq.asyncio.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    for name, value in options.items():
        sock.setsockopt(getattr(zmq, name), value)
    sock.curve_serverkey = server_key.encode()
    sock.curve_publickey = keys.public.encode()
    sock.curve_secretkey = keys.secret.encode()
    sock.connect(endpoint)
    return sock


async def receive(sock: zmq.asyncio.Socket) -> Reply | Push:
    """The next message on a bare socket of a device that names no features."""
    message = decode_server_message((await sock.recv_multipart())[-1])
    assert not isinstance(message, Bundle)  # such devices are never sent bundles
    return message


def new_id() -> str:
    return uuid.uuid4().hex


def same_place(server: SyncServer) -> ServerConfig:
    """The running server's configuration with its actual ports fixed, to start a server
    again where clients will look for it."""
    return dataclasses.replace(
        server.config, listen=server.endpoint, key_listen=server.key_endpoint
    )
