"""New sign-ins to the account, for one engine: told once each, also when this device was
away when they happened.

A server that offers ``device_alerts`` pushes ``new_device`` to the account's connected
devices; a device that was not connected finds the devices added meanwhile in the devices
list (``list_devices``, which every server answers), read once caught up after connecting.
Both go through one mark kept in the cache, the newest device this device knows of (by
when it was added, then by id), so each sign-in is told once, also across restarts and a
cleared cache. A new cache knows of no device added after this one; a cache that kept no
mark (from a version before this) takes the list as it finds it, telling nothing.
"""

import json

from desktop.core.events import NewSignIn
from desktop.core.link import EngineLink
from shared.protocol import DeviceInfo, ListDevices, NewDevicePush, Push

NEWEST_KNOWN = "newest_device_known"  # setting: JSON [created, id] of the newest device known
SINCE_OWN = (0, 0)  # a new cache's mark: every device added after this one is news

Mark = tuple[int, int]


def mark_of(device: DeviceInfo) -> Mark:
    """Where a device stands among the account's: when it was added, then its id."""
    return (device.created, device.id)


class SignInKeeper:
    """Tells the app of devices that signed in to the account (``NewSignIn``), each once."""

    def __init__(self, link: EngineLink) -> None:
        self._cache, self._ask, self._emit = link.cache, link.ask, link.emit
        self._missed = False  # a new session: sign-ins made while away are not known here

    def online(self) -> None:
        """A new session: the devices list may hold sign-ins made while this device was away.
        A new cache (never synced) starts from this device's own sign-in."""
        if self._known() is None and self._cache.sync_cursor() is None:
            self._keep(SINCE_OWN)
        self._missed = True

    async def caught_up(self) -> None:
        """Once caught up after connecting: tell the devices added since the newest one this
        device knew of (pushes reach only connected devices)."""
        if not self._missed:
            return
        devices = (await self._ask(ListDevices())).devices
        self._missed = False
        known = self._known()
        marks = [mark_of(d) for d in devices]
        if known is None:  # nothing known yet: nothing in the list is news
            self._keep(max(marks, default=SINCE_OWN))
            return
        own = [mark_of(d) for d in devices if d.current]
        since = max([known, *own])
        for device in sorted((d for d in devices if mark_of(d) > since), key=mark_of):
            self._tell(device)
        self._keep(max([since, *marks]))

    def on_push(self, push: Push) -> bool:
        """Tell a sign-in the server pushed, unless the devices list told it already; True if
        the push was one."""
        if not isinstance(push, NewDevicePush):
            return False
        known = self._known()
        if known is None or mark_of(push.device) > known:
            self._tell(push.device)
            self._keep(mark_of(push.device))
        return True

    def _tell(self, device: DeviceInfo) -> None:
        self._emit(NewSignIn(device.id, device.name, device.created))

    def _known(self) -> Mark | None:
        stored = self._cache.setting(NEWEST_KNOWN)
        if stored is None:
            return None
        created, device_id = json.loads(stored)
        return (created, device_id)

    def _keep(self, mark: Mark) -> None:
        self._cache.set_setting(NEWEST_KNOWN, json.dumps(list(mark)))
