"""Attachments: uploading and downloading files (docs/protocol.md, "Attachments")."""

from shared.errors import ErrorCode
from shared.protocol import Download, Reply, UploadBegin, UploadChunk
from syncserver.handlers.base import Call, Context, Refusal, handles

NOT_OFFERED = "this server does not offer the attachments feature"


@handles(UploadBegin)
@handles(UploadChunk)
@handles(Download)
def not_offered(ctx: Context, call: Call, req: UploadBegin | UploadChunk | Download) -> Reply:
    """Refuse file transfers until the server stores files."""
    raise Refusal(ErrorCode.BAD_REQUEST, NOT_OFFERED)
