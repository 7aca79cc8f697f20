"""Display names, for one engine: the name each person chose to be shown by.

The server tells them with the chats (the cache takes them as it stores each chat) and
pushes a change (``profile_changed``); a device that was away lists the chats again once
caught up, for the changes it missed. The user's own comes with the welcome and the
account's settings. The user sets theirs here, where the server offers ``display_names``.
Mentions stay by user name: a display name is only what people are shown as.
"""

from desktop.cache.store import Cache
from desktop.core.events import PeopleChanged
from desktop.core.link import EngineLink
from desktop.core.listing import list_channels
from shared.names import clean_display_name
from shared.protocol import (
    FEATURE_DISPLAY_NAMES,
    AccountSettings,
    ProfilePush,
    Push,
    SettingsPush,
    UpdateSettings,
)


class DisplayNamesUnavailable(RuntimeError):
    """The server keeps no display names (it did not offer ``display_names``)."""


def shown_name(user: str, display_name: str) -> str:
    """How a person is shown: their display name, or their user name when they set none."""
    return display_name or user


def person_label(user: str, display_name: str) -> str:
    """A person where telling people apart matters (a list of them, a question about one):
    the user name beside a display name, as two people may pick the same one."""
    return f"{display_name} (@{user})" if display_name else user


class PeopleKeeper:
    """Keeps the cache's display names in step with what the server pushes and says."""

    def __init__(self, link: EngineLink) -> None:
        self._cache, self._conn, self._ask, self._emit = link.cache, link.conn, link.ask, link.emit
        self._features = link.features
        self._missed = False  # a new session: changes made while away are not known here

    @property
    def available(self) -> bool:
        """Whether the server keeps display names (as it last said)."""
        return FEATURE_DISPLAY_NAMES in self._features()

    def online(self) -> None:
        """A new session: the welcome's settings hold the user's own display name."""
        welcome = self._conn.welcome
        if welcome is not None and self.available and welcome.settings is not None:
            self._own(welcome.settings)
        self._missed = True

    async def caught_up(self) -> None:
        """Once caught up after connecting: the names changed while this device was away
        come with the chat list (pushes reach only connected devices)."""
        if not (self._missed and self.available):
            return
        _, infos = await list_channels(self._ask)
        self._missed = False
        changed: set[str] = set()
        for info in infos:
            changed |= self._cache.people.take(info.members, info.display_names)
        if changed:
            self._emit(PeopleChanged(frozenset(changed)))

    def on_push(self, push: Push) -> bool:
        """Apply a display name pushed by the server; True if that was one. A settings push
        gives the user's own, and is left for the others it concerns (False)."""
        if isinstance(push, ProfilePush):
            self.store(push.user, push.display_name)
            return True
        if isinstance(push, SettingsPush) and self.available:
            self._own(push.settings)
        return False

    def store(self, user: str, display_name: str) -> None:
        """Keep the user's display name, telling the listeners if it changed."""
        if self._cache.people.put(user, display_name):
            self._emit(PeopleChanged(frozenset({user})))

    async def set_display_name(self, typed: str) -> str:
        """Set the user's display name as typed (blank: none); returns it as kept."""
        if not self.available:
            raise DisplayNamesUnavailable("this server keeps no display names")
        reply = await self._ask(UpdateSettings(display_name=clean_display_name(typed)))
        self._own(reply.settings)
        return reply.settings.display_name

    def _own(self, settings: AccountSettings) -> None:
        self.store(self._cache.me, settings.display_name)


class PeopleOperations:
    """The engine's operations on display names (``SyncEngine`` supplies the keeper)."""

    _people: PeopleKeeper
    cache: Cache

    @property
    def display_names_available(self) -> bool:
        """Whether the server keeps display names, so the user can set one."""
        return self._people.available

    @property
    def display_name(self) -> str:
        """The user's own display name ("" for none), as last heard from the server."""
        return self.cache.people.display_name(self.cache.me)

    def shown_name(self, user: str) -> str:
        """How ``user`` is shown here: their display name, or their user name."""
        return shown_name(user, self.cache.people.display_name(user))

    async def set_display_name(self, typed: str) -> str:
        """Set the name others are shown for the user ("" or blanks: none, shown by user
        name), on the server, which tells everyone who shares a chat with the user. Raises
        ``ValueError`` saying which rule a name breaks, ``DisplayNamesUnavailable`` without
        a server that keeps them, ``ProtocolError``, ``ConnectionClosed`` or
        ``TimeoutError`` when the server refuses or cannot be asked now."""
        return await self._people.set_display_name(typed)
