"""What every request handler gets: the server's shared state, the call, and a way to refuse."""

import functools
import time
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from shared.errors import ErrorCode
from shared.protocol import Reply, Request
from syncserver.config import ServerConfig
from syncserver.delivery import Delivery
from syncserver.files import Files
from syncserver.members import MemberCache
from syncserver.names import NameCache
from syncserver.presence import Presence
from syncserver.ratelimit import RateLimiter, SpendFn, rounded_up
from syncserver.receipts import ReceiptBoard
from syncserver.relay import Relay
from syncserver.sequencer import Sequencer
from syncserver.sessions import Session, SessionTable
from syncserver.store import Store


class Refusal(Exception):
    """Raised by a handler to answer with an Error reply."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        retry_after: float | None = None,
        offset: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.offset = offset  # ``upload_offset``: where the upload goes on


def throttle(wait: float | None, what: str) -> None:
    """Refuse with ``rate_limited`` when a throttle says to ``wait``, saying for ``what``."""
    if wait is not None:
        retry_after = rounded_up(wait)
        raise Refusal(
            ErrorCode.RATE_LIMITED,
            f"too many {what}; try again in {retry_after:g} s",
            retry_after=retry_after,
        )


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Throttles:
    """How fast devices and accounts may ask (in cost units, see ``syncserver.costs``), and
    how often logins may fail."""

    device: RateLimiter
    user: RateLimiter  # requests of all of an account's devices together
    account: RateLimiter  # login attempts per account name
    address: RateLimiter

    @classmethod
    def from_config(
        cls, config: ServerConfig, spent: Callable[[str, Hashable, float], None] | None = None
    ) -> "Throttles":
        """The budgets ``config`` sets. ``spent`` hears of what is spent from those that
        servers sharing the database share: an account's and an address's (a device talks
        to one server at a time)."""

        def shared(name: str) -> SpendFn | None:
            return None if spent is None else functools.partial(spent, name)

        return cls(
            device=RateLimiter(config.device_rate, config.device_burst),
            user=RateLimiter(config.account_rate, config.account_burst, spent=shared("user")),
            account=RateLimiter(
                1 / config.login_interval, config.login_burst, spent=shared("account")
            ),
            address=RateLimiter(
                1 / config.address_interval, config.address_burst, spent=shared("address")
            ),
        )

    def spent_elsewhere(self, limiter: str, key: Hashable, tokens: float) -> None:
        """Another server spent ``tokens`` from one of the budgets servers share."""
        shared = {"user": self.user, "account": self.account, "address": self.address}
        budget = shared.get(limiter)
        if budget is not None:
            budget.spent_elsewhere(key, tokens)

    def admit(self, session: Session, cost: int) -> tuple[float, str] | None:
        """Spend ``cost`` from the device's and its account's budgets; or, when either is
        short, spend nothing and say how long to wait and whose budget ran out."""
        device_wait = self.device.wait_needed(session.device_id, cost)
        user_wait = self.user.wait_needed(session.user_id, cost)
        if device_wait is None and user_wait is None:
            self.device.charge(session.device_id, cost)
            self.user.charge(session.user_id, cost)
            return None
        if (user_wait or 0.0) > (device_wait or 0.0):
            return user_wait or 0.0, "this account"
        return device_wait or 0.0, "this device"

    def charge(self, session: Session, cost: int) -> None:
        """Spend ``cost`` found out after the request was handled (a large reply)."""
        if cost:
            self.device.charge(session.device_id, cost)
            self.user.charge(session.user_id, cost)


@dataclass
class Context:
    """The server state handlers share. Built once by the server."""

    config: ServerConfig
    store: Store  # the server's database; every store function takes it
    sequencer: Sequencer
    sessions: SessionTable
    presence: Presence
    delivery: Delivery
    names: NameCache
    throttles: Throttles
    members: MemberCache
    receipts: ReceiptBoard  # pushes members' receipts as they rise
    epoch: str  # the database's identity, told to devices in ``welcome``
    files: Files  # attached files' bytes, and uploads being finished
    # Waits until every send received so far is stored (see syncserver.writer); a handler
    # that awaits something must call it before it writes.
    settle: Callable[[], Awaitable[None]]

    # Other servers share the database (``syncserver.store.nodes``), and what passes on to
    # them what this one's devices do (``syncserver.relay``).
    shared: bool = False
    relay: Relay | None = None

    @contextmanager
    def write(self, *, numbered: bool = False) -> Iterator[None]:
        """A transaction that hands sequence numbers back if it fails. Where servers share
        the database, its first number waits for the database's write lock; a ``numbered``
        write takes the lock at once, so that what it reads first (who is in a group) no
        other server changes before it commits."""
        self.sequencer.begin()
        committed = False
        try:
            with self.store.transaction():
                self.members.begin()
                try:
                    if numbered:
                        self.sequencer.hold()
                    yield
                    self.sequencer.seal()
                finally:
                    self.members.end()
            committed = True
        except BaseException:
            self.sequencer.reset()
            raise
        finally:
            self.sequencer.end(committed)

    def new_event(
        self,
        channel_id: int,
        kind: str,
        sender_id: int,
        audience: frozenset[int] | set[int],
        **fields: object,
    ) -> dict:
        """A new timeline event, as the row to insert (in a ``write``): the next position
        and the channel's next sequence number, the position it takes in the stream of each
        user of ``audience`` (those who may see it), and its other columns. Every event row
        is made here: sends and their changes (``syncserver.batch``) and group changes
        (``handlers.channels``)."""
        sequencer = self.sequencer
        return {
            "pos": sequencer.next_pos(),
            "channel": channel_id,
            "seq": sequencer.next_seq(channel_id),
            "stream": sequencer.stream_positions(audience),
            "kind": kind,
            "sender": sender_id,
            "ts": now_ms(),
            **fields,
        }


@dataclass
class Call:
    """One request as received: who sent it and over which connection."""

    routing_id: bytes
    curve_key: str | None  # the peer's authenticated CURVE key; None in plaintext mode
    session: Session | None
    address: str | None = None  # the peer's IP address, for throttling logins
    size: int = 0  # bytes of the request's frame

    @property
    def me(self) -> Session:
        if self.session is None:  # dispatch checks this first; kept for type narrowing
            raise Refusal(ErrorCode.NOT_AUTHENTICATED, "say hello or log in first")
        return self.session


HandlerFn = Callable[[Context, Call, Any], Reply | Awaitable[Reply]]


@dataclass(frozen=True)
class Handler:
    fn: HandlerFn
    authenticated: bool
    slow: bool  # runs as its own task so the socket loop keeps serving others


HANDLERS: dict[type[Request], Handler] = {}


def handles(
    kind: type[Request], *, authenticated: bool = True, slow: bool = False
) -> Callable[[HandlerFn], HandlerFn]:
    """Register ``fn`` as the handler of request type ``kind``."""

    def register(fn: HandlerFn) -> HandlerFn:
        HANDLERS[kind] = Handler(fn, authenticated, slow)
        return fn

    return register
