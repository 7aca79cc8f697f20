"""Current members of each channel, kept in memory: every send checks membership and every
stored message is pushed to the members, so asking the database each time would cost a
query per message. Membership changes go through the channel handlers, which forget the
channel here after their write commits.

Servers that share a database (``shared``) cannot see each other's changes this way. They
use what they keep only in a write transaction holding the database's write lock, and
forget it first if another node numbered anything (a membership change among it) since
this one last did (``hold``): from then on no other node changes a membership until the
transaction ends (``syncserver.sequencer``). Outside one they ask each time.
"""

from syncserver.store import Store, channels


class MemberCache:
    def __init__(self, store: Store, shared: bool = False) -> None:
        self._store = store
        self._shared = shared
        self._depth = 0
        self._holding = False  # a write transaction holds the database's write lock
        self._members: dict[int, frozenset[int]] = {}

    def of(self, channel_id: int) -> frozenset[int]:
        if self._shared and not self._holding:
            return frozenset(channels.member_ids(self._store, channel_id))
        members = self._members.get(channel_id)
        if members is None:
            members = self._members[channel_id] = frozenset(
                channels.member_ids(self._store, channel_id)
            )
        return members

    def load(self, channel_ids: set[int]) -> None:
        """Read the members of those of these channels not kept yet, in one query: a batch
        of sends calls it first, so that it asks once, not once a chat."""
        if self._shared and not self._holding:
            return
        missing = [channel_id for channel_id in channel_ids if channel_id not in self._members]
        if missing:
            for channel_id, members in channels.member_ids_of(self._store, missing).items():
                self._members[channel_id] = frozenset(members)

    def forget(self, channel_id: int) -> None:
        self._members.pop(channel_id, None)

    def hold(self, changed: bool) -> None:
        """The write transaction took the database's lock; ``changed``: another server
        numbered something since this one last did."""
        if changed:
            self._members.clear()
        self._holding = True

    def begin(self) -> None:
        """A write transaction started."""
        self._depth += 1

    def end(self) -> None:
        """That transaction ended."""
        self._depth -= 1
        if self._depth == 0:
            self._holding = False
