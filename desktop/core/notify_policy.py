"""When a new message deserves a desktop notification, and when one should go again. No Qt:
the window tells the policy what is on screen and this device's choices (``NotifyPrefs``);
the engine's events feed it, and the cache says whether do not disturb is on and which
chats are muted (``quiet``), as the account has them on every device. A message that
mentions the user notifies even in a muted chat, unless the account says otherwise; do not
disturb quiets everything, and so do quiet hours while this device's clock is inside them
(in its time zone, ``zone``). A chat read (here or on another device) up to the message its
notification shows has that notification withdrawn."""

import datetime as dt
import time
from collections.abc import Callable

from desktop.cache.store import Cache
from desktop.cache.views import MessageView
from desktop.core.events import AppEvent, MessageAdded, UnreadChanged
from desktop.core.notify_prefs import NotifyPrefs
from desktop.core.quiet import active, now_ms, stored_quiet

BURST_WINDOW = 5.0  # secs: at most one notification per channel in this time
PREVIEW_CHARS = 200


def _preview(m: MessageView) -> str:
    """What a message says: its text, and the names of the files it carries (a file sent
    without a caption says only those)."""
    if not m.attachments:
        return m.text
    files = "📎 " + ", ".join(a.name for a in m.attachments)
    return f"{m.text}\n{files}" if m.text else files


class NotificationPolicy:
    """Calls ``show(title, body, chat)`` for messages worth interrupting the user for, with
    ``chime()`` where this device wants a sound, and ``withdraw(chat)`` once the chat is read
    past what its notification showed. ``hidden_body`` stands in for the text where this
    device shows none. ``clock`` (secs) spaces notifications; ``wall`` (ms since the epoch)
    says whether do not disturb and mutes still hold, and with ``zone`` (None: this
    computer's time zone) whether quiet hours do."""

    def __init__(
        self,
        cache: Cache,
        show: Callable[[str, str, int], None],
        withdraw: Callable[[int], None] = lambda chat: None,
        clock: Callable[[], float] = time.monotonic,
        *,
        chime: Callable[[], None] | None = None,
        hidden_body: str = "New message",
        wall: Callable[[], int] = now_ms,
        zone: dt.tzinfo | None = None,
    ) -> None:
        self._cache = cache
        self._show = show
        self._withdraw = withdraw
        self._chime = chime
        self._clock = clock
        self._wall = wall
        self._zone = zone
        self._hidden_body = hidden_body
        self._last: dict[int, float] = {}
        self._shown: dict[int, int] = {}  # chat -> seq of the message its notification shows
        self.prefs = NotifyPrefs()  # replaced whole by the window when the user changes them
        self.on_screen: int | None = None  # the channel the user is looking at right now

    def on_event(self, event: AppEvent) -> None:
        if isinstance(event, MessageAdded):
            self._consider(event)
        elif isinstance(event, UnreadChanged):
            self._read(event)

    def answered(self, chat: int) -> int | None:
        """The seq of the message the chat's notification shows (which a reply written in
        it answers); None when none is on screen."""
        return self._shown.get(chat)

    def _read(self, event: UnreadChanged) -> None:
        shown = self._shown.get(event.channel)
        if shown is not None and event.read_seq >= shown:
            del self._shown[event.channel]
            self._withdraw(event.channel)

    def _consider(self, event: MessageAdded) -> None:
        m = event.message
        if m.kind != "message" or m.sender == self._cache.me or m.seq is None or event.filled:
            return
        prefs, now = self.prefs, self._wall()
        if not prefs.enabled or self.on_screen == m.channel:
            return
        quiet = stored_quiet(self._cache)
        if quiet.silent(now, self._zone):
            return
        channel = self._cache.channel(m.channel)
        # Read elsewhere already: sync brings the read position with (or before) the message.
        if channel is None or m.seq <= channel.read_seq:
            return
        # A muted chat stays quiet, but for a message that names the user (if they want).
        if active(channel.muted_until, now) and not (m.mentions_me and quiet.mentions_when_muted):
            return
        clock = self._clock()
        if clock - self._last.get(m.channel, -BURST_WINDOW) < BURST_WINDOW:
            return
        self._last[m.channel] = clock
        sender = self._cache.people.display_name(m.sender) or m.sender
        title = sender if channel.kind == "direct" else f"{sender} · {channel.title}"
        said = _preview(m)
        if not prefs.preview:
            body = self._hidden_body
        elif len(said) <= PREVIEW_CHARS:
            body = said
        else:
            body = said[: PREVIEW_CHARS - 1] + "…"
        self._shown[m.channel] = m.seq
        self._show(title, body, m.channel)
        if prefs.sound and self._chime is not None:
            self._chime()
