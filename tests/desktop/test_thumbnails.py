"""What the sending device says of an attached file: an image's size and thumbnail (within
the protocol's 320 pixels and 16 KiB), and a plain file for anything else, a broken image
or a decompression bomb included, without decoding it."""

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from desktop.core.thumbnails import OCTET_STREAM, describe
from shared import limits

ROOT = Path(__file__).resolve().parents[2]


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid PNG of 12,000 x 12,000 grey pixels: 600 KB on disk, 144 MB decoded."""
    side = 12_000
    packer = zlib.compressobj(1)
    row = bytes(side + 1)  # a filter byte, then the row's pixels
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )
    return path


def _rgb(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    """The colour of a pixel."""
    pixel = image.convert("RGB").getpixel((x, y))
    assert isinstance(pixel, tuple)
    r, g, b = pixel
    return int(r), int(g), int(b)


def _thumbnail(data: bytes) -> Image.Image:
    """A thumbnail as the receiving device opens it, after checking the protocol's limits."""
    assert 0 < len(data) <= limits.MAX_THUMBNAIL_BYTES
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and max(image.size) <= limits.MAX_THUMBNAIL_SIDE
    return image


@pytest.mark.parametrize(
    ("name", "fmt", "mime"),
    [
        ("photo.jpg", "JPEG", "image/jpeg"),
        ("drawing.png", "PNG", "image/png"),
        ("still.gif", "GIF", "image/gif"),
        ("modern.webp", "WEBP", "image/webp"),
    ],
)
def test_an_image_has_its_size_and_a_thumbnail_within_the_limits(
    tmp_path: Path, name: str, fmt: str, mime: str
):
    path = tmp_path / name
    Image.new("RGB", (1600, 900), (200, 30, 30)).save(path, fmt)
    facts = describe(path, name)
    assert (facts.mime, facts.width, facts.height) == (mime, 1600, 900)
    thumb = _thumbnail(facts.thumbnail)
    assert thumb.size == (320, 180)
    r, g, b = _rgb(thumb, 160, 90)
    assert r > 150 and g < 80 and b < 80


def test_a_noisy_photo_gets_a_smaller_thumbnail_rather_than_none(tmp_path: Path):
    path = tmp_path / "noise.png"
    side = limits.MAX_THUMBNAIL_SIDE  # noise this size is over 16 KiB as a JPEG of any quality
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path)
    facts = describe(path, "noise.png")
    assert (facts.width, facts.height) == (side, side)
    assert max(_thumbnail(facts.thumbnail).size) < side


def test_a_gif_shows_its_first_frame_and_transparency_shows_white(tmp_path: Path):
    gif = tmp_path / "blink.gif"
    frames = [Image.new("RGB", (100, 100), colour) for colour in ("red", "lime", "blue")]
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100)
    r, g, b = _rgb(_thumbnail(describe(gif, "blink.gif").thumbnail), 50, 50)
    assert r > 200 and g < 60 and b < 60

    clear = tmp_path / "clear.png"
    Image.new("RGBA", (100, 100), (0, 0, 0, 0)).save(clear)
    assert min(_rgb(_thumbnail(describe(clear, "clear.png").thumbnail), 50, 50)) > 240


def test_a_photo_taken_sideways_is_described_upright(tmp_path: Path):
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: show it rotated 90 degrees clockwise
    Image.new("RGB", (400, 200), "white").save(path, exif=exif)
    facts = describe(path, "phone.jpg")
    assert (facts.width, facts.height) == (200, 400)
    assert _thumbnail(facts.thumbnail).size == (160, 320)


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("fake.png", b"this is not a picture", OCTET_STREAM),  # claims a type it does not hold
        ("notes.txt", b"plain words", "text/plain"),
        ("empty.png", b"", OCTET_STREAM),
        ("empty.txt", b"", "text/plain"),
        ("mystery", b"\x00\x01\x02", OCTET_STREAM),
    ],
)
def test_anything_else_is_a_plain_file(tmp_path: Path, name: str, content: bytes, mime: str):
    path = tmp_path / name
    path.write_bytes(content)
    assert describe(path, name) == describe(path, name).__class__(mime)


def test_a_broken_image_is_a_plain_file(tmp_path: Path):
    whole = io.BytesIO()
    Image.new("RGB", (800, 600), "red").save(whole, "JPEG")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.getvalue()[: whole.tell() // 2])
    facts = describe(cut, "cut.jpg")
    assert (facts.mime, facts.width, facts.thumbnail) == (OCTET_STREAM, None, b"")


def test_a_decompression_bomb_is_a_plain_file_and_is_never_decoded(bomb: Path):
    # In a process of its own, so that its peak memory says what describing it took.
    script = (
        "import json, resource, sys; from pathlib import Path;"
        "from desktop.core.thumbnails import describe;"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
        "facts = describe(Path(sys.argv[1]), 'bomb.png');"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
        "print(json.dumps([facts.mime, facts.width, len(facts.thumbnail), after - before]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(bomb)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    mime, width, thumbnail, grown_kib = json.loads(done.stdout)
    assert (mime, width, thumbnail) == (OCTET_STREAM, None, 0)
    assert grown_kib < 20_000, f"describing the bomb took {grown_kib} KiB more memory"
