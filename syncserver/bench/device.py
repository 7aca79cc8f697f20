"""A load generator's device: one blocking DEALER socket that speaks the protocol directly.

The app's ``shared.client.Connection`` spends far more CPU per message (asyncio futures,
timeouts, resends) than the server does, so benchmark clients built on it measure the client.
A raw device sends the same frames with as little work as Python allows.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import msgspec
import zmq

from shared.bundles import frames_of
from shared.errors import ProtocolError
from shared.ids import new_client_id
from shared.protocol import (
    FEATURE_BUNDLES,
    FEATURE_TOLERANT,
    PROTOCOL_TAG,
    Bundle,
    Error,
    Hello,
    Push,
    Reply,
    Request,
    decode_server_message,
    encode,
)

SETUP_TIMEOUT_MS = 60_000  # a setup request waits this long for its reply


@dataclass(frozen=True)
class DeviceCredentials:
    """What a benchmark device needs to say hello: its login and its CURVE key pair."""

    user: str
    device_id: int
    token: str
    public: str
    secret: str


@dataclass(frozen=True)
class Target:
    """The server under test."""

    endpoint: str
    public_key: str


@dataclass(frozen=True)
class PlacedDevice:
    """A benchmark device and the server (the node, where there are several) it uses."""

    target: Target
    creds: DeviceCredentials


class RawDevice:
    """A device on its own DEALER socket. ``call`` for setup, ``send``/``drain`` for load."""

    def __init__(
        self,
        ctx: zmq.Context,
        target: Target,
        creds: DeviceCredentials,
        receive_ahead: int | None = None,
    ) -> None:
        """``receive_ahead``: frames ZeroMQ may read ahead of the device (a device that
        does not read then leaves the rest waiting at the server); its default otherwise."""
        self.creds = creds
        self.sock = ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        if receive_ahead is not None:
            self.sock.setsockopt(zmq.RCVHWM, receive_ahead)
            self.sock.setsockopt(zmq.RCVBUF, 64 * 1024)
        self.sock.curve_serverkey = target.public_key.encode()
        self.sock.curve_publickey = creds.public.encode()
        self.sock.curve_secretkey = creds.secret.encode()
        self.sock.connect(target.endpoint)
        self._rids = itertools.count(1)
        self.cursor = 0  # the sync cursor the server has for the device, from its welcome
        self.bundles = False  # the server reads bundles: set from its welcome, as the app does

    def send(self, req: Request) -> int:
        """Send without waiting; returns the request id."""
        rid = next(self._rids)
        req = msgspec.structs.replace(req, rid=rid)
        self.sock.send_multipart([PROTOCOL_TAG, encode(req)])
        return rid

    def send_many(self, reqs: list[Request]) -> None:
        """Send requests made together as the app sends them: in bundles where the server
        reads them, one frame each otherwise."""
        bodies = [encode(msgspec.structs.replace(req, rid=next(self._rids))) for req in reqs]
        frames = frames_of(bodies) if self.bundles else iter(bodies)
        for body in frames:
            self.sock.send_multipart([PROTOCOL_TAG, body])

    def next_client_id(self) -> str:
        """A message id this device never used before, made as the app makes its own."""
        return new_client_id()

    def call(self, req: Request) -> Reply:
        """Send and wait for the reply, skipping pushes; an Error raises ``ProtocolError``."""
        rid = self.send(req)
        while True:
            if not self.sock.poll(SETUP_TIMEOUT_MS):
                raise TimeoutError(f"no reply to {type(req).__name__} within the setup timeout")
            for message in _unbundled(decode_server_message(self.sock.recv_multipart()[1])):
                if isinstance(message, Reply) and message.rid == rid:
                    if isinstance(message, Error):
                        raise ProtocolError(message.code, message.message)
                    return message

    def send_hello(self, tolerant: bool = False) -> int:
        """Start authenticating as this device; returns the request id to wait for. A
        ``tolerant`` device reads what protocol 1 added, receipts among it, and bundles, as
        the app does."""
        features = [FEATURE_TOLERANT, FEATURE_BUNDLES] if tolerant else []
        hello = Hello(device_id=self.creds.device_id, token=self.creds.token, features=features)
        return self.send(hello)

    def greet(self) -> None:
        """Authenticate as this device and wait until the server agrees."""
        self.call(Hello(device_id=self.creds.device_id, token=self.creds.token))

    def drain(self) -> Iterator[Reply | Push]:
        """Everything already received, without waiting."""
        while True:
            try:
                frames = self.sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            yield from _unbundled(decode_server_message(frames[1]))

    def close(self) -> None:
        self.sock.close(linger=0)


def _unbundled(message: Reply | Push | Bundle) -> Iterator[Reply | Push]:
    """A server message, or each message of a bundle."""
    if isinstance(message, Bundle):
        for item in message.items:
            inner = decode_server_message(bytes(item))
            assert not isinstance(inner, Bundle)  # a server never nests them
            yield inner
    else:
        yield message
