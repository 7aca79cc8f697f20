"""Holes in a cached channel: sequence numbers the server has and the cache lacks.

Within a channel the server numbers events 1, 2, 3... without gaps, so every number from 1
to the channel's ``last_seq`` that has no stored row is a hole, whatever made it: a device
that started with only the newest page, a page cut short by its size, or a stretch during
which the user was not a member. Finding them is one pass over the (channel, seq) index;
the finder remembers, per channel, a number up to which the cache is known to be whole, so
that later passes start there instead of at 1.
"""

from peewee import Database

Hole = tuple[int, int]  # the first and last missing sequence number, both included

# Each stored row with the one stored below it (or the start, for the first): where the two
# are more than one apart, the numbers between are missing.
_GAPS = (
    "SELECT prev + 1, seq - 1 FROM ("
    "SELECT seq, LAG(seq, 1, ?) OVER (ORDER BY seq) AS prev FROM message "
    "WHERE channel = ? AND seq > ? AND seq <= ?"
    ") WHERE seq > prev + 1 ORDER BY seq LIMIT ?"
)
_TOP = "SELECT MAX(seq) FROM message WHERE channel = ? AND seq > ? AND seq <= ?"


class HoleFinder:
    """Finds the holes of one cache's channels; owned by that cache."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._whole_to: dict[int, int] = {}  # channel: every seq from 1 to this is stored

    def missing(self, channel_id: int, low: int, high: int, limit: int = -1) -> list[Hole]:
        """The holes between ``low`` and ``high`` (both included), lowest first; at most
        ``limit`` of them (all if negative)."""
        start = max(low - 1, self._whole_to.get(channel_id, 0))
        if high <= start:
            return []
        holes: list[Hole] = [
            (first, last)
            for first, last in self._db.execute_sql(_GAPS, (start, channel_id, start, high, limit))
        ]
        if limit < 0 or len(holes) < limit:
            top = self._db.execute_sql(_TOP, (channel_id, start, high)).fetchone()[0]
            top = start if top is None else top
            if top < high:
                holes.append((top + 1, high))
        return holes

    def first(self, channel_id: int, last_seq: int) -> Hole | None:
        """The lowest hole of a channel whose newest event is ``last_seq``, or None when the
        cache holds all of it. Remembers how far the channel is whole."""
        holes = self.missing(channel_id, 1, last_seq, limit=1)
        if not holes:
            self._whole_to[channel_id] = max(self._whole_to.get(channel_id, 0), last_seq)
            return None
        self._whole_to[channel_id] = holes[0][0] - 1
        return holes[0]

    def forget(self) -> None:
        """Stored rows were removed: nothing is known to be whole any more."""
        self._whole_to.clear()
