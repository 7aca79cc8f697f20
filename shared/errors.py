"""Stable error codes carried in Error replies, and the exception clients raise for them."""

from enum import StrEnum


class ErrorCode(StrEnum):
    """Codes never change meaning; new ones may be added in a minor protocol revision."""

    BAD_FRAME = "bad_frame"  # not [version, body]
    UNSUPPORTED_VERSION = "unsupported_version"
    BAD_REQUEST = "bad_request"  # body does not decode or a field has the wrong type
    INVALID = "invalid"  # well-formed but a value breaks a rule (name syntax, empty text)
    MESSAGE_TOO_LONG = "message_too_long"
    NOT_AUTHENTICATED = "not_authenticated"  # this connection has not said Hello/Login yet
    AUTH_FAILED = "auth_failed"  # wrong user, password or device credential
    DEVICE_REVOKED = "device_revoked"
    KEY_MISMATCH = "key_mismatch"  # device credential used from another transport key
    REGISTRATION_CLOSED = "registration_closed"
    USER_EXISTS = "user_exists"
    NO_SUCH_USER = "no_such_user"
    NO_SUCH_DEVICE = "no_such_device"
    NO_SUCH_CHANNEL = "no_such_channel"  # also for channels the caller is not a member of
    NOT_A_GROUP = "not_a_group"
    FORBIDDEN = "forbidden"
    GROUP_FULL = "group_full"
    ID_REUSED = "id_reused"  # a client message id sent again with other content
    BAD_CURSOR = "bad_cursor"  # a cursor or sequence number beyond what exists
    RATE_LIMITED = "rate_limited"  # too many requests or login attempts; see retry_after
    BACKLOG_FULL = "backlog_full"  # too many requests or unread replies held for a connection
    TOO_MANY_DEVICES = "too_many_devices"  # the account has as many devices as allowed
    NO_SUCH_MESSAGE = "no_such_message"  # a seq that is not a message of this channel
    NOT_YOUR_MESSAGE = "not_your_message"  # editing or deleting another member's message
    MESSAGE_DELETED = "message_deleted"  # editing, reacting or replying to a deleted message
    NOT_AN_EMOJI = "not_an_emoji"  # a reaction that is not one emoji
    TOO_MANY_REACTIONS = "too_many_reactions"  # a message has as many distinct emoji as allowed
    # Attachments (feature "attachments")
    FILE_TOO_LARGE = "file_too_large"  # an upload larger than the server's file size limit
    QUOTA_EXCEEDED = "quota_exceeded"  # the user's storage quota would be exceeded
    STORAGE_FULL = "storage_full"  # the server's storage for files would be exceeded
    NO_SUCH_UPLOAD = "no_such_upload"  # a chunk for an upload not begun by this user, or expired
    UPLOAD_OFFSET = "upload_offset"  # a chunk not at the upload's stored offset (``offset``)
    UPLOAD_TOO_LONG = "upload_too_long"  # a chunk past the upload's declared size
    HASH_MISMATCH = "hash_mismatch"  # the uploaded bytes do not have the declared SHA-256
    NO_SUCH_FILE = "no_such_file"  # also for a file the caller may not read
    UNAVAILABLE = "unavailable"  # storage failed (disk full, read-only); try again later
    INTERNAL = "internal"


class ProtocolError(Exception):
    """An Error reply from the server, raised on the client side."""

    def __init__(
        self,
        code: str,
        message: str,
        retry_after: float | None = None,
        offset: int | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.offset = offset  # ``upload_offset``: the offset the upload expects next
