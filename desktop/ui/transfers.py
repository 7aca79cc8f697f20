"""How far the files of the messages shown are going up or coming down, from the engine's
``UploadProgress`` and ``DownloadProgress`` events: what the bubbles draw as progress rings.
Kept by the open chat's pane across chat switches, so a transfer under way in one chat shows
again when the user comes back to it."""

from dataclasses import dataclass

from desktop.cache.views import MessageView
from desktop.core.events import DownloadProgress, UploadProgress


@dataclass(frozen=True)
class Transfer:
    """One file on its way: ``done`` of its ``size`` bytes; ``up`` when it is the user's
    own going to the server."""

    done: int
    size: int
    up: bool

    @property
    def fraction(self) -> float:
        return 1.0 if self.size <= 0 else min(1.0, self.done / self.size)


Transfers = dict[int, Transfer]  # a message's files on their way, by their index


class TransferBook:
    """The transfers under way, by the message they belong to."""

    def __init__(self) -> None:
        self._up: dict[str, Transfers] = {}  # by the outbox message's client id
        self._down: dict[tuple[int, int], Transfers] = {}  # by (channel, seq)

    def upload(self, event: UploadProgress) -> None:
        files = self._up.setdefault(event.client_id, {})
        files[event.index] = Transfer(event.stored, event.size, up=True)

    def download(self, event: DownloadProgress) -> None:
        """A download moved on; once whole, the file is held and shows so."""
        if event.received >= event.size:
            self.downloaded(event.channel, event.seq, event.index)
            return
        files = self._down.setdefault((event.channel, event.seq), {})
        files[event.index] = Transfer(event.received, event.size, up=False)

    def downloading(self, channel: int, seq: int, index: int, size: int) -> None:
        """A download was asked for: it shows at once, before its first bytes."""
        self._down.setdefault((channel, seq), {}).setdefault(index, Transfer(0, size, up=False))

    def downloaded(self, channel: int, seq: int, index: int) -> None:
        """A download ended (whole, or given up)."""
        files = self._down.get((channel, seq), {})
        files.pop(index, None)
        if not files:
            self._down.pop((channel, seq), None)

    def uploaded(self, client_id: str) -> None:
        """A message's files are all up (it was sent), or it was cancelled or refused."""
        self._up.pop(client_id, None)

    def of(self, m: MessageView) -> Transfers:
        """The transfers of the message's files under way."""
        if m.seq is None:
            return self._up.get(m.client_id or "", {})
        return self._down.get((m.channel, m.seq), {})
