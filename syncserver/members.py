"""Current members of each channel, kept in memory: every send checks membership and every
stored message is pushed to the members, so asking the database each time would cost a
query per message. Membership changes go through the channel handlers, which forget the
channel here after their write commits."""

from syncserver.store import channels


class MemberCache:
    def __init__(self) -> None:
        self._members: dict[int, frozenset[int]] = {}

    def of(self, channel_id: int) -> frozenset[int]:
        members = self._members.get(channel_id)
        if members is None:
            members = self._members[channel_id] = frozenset(channels.member_ids(channel_id))
        return members

    def forget(self, channel_id: int) -> None:
        self._members.pop(channel_id, None)
