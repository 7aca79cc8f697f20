"""Which messages sync brings are news to this device, worth a notification. A cache
started from a snapshot (a new device, a cache started again, a server restored from a
backup) is current to the snapshot's stream position: what sync brings up to it was on the
server before this device started, so it is shown but not notified. An existing cache
has no such line: what it missed while offline is news, as it always was."""

from shared.protocol import SyncPage


class NewsLine:
    """The stream position before which synced events are not news, while a catch-up from
    a snapshot has not passed it yet."""

    def __init__(self) -> None:
        self._head: int | None = None

    def start(self, head: int) -> None:
        """A snapshot current to ``head`` was stored: events up to it are not news."""
        self._head = head

    def old(self, page: SyncPage) -> frozenset[tuple[int, int]]:
        """The (channel, seq) of the page's events from before the line; pages come in
        stream order, so the line is forgotten once a page reaches it."""
        head = self._head
        if head is None:
            return frozenset()
        if page.next >= head:
            self._head = None
        return frozenset((e.channel, e.seq) for e in page.events if e.pos <= head)
