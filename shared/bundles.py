"""Cutting a run of encoded messages into frames: one message alone, several as bundles
(``shared.protocol.Bundle``), for peers that agreed to read them (FEATURE_BUNDLES)."""

from collections.abc import Iterator

from shared import limits
from shared.protocol import bundle_bodies

ITEM_OVERHEAD = 8  # bytes MessagePack adds around a bundle's item, at most
# A bundle stays under about this many bytes: below the size from which the server tracks a
# frame in its backlog (syncserver.backlog.TRACKED_BYTES), so bundling changes no memory bound.
BUNDLE_BYTES = 4000


def frames_of(bodies: list[bytes]) -> Iterator[bytes]:
    """Frame bodies carrying ``bodies`` in order: bundles of at most ``MAX_BUNDLE_ITEMS``
    items and about ``BUNDLE_BYTES`` bytes, a message that fits in none alone."""
    group: list[bytes] = []
    size = 0
    for body in bodies:
        cost = len(body) + ITEM_OVERHEAD
        if group and (len(group) == limits.MAX_BUNDLE_ITEMS or size + cost > BUNDLE_BYTES):
            yield _frame(group)
            group, size = [], 0
        group.append(body)
        size += cost
    if group:
        yield _frame(group)


def _frame(group: list[bytes]) -> bytes:
    return group[0] if len(group) == 1 else bundle_bodies(group)
