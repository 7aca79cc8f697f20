"""Group commit.

Sends, and the reactions, edits and deletions that change messages, are stored here. Those
that arrive together are checked and numbered on the socket loop (``syncserver.batch``),
stored in one transaction, and acknowledged (and pushed) once that transaction committed.

Where the batch is stored depends on the database. SQLite's work is the processor's: it is
done on the loop itself, and what arrives meanwhile waits in ZeroMQ's queues to make the
next batch, so batches grow with the load by themselves. A writer thread was tried for it
and cost more than it gave on two cores: handing each batch over and back took a
millisecond or more once the cores were busy, and the thread and the loop kept waiting for
each other's hold on the interpreter (docs/performance.md, "Beside Prosody"). A database
over the network mostly waits for its answers, so there a batch goes to the writer thread
while the loop goes on receiving, and only a batch of a few sends (a quiet server) is stored
on the loop, where two thread hand-offs would cost more than the commit. A batch that
deletes text always goes to the thread: emptying the log afterwards waits for the disk.

One batch is in flight at a time. That keeps the rules simple: stream positions are only
handed out while nothing is being written, so a failed batch can give its numbers back
(``Sequencer.reset``), and a request that may depend on earlier sends (a sync, a read
cursor, a group change) runs after ``settle``, when everything received before it is stored.
"""

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from shared.errors import ErrorCode
from shared.protocol import Error, Event, Reply, Sent
from syncserver import views
from syncserver.batch import Batch, Written
from syncserver.blobs import BlobStore
from syncserver.handlers.base import Call, Context, Refusal
from syncserver.store import StorageError, Store, changes, events, stream
from syncserver.store.checkpoints import erase_log

log = logging.getLogger(__name__)

ReplyFn = Callable[[Call, Reply], None]
CorkFn = Callable[[], AbstractContextManager[None]]
INLINE_ROWS = 4  # a database over the network: a batch this small is stored on the loop
Outcome = tuple[Call, Written, dict | Reply]  # a stored (or earlier) row, or the reply
T = TypeVar("T")


class _Prepared:
    """A batch checked and numbered: the answer to each request, and what to store."""

    def __init__(
        self,
        outcomes: list[Outcome],
        store: Store,
        batch: Batch | None = None,
        disk: BlobStore | None = None,
    ) -> None:
        self.outcomes = outcomes
        self._store = store
        self._disk = disk
        self.rows: list[dict] = batch.rows if batch is not None else []
        # Each row's event, as the wire has it: made in the transaction where servers share
        # the database, whose other servers were told of them before it committed.
        self.relayed: list[Event] | None = None
        self.changes: list[changes.Change] = batch.changes if batch is not None else []
        # A batch that deletes text also empties the log of the pages that held it.
        self.erases = batch is not None and batch.erases

    def store(self) -> None:
        """Store the batch, in one transaction (on whichever thread calls it)."""
        with self._store.transaction():
            dropped = self.write()
        self.after_commit(dropped)

    def write(self) -> list[str]:
        """Write the batch in the caller's transaction; the files nothing refers to now."""
        if not self.rows:
            return []
        events.append(self._store, self.rows)
        return changes.apply(self._store, self.changes)

    def after_commit(self, dropped: list[str]) -> None:
        """Once the batch committed: remove the files it dropped, erase deleted text."""
        if self._disk is not None:
            for sha256 in dropped:  # nothing refers to them now that the deletion committed
                self._disk.remove(sha256)
        if self.erases:
            erase_log(self._store)


