"""What an attached file is, for the message that carries it: its type and, for an image,
its size and a thumbnail made here, on the sending device (docs/protocol.md, "Attachments":
at most 320 pixels on the longer side and 16 KiB), with Pillow.

Describing never fails and never takes much memory, whatever the file holds: only PNG,
JPEG, GIF (its first frame) and WebP are decoded, and only when the pixels to decode stay
under ``MAX_PIXELS`` (a decompression bomb declares a huge image in a small file; a JPEG is
decoded at the smallest scale that still makes the thumbnail). A file Pillow cannot read, or
will not decode, is a plain file: no thumbnail, no size.
"""

import io
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from shared import limits

log = logging.getLogger(__name__)

# Decoded pixels at most: 64 MB as RGBA, a 4096 x 4096 screenshot, or a 128-megapixel
# photo decoded at an eighth of its size.
MAX_PIXELS = 16_000_000
SIDE = limits.MAX_THUMBNAIL_SIDE
# Smaller sizes and qualities, tried in turn until the thumbnail fits its byte limit.
SIDES = (SIDE, 240, 160, 120, 80)
QUALITIES = (80, 65, 50, 35)
DECODED = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
OCTET_STREAM = "application/octet-stream"
# EXIF orientations and how to turn the picture upright (as ``ImageOps.exif_transpose``,
# which would turn the whole decoded image rather than its thumbnail).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SIDEWAYS = {5, 6, 7, 8}  # orientations whose upright picture swaps width and height
_ORIENTATION_TAG = 0x0112


@dataclass(frozen=True)
class FileFacts:
    """What a message says of a file besides its name, size and hash."""

    mime: str
    width: int | None = None  # an image's, upright
    height: int | None = None
    thumbnail: bytes = b""  # a JPEG; empty for none


def describe(path: Path, name: str) -> FileFacts:
    """The facts of the file at ``path``, sent as ``name``: an image that can be decoded
    has its size and a thumbnail; anything else its type guessed from the name (a name
    that claims an image type the file does not hold says nothing: octet-stream)."""
    guessed = mimetypes.guess_type(name, strict=False)[0] or OCTET_STREAM
    try:
        with Image.open(path, formats=list(DECODED)) as image:
            facts = _image_facts(image)
    except Exception as e:  # Pillow's decoders raise many kinds of error for a broken file
        log.debug("%s is not an image Tidings shows: %s", name, e)
        facts = None
    if facts is not None:
        return facts
    if guessed in DECODED.values():
        return FileFacts(OCTET_STREAM)
    return FileFacts(guessed[: limits.MAX_MIME_CHARS])


def _image_facts(image: Image.Image) -> FileFacts | None:
    """An opened image's facts; None when it is too big to decode."""
    mime = DECODED[image.format or ""]
    orientation = image.getexif().get(_ORIENTATION_TAG, 1)
    width, height = image.size
    if orientation in _SIDEWAYS:
        width, height = height, width
    image.draft("RGB", (SIDE, SIDE))  # a JPEG decodes scaled down; others ignore it
    if image.size[0] * image.size[1] > MAX_PIXELS:
        log.info("an image of %d x %d pixels gets no thumbnail", *image.size)
        return None
    if image.mode in ("1", "P"):  # resized smoothly only in full colour
        image = image.convert("RGBA")
    image.thumbnail((SIDE, SIDE))
    if orientation in _UPRIGHT:
        image = image.transpose(_UPRIGHT[orientation])
    return FileFacts(mime, width, height, _small_jpeg(_flat(image)))


def _flat(image: Image.Image) -> Image.Image:
    """The image in RGB, transparent parts on white (JPEG has no transparency)."""
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _small_jpeg(image: Image.Image) -> bytes:
    """The image as a JPEG within the thumbnail's byte limit, as large and as good as
    fits; empty if not even the smallest does."""
    for side in SIDES:
        image.thumbnail((side, side))
        for quality in QUALITIES:
            out = io.BytesIO()
            image.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= limits.MAX_THUMBNAIL_BYTES:
                return out.getvalue()
    return b""
