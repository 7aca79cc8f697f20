"""Files on the command line (``send --file``, ``download``, ``files``): how attachments
are shown, as text and as JSON, where a downloaded file is copied to, and sizes as people
write them."""

import argparse
import re
import shutil
from pathlib import Path

from desktop.cache.local_files import FilesUsage, local_name
from desktop.cache.views import AttachmentView

_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*")


def attachment_json(a: AttachmentView) -> dict[str, object]:
    """A file of a message: ``path`` is where this device holds it (null until
    downloaded)."""
    return {
        "index": a.index,
        "name": a.name,
        "size": a.size,
        "mime": a.mime,
        "sha256": a.sha256,
        "width": a.width,
        "height": a.height,
        "path": str(a.path) if a.path is not None else None,
    }


def attachments_text(files: tuple[AttachmentView, ...]) -> str:
    """A message's files for people, after its text: `` [📎 report.pdf, 1.2 MB]``."""
    return "".join(f" [📎 {a.name}, {human_size(a.size)}]" for a in files)


def human_size(size: int) -> str:
    """Bytes as people read them: ``812 bytes``, ``1.2 MB``."""
    if size < 1000:
        return f"{size} bytes" if size != 1 else "1 byte"
    for unit in ("kB", "MB", "GB"):
        size_in = size / _UNITS[unit.lower()]
        if size_in < 1000:
            return f"{size_in:.1f} {unit}"
    return f"{size / _UNITS['tb']:.1f} TB"


def usage_json(usage: FilesUsage) -> dict[str, int]:
    return {"used": usage.used, "budget": usage.budget, "waiting": usage.pinned}


def usage_text(usage: FilesUsage) -> str:
    waiting = f" ({human_size(usage.pinned)} waiting to be sent)" if usage.pinned else ""
    return f"files on this device: {human_size(usage.used)} of {human_size(usage.budget)}{waiting}"


def byte_size(text: str) -> int:
    """argparse type: a size such as ``500MB``, ``1GB``, ``2GiB`` or a number of bytes."""
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size: a number of bytes, or one with kB, MB, GB (or KiB, MiB, "
            "GiB), such as 500MB"
        )
    return int(float(match.group(1)) * _UNITS[unit])


def export(source: Path, folder: Path, name: str) -> Path:
    """Copy a held file into ``folder`` under its name (as the system can store it),
    never over an existing file: ``name (1).ext`` and so on instead."""
    folder.mkdir(parents=True, exist_ok=True)
    base = local_name(name)
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem:
        stem, dot, ext = base, "", ""
    target, n = folder / base, 0
    while True:
        try:
            with target.open("xb") as out, source.open("rb") as src:
                shutil.copyfileobj(src, out)
            return target
        except FileExistsError:
            n += 1
            target = folder / f"{stem} ({n}){dot}{ext}"
        except OSError:
            target.unlink(missing_ok=True)  # half a file is no file
            raise
