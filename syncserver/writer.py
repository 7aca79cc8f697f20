"""Group commit on a writer thread.

Sends that arrive together are checked and numbered on the socket loop, stored in one
transaction on a thread of their own, and acknowledged (and pushed) back on the loop once
that transaction committed. SQLite and the PostgreSQL driver release the GIL while they
work, so the loop goes on receiving the next sends while a batch is being written: the two
cores share the work.

A batch of a few sends (a quiet server) is stored on the loop itself: there the two thread
hand-offs would cost more than the commit, and nothing else is waiting.

One batch is in flight at a time. That keeps the rules simple: stream positions are only
handed out while nothing is being written, so a failed batch can give its numbers back
(``Sequencer.reset``), and a request that may depend on earlier sends (a sync, a read
cursor, a group change) runs after ``settle``, when everything received before it is stored.
"""

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from shared import limits
from shared.errors import ErrorCode
from shared.protocol import Error, EventPush, Reply, Send, Sent
from shared.text import BLANK_MESSAGE, is_blank
from syncserver import views
from syncserver.handlers.base import Call, Context, Refusal, now_ms
from syncserver.sessions import Session
from syncserver.store import StorageError, accounts, events, transaction
from syncserver.store.models import db_proxy

log = logging.getLogger(__name__)

ReplyFn = Callable[[Call, Reply], None]
INLINE_ROWS = 4  # a batch this small is stored on the loop, not on the writer thread
Outcome = tuple[Call, Send, dict | Reply]  # a stored (or earlier) row, or the reply
T = TypeVar("T")


class MessageWriter:
    """Stores sends in batches on a writer thread and answers each after its commit."""

    def __init__(self, ctx: Context, reply: ReplyFn) -> None:
        self._ctx = ctx
        self._reply = reply
        self._pending: list[tuple[Call, Send]] = []
        self._inflight: asyncio.Future | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="tidings-writer")

    def add(self, call: Call, req: Send) -> None:
        """Queue a send for the next batch; ``kick`` starts it."""
        self._pending.append((call, req))

    @property
    def busy(self) -> bool:
        return self._inflight is not None or bool(self._pending)

    def kick(self) -> None:
        """Start writing what is queued, unless a batch is already being written."""
        if self._inflight is not None or not self._pending:
            return
        pending, self._pending = self._pending, []
        outcomes, rows = self._prepare(pending)
        if len(rows) <= INLINE_ROWS:
            self._store_here(outcomes, rows)
            return
        self._inflight = asyncio.wrap_future(self._thread.submit(_store, rows))
        self._inflight.add_done_callback(lambda done: self._committed(done, outcomes, rows))

    def _store_here(self, outcomes: list[Outcome], rows: list[dict]) -> None:
        """A small batch is stored on the loop itself: handing it to the writer thread and
        back would cost more time than the commit."""
        done = asyncio.get_running_loop().create_future()
        try:
            if rows:
                _store(rows)
            done.set_result(None)
        except Exception as e:
            done.set_exception(e)
        self._committed(done, outcomes, rows)

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
        await self.on_writer_thread(db_proxy.close)
        self._thread.shutdown()

    def _prepare(self, pending: list[tuple[Call, Send]]) -> tuple[list[Outcome], list[dict]]:
        outcomes: list[Outcome] = []
        rows: list[dict] = []
        try:
            batch = _Batch(self._ctx, pending)
            for call, req in pending:
                try:
                    outcomes.append((call, req, batch.prepare(call, req, rows)))
                except Refusal as r:
                    outcomes.append((call, req, Error(rid=req.rid, code=r.code, message=r.message)))
        except Exception as e:
            self._ctx.sequencer.reset()
            return _failed(pending, outcomes, e), []
        return outcomes, rows

    def _committed(self, done: asyncio.Future, outcomes: list[Outcome], rows: list[dict]) -> None:
        self._inflight = None
        try:
            error = done.exception()
            if error is not None:
                self._ctx.sequencer.reset()  # nothing else took numbers: see the module doc
                outcomes, rows = _failed([(c, r) for c, r, _ in outcomes], outcomes, error), []
            self._answer(outcomes, rows)
        except Exception:
            log.exception("answering a batch of sends failed")
        self.kick()

    def _answer(self, outcomes: list[Outcome], rows: list[dict]) -> None:
        for call, req, out in outcomes:
            self._reply(call, _sent(req.rid, out) if isinstance(out, dict) else out)
        try:
            self._push(rows)
        except StorageError as e:  # pushes are hints; sync delivers what they would have
            log.error("pushing %d messages failed: %s", len(rows), e)

    def _push(self, rows: list[dict]) -> None:
        for row in rows:
            event = views.event_dict_to_wire(self._ctx, row)
            self._ctx.delivery.to_users(
                self._ctx.members.of(row["channel"]),
                EventPush(event=event),
                pos=row["pos"],
                skip_device=row["device"],
            )


