"""A lean XMPP client over asyncio: one TCP connection, no XML parser.

It speaks just enough XMPP for the benchmark (stream open, SASL PLAIN, resource binding,
session, presence, chat and groupchat messages, joining a room) and reads what Prosody sends
with a regular expression over the bytes, so that the clients cost as little CPU per message
as the ZeroMQ ones on the Tidings side. A library such as slixmpp builds an object per
stanza and would measure itself instead of Prosody.
"""

import asyncio
import base64
import contextlib
import re
import socket
import time
from collections.abc import Callable

from syncserver.bench.prosody.config import DOMAIN

SETUP_TIMEOUT = 30.0  # secs for each step of setting a session up
READ_SIZE = 256 * 1024
_BODY = re.compile(rb"<body>([^<]*)</body>")
_OPEN_BODY = b"<body>"
_STREAM = (
    f"<?xml version='1.0'?><stream:stream to='{DOMAIN}' xmlns='jabber:client'"
    " xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
).encode()
_FAILURES = (b"<failure", b"<stream:error", b"type='error'")

# Called with the client, the bodies of the messages that came in one read, and the time
# they were read (time.monotonic_ns, the clock every process on the machine shares).
OnBodies = Callable[["XmppClient", list[bytes], int], None]


class XmppClient:
    """One user's session. ``connect`` sets it up; then ``send`` writes messages and the
    bodies of incoming messages go to the ``on_bodies`` callback."""

    def __init__(
        self, user: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.user = user
        self.jid = f"{user}@{DOMAIN}"
        self._reader = reader
        self._writer = writer
        self._buffer = b""
        self._listening: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, port: int, user: str, password: str) -> "XmppClient":
        """A session on 127.0.0.1:``port``, authenticated, bound and available."""
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # Every message is its own write, as a client's would be; Nagle would hold them back.
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client = cls(user, reader, writer)
        await client._open_session(password)
        return client

    async def _open_session(self, password: str) -> None:
        self._write(_STREAM)
        await self._read_past(b"</stream:features>")
        plain = base64.b64encode(f"\0{self.user}\0{password}".encode())
        self._write(
            b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
            + plain
            + b"</auth>"
        )
        await self._read_past(b"<success")
        await self._read_past(b">")
        self._buffer = b""  # the stream starts again after authentication
        self._write(_STREAM)
        await self._read_past(b"</stream:features>")
        self._write(
            b"<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            b"<resource>bench</resource></bind></iq>"
        )
        await self._read_past(b"</iq>")
        self._write(
            b"<iq type='set' id='session'>"
            b"<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>"
        )
        await self._read_past(b"id='session'")
        await self._read_past(b">")
        self._write(b"<presence/>")

    async def join(self, room: str) -> None:
        """Enter ``room`` under the user's name, with no history, and wait until in."""
        self._write(
            f"<presence to='{room}/{self.user}'><x xmlns='http://jabber.org/protocol/muc'>"
            "<history maxstanzas='0'/></x></presence>".encode()
        )
        await self._read_past(b"code='110'")  # the room's presence of the user itself

    def listen(self, on_bodies: OnBodies) -> None:
        """From now on, pass the bodies of incoming messages to ``on_bodies``."""
        self._listening = asyncio.create_task(self._listen(on_bodies))

    async def _listen(self, on_bodies: OnBodies) -> None:
        pending = self._buffer
        while data := await self._reader.read(READ_SIZE):
            now = time.monotonic_ns()
            bodies, pending = split_bodies(pending + data)
            if bodies:
                on_bodies(self, bodies, now)

    def send(self, to: str, kind: str, bodies: list[str]) -> None:
        """Write one message stanza per body to ``to`` (``kind`` "chat" or "groupchat")."""
        self._write(
            "".join(
                f"<message to='{to}' type='{kind}'><body>{body}</body></message>" for body in bodies
            ).encode()
        )

    async def drain(self) -> None:
        """Wait while the connection's send buffer is full."""
        await self._writer.drain()

    async def close(self) -> None:
        """End the stream and the connection."""
        if self._listening is not None:
            self._listening.cancel()
        self._write(b"</stream:stream>")
        self._writer.close()
        with contextlib.suppress(ConnectionError):  # the server may close first
            await self._writer.wait_closed()

    def _write(self, data: bytes) -> None:
        self._writer.write(data)

    async def _read_past(self, token: bytes) -> None:
        """Read until ``token`` has come, and drop what came up to it."""
        deadline = time.monotonic() + SETUP_TIMEOUT
        while token not in self._buffer:
            if any(failure in self._buffer for failure in _FAILURES):
                raise RuntimeError(f"{self.user}: Prosody said {self._buffer[:300]!r}")
            left = deadline - time.monotonic()
            data = await asyncio.wait_for(self._reader.read(READ_SIZE), max(left, 0.001))
            if not data:
                raise ConnectionError(f"{self.user}: Prosody closed the connection")
            self._buffer += data
        self._buffer = self._buffer[self._buffer.index(token) + len(token) :]


def split_bodies(received: bytes) -> tuple[list[bytes], bytes]:
    """The message bodies complete in ``received``, and the part of it to keep for the next
    read: what may be the start of a body still coming (the rest is other stanzas)."""
    end = 0
    bodies = []
    for found in _BODY.finditer(received):
        bodies.append(found.group(1))
        end = found.end()
    start = received.rfind(_OPEN_BODY, end)
    return bodies, received[start:] if start >= 0 else received[end:][-len(_OPEN_BODY) :]
