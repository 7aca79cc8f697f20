"""When a new message deserves a desktop notification. No Qt: the window tells the policy
what is on screen; the engine's events feed it. A message that mentions the user notifies
even in a muted chat."""

import time
from collections.abc import Callable

from desktop.cache.store import Cache
from desktop.core.events import AppEvent, MessageAdded

BURST_WINDOW = 5.0  # secs: at most one notification per channel in this time
PREVIEW_CHARS = 200


class NotificationPolicy:
    """Calls ``show(title, body)`` for messages worth interrupting the user for."""

    def __init__(
        self,
        cache: Cache,
        show: Callable[[str, str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cache = cache
        self._show = show
        self._clock = clock
        self._last: dict[int, float] = {}
        self.do_not_disturb = False
        self.on_screen: int | None = None  # the channel the user is looking at right now

    def on_event(self, event: AppEvent) -> None:
        if isinstance(event, MessageAdded):
            self._consider(event)

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
        self._show(title, body)
