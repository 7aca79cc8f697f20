"""The one place positions and per-channel sequence numbers are assigned.

The server is the only writer, so the counters live in memory and are loaded from storage
when first needed. A transaction that fails after taking numbers calls ``reset`` so the
numbers it took are handed out again, keeping sequences gap-free.

Every event takes its server-wide ``pos`` and its channel's ``seq`` together, in the same
order, so within a channel ``seq`` grows with ``pos``: storage indexes events by (channel, pos)
alone and relies on it (``store.models.Event``). It also takes the next position of the
stream of each user who may see it (``store.stream``), in the same order again, so within a
user's stream both positions grow together.
"""

from syncserver.store import events, stream


class Sequencer:
    def __init__(self) -> None:
        self._pos = 0
        self._seqs: dict[int, int] = {}
        self._streams: dict[int, int] = {}
        self._base = stream.Base(0, 0)
        self.reset()

    def reset(self) -> None:
        """Reload the counters from storage (at start, and after a failed write)."""
        self._pos = events.max_pos()
        self._seqs.clear()
        self._streams.clear()
        self._base = stream.base()

    @property
    def head(self) -> int:
        """The newest server-wide position handed out (and, between writes, committed).
        Never shown to users: it counts everyone's events."""
        return self._pos

    def next_pos(self) -> int:
        self._pos += 1
        return self._pos

    def last_seq(self, channel_id: int) -> int:
        if channel_id not in self._seqs:
            self._seqs[channel_id] = events.max_seq(channel_id)
        return self._seqs[channel_id]

    def next_seq(self, channel_id: int) -> int:
        seq = self.last_seq(channel_id) + 1
        self._seqs[channel_id] = seq
        return seq

    def user_head(self, user_id: int) -> int:
        """The newest position of the user's stream handed out (between writes, committed):
        how far a device of theirs can be behind."""
        if user_id not in self._streams:
            self._streams[user_id] = stream.head(user_id, self._base.floor(user_id))
        return self._streams[user_id]

    def next_user_pos(self, user_id: int) -> int:
        pos = self.user_head(user_id) + 1
        self._streams[user_id] = pos
        return pos

    def stream_positions(self, user_ids: frozenset[int] | set[int]) -> dict[int, int]:
        """The next position of each of these users' streams, for one event they may see."""
        return {user_id: self.next_user_pos(user_id) for user_id in user_ids}
