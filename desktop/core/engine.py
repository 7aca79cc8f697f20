"""The sync engine: keeps the local cache in step with the server and says what changed.

One worker task does everything that talks to the server in order: catch up through the
sync cursor, tell the server what was read here, then send the outbox one message at a time
(so messages arrive in the order they were written). Pushes are applied as they arrive when
they fit; one that does not (a gap in a channel's sequence) makes the worker sync instead.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from desktop.cache.store import Applied, Cache
from desktop.cache.views import MessageView, PresenceView, SearchHit
from desktop.core.attachments import FileKeeper, FileOperations, files_not_offered
from desktop.core.epoch import StaleEpoch, reconcile
from desktop.core.events import (
    AppEvent,
    CacheCleared,
    ChannelChanged,
    DraftChanged,
    EngineState,
    FilesChanged,
    MessageAdded,
    MessageChanged,
    MessageDiscarded,
    MessageUpdated,
    NewSignIn,
    PeopleChanged,
    PresenceChanged,
    ReceiptsChanged,
    ServerRestored,
    SignedOutReason,
    StateChanged,
    TypingChanged,
    UnreadChanged,
)
from desktop.core.gaps import Filled, GapFiller
from desktop.core.lifecycle import (
    MessageLifecycle,
    check_text,
    features_setting,
    not_offered,
    store_features,
    stored_features,
)
from desktop.core.link import EngineLink
from desktop.core.listing import list_channels
from desktop.core.news import NewsLine
from desktop.core.operations import ServerOperations
from desktop.core.people import PeopleKeeper, PeopleOperations
from desktop.core.progress import CatchUpProgress
from desktop.core.quiet import QuietKeeper, QuietOperations
from desktop.core.receipts import ReceiptKeeper
from desktop.core.signed_out import signed_out_reason
from desktop.core.uploads import FileGone, UploadCancelled
from shared import limits
from shared.client import Connection, ConnectionClosed, ConnectionState, cancel_and_wait
from shared.errors import ErrorCode, ProtocolError
from shared.names import normalize_user_name
from shared.protocol import (
    FEATURE_ATTACHMENTS,
    FEATURE_LIFECYCLE,
    AccountSettings,
    ChannelPush,
    ChannelReply,
    Delete,
    Edit,
    EventPush,
    GetPresence,
    History,
    MarkRead,
    NewDevicePush,
    PresencePush,
    Push,
    React,
    ReadPush,
    ReceiptPush,
    ReplyT,
    Request,
    RevokedPush,
    Send,
    Sent,
    Sync,
    Typing,
    TypingPush,
)

log = logging.getLogger(__name__)

SYNC_PAGE = limits.MAX_SYNC_PAGE  # events per sync request: fewer round trips
RECENT_PAGE = 50  # events fetched per channel when a new device starts
INDEX_BATCH = 5000  # messages indexed for search per transaction, between rounds
RETRY_DELAY = 1.0  # secs before the worker tries again after a failed round
RETRY_DELAY_MAX = 30.0  # secs
# Refusals worth trying again later; any other refusal of a message is final.
TRANSIENT = {
    ErrorCode.UNAVAILABLE,
    ErrorCode.INTERNAL,
    ErrorCode.NOT_AUTHENTICATED,
    ErrorCode.RATE_LIMITED,
    ErrorCode.BACKLOG_FULL,
}

Listener = Callable[[AppEvent], None]


class OutboxError(ValueError):
    """A retry or discard of a message that is not in the outbox, or not failed."""


@dataclass(frozen=True)
class Page:
    """A page of a channel's timeline and how many of its events are not stored here."""

    messages: list[MessageView]
    missing: int


class EngineFailed(Exception):
    """The engine stopped for good: the server key changed or the device was revoked."""