class MessageWriter:
    """Stores sends and changes in batches on a writer thread and answers each after its
    commit."""

    def __init__(
        self, ctx: Context, reply: ReplyFn, corked: CorkFn, *, store_on_loop: bool
    ) -> None:
        """``corked`` holds what a batch's answers send until they are all made, to go out
        in as few frames as may be (``syncserver.bundling``); ``store_on_loop``: every
        batch that erases nothing is stored on the loop (SQLite; see the module's doc)."""
        self._ctx = ctx
        self._reply = reply
        self._corked = corked
        self._store_on_loop = store_on_loop
        self._pending: list[tuple[Call, Written]] = []
        self._inflight: asyncio.Future | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="tidings-writer")

    def add(self, call: Call, req: Written) -> None:
        """Queue a send or change for the next batch; ``kick`` starts it."""
        self._pending.append((call, req))

    @property
    def busy(self) -> bool:
        return self._inflight is not None or bool(self._pending)

    def kick(self) -> None:
        """Start writing what is queued, unless a batch is already being written."""
        self._start(inline=True)

    def _start(self, inline: bool) -> None:
        """``kick``; a small batch is stored on the loop only if ``inline``."""
        if self._inflight is not None or not self._pending:
            return
        pending, self._pending = self._pending, []
        if self._ctx.shared:
            self._store_shared(pending)
            return
        prepared = self._prepare(pending)
        # Emptying the log after a deletion waits for the disk: never on the loop.
        on_loop = self._store_on_loop or len(prepared.rows) <= INLINE_ROWS
        if inline and on_loop and not prepared.erases:
            self._store_here(prepared)
            return
        self._inflight = asyncio.wrap_future(self._thread.submit(prepared.store))
        self._inflight.add_done_callback(lambda done: self._committed(done, prepared))

    def _store_here(self, prepared: _Prepared) -> None:
        """Store a batch on the loop itself (see the module's doc for which)."""
        done = asyncio.get_running_loop().create_future()
        try:
            if prepared.rows:
                prepared.store()
            done.set_result(None)
        except Exception as e:
            done.set_exception(e)
        self._committed(done, prepared)

    def _store_shared(self, pending: list[tuple[Call, Written]]) -> None:
        """Number and store a batch in one transaction holding the database's write lock,
        on the loop: servers that share the database number only under that lock
        (``syncserver.sequencer``), and the checks and numbers are the loop's."""
        prepared: _Prepared | None = None
        dropped: list[str] = []
        try:
            with self._ctx.write(numbered=True):  # its checks read what other nodes change
                prepared = self._prepare(pending)
                dropped = prepared.write()
                self._relay(prepared)
            prepared.after_commit(dropped)
        except Exception as e:
            decided = prepared.outcomes if prepared is not None else []
            prepared = _Prepared(_failed(pending, decided, e), self._ctx.store)
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        self._committed(done, prepared)

    def _relay(self, prepared: _Prepared) -> None:
        """Tell the other servers of the batch's events in its own transaction: PostgreSQL
        sends a notification when that commits, and only then, at no cost of its own (one
        of their own after each batch cost a second commit and held the loop for it)."""
        relay = self._ctx.relay
        if relay is None or not prepared.rows:
            return
        prepared.relayed = [views.event_dict_to_wire(self._ctx, row) for row in prepared.rows]
        for event, row in zip(prepared.relayed, prepared.rows, strict=True):
            relay.event(event, row["stream"], row["device"])
        relay.flush()

    async def settle(self) -> None:
        """Wait until every send received so far is stored and answered."""
        while self.busy:
            self.kick()
            if self._inflight is not None:
                await asyncio.wait([self._inflight])

    async def on_writer_thread(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the writer thread (with its own database connection)."""
        return await asyncio.wrap_future(self._thread.submit(fn))

    async def close(self) -> None:
        """Store what is queued, then close the writer's connection and thread."""
        await self.settle()
        await self.on_writer_thread(self._ctx.store.close)
        self._thread.shutdown()

    def _prepare(self, pending: list[tuple[Call, Written]]) -> _Prepared:
        outcomes: list[Outcome] = []
        try:
            batch = Batch(self._ctx, pending)
            for call, req in pending:
                try:
                    outcomes.append((call, req, batch.prepare(call, req)))
                except Refusal as r:
                    outcomes.append((call, req, Error(rid=req.rid, code=r.code, message=r.message)))
        except Exception as e:
            self._ctx.sequencer.reset()
            return _Prepared(_failed(pending, outcomes, e), self._ctx.store)
        return _Prepared(outcomes, self._ctx.store, batch, self._ctx.files.disk)

    def _committed(self, done: asyncio.Future, prepared: _Prepared) -> None:
        self._inflight = None
        try:
            error = done.exception()
            if error is not None:
                self._ctx.sequencer.reset()  # nothing else took numbers: see the module doc
                pending = [(c, r) for c, r, _ in prepared.outcomes]
                prepared = _Prepared(_failed(pending, prepared.outcomes, error), self._ctx.store)
            # A busy server stores what arrived meanwhile on the writer thread while the loop
            # answers this batch: the two take about as long, and done one after the other
            # the thread and the loop each waited half the time. (Never on the loop here: its
            # answers would then go out before this batch's.) A few sends wait, to be stored
            # on the loop, where two hand-offs between threads would cost more.
            if len(self._pending) > INLINE_ROWS and not self._store_on_loop:
                self._start(inline=False)
            with self._corked():
                self._answer(prepared)
        except Exception:
            log.exception("answering a batch of sends failed")
        self.kick()

    def _answer(self, prepared: _Prepared) -> None:
        # Pushes first: the people reading wait for them, while a sender's app already shows
        # its message and only marks it sent on the reply.
        try:
            self._push(prepared)
        except StorageError as e:  # pushes are hints; sync delivers what they would have
            log.error("pushing %d messages failed: %s", len(prepared.rows), e)
        for call, req, out in prepared.outcomes:
            answer = (
                _sent(self._ctx.store, req.rid, out, call.me.user_id)
                if isinstance(out, dict)
                else out
            )
            self._reply(call, answer)

    def _push(self, prepared: _Prepared) -> None:
        relayed = prepared.relayed
        for i, row in enumerate(prepared.rows):
            event = views.event_dict_to_wire(self._ctx, row) if relayed is None else relayed[i]
            self._ctx.delivery.event_to_streams(
                event, row["stream"], skip_device=row["device"], relay=relayed is None
            )


def _failed(
    pending: list[tuple[Call, Written]], outcomes: list[Outcome], error: BaseException
) -> list[Outcome]:
    """Every send of a batch that could not be stored, answered: storage trouble is
    "unavailable", anything else a bug. Refusals decided before the failure stand."""
    if isinstance(error, StorageError):
        log.error("storing a batch of %d sends failed: %s", len(pending), error)
        code, why = ErrorCode.UNAVAILABLE, f"the server could not store the message: {error}"
    else:
        log.error("storing a batch of %d sends failed", len(pending), exc_info=error)
        code, why = ErrorCode.INTERNAL, "internal server error"
    decided = {id(call): out for call, _, out in outcomes if not isinstance(out, dict)}
    return [
        (call, req, decided.get(id(call)) or Error(rid=req.rid, code=code, message=why))
        for call, req in pending
    ]


def _sent(store: Store, rid: int, row: dict[str, Any], user_id: int) -> Sent:
    """The answer to a send or change that stored ``row`` (now or earlier), to its sender:
    with the row's position in their stream (looked up for a row stored earlier)."""
    pos = (
        row["stream"][user_id]
        if "stream" in row
        else stream.position_of(store, user_id, row["pos"])
    )
    return Sent(
        rid=rid,
        channel=row["channel"],
        seq=row["seq"],
        pos=pos or 0,
        ts=row["ts"],
        client_id=row["client_id"],
        written=row.get("written"),
    )
