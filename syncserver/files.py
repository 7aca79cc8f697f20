"""What the server holds in memory for attached files: where their bytes live, how fast each
device may begin new uploads, and which uploads are being checked and put in place now.

The rest of an upload's state is on disk (its partial file's length is what is stored) and
in the database, so the server keeps no buffer or hash state per transfer: an upload holds
no memory between its chunks, whatever the file's size.
"""

import asyncio
from dataclasses import dataclass, field

from syncserver.blobs import BlobStore
from syncserver.config import ServerConfig
from syncserver.ratelimit import RateLimiter

UploadKey = tuple[int, str]  # user id, SHA-256


@dataclass
class Files:
    disk: BlobStore
    begun: RateLimiter  # new uploads, per device
    # Uploads whose last chunk came and whose bytes are being checked: their next request
    # waits for the outcome rather than see the file half in place.
    finishing: dict[UploadKey, asyncio.Event] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: ServerConfig) -> "Files":
        return cls(
            BlobStore(config.files_path), RateLimiter(config.upload_rate, config.upload_burst)
        )

    async def settled(self, key: UploadKey) -> None:
        """Return once the upload is not being finished (at once, mostly)."""
        while (done := self.finishing.get(key)) is not None:
            await done.wait()
