"""Do not disturb, quiet hours and muted chats, for one engine.

With a server that offers ``mute`` they are the account's (do not disturb, whether mentions
notify in muted chats) and the user's (each chat's mute), the same on every device: a change
goes to the server, which pushes it to the other devices; a device that was away takes them
from its welcome; a new device from the channel list. Without that feature they stay on this
device, as they did before the server kept them. Quiet hours (a weekly schedule) go the
same way with a server that offers ``quiet_hours``, and stay here with one that does not.
Either way the cache holds them: the setting keys below, and each chat's ``muted_until``;
the notification policy reads them there.
"""

import datetime as dt
import time
from dataclasses import dataclass, field, replace

import msgspec

from desktop.cache.store import Cache
from desktop.cache.views import ChannelView
from desktop.core.events import ChannelChanged, QuietChanged
from desktop.core.link import EngineLink
from desktop.core.quiet_hours import quiet_until
from shared.protocol import (
    FEATURE_MUTE,
    FEATURE_QUIET_HOURS,
    UNTIL_TURNED_OFF,
    AccountSettings,
    ChannelInfo,
    MuteChat,
    MutedPush,
    Push,
    QuietHours,
    SettingsPush,
    UpdateSettings,
)

DND_UNTIL = "dnd_until"  # cache settings: the account's (or this device's) do not disturb
MENTIONS_WHEN_MUTED = "mentions_when_muted"
QUIET_HOURS = "quiet_hours"  # the schedule, as JSON (``QuietHours``)


def now_ms() -> int:
    return int(time.time() * 1000)


def active(until: int, now: int) -> bool:
    """Whether something quiet ``until`` (0: off) still is at ``now``."""
    return until == UNTIL_TURNED_OFF or until > now


@dataclass(frozen=True)
class Quiet:
    """Do not disturb as this device has it. ``on_server``: kept for all of the user's
    devices (the server offers it); otherwise on this device only; ``hours_on_server`` says
    the same of the quiet hours."""

    dnd_until: int = 0  # ms; UNTIL_TURNED_OFF: until turned off; 0: off
    mentions_when_muted: bool = True
    on_server: bool = False
    hours: QuietHours = field(default_factory=QuietHours)
    hours_on_server: bool = False

    def dnd_on(self, now: int | None = None) -> bool:
        """Whether do not disturb is on at ``now`` (ms; default: this moment)."""
        return active(self.dnd_until, now_ms() if now is None else now)

    def quiet_hours_until(
        self, now: int | None = None, zone: dt.tzinfo | None = None
    ) -> int | None:
        """Until when (ms) quiet hours hold at ``now`` in ``zone`` (None: this device's);
        None when they do not."""
        return quiet_until(self.hours, now_ms() if now is None else now, zone)

    def silent(self, now: int | None = None, zone: dt.tzinfo | None = None) -> bool:
        """Whether nothing notifies at ``now``: do not disturb, or inside quiet hours."""
        return self.dnd_on(now) or self.quiet_hours_until(now, zone) is not None


def stored_quiet(cache: Cache, on_server: bool = False, hours_on_server: bool = False) -> Quiet:
    """Do not disturb as the cache holds it."""
    dnd = cache.setting(DND_UNTIL)
    mentions = cache.setting(MENTIONS_WHEN_MUTED)
    hours = cache.setting(QUIET_HOURS)
    return Quiet(
        dnd_until=int(dnd) if dnd is not None else 0,
        mentions_when_muted=mentions != "0",
        on_server=on_server,
        hours=msgspec.json.decode(hours, type=QuietHours) if hours else QuietHours(),
        hours_on_server=hours_on_server,
    )