def _store(rows: list[dict]) -> None:
    """On the writer thread: one transaction for the batch."""
    with transaction():
        events.insert_events(rows)


def _failed(
    pending: list[tuple[Call, Send]], outcomes: list[Outcome], error: BaseException
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


def _sent(rid: int, row: dict[str, Any]) -> Sent:
    return Sent(
        rid=rid,
        channel=row["channel"],
        seq=row["seq"],
        pos=row["pos"],
        ts=row["ts"],
        client_id=row["client_id"],
        written=row.get("written"),
    )


class _Batch:
    """Checks of one group commit, remembering what earlier sends in the batch did."""

    def __init__(self, ctx: Context, pending: list[tuple[Call, Send]]) -> None:
        self._ctx = ctx
        self._by_client_id: dict[tuple[int, str], dict] = {}
        # Earlier sends of these ids, looked up once for the whole batch.
        keys = {(call.me.user_id, req.client_id) for call, req in pending if call.session}
        self._stored = events.sent_by_client_ids(keys)

    def prepare(self, call: Call, req: Send, rows: list[dict]) -> dict | Reply:
        """The new (or earlier) row for this send, or a reply if it was stored before."""
        me = call.me
        _check_text(req.text)
        self._check_member(req.channel, me.user_id)
        key = (me.user_id, req.client_id)
        earlier = self._by_client_id.get(key) or self._stored.get(key)
        if earlier is not None:
            if earlier["channel"] != req.channel or earlier["text"] != req.text:
                raise Refusal(
                    ErrorCode.ID_REUSED,
                    f"message id {req.client_id!r} was already used for another message",
                )
            return earlier
        ts = now_ms()
        row = {
            "pos": self._ctx.sequencer.next_pos(),
            "channel": req.channel,
            "seq": self._ctx.sequencer.next_seq(req.channel),
            "kind": "message",
            "sender": me.user_id,
            "device": me.device_id,
            "client_id": req.client_id,
            "text": req.text,
            "ts": ts,
            "written": None if req.written is None else _time_of_writing(me, req.written, ts),
        }
        rows.append(row)
        self._by_client_id[key] = row
        return row

    def _check_member(self, channel_id: int, user_id: int) -> None:
        if user_id not in self._ctx.members.of(channel_id):
            raise Refusal(ErrorCode.NO_SUCH_CHANNEL, f"you are not in channel {channel_id}")


def _time_of_writing(me: Session, written: int, ts: int) -> int:
    """The time of writing a device gave, within what can be true: not after the server
    stored the message, nor before the device existed. A device's clock may be off either
    way; the message is then shown at the nearest possible time rather than refused."""
    if me.created is None:
        me.created = accounts.device_created(me.device_id)
    return max(min(written, ts), min(me.created, ts))


def _check_text(text: str) -> None:
    if len(text) > limits.MAX_TEXT_CHARS:
        raise Refusal(
            ErrorCode.MESSAGE_TOO_LONG,
            f"a message holds at most {limits.MAX_TEXT_CHARS:,} characters; this one has "
            f"{len(text):,}",
        )
    if is_blank(text):
        raise Refusal(ErrorCode.INVALID, BLANK_MESSAGE)
