"""What a request costs against its device's and its account's request budgets.

A unit is about what a heartbeat costs the server (a tenth of a millisecond of its time). A
request pays its type's cost before it is handled; a large reply pays for its size after, and
a channel list for each channel in it, because those are what make such requests expensive.
The figures are documented in docs/protocol.md ("Request budgets").
"""

from shared.protocol import (
    AddMembers,
    ChangePassword,
    ChannelList,
    CreateGroup,
    Delete,
    Download,
    Edit,
    FileChunk,
    GetPresence,
    GetReceipts,
    Heartbeat,
    History,
    LeaveChannel,
    ListChannels,
    ListDevices,
    Logout,
    MarkRead,
    MuteChat,
    OpenDirect,
    React,
    RemoveMember,
    RenameGroup,
    Reply,
    Request,
    RevokeDevice,
    Send,
    Sync,
    Typing,
    UpdateSettings,
    UploadBegin,
    UploadChunk,
)

DEFAULT_COST = 1  # any request not named below: hello, login, register, the key request
REQUEST_COSTS: dict[type[Request], int] = {
    Heartbeat: 1,
    Typing: 1,
    Send: 1,
    React: 1,  # changes of messages are stored as sends are
    Edit: 1,
    Delete: 1,
    MarkRead: 2,
    GetPresence: 2,
    ListDevices: 2,
    OpenDirect: 5,
    RenameGroup: 5,
    RemoveMember: 5,
    LeaveChannel: 5,
    RevokeDevice: 5,
    Logout: 5,
    UpdateSettings: 5,  # a write, and pushes to every chat of the user
    ChangePassword: 5,  # its hashing is paced by the login throttles instead
    MuteChat: 2,  # a write, pushed to the user's other devices
    CreateGroup: 10,
    AddMembers: 10,
    History: 10,
    Sync: 10,
    ListChannels: 10,
    GetReceipts: 10,  # up to 100 channels of up to 100 members
    UploadBegin: 5,  # sums of the quotas, a write
    UploadChunk: 1,  # its bytes go to a file as they are
    Download: 1,
}
REPLY_BYTES_PER_UNIT = 32768  # a reply costs one more unit per this many bytes
CHANNEL_COST = 5  # units per channel in a channel list: each is several queries


def cost_of(request: Request) -> int:
    """Units a request pays before it is handled."""
    return REQUEST_COSTS.get(type(request), DEFAULT_COST)


def reply_cost(reply: Reply, size: int) -> int:
    """Units a reply of ``size`` encoded bytes adds to its request's cost."""
    if isinstance(reply, FileChunk):
        return 0  # its bytes are read from a file, not built: its size costs nothing more
    units = size // REPLY_BYTES_PER_UNIT
    if isinstance(reply, ChannelList):
        units += CHANNEL_COST * len(reply.channels)
    return units