class SyncEngine(
    ServerOperations, MessageLifecycle, QuietOperations, PeopleOperations, FileOperations
):
    """Owns a profile's cache and server connection while the app or a CLI command runs.
    Its public methods are the operations the window and the CLI use (chats, groups,
    devices and presence come from ``ServerOperations``; replies, reactions, edits and
    deletions from ``MessageLifecycle``; do not disturb and mutes from
    ``QuietOperations``; display names from ``PeopleOperations``; files from
    ``FileOperations``)."""

    def __init__(self, cache: Cache, connection: Connection) -> None:
        self.cache = cache
        self.conn = connection
        # Holes in cached channels are filled in the background once caught up; a
        # one-command client turns this off and fills only what it shows.
        self.fill_in_background = True
        self.state = EngineState.OFFLINE
        self.failure: str | None = None
        self.signed_out: SignedOutReason | None = None  # why the server no longer takes it
        self._listeners: list[Listener] = []
        self._wake = asyncio.Event()  # something for the worker: sync, reads or outbox
        self._need_sync = True
        self._presence_stale = False  # chats or members came: ask who is online
        self._caught_up = asyncio.Event()
        self._failed = asyncio.Event()
        self._worker: asyncio.Task | None = None
        self._indexer: asyncio.Task | None = None
        self._filler: asyncio.Task | None = None
        self._rounds = asyncio.Event()  # a round finished: sync may have opened new holes
        self._typing_tasks: set[asyncio.Task] = set()
        self._gaps = GapFiller(cache, self._ask, lambda applied: self._announce(applied, True))
        link = EngineLink(cache, connection, self._ask, self._emit, lambda: self.features)
        self._receipts = ReceiptKeeper(link, self._wake.set)
        self._quiet = QuietKeeper(link)
        self._people = PeopleKeeper(link)
        self._files = FileKeeper(link)
        self._presence_asked: set[str] = set()  # people whose presence this session asked
        self._progress = CatchUpProgress(cache, self._emit)
        self._news = NewsLine()  # after a snapshot: what sync brings up to it is not news
        connection.on_push = self._on_push
        connection.on_state = self._on_connection_state
        connection.on_head = self._on_head

    # --- lifecycle and observation --------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def start(self) -> None:
        """Start connecting; returns at once. The cache is readable before and after."""
        await self.conn.open()
        self.cache.files.sweep()
        self._start_work()

    def _start_work(self) -> None:
        self._worker = asyncio.create_task(self._work())
        self._filler = asyncio.create_task(
            self._gaps.run(self._caught_up, self._rounds, lambda: self.fill_in_background)
        )

    async def _stop_work(self) -> None:
        """Stop the tasks that write to the cache, between two of their writes."""
        if self._worker is not None:
            await cancel_and_wait([self._worker, *self._typing_tasks])
        for task in (self._indexer, self._filler):
            if task is not None:
                await cancel_and_wait([task])

    async def stop(self) -> None:
        """Stop talking to the server. Unsent messages stay in the outbox for next time."""
        await self._stop_work()
        self._receipts.close()
        await self.conn.close()
        self._set_state(EngineState.OFFLINE)

    async def wait_caught_up(self, timeout: float) -> None:
        """Wait until the device is connected, caught up and the outbox was tried.
        Raises ``TimeoutError`` if the server cannot be reached in time, ``EngineFailed``
        if the engine had to stop."""
        async with asyncio.timeout(timeout):
            waiters = [asyncio.ensure_future(e.wait()) for e in (self._caught_up, self._failed)]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
        if self._failed.is_set():
            raise EngineFailed(self.failure or "the engine stopped")

    async def settle(self, timeout: float) -> None:
        """Run one more round (sync, read positions, outbox) and wait for it to finish."""
        self._caught_up.clear()
        self._wake.set()
        await self.wait_caught_up(timeout)

    def _emit(self, event: AppEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("an event listener failed")

    def _set_state(self, state: EngineState, reason: str | None = None) -> None:
        if state != self.state or reason:
            self.state = state
            if state == EngineState.FAILED:
                self._failed.set()
            counts = self.cache.outbox_counts()
            self._emit(StateChanged(state, reason, *counts, signed_out=self.signed_out))

    def _on_connection_state(self, state: ConnectionState) -> None:
        if state == ConnectionState.FAILED:
            self.failure = str(self.conn.failure)
            self.signed_out = signed_out_reason(self.conn.failure)
            self._set_state(EngineState.FAILED, self.failure)
        elif state == ConnectionState.ONLINE:
            welcome = self.conn.welcome
            known = self.cache.setting("server_features")
            if welcome is not None and known != features_setting(welcome.features):
                store_features(self.cache, welcome.features)
            if welcome is not None:
                self._progress.seen_head(welcome.head)
            self._receipts.online()
            self._quiet.online()
            self._people.online()
            self._files.online()
            self._need_sync = True
            self._wake.set()
        elif state in (ConnectionState.CONNECTING, ConnectionState.CONNECTED):
            self._caught_up.clear()
            self._set_state(EngineState.CONNECTING)
        else:
            self._caught_up.clear()
            self._set_state(EngineState.OFFLINE)

    # --- actions for the GUI and the CLI --------------------------------------------------

    def send(self, channel_id: int, text: str) -> MessageView:
        """Queue a message; it is stored in the outbox at once and sent when possible."""
        check_text(text)
        return self._queued(self.cache.queue(channel_id, text))

    def send_to_user(self, user: str, text: str) -> MessageView:
        """Queue a message for the direct chat with ``user``. Without such a chat here (or
        without the server) it waits in the outbox all the same, and the chat is opened
        when the server can be reached. Raises ``ValueError`` for a bad name or text."""
        check_text(text)
        name = normalize_user_name(user.removeprefix("@"))
        channel = self.cache.direct_with(name)
        if channel is not None:
            return self._queued(self.cache.queue(channel.id, text))
        return self._queued(self.cache.queue(0, text, to_user=name))

    @property
    def features(self) -> frozenset[str]:
        """What the server offers beyond the first release (``welcome.features``), as it
        said at this device's last sign-in to it, so also while it cannot be reached. The
        window reads it (``can``) when the state changes, to show the actions it allows."""
        welcome = self.conn.welcome
        if welcome is not None and self.conn.state == ConnectionState.ONLINE:
            return frozenset(welcome.features)
        return stored_features(self.cache)

    def _queued(self, queued: MessageView) -> MessageView:
        self._emit_outbox(queued)
        self._outbox_changed()
        self._wake.set()
        return queued

    def _emit_outbox(self, entry: MessageView) -> None:
        """An outbox entry changed state; a change's message shows differently with it."""
        self._emit(MessageUpdated(entry))
        if entry.is_change and entry.target is not None:
            self._emit_changed({(entry.channel, entry.target)})

    def retry(self, client_id: str) -> MessageView:
        """Send a failed message again. Raises ``OutboxError`` if there is no such message."""
        found = self.cache.outbox_message(client_id)
        if found is None:
            raise OutboxError(f"there is no message {client_id} in the outbox")
        if found.state != "failed":
            return found
        queued = self.cache.retry(client_id)
        assert queued is not None
        return self._queued(queued)

    def retry_all(self) -> list[MessageView]:
        """Send every failed message again, in the order they were written."""
        failed = [m for m in self.cache.outbox() if m.state == "failed"]
        return [self.retry(m.client_id) for m in failed if m.client_id is not None]

    def discard(self, client_id: str) -> MessageView:
        """Drop a failed message from the outbox, for good. Raises ``OutboxError`` if there
        is no such message or it is still waiting to be sent (it may be on its way)."""
        dropped = self.cache.discard(client_id)
        if dropped is None:
            found = self.cache.outbox_message(client_id)
            if found is None:
                raise OutboxError(f"there is no message {client_id} in the outbox")
            raise OutboxError(
                f"message {client_id} is waiting to be sent, not failed; "
                "only a failed message can be discarded"
            )
        self._emit(MessageDiscarded(dropped))
        if dropped.is_change and dropped.target is not None:
            self._emit_changed({(dropped.channel, dropped.target)})
        if dropped.attachments:
            self._files.forget_unsent()
        self._outbox_changed()
        return dropped

    def cancel_upload(self, client_id: str) -> MessageView:
        """Cancel a message with files that waits in the outbox (its files going up, or
        refused): it leaves the outbox (``MessageDiscarded``) with the copies of its files,
        and what was uploaded stays on the server until it expires there. Raises
        ``OutboxError`` if there is no such message, ``OnItsWay`` (a ``ValueError``) once
        its files are all up and it is being sent."""
        found = self.cache.outbox_message(client_id)
        if found is None:
            raise OutboxError(f"there is no message {client_id} in the outbox")
        if found.state == "pending" and not found.attachments:  # it may be on its way
            raise OutboxError(
                f"message {client_id} has no files and is waiting to be sent; only a failed "
                "message without files can be discarded"
            )
        dropped = self._files.cancel(client_id)
        if dropped is None:  # sent meanwhile
            raise OutboxError(f"there is no message {client_id} in the outbox")
        self._outbox_changed()
        return dropped

    def _outbox_changed(self) -> None:
        self._emit(StateChanged(self.state, None, *self.cache.outbox_counts()))

    def mark_read(self, channel_id: int, seq: int | None = None) -> None:
        """The user has seen the channel up to ``seq`` (default: its newest event)."""
        if seq is None:
            seq = self.cache.seq_bounds(channel_id)[1]
        if self.cache.mark_read(channel_id, seq):
            self._emit_unread(channel_id)
            self._wake.set()

    def set_draft(self, channel_id: int, text: str) -> None:
        """Keep the text left in a chat's composer, over a restart too; blank text clears it."""
        if self.cache.drafts.set(channel_id, text):
            self._emit(DraftChanged(channel_id, self.cache.drafts.get(channel_id)))

    def typing(self, channel_id: int) -> None:
        """Tell the channel's members the user is typing (best effort, never queued)."""
        if self.conn.state == ConnectionState.ONLINE:
            task = asyncio.ensure_future(self._send_typing(channel_id))
            self._typing_tasks.add(task)
            task.add_done_callback(self._typing_tasks.discard)

    async def _send_typing(self, channel_id: int) -> None:
        with contextlib.suppress(ProtocolError, TimeoutError, ConnectionClosed):
            await self.conn.request(Typing(channel=channel_id))

    @property
    def receipts_available(self) -> bool:
        """Whether the connected server keeps delivery and read receipts; without it, own
        messages go no further than "sent" and the setting below cannot change."""
        return self._receipts.available

    @property
    def settings(self) -> AccountSettings | None:
        """The account's settings as last heard from the server (None if never heard:
        the server keeps none, or this device has not reached it yet)."""
        return self._quiet.completed(self._receipts.settings)

    async def set_read_receipts(self, on: bool) -> AccountSettings:
        """Let the others see when the user read their messages, or not (they then see
        "delivered" only), on every device of the account. Needs the server: raises
        ``ReceiptsUnavailable`` if it keeps no receipts, ``ProtocolError``,
        ``ConnectionClosed`` or ``TimeoutError`` if it cannot be asked now."""
        return await self._receipts.set_read_receipts(on)

    async def clear_cache(self) -> None:
        """Empty the cache but for the outbox and the chats (``Cache.clear``), and fetch
        again what the app needs, as a new device does: the chats and their newest
        messages at once, older history in the background. The worker is stopped
        meanwhile, so no answer asked for before lands in the emptied cache."""
        await self._stop_work()
        try:
            gone = self.cache.clear()
            if gone:
                self._emit(FilesChanged(removed=frozenset(gone)))
        finally:
            self._need_sync = True
            self._caught_up.clear()
            self._presence_asked = set()
            self._start_work()
            self._wake.set()
        self._emit(CacheCleared())

    def set_idle(self, idle: bool) -> None:
        """The user stepped away (or came back); heartbeats report it as presence."""
        self.conn.idle = idle

    async def request(self, req: Request[ReplyT]) -> ReplyT:
        """A request straight to the server, for the typed operations that need it.
        A channel in the reply is stored at once, so the cache knows it before any push
        (unless the server was restored since the cache was in step: the next round
        reconciles, and brings it then)."""
        reply = await self.conn.request(req)
        if isinstance(reply, ChannelReply) and not self._stale():
            self._announce(self.cache.apply_channel(reply.channel))
        return reply

    async def fetch_older(self, channel_id: int, limit: int = RECENT_PAGE) -> list[MessageView]:
        """Bring the ``limit`` events below the oldest cached one into the cache."""
        low, _ = self.cache.seq_bounds(channel_id)
        if low == 1:
            return []
        if low == 0:
            low = self._last_seq(channel_id) + 1
        await self.fill(channel_id, low - limit, low - 1)
        return self.cache.messages(channel_id, before=low, limit=limit)

    async def fill(self, channel_id: int, low: int, high: int) -> Filled:
        """Make sure the cache holds the channel's events ``low`` to ``high``, fetching from
        the server what it lacks; returns what could not be filled."""
        try:
            return await self._gaps.fill(channel_id, low, high)
        except StaleEpoch:  # the worker reconciles first; what is missing stays missing
            return Filled(self.cache.missing(channel_id, max(low, 1), high))

    async def history(self, channel_id: int, before: int | None, limit: int) -> Page:
        """A page of the timeline like ``Cache.messages``: the ``limit`` events before
        ``before`` (the newest when None), whole, with what the cache lacks fetched from
        the server first. Offline, or if the server cannot fill it, the page says how many
        of its events are missing. A chat the user has left is what this device kept of it:
        the server tells a former member nothing more."""
        channel = self.cache.channel(channel_id)
        if channel is None or not channel.active:
            return Page(self.cache.messages(channel_id, before, limit), 0)
        high = channel.last_seq if before is None else min(before - 1, channel.last_seq)
        low = max(1, high - limit + 1)
        if high < 1:
            left = Filled([])
        elif self.conn.state == ConnectionState.ONLINE:
            left = await self.fill(channel_id, low, high)
        else:
            left = Filled(self.cache.missing(channel_id, low, high))
        messages = self.cache.messages(channel_id, before, limit)
        page = [m for m in messages if m.seq is None or m.seq >= low]
        return Page(page, left.missing)

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Cached messages matching every word of ``query``, best first, offline too.
        Run on the engine's thread: it first indexes what was stored since the last
        batch, a write the GUI thread must not wait for."""
        return self.cache.search(query, limit)

    def _last_seq(self, channel_id: int) -> int:
        channel = self.cache.channel(channel_id)
        return channel.last_seq if channel is not None else 0

    async def _ask(self, req: Request[ReplyT]) -> ReplyT:
        """A request whose answer goes into the cache. An answer from a server restored
        since the cache was last in step with it (a request sent before the restore and
        repeated after) is not used: ``StaleEpoch`` ends the round, and the next one
        reconciles first."""
        reply = await self.conn.request(req)
        if self._stale():
            self._need_sync = True
            self._wake.set()
            raise StaleEpoch("the server was restored from a backup since this was asked")
        return reply

    def _stale(self) -> bool:
        """The connected server's database has another epoch than the cache knows."""
        welcome = self.conn.welcome
        epoch = welcome.epoch if welcome is not None else None
        known = self.cache.server_epoch()
        return epoch is not None and known is not None and epoch != known

    # --- the worker -----------------------------------------------------------------------

    async def _work(self) -> None:
        delay = RETRY_DELAY
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self.conn.state != ConnectionState.ONLINE:
                continue
            try:
                await self._round()
                delay = RETRY_DELAY
            except StaleEpoch:
                continue  # the next round reconciles with the restored server
            except Exception as e:  # the worker must outlive any failed round
                if isinstance(e, ProtocolError | TimeoutError | ConnectionClosed):
                    log.info("sync round interrupted (%s); trying again in %.0f s", e, delay)
                else:
                    log.exception("sync round failed; trying again in %.0f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_DELAY_MAX)
                self._wake.set()

    async def _round(self) -> None:
        confirm = self._receipts.take_due()
        if self._need_sync:
            self._set_state(EngineState.SYNCING)
            self._need_sync = False
            await self._check_epoch()
            await self._catch_up()
            self._presence_stale = False
            await self._refresh_presence()
            await self._receipts.caught_up()
            await self._people.caught_up()
            self._gaps.retry_all()
        elif confirm:  # pushed events to confirm: the sync alone
            await self._catch_up()
            await self._receipts.caught_up()
        if self._presence_stale:  # chats or members came since: who among them is online
            self._presence_stale = False
            await self._refresh_presence(only_new=True)
        await self._send_reads()
        await self._flush_outbox()
        self.cache.finish_purge()  # a deletion left unpurged by a stop or a busy reader
        if not self._need_sync:
            self._set_state(EngineState.ONLINE)
            self._progress.synced()
            self._caught_up.set()
            self._rounds.set()
        if self._indexer is None or self._indexer.done():
            self._indexer = asyncio.ensure_future(self._index_for_search())

    async def _index_for_search(self) -> None:
        """Index what was stored for search, a batch at a time, letting pushes and the
        worker go first between batches. Search indexes whatever is left itself, so this
        only keeps it quick; a stop or a crash leaves the rest for next time."""
        try:
            while self.cache.index_pending(INDEX_BATCH):
                await asyncio.sleep(0)
        except Exception:
            log.exception("indexing for search failed; search will index what is left")

    async def _check_epoch(self) -> None:
        """A server whose database has a new epoch was restored from a backup: reconcile
        the cache with it before syncing (``desktop.core.epoch``). A cache that never knew
        an epoch (new, or from a version before epochs) just takes it."""
        welcome = self.conn.welcome
        epoch = welcome.epoch if welcome is not None else None
        known = self.cache.server_epoch()
        if epoch is None or epoch == known:
            return
        if known is None or self.cache.sync_cursor() is None:
            self.cache.set_server_epoch(epoch)
            return
        log.info("the server's database was restored from a backup; reconciling")
        done = await reconcile(self.cache, self.conn, epoch)
        self._announce(Applied(channels={c.id for c in self.cache.channels()}))
        self._emit(ServerRestored(done.dropped, done.chats))

    async def _catch_up(self) -> None:
        """Sync pages from the stored cursor until the server has no more. The next page is
        asked for before this one is stored (one page ahead at most), so the server's time
        and the cache's overlap; that request confirms only the stored cursor, which moves
        with each page's transaction. Pages are stored in order; a crash or a stop at any
        point leaves the stored cursor with what it covers, and the next start resumes there."""
        cursor = self.cache.sync_cursor()
        if cursor is None:
            cursor = await self._start_from_snapshot()
        self._progress.begin(cursor)
        ahead: asyncio.Task | None = None
        try:
            while True:
                try:
                    if ahead is None:
                        page = await self._ask(Sync(after=cursor, limit=SYNC_PAGE))
                    else:
                        asked, ahead = ahead, None
                        page = await asked
                except ProtocolError as e:
                    if e.code != ErrorCode.BAD_CURSOR:
                        raise
                    # The server knows less than this device (it was restored from a backup):
                    # start again from its present, keeping what is cached.
                    log.warning("the server does not know cursor %d; starting again", cursor)
                    cursor = await self._start_from_snapshot()
                    continue
                if page.more:
                    ahead = await self._ask_ahead(page.next, confirm=cursor)
                self._announce(self.cache.apply_page(page), old=self._news.old(page))
                cursor = page.next
                self._progress.page(cursor)
                if not page.more:
                    break
        finally:
            if ahead is not None:  # stopped or failed while storing: the answer is not needed
                await cancel_and_wait([ahead])
                if not ahead.cancelled():
                    ahead.exception()  # retrieved, so asyncio does not report it as lost
        self.conn.confirmed_cursor = cursor

    async def _ask_ahead(self, after: int, confirm: int) -> asyncio.Task:
        """Ask for the page after ``after`` while the current one is being stored; the
        request confirms only ``confirm``, what the cache already holds. Returns once the
        request is on its way."""
        req = Sync(after=after, limit=SYNC_PAGE, confirm=confirm)
        task = asyncio.ensure_future(self._ask(req))
        await asyncio.sleep(0)  # let the task send it before storing blocks this thread
        return task

    async def _start_from_snapshot(self) -> int:
        """A new cache: the channel list and each channel's latest page, then sync from the
        cursor the server kept for this device (its creation, for a new device), so nothing
        since then is skipped. The cursor is stored last: a start cut short starts again."""
        head, infos = await list_channels(self._ask)
        self._announce(self.cache.apply_snapshot(infos))
        self._quiet.snapshot(infos)
        self._news.start(head)
        for info in infos:
            page = await self._ask(History(channel=info.id, limit=RECENT_PAGE))
            self._announce(self.cache.apply_events(page.events), True)
        welcome = self.conn.welcome
        cursor = welcome.sync_cursor if welcome is not None else head
        self.cache.start_cursor(cursor)
        return cursor

    async def _refresh_presence(self, only_new: bool = False) -> None:
        """Everyone sharing a chat (``only_new``: but those asked about before in this
        session), as of now; later changes arrive as pushes."""
        everyone = {m for c in self.cache.channels() if c.active for m in c.members}
        people = sorted(everyone - self._presence_asked if only_new else everyone)
        self._presence_asked = self._presence_asked | everyone if only_new else everyone
        for start in range(0, len(people), limits.MAX_USERS_PER_REQUEST):
            batch = people[start : start + limits.MAX_USERS_PER_REQUEST]
            reply = await self._ask(GetPresence(users=batch))
            for info in reply.presence:
                self.cache.set_presence(info)
                self._emit(PresenceChanged(PresenceView(info.user, info.state, info.last_seen)))

    async def _send_reads(self) -> None:
        for channel_id, seq in self.cache.reads_to_send():
            try:
                await self._ask(MarkRead(channel=channel_id, seq=seq))
            except ProtocolError as e:
                if e.code in TRANSIENT:
                    raise
                log.info("read position for channel %d not accepted: %s", channel_id, e)
            self.cache.read_sent(channel_id, seq)

    async def _flush_outbox(self) -> None:
        while (item := self.cache.next_pending()) is not None:
            assert item.client_id is not None
            if item.to_user is not None:
                await self._open_chat_for(item.to_user)
                continue
            try:
                sent = await self._send_item(item)
            except UploadCancelled:
                continue  # gone from the outbox already
            except (ProtocolError, FileGone) as e:
                if isinstance(e, ProtocolError) and e.code in TRANSIENT:
                    raise
                reason = e.message if isinstance(e, ProtocolError) else str(e)
                failed = self.cache.mark_failed(item.client_id, reason)
                if failed is not None:
                    self._emit_outbox(failed)
                    self._outbox_changed()
                continue
            stored, applied = self.cache.mark_sent(item.client_id, sent)
            self._emit(MessageUpdated(stored))
            self._emit_changed(applied.changed)
            self._outbox_changed()
            # Writing in a chat means having read it up to one's own message.
            if self.cache.mark_read(sent.channel, sent.seq):
                self._emit_unread(sent.channel)
            await self._send_reads()

    async def _send_item(self, item: MessageView) -> Sent:
        """Store an outbox entry on the server: a message's files first, then itself."""
        req = self._request_for(item)
        if req is None:
            files = item.attachments and not self.can(FEATURE_ATTACHMENTS)
            reason = files_not_offered(self.cache) if files else not_offered(self.cache)
            raise ProtocolError(ErrorCode.INVALID, reason)
        if item.attachments:
            await self._files.upload(item)
        self._files.sending = item.client_id  # no longer cancelled: it may be stored now
        try:
            return await self._ask(req)
        finally:
            self._files.sending = None

    def _request_for(self, item: MessageView) -> Send | React | Edit | Delete | None:
        """The request that stores an outbox entry; None for a reply or a change that this
        server does not take (it is older than the app that queued it)."""
        assert item.client_id is not None
        lifecycle = self.can(FEATURE_LIFECYCLE)
        if item.kind == "message":
            if item.reply_to is not None and not lifecycle:
                return None
            if item.attachments and not self.can(FEATURE_ATTACHMENTS):
                return None
            written = item.written if self._server_takes_written() else None
            return Send(channel=item.channel, client_id=item.client_id, text=item.text,
                        written=written, reply_to=item.reply_to,
                        attachments=self.cache.attachments.outgoing(item.client_id))  # fmt: skip
        if not lifecycle or item.target is None:
            return None
        channel, seq, client_id = item.channel, item.target, item.client_id
        if item.kind == "reaction" and item.emoji is not None:
            return React(channel=channel, seq=seq, client_id=client_id, emoji=item.emoji,
                         remove=item.removed)  # fmt: skip
        if item.kind == "edit":
            return Edit(channel=channel, seq=seq, client_id=client_id, text=item.text)
        if item.kind == "delete":
            return Delete(channel=channel, seq=seq, client_id=client_id)
        return None

    def _server_takes_written(self) -> bool:
        """Whether this connection's server said it keeps times of writing (an older one
        refuses a send that carries one)."""
        welcome = self.conn.welcome
        return welcome is not None and welcome.written

    async def _open_chat_for(self, user: str) -> None:
        """Open (creating on the server) the direct chat that messages written to ``user``
        wait for; they then go to it in the order they were written."""
        try:
            channel = await self.open_direct(user)
        except ProtocolError as e:
            if e.code in TRANSIENT:
                raise
            for failed in self.cache.fail_chat_for(user, e.message):
                self._emit_outbox(failed)
            self._outbox_changed()
            return
        for moved in self.cache.open_chat_for(user, channel.id):
            self._emit(MessageUpdated(moved))

    # --- pushes ---------------------------------------------------------------------------

    def _on_push(self, push: Push) -> None:
        if self._stale() and isinstance(push, EventPush | ChannelPush | ReadPush | ReceiptPush):
            return  # numbered by a restored server: the next round reconciles first
        if self._people.on_push(push) or self._quiet.on_push(push) or self._receipts.on_push(push):
            return
        if isinstance(push, EventPush):
            self._on_event(push)
        elif isinstance(push, ChannelPush):
            self._announce(self.cache.apply_channel(push.channel))
        elif isinstance(push, ReadPush):
            if self.cache.apply_read(push.read.channel, push.read.seq):
                self._emit_unread(push.read.channel, read_elsewhere=True)
        elif isinstance(push, PresencePush):
            self.cache.set_presence(push.presence)
            p = push.presence
            self._emit(PresenceChanged(PresenceView(p.user, p.state, p.last_seen)))
        elif isinstance(push, TypingPush):
            self._emit(TypingChanged(push.channel, push.user))
        elif isinstance(push, NewDevicePush):
            self._emit(NewSignIn(push.device.id, push.device.name, push.device.created))
        elif isinstance(push, RevokedPush):
            self.failure = "this device was signed out from another device"
            self.signed_out = SignedOutReason.REVOKED
            self._set_state(EngineState.FAILED, self.failure)

    def _on_event(self, push: EventPush) -> None:
        event = push.event
        _, high = self.cache.seq_bounds(event.channel)
        fits = event.seq <= high + 1 if high else event.seq == 1
        if not fits:
            # A push went missing (or this channel is new here): the sync cursor has it all.
            self._need_sync = True
            self._wake.set()
            return
        self._announce(self.cache.apply_events([event]))
        self._receipts.stored_pushed()

    def _on_head(self, head: int) -> None:
        self._progress.seen_head(head)
        cursor = self.cache.sync_cursor()
        if cursor is not None and head > cursor and not self._need_sync:
            self._need_sync = True
            self._wake.set()

    def _announce(
        self,
        applied: Applied,
        filled: bool = False,
        old: AbstractSet[tuple[int, int]] = frozenset(),
    ) -> None:
        """Tell listeners what a write stored; ``filled`` (all) or ``old`` (these channel
        and seq pairs) are messages that are not news (``MessageAdded.filled``)."""
        if applied.channels:  # a new chat or new members: whether they are online, too
            self._presence_stale = True
            self._wake.set()
        for message in applied.messages:
            self._emit(MessageAdded(message, filled or (message.channel, message.seq) in old))
        for channel_id, seq in applied.settled:  # changes whose acknowledgement was lost
            stored = self.cache.message(channel_id, seq)
            if stored is not None:
                self._emit(MessageUpdated(stored))
        for dropped in applied.discarded:  # changes of a message deleted meanwhile
            self._emit(MessageDiscarded(dropped))
        self._emit_changed(applied.changed)
        if applied.settled or applied.discarded:
            self._outbox_changed()
        changed = self.cache.channels_by_id(applied.channels | applied.reads)
        for channel_id, channel in changed.items():
            if channel_id in applied.channels:
                self._emit(ChannelChanged(channel))
            elsewhere = channel_id in applied.reads
            self._emit(
                UnreadChanged(
                    channel_id, channel.unread, channel.read_seq, elsewhere,
                    channel.unread_mentions,
                )
            )  # fmt: skip
        for channel_id in applied.receipts:
            self._emit(ReceiptsChanged(channel_id))
        if applied.people:
            self._emit(PeopleChanged(frozenset(applied.people)))
        if applied.files_gone:
            self._emit(FilesChanged(removed=frozenset(applied.files_gone)))

    def _emit_changed(self, changed: set[tuple[int, int]]) -> None:
        """Announce the stored messages whose state changed, as they show now."""
        for channel_id, seq in sorted(changed):
            message = self.cache.message(channel_id, seq)
            if message is not None:
                self._emit(MessageChanged(message))

    def _emit_unread(self, channel_id: int, read_elsewhere: bool = False) -> None:
        channel = self.cache.channel(channel_id)
        if channel is not None:
            self._emit(
                UnreadChanged(
                    channel_id, channel.unread, channel.read_seq, read_elsewhere,
                    channel.unread_mentions,
                )
            )  # fmt: skip
