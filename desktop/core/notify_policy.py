"""When a new message deserves a desktop notification, and when one should go again. No Qt:
the window tells the policy what is on screen; the engine's events feed it. A message that
mentions the user notifies even in a muted chat. A chat read (here or on another device) up
to the message its notification shows has that notification withdrawn."""

import time
from collections.abc import Callable

from desktop.cache.store import Cache
from desktop.core.events import AppEvent, MessageAdded, UnreadChanged

BURST_WINDOW = 5.0  # secs: at most one notification per channel in this time
PREVIEW_CHARS = 200


class NotificationPolicy:
    """Calls ``show(title, body, chat)`` for messages worth interrupting the user for, and
    ``withdraw(chat)`` once the chat is read past what its notification showed."""

    def __init__(
        self,
        cache: Cache,
        show: Callable[[str, str, int], None],
        withdraw: Callable[[int], None] = lambda chat: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cache = cache
        self._show = show
        self._withdraw = withdraw
        self._clock = clock
        self._last: dict[int, float] = {}
        self._shown: dict[int, int] = {}  # chat -> seq of the message its notification shows
        self.do_not_disturb = False
        self.on_screen: int | None = None  # the channel the user is looking at right now

    def on_event(self, event: AppEvent) -> None:
        if isinstance(event, MessageAdded):
            self._consider(event)
        elif isinstance(event, UnreadChanged):
            self._read(event)

    def _read(self, event: UnreadChanged) -> None:
        shown = self._shown.get(event.channel)
        if shown is not None and event.read_seq >= shown:
            del self._shown[event.channel]
            self._withdraw(event.channel)

    def _consider(self, event: MessageAdded) -> None:
        m = event.message
        if m.kind != "message" or m.sender == self._cache.me or m.seq is None or event.filled:
            return
        if self.do_not_disturb or self.on_screen == m.channel:
            return
        channel = self._cache.channel(m.channel)
        # Read elsewhere already: sync brings the read position with (or before) the message.
        # A muted chat stays quiet, but for a message that names the user.
        if channel is None or (channel.muted and not m.mentions_me) or m.seq <= channel.read_seq:
            return
        now = self._clock()
        if now - self._last.get(m.channel, -BURST_WINDOW) < BURST_WINDOW:
            return
        self._last[m.channel] = now
        title = m.sender if channel.kind == "direct" else f"{m.sender} · {channel.title}"
        body = m.text if len(m.text) <= PREVIEW_CHARS else m.text[: PREVIEW_CHARS - 1] + "…"
        self._shown[m.channel] = m.seq
        self._show(title, body, m.channel)
