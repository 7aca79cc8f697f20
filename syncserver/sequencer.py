"""The one place positions and per-channel sequence numbers are assigned.

Every event takes its server-wide ``pos`` and its channel's ``seq`` together, in the same
order, so within a channel ``seq`` grows with ``pos``: storage indexes events by (channel, pos)
alone and relies on it (``store.models.Event``). It also takes the next position of the
stream of each user who may see it (``store.stream``), in the same order again, so within a
user's stream both positions grow together.

A server alone on its database is the only writer: the counters live in memory, loaded from
storage when first needed, and a transaction that fails after taking numbers calls ``reset``
so the numbers it took are handed out again, keeping sequences gap-free.

Servers that share a database (``syncserver.store.nodes``) hand out numbers only in a write
transaction that holds the database's write lock: the first number a transaction takes
waits for that lock (``WriteLock``). PostgreSQL releases the lock when the transaction ends,
so no number is taken while a numbered transaction is still open anywhere, and numbers
become visible in the order they were taken. Having the lock, a server reads the counters
again if another node numbered anything since it last did (``moved`` then tells the member
cache too); if none did, what it kept is still true. Outside a write transaction, what the
counters say is read from the database each time.
"""

from collections.abc import Callable

from syncserver.store import Store, events, stream
from syncserver.store.nodes import WriteLock


class Sequencer:
    def __init__(
        self,
        store: Store,
        lock: WriteLock | None = None,
        moved: Callable[[bool], None] = lambda _: None,
    ) -> None:
        """``lock``: where servers share the database, its write lock; ``moved(changed)`` is
        told when a transaction took it, and whether another node numbered since."""
        self._store = store
        self._lock = lock
        self._moved = moved
        self._depth = 0  # write transactions open (nested ones included)
        self._locked = False  # this transaction holds the database's write lock
        self._pos = 0
        self._seqs: dict[int, int] = {}
        self._streams: dict[int, int] = {}
        self._base = stream.base(store)  # set by the upgrade to streams, before any server runs
        self.reset()

    def reset(self) -> None:
        """Reload the counters from storage (at start, and after a failed write)."""
        self._restart(self._stored_pos())

    def _restart(self, pos: int) -> None:
        """Go on from ``pos``; read every other counter again when next needed."""
        self._pos = pos
        self._seqs.clear()
        self._streams.clear()

    def _stored_pos(self) -> int:
        """``events.max_pos``, with the stream base this sequencer read once."""
        return max(events.newest_event_pos(self._store), self._base.pos)

    def begin(self) -> None:
        """A write transaction started."""
        self._depth += 1

    def seal(self) -> None:
        """The transaction is about to commit: if it took numbers where servers share the
        database, mark them as this server's."""
        if self._lock is not None and self._locked:
            self._lock.seal()

    def end(self, committed: bool) -> None:
        """That transaction ended, committed or not (and gave up the lock if it held it)."""
        self._depth -= 1
        if self._depth == 0 and self._lock is not None:
            if self._locked:
                self._lock.settled(committed)
            self._locked = False

    @property
    def _numbering(self) -> bool:
        """Whether the counters may be kept now."""
        return self._lock is None or self._locked

    @property
    def head(self) -> int:
        """The newest server-wide position handed out (and, between writes, committed).
        Never shown to users: it counts everyone's events."""
        return self._pos if self._numbering else self._stored_pos()

    def next_pos(self) -> int:
        self._check_numbering()
        self._pos += 1
        return self._pos

    def last_seq(self, channel_id: int) -> int:
        if channel_id in self._seqs and self._numbering:
            return self._seqs[channel_id]
        seq = events.max_seq(self._store, channel_id)
        if self._numbering:
            self._seqs[channel_id] = seq
        return seq

    def load(self, channel_ids: set[int], user_ids: set[int]) -> None:
        """Read the counters of these channels and users' streams not kept yet, a query for
        each kind: a batch of sends calls it first (after the lock, where servers share the
        database), so that a node that finds the counters moved asks twice, not twice a
        member."""
        if not self._numbering:
            return
        seqs = [channel_id for channel_id in channel_ids if channel_id not in self._seqs]
        self._seqs.update(events.max_seqs(self._store, seqs))
        users = [user_id for user_id in user_ids if user_id not in self._streams]
        self._streams.update(stream.heads(self._store, users, self._base))

    def next_seq(self, channel_id: int) -> int:
        self._check_numbering()
        seq = self.last_seq(channel_id) + 1
        self._seqs[channel_id] = seq
        return seq

    def user_head(self, user_id: int) -> int:
        """The newest position of the user's stream handed out (between writes, committed):
        how far a device of theirs can be behind."""
        if user_id in self._streams and self._numbering:
            return self._streams[user_id]
        head = stream.head(self._store, user_id, self._base.floor(user_id))
        if self._numbering:
            self._streams[user_id] = head
        return head

    def next_user_pos(self, user_id: int) -> int:
        self._check_numbering()
        pos = self.user_head(user_id) + 1
        self._streams[user_id] = pos
        return pos

    def stream_positions(self, user_ids: frozenset[int] | set[int]) -> dict[int, int]:
        """The next position of each of these users' streams, for one event they may see."""
        return {user_id: self.next_user_pos(user_id) for user_id in user_ids}

    def hold(self) -> None:
        """In a write transaction: take the database's write lock now (where servers share
        it), for a write that reads what it numbers from (a group's members) first."""
        self._check_numbering()

    def _check_numbering(self) -> None:
        """Before a number is taken: where servers share the database, hold its lock."""
        if self._lock is None or self._locked:
            return
        if self._depth == 0:
            raise RuntimeError("numbers are handed out only in a write transaction")
        # Another node marks what it numbered; a newer event than this server holds says
        # the same of any other writer.
        taken = self._lock.take()
        newest = max(taken.newest_pos, self._base.pos)
        changed = taken.moved or newest != self._pos
        if changed:
            self._restart(newest)
        self._locked = True
        self._moved(changed)
