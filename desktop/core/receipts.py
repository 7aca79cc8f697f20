"""The engine's part in delivery and read receipts, with a server that offers them.

Receipts reach the cache three ways: in channel snapshots, as ``receipt`` pushes, and from
``get_receipts``, which the engine asks after catching up on a new session for the chats
where the user's recent messages are not read by everyone yet (they moved unseen while this
device was away). For the others to see a message delivered, this device confirms its sync
cursor soon after storing pushed events: a pushed event alone does not move the cursor (one
may have been lost before it), so the engine syncs from the cursor (getting anything lost)
and confirms where that ends with a heartbeat, a burst of pushes at a time.
"""

import asyncio
import logging
import random
from collections.abc import Callable

from desktop.core.events import ReceiptsChanged, SettingsChanged
from desktop.core.link import EngineLink
from shared import limits
from shared.errors import ProtocolError
from shared.protocol import (
    FEATURE_RECEIPTS,
    AccountSettings,
    GetReceipts,
    Heartbeat,
    Push,
    ReceiptPush,
    SettingsPush,
    UpdateSettings,
)

log = logging.getLogger(__name__)

# Secs from storing a pushed event to confirming it (a burst waits once), at random within
# these: every member's device gets a group's message at the same moment, and would
# otherwise ask the server all at once.
CONFIRM_DELAY = (0.5, 1.0)
CHANNELS_PER_REQUEST = limits.MAX_USERS_PER_REQUEST  # what one get_receipts may name
READ_RECEIPTS = "read_receipts"  # the cache setting holding the account's setting


class ReceiptsUnavailable(RuntimeError):
    """The server keeps no receipts or account settings (it did not offer ``receipts``)."""


class ReceiptKeeper:
    """Keeps the cache's receipts and settings in step, for one engine."""

    def __init__(self, link: EngineLink, wake: Callable[[], None]) -> None:
        self._cache, self._conn, self._ask, self._emit = link.cache, link.conn, link.ask, link.emit
        self._wake = wake
        self._confirmed = 0  # the cursor the server has from this device, as far as known
        self._stale = True  # receipts may have moved while this device was away
        self._due = False  # pushed events wait to be confirmed
        self._timer: asyncio.TimerHandle | None = None

    @property
    def available(self) -> bool:
        """Whether the connected server keeps receipts (``welcome.features``)."""
        welcome = self._conn.welcome
        return welcome is not None and FEATURE_RECEIPTS in welcome.features

    @property
    def settings(self) -> AccountSettings | None:
        """The account's settings as last heard from the server; None if never heard."""
        value = self._cache.setting(READ_RECEIPTS)
        return None if value is None else AccountSettings(read_receipts=value == "1")

    def online(self) -> None:
        """A new session: the welcome says the settings and the cursor the server has."""
        self._stale = True
        welcome = self._conn.welcome
        if welcome is None:
            return
        self._confirmed = welcome.sync_cursor
        if self.available and welcome.settings is not None:
            self._store(welcome.settings)

    def on_push(self, push: Push) -> bool:
        """Apply a receipt or settings push (from a server that offers receipts); False for
        any other push."""
        if not isinstance(push, ReceiptPush | SettingsPush):
            return False
        if not self.available:
            return True
        if isinstance(push, ReceiptPush):
            self._cache.receipts.put([push.receipt])
            self._emit(ReceiptsChanged(push.receipt.channel))
        else:
            self._store(push.settings)
        return True

    def stored_pushed(self) -> None:
        """Pushed events were stored: confirm them soon, together with any that follow."""
        if self.available and self._timer is None and not self._due:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(random.uniform(*CONFIRM_DELAY), self._confirm_due)

    def _confirm_due(self) -> None:
        self._timer = None
        self._due = True
        self._wake()

    def take_due(self) -> bool:
        """Whether pushed events wait to be confirmed (the engine then syncs and calls
        ``caught_up``); the next push starts a new wait."""
        due, self._due = self._due, False
        return due

    async def caught_up(self) -> None:
        """After the engine caught up: confirm the stored cursor now if the server does not
        have it (so the others see their messages delivered without waiting for the next
        heartbeat), and on a new session ask for the receipts that moved meanwhile."""
        if not self.available:
            return
        # Receipts are hints: a refusal is logged, and the next catch-up tries again.
        cursor = self._cache.sync_cursor()
        try:
            if cursor is not None and cursor > self._confirmed:
                await self._ask(Heartbeat(idle=self._conn.idle, cursor=cursor))
                self._confirmed = cursor
            if self._stale:
                await self._refresh()
                self._stale = False
        except ProtocolError as e:
            log.info("receipts not brought up to date: %s", e)

    async def _refresh(self) -> None:
        channels = self._cache.receipts.unsettled_channels()
        for start in range(0, len(channels), CHANNELS_PER_REQUEST):
            chunk = channels[start : start + CHANNELS_PER_REQUEST]
            reply = await self._ask(GetReceipts(channels=chunk))
            self._cache.receipts.replace(chunk, reply.receipts)
            for channel_id in chunk:
                self._emit(ReceiptsChanged(channel_id))

    async def set_read_receipts(self, on: bool) -> AccountSettings:
        """Let others see when the user read their messages, or not, on every device of the
        account. Raises ``ReceiptsUnavailable`` when the server keeps no such setting."""
        if not self.available:
            raise ReceiptsUnavailable("this server does not offer read receipts")
        reply = await self._ask(UpdateSettings(read_receipts=on))
        self._store(reply.settings)
        return reply.settings

    def _store(self, settings: AccountSettings) -> None:
        if settings != self.settings:
            self._cache.set_setting(READ_RECEIPTS, "1" if settings.read_receipts else "0")
            self._emit(SettingsChanged(settings))

    def close(self) -> None:
        """Stop waiting to confirm (the engine is stopping; the next start syncs anyway)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._due = False
