"""Taking a file the user attaches into the profile before its message is queued, so that
moving or changing the original afterwards changes nothing: the copy is what goes up, as
many times as it takes. Run off the engine's loop (``asyncio.to_thread``): a big file takes
a while to copy and hash.

The copy is made under a name of its own in the files folder's ``incoming`` folder and
synced to disk before it is named by its hash (``LocalFiles.place``), and the message is
queued after that: a crash leaves either no message and a stray copy (swept away later),
or a message whose file is all there.
"""

import hashlib
import os
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from desktop.core.thumbnails import describe
from shared import limits
from shared.files import check_file_name
from shared.private import FILE_MODE
from shared.protocol import Attachment

COPY_BLOCK = 1 << 20  # bytes read and hashed at a time
_SEPARATORS = frozenset("/\\")
_JOINER = "\u200d"  # kept: emoji sequences need it, and the protocol allows it


@dataclass(frozen=True)
class TakenFile:
    """A copy of one of the user's files, complete and on disk, and what the message will
    say of it."""

    copy: Path
    attachment: Attachment


def sendable_name(name: str) -> str:
    """A local file name as a message may carry it (``shared.files``): separators and
    control characters (which some systems allow in a name) become ``_``, and a name
    longer than the protocol allows is shortened, keeping its extension."""
    cleaned = "".join(
        "_"
        if ch in _SEPARATORS or (unicodedata.category(ch) in ("Cc", "Cf") and ch != _JOINER)
        else ch
        for ch in name
    )
    if cleaned in (".", "..", ""):
        cleaned = "_"
    _, dot, ext = cleaned.rpartition(".")
    room = limits.MAX_FILE_NAME_CHARS
    if len(cleaned) > room:
        keep = dot + ext if dot and len(ext) < 16 else ""
        cleaned = cleaned[: room - len(keep)] + keep if keep else cleaned[:room]
    check_file_name(cleaned)
    return cleaned


def take_in(source: Path, incoming: Path, max_bytes: int | None) -> TakenFile:
    """Copy ``source`` into ``incoming``, hashing it on the way, and describe it (type,
    image size, thumbnail). Raises ``ValueError`` saying what is wrong with it: not a
    file, unreadable, larger than the server takes (``max_bytes``, when known)."""
    try:
        size = source.stat().st_size
    except OSError as e:
        raise ValueError(f"cannot attach {source}: {e.strerror}") from None
    if not source.is_file():
        raise ValueError(f"cannot attach {source}: it is not a file")
    _check_size(source, size, max_bytes)
    copy = incoming / f"{uuid.uuid4().hex}.part"
    try:
        sha256, size = _copy(source, copy)
        _check_size(source, size, max_bytes)  # it may have grown while it was copied
        name = sendable_name(source.name)
        facts = describe(copy, name)
    except OSError as e:
        copy.unlink(missing_ok=True)
        raise ValueError(f"cannot attach {source}: {e.strerror}") from None
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    attachment = Attachment(
        sha256=sha256,
        size=size,
        name=name,
        mime=facts.mime,
        width=facts.width,
        height=facts.height,
        thumbnail=facts.thumbnail,
    )
    return TakenFile(copy, attachment)


def _check_size(source: Path, size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise ValueError(
            f"cannot attach {source}: it has {size:,} bytes, and the server takes files of "
            f"up to {max_bytes:,}"
        )


def _copy(source: Path, copy: Path) -> tuple[str, int]:
    """Copy ``source`` to the new file ``copy`` (owner-only), synced to disk; returns the
    copy's SHA-256 and length."""
    digest = hashlib.sha256()
    size = 0
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        while block := src.read(COPY_BLOCK):
            digest.update(block)
            out.write(block)
            size += len(block)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size
