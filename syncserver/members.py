"""Current members of each channel, kept in memory: every send checks membership and every
stored message is pushed to the members, so asking the database each time would cost a
query per message. Membership changes go through the channel handlers, which forget the
channel here after their write commits.

Servers that share a database (``shared``) cannot see each other's changes this way, so they
keep members only within a write transaction, and forget them when it takes the database's
write lock (``clear``): from then on no other node changes a membership until it ends
(``syncserver.sequencer``). Outside a transaction they ask each time.
"""

from syncserver.store import channels


class MemberCache:
    def __init__(self, shared: bool = False) -> None:
        self._shared = shared
        self._depth = 0
        self._members: dict[int, frozenset[int]] = {}

    def of(self, channel_id: int) -> frozenset[int]:
        members = self._members.get(channel_id)
        if members is None:
            members = frozenset(channels.member_ids(channel_id))
            if not self._shared or self._depth > 0:
                self._members[channel_id] = members
        return members

    def forget(self, channel_id: int) -> None:
        self._members.pop(channel_id, None)

    def clear(self) -> None:
        """Forget every channel's members."""
        self._members.clear()

    def begin(self) -> None:
        """A write transaction started: when shared, what was kept may be out of date."""
        if self._shared and self._depth == 0:
            self._members.clear()
        self._depth += 1

    def end(self) -> None:
        """That transaction ended; when shared, nothing is kept past it."""
        self._depth -= 1
        if self._shared and self._depth == 0:
            self._members.clear()