class QuietKeeper:
    """Keeps the cache's do not disturb and mutes in step with the server, or on its own
    without one that keeps them."""

    def __init__(self, link: EngineLink) -> None:
        self._cache, self._conn, self._ask, self._emit = link.cache, link.conn, link.ask, link.emit
        self._features = link.features

    @property
    def on_server(self) -> bool:
        """Whether the server keeps them (as it last said: also while it cannot be reached,
        when changing them then fails rather than staying on this device)."""
        return FEATURE_MUTE in self._features()

    @property
    def hours_on_server(self) -> bool:
        """Whether the server keeps the quiet hours (as ``on_server`` says of the rest)."""
        return FEATURE_QUIET_HOURS in self._features()

    @property
    def quiet(self) -> Quiet:
        return stored_quiet(self._cache, self.on_server, self.hours_on_server)

    def completed(self, settings: AccountSettings | None) -> AccountSettings | None:
        """The account's settings with do not disturb as kept here, where the server keeps
        it for the account."""
        if settings is None or not self.on_server:
            return settings
        quiet = self.quiet
        return msgspec.structs.replace(
            settings,
            dnd_until=quiet.dnd_until,
            mentions_when_muted=quiet.mentions_when_muted,
            quiet_hours=(quiet.hours if quiet.hours != QuietHours() else None)
            if self.hours_on_server
            else settings.quiet_hours,
        )

    def online(self) -> None:
        """A new session: the welcome says the account's settings and the chats muted now."""
        welcome = self._conn.welcome
        if welcome is None or FEATURE_MUTE not in welcome.features:
            return
        if welcome.settings is not None:
            self._store(welcome.settings)
        mutes = {m.channel: m.until for m in welcome.mutes}
        for channel_id in self._cache.mutes().keys() | mutes.keys():
            self._mute_here(channel_id, mutes.get(channel_id, 0))

    def snapshot(self, infos: list[ChannelInfo]) -> None:
        """A new cache's channel list, with each chat's mute from a server that keeps them."""
        if self.on_server:
            for info in infos:
                self._mute_here(info.id, info.muted_until)

    def on_push(self, push: Push) -> bool:
        """Apply a mute pushed by the server; True if that was one. A settings push is
        applied too, and left for the others it concerns (False)."""
        if isinstance(push, MutedPush):
            self._mute_here(push.mute.channel, push.mute.until)
            return True
        if isinstance(push, SettingsPush) and self.on_server:
            self._store(push.settings)
        return False

    async def set_do_not_disturb(self, until: int) -> Quiet:
        """No notifications until ``until`` (ms; ``UNTIL_TURNED_OFF``; 0: off)."""
        here = replace(self.quiet, dnd_until=until)
        return await self._change(self.on_server, UpdateSettings(dnd_until=until), here)

    async def set_mentions_when_muted(self, on: bool) -> Quiet:
        """Whether a mention notifies in a muted chat."""
        here = replace(self.quiet, mentions_when_muted=on)
        return await self._change(self.on_server, UpdateSettings(mentions_when_muted=on), here)

    async def set_quiet_hours(self, hours: QuietHours) -> Quiet:
        """The weekly schedule of do not disturb."""
        here = replace(self.quiet, hours=hours)
        return await self._change(self.hours_on_server, UpdateSettings(quiet_hours=hours), here)

    async def _change(self, kept: bool, request: UpdateSettings, here: Quiet) -> Quiet:
        """Ask for ``request`` where the server keeps what it changes (``kept``), else keep
        ``here`` on this device; say how it is now."""
        if kept:
            self._store((await self._ask(request)).settings)
        else:
            self._store_here(here)
        return self.quiet

    async def mute_chat(self, channel_id: int, until: int) -> ChannelView:
        """Mute the chat until ``until`` (``UNTIL_TURNED_OFF``; 0: unmute). Raises
        ``LookupError`` for a chat not stored here."""
        if self._cache.channel(channel_id) is None:
            raise LookupError(f"there is no chat {channel_id} here")
        if self.on_server:
            reply = await self._ask(MuteChat(channel=channel_id, until=until))
            until = reply.mute.until
        self._mute_here(channel_id, until)
        channel = self._cache.channel(channel_id)
        assert channel is not None
        return channel

    def _store(self, settings: AccountSettings) -> None:
        """The server's settings; quiet hours only from a server that keeps them (one that
        does not says nothing of them, and this device's stay)."""
        quiet = replace(
            self.quiet,
            dnd_until=settings.dnd_until,
            mentions_when_muted=settings.mentions_when_muted,
        )
        if self.hours_on_server:
            quiet = replace(quiet, hours=settings.quiet_hours or QuietHours())
        self._store_here(quiet)

    def _store_here(self, quiet: Quiet) -> None:
        before = self.quiet
        self._cache.set_setting(DND_UNTIL, str(quiet.dnd_until))
        self._cache.set_setting(MENTIONS_WHEN_MUTED, "1" if quiet.mentions_when_muted else "0")
        self._cache.set_setting(QUIET_HOURS, msgspec.json.encode(quiet.hours).decode())
        after = self.quiet
        if after != before:
            self._emit(QuietChanged(after))

    def _mute_here(self, channel_id: int, until: int) -> None:
        if self._cache.set_muted_until(channel_id, until):
            channel = self._cache.channel(channel_id)
            if channel is not None:
                self._emit(ChannelChanged(channel))


class QuietOperations:
    """The engine's operations on do not disturb and mutes (``SyncEngine`` supplies the
    keeper). Those that go to the server raise ``ProtocolError``, ``ConnectionClosed`` or
    ``TimeoutError`` when it refuses or cannot be asked now."""

    _quiet: QuietKeeper

    @property
    def quiet(self) -> Quiet:
        """Do not disturb as this device has it now, and whether all devices share it."""
        return self._quiet.quiet

    async def set_do_not_disturb(self, until: int) -> Quiet:
        """No notifications until ``until`` (ms since the epoch; ``UNTIL_TURNED_OFF``: until
        turned off; 0: off), on every device of the account where the server keeps it."""
        return await self._quiet.set_do_not_disturb(until)

    async def set_mentions_when_muted(self, on: bool) -> Quiet:
        """Whether a message that mentions the user notifies in a muted chat."""
        return await self._quiet.set_mentions_when_muted(on)

    async def set_quiet_hours(self, hours: QuietHours) -> Quiet:
        """Quiet hours: no notifications from ``hours.start`` to ``hours.end`` on the days
        chosen while ``hours.on``, each device in its own time zone; on every device of the
        account where the server keeps them."""
        return await self._quiet.set_quiet_hours(hours)

    async def mute_chat(self, channel_id: int, until: int) -> ChannelView:
        """Mute a chat until ``until`` (``UNTIL_TURNED_OFF``: until unmuted; 0: unmute), on
        every device of the user where the server keeps it. Returns the chat as it is now."""
        return await self._quiet.mute_chat(channel_id, until)
