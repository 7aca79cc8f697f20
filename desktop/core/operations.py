"""What the window and the CLI ask of the server besides messages: chats, groups, devices,
presence. Each operation builds its request, checks the reply and returns a typed result,
so neither face of the app handles protocol messages itself.

Refusals raise ``ProtocolError`` (its ``message`` is for the user); an unreachable server
raises ``TimeoutError`` or ``ConnectionClosed``; input the server would refuse anyway raises
``ValueError`` before anything is sent.
"""

from dataclasses import dataclass

from desktop.cache.store import Applied, Cache
from desktop.cache.views import ChannelView, PresenceView
from shared import limits
from shared.client import Connection, ConnectionState
from shared.names import check_password, normalize_user_name
from shared.protocol import (
    FEATURE_PASSWORD,
    AddMembers,
    ChangePassword,
    ChannelInfo,
    CreateGroup,
    GetPresence,
    LeaveChannel,
    ListDevices,
    OpenDirect,
    RemoveMember,
    RenameGroup,
    ReplyT,
    Request,
    RevokeDevice,
)


@dataclass(frozen=True)
class DeviceView:
    """One of the account's devices, as ``list_devices`` tells."""

    id: int  # for ``revoke_device``
    name: str
    created: int  # ms since the epoch
    last_seen: int | None  # ms since the epoch; when it last signed in
    current: bool  # the device asking


class NotOffered(RuntimeError):
    """The server does not offer what was asked (it is older than this app)."""


def user_names(names: list[str]) -> list[str]:
    """Names as typed (``@`` allowed) in their normal form; ``ValueError`` names the first
    that cannot be a user name."""
    normal = []
    for name in names:
        try:
            normal.append(normalize_user_name(name.strip().removeprefix("@")))
        except ValueError as e:
            raise ValueError(f"{name!r} is not a user name: {e}") from None
    if len(normal) > limits.MAX_USERS_PER_REQUEST:
        raise ValueError(f"at most {limits.MAX_USERS_PER_REQUEST} people at a time")
    return normal


def group_name(name: str) -> str:
    """A group name as the server keeps it; ``ValueError`` when it cannot be one."""
    name = name.strip()
    if not name:
        raise ValueError("a group needs a name")
    if len(name) > limits.MAX_GROUP_NAME_CHARS:
        raise ValueError(f"a group name has at most {limits.MAX_GROUP_NAME_CHARS} characters")
    return name


class ServerOperations:
    """Chats, groups, devices and presence, for ``SyncEngine`` (which provides the cache,
    the connection, ``request`` and ``_announce``)."""

    cache: Cache
    conn: Connection

    async def request(self, req: Request[ReplyT]) -> ReplyT:
        raise NotImplementedError  # SyncEngine's

    def _announce(self, applied: Applied, filled: bool = False) -> None:
        raise NotImplementedError  # SyncEngine's

    @property
    def features(self) -> frozenset[str]:
        raise NotImplementedError  # SyncEngine's

    async def open_direct(self, user: str) -> ChannelView:
        """The direct chat with ``user`` (oneself for notes), created on the server on
        first use and stored here."""
        [name] = user_names([user])
        return await self._channel(OpenDirect(user=name))

    async def create_group(self, name: str, members: list[str]) -> ChannelView:
        """A new group owned by the user, with ``members`` besides them."""
        return await self._channel(CreateGroup(name=group_name(name), members=user_names(members)))

    async def rename_group(self, channel_id: int, name: str) -> ChannelView:
        return await self._channel(RenameGroup(channel=channel_id, name=group_name(name)))

    async def add_members(self, channel_id: int, users: list[str]) -> ChannelView:
        """Add people to a group; those already in it are skipped."""
        return await self._channel(AddMembers(channel=channel_id, users=user_names(users)))

    async def remove_member(self, channel_id: int, user: str) -> ChannelView:
        """Remove someone from a group (its owner only)."""
        [name] = user_names([user])
        return await self._channel(RemoveMember(channel=channel_id, user=name))

    async def leave(self, channel_id: int) -> ChannelView:
        """Leave a group. The chat stays here, inactive, with what this device kept of it."""
        await self.request(LeaveChannel(channel=channel_id))
        known = self.cache.channel(channel_id)
        # What the server's push about it says, stored now rather than when it comes.
        left = ChannelInfo(
            id=channel_id,
            kind="group",
            name=known.name if known else "",
            members=[],
            owner=None,
            last_seq=0,
            read_seq=0,
            active=False,
        )
        self._announce(self.cache.apply_channel(left))
        return self.cache.channel(channel_id) or self.cache.info_view(left)

    async def _channel(self, req: Request) -> ChannelView:
        """Ask for a channel; ``request`` stores it (unless the server was restored and not
        reconciled yet: then it is described as the server sent it)."""
        reply = await self.request(req)
        info: ChannelInfo = reply.channel
        return self.cache.channel(info.id) or self.cache.info_view(info)

    async def list_devices(self) -> list[DeviceView]:
        """The account's active devices, oldest first."""
        reply = await self.request(ListDevices())
        return [DeviceView(d.id, d.name, d.created, d.last_seen, d.current) for d in reply.devices]

    async def revoke_device(self, device_id: int) -> None:
        """Sign one of the account's devices out; its credential stops working."""
        await self.request(RevokeDevice(device_id=device_id))

    async def change_password(self, current: str, new: str) -> None:
        """Change the account's password, proving the current one; every device stays
        signed in. Raises ``ValueError`` for a new password the server would refuse,
        ``NotOffered`` when the server cannot change passwords, ``ProtocolError`` for a
        wrong current password (``auth_failed``) or too many attempts (``rate_limited``)."""
        check_password(new)
        if FEATURE_PASSWORD not in self.features:
            raise NotOffered(
                "this server cannot change passwords; its administrator can "
                "(tidings-server reset-password)"
            )
        await self.request(ChangePassword(current=current, new=new))

    async def presence(self, users: list[str] | None = None) -> list[PresenceView]:
        """Presence of ``users`` (default: everyone sharing a chat), asked of the server when
        it is reachable, else as last known here."""
        if self.conn.state == ConnectionState.ONLINE:
            wanted = user_names(users) if users else self._everyone()
            step = limits.MAX_USERS_PER_REQUEST
            for start in range(0, len(wanted), step):
                reply = await self.request(GetPresence(users=wanted[start : start + step]))
                for info in reply.presence:
                    self.cache.set_presence(info)
        return self.cache.presence(user_names(users) if users else None)

    def _everyone(self) -> list[str]:
        return sorted({m for c in self.cache.channels() if c.active for m in c.members})
