"""The user's whole channel list, which a server sends in pages when it is too long for one
frame."""

from collections.abc import Awaitable, Callable

from shared.protocol import ChannelInfo, ChannelList, ListChannels


async def list_channels(
    ask: Callable[[ListChannels], Awaitable[ChannelList]],
) -> tuple[int, list[ChannelInfo]]:
    """Every channel the user is in, asking through ``ask`` until the server says there are
    no more; with the ``head`` of the first page (what the listing is current to)."""
    listing = await ask(ListChannels())
    head, infos = listing.head, list(listing.channels)
    while listing.more and infos:
        listing = await ask(ListChannels(after=infos[-1].id))
        infos += listing.channels
    return head, infos
