"""Replies cut to the frame limit: every frame the server sends fits ``MAX_FRAME_BYTES``,
so a page of long messages carries fewer events (and says there is more) instead of growing
past what clients accept."""

import msgspec

from shared import limits
from shared.protocol import encode

# A MessagePack array header takes 1 byte when empty and at most 5: an item list's header
# may grow by this much over the envelope's.
ARRAY_GROWTH = 4


def size_of(item: msgspec.Struct) -> int:
    """Encoded bytes of one item of a reply."""
    return len(encode(item))


class FrameBudget:
    """Bytes left in one frame for the items of a reply, once its envelope (the reply with
    every list empty, and any number field at its widest) is counted."""

    def __init__(self, envelope: msgspec.Struct, lists: int) -> None:
        self.left = limits.MAX_FRAME_BYTES - size_of(envelope) - lists * ARRAY_GROWTH

    def fits(self, size: int) -> bool:
        return size <= self.left

    def take(self, size: int) -> None:
        self.left -= size


class ChunkSizes:
    """Rows are read a few at first and four times as many each round after, never more
    than the page still needs (plus one, to know whether more exist): a page of long messages
    is full after a few rows, and reading all it may hold would read hundreds of megabytes."""

    def __init__(self, limit: int, first: int = 4) -> None:
        self._limit = limit
        self._next = first

    def next(self, taken: int) -> int:
        """Rows to read now, ``taken`` rows being in the page already."""
        size = min(self._next, self._limit - taken + 1)
        self._next *= 4
        return size
