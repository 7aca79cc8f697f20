"""Limits both sides enforce. The server is the authority; clients check early to explain."""

MAX_TEXT_CHARS = 100_000  # characters (code points) per message, from the chat-system design
MAX_FRAME_BYTES = 1 << 20  # bytes; 100,000 characters of 4-byte UTF-8 plus envelope fit
MAX_GROUP_MEMBERS = 100  # default group size limit, from the chat-system design
MAX_USER_NAME_CHARS = 32
MAX_GROUP_NAME_CHARS = 64
MAX_DEVICE_NAME_CHARS = 64
MAX_DISPLAY_NAME_CHARS = 64  # after blanks around it are trimmed
MAX_DISPLAY_NAME_INPUT_CHARS = 1024  # as typed, blanks and all; the rules say the rest
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024
MAX_CLIENT_ID_CHARS = 64
MAX_SYNC_PAGE = 1000  # events per sync page
MAX_HISTORY_PAGE = 500  # events per history page
MAX_USERS_PER_REQUEST = 100
MAX_REACTIONS_PER_MESSAGE = 20  # distinct emoji on one message
MAX_EMOJI_CHARS = 16  # code points in one reaction (one grapheme cluster, ZWJ sequences too)
MAX_MENTIONS_PER_MESSAGE = 100  # one per member of the largest default group

# Attachments (feature "attachments"): files go up and down in chunks, never in one frame.
MAX_CHUNK_BYTES = 256 * 1024  # bytes of file data in one upload_chunk or file_chunk
MAX_BUNDLE_ITEMS = 64  # messages in one bundle frame (FEATURE_BUNDLES)
MAX_CHUNKS_IN_FLIGHT = 4  # chunk requests a client keeps unanswered, per transfer direction
MAX_ATTACHMENTS_PER_MESSAGE = 10
MAX_FILE_NAME_CHARS = 255  # a file name's rules (shared.files) are checked by the server
MAX_MIME_CHARS = 127
MAX_THUMBNAIL_BYTES = 16 * 1024  # a small JPEG or PNG made by the sending device
MAX_THUMBNAIL_SIDE = 320  # pixels on the longer side; the sending device keeps to it
DEFAULT_MAX_FILE_BYTES = 100 * 1000 * 1000  # the server's file size limit unless configured

HEARTBEAT_INTERVAL = 5.0  # secs between client heartbeats unless the server says otherwise
MIN_HEARTBEAT_INTERVAL = 0.1  # secs; a client beats no faster, whatever a server asks
PRESENCE_TIMEOUT = 30.0  # secs without a heartbeat before a user counts as offline
