"""The one place stream positions and per-channel sequence numbers are assigned.

The server is the only writer, so the counters live in memory and are loaded from storage at
start. A transaction that fails after taking numbers calls ``reset`` so the numbers it took are
handed out again, keeping sequences gap-free.

Every event takes its ``pos`` and its channel's ``seq`` together, in the same order, so within
a channel ``seq`` grows with ``pos``: storage indexes events by (channel, pos) alone and
relies on it (``store.models.Event``).
"""

from syncserver.store import events


class Sequencer:
    def __init__(self) -> None:
        self._pos = 0
        self._seqs: dict[int, int] = {}
        self.reset()

    def reset(self) -> None:
        """Reload the counters from storage (at start, and after a failed write)."""
        self._pos = events.max_pos()
        self._seqs.clear()

    @property
    def head(self) -> int:
        """The newest stream position handed out (and, between writes, committed)."""
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
