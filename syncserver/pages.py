"""Replies cut to the frame limit: every frame the server sends fits ``MAX_FRAME_BYTES``,
so a page of long messages carries fewer events (and says there is more) instead of growing
past what clients accept."""

import msgspec

from shared import limits

# A MessagePack array header takes 1 byte when empty and at most 5: an item list's header
# may grow by this much over the envelope's.
ARRAY_GROWTH = 4


def size_of(item: object) -> int:
    """Encoded bytes of an item of a reply (a struct, a list of them, a stored row)."""
    return len(msgspec.msgpack.encode(item))


class FrameBudget:
    """Bytes left in one frame for the items of a reply, once its envelope (the reply with
    every list empty, and any number field at its widest) is counted."""

    def __init__(self, envelope: msgspec.Struct, lists: int) -> None:
        self.left = limits.MAX_FRAME_BYTES - size_of(envelope) - lists * ARRAY_GROWTH
        self.taken = 0

    def fits(self, size: int) -> bool:
        """Whether an item of ``size`` encoded bytes still goes into the frame."""
        return size <= self.left

    def take(self, size: int) -> None:
        """Count an item of ``size`` bytes as put into the frame."""
        self.left -= size
        self.taken += size


FIRST_CHUNK = 8  # rows read for a page before their sizes are known


def next_chunk(limit: int, taken: int, taken_bytes: int, room: int) -> int:
    """How many rows to read next for a page of at most ``limit`` rows that holds ``taken``
    rows of ``taken_bytes`` bytes so far, with ``room`` bytes left in its frame.

    A few rows first; then, at the size of the rows so far, what the room left holds twice
    over, never more than the page still needs plus one (which says whether more exist). A
    page of short messages takes two reads; a page of long messages is full after a few rows,
    and reading all it may hold would read hundreds of megabytes."""
    needed = limit - taken + 1
    if taken == 0:
        return min(needed, FIRST_CHUNK)
    fitting = 2 * room * taken // max(1, taken_bytes)
    return max(1, min(needed, fitting + 1))
