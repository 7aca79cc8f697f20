"""Render the app icon, ``resources/tidings.svg``, into the files installers want.

Run with ``make icons`` after changing the SVG, and commit what it writes:

- ``resources/icons/tidings-SIZE.png``: the Linux icon theme sizes (hicolor), for desktops
  that do not draw SVG icons;
- ``resources/icons/tidings.ico``: the Windows executable's icon, one PNG per size;
- ``resources/icons/tidings.icns``: the macOS app bundle's icon, one PNG per size.

Qt draws the SVG (offscreen, no display needed). Qt writes only one image into an ICO or
ICNS file, so the containers are assembled here; both formats allow PNG-compressed entries.
"""

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageReader, QPainter
from PySide6.QtSvg import QSvgRenderer

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SOURCE = RESOURCES / "tidings.svg"
ICONS = RESOURCES / "icons"
THEME_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)  # px; hicolor's usual application sizes
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # px; 256 is the largest an ICO entry can say
# macOS icon types that hold PNG data, by pixel size (the @2x types share sizes with 1x ones).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),  # 16@2x
    (b"icp6", 64),
    (b"ic12", 64),  # 32@2x
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),  # 128@2x
    (b"ic09", 512),
    (b"ic14", 512),  # 256@2x
    (b"ic10", 1024),  # 512@2x
)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The icon at ``size`` x ``size`` pixels, drawn from the vector source (not scaled)."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file: a header, one directory entry per image, then the PNG data."""
    header = struct.pack("<HHH", 0, 1, len(pngs))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, png in pngs.items():
        side = size % 256  # 0 stands for 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file: big-endian (type, length) chunks after an 'icns' header."""
    chunks = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(chunks)) + chunks


def check(path: Path, images: int) -> None:
    """Read a written container back with Qt, so a malformed file fails here, not later."""
    reader = QImageReader(str(path))
    if reader.imageCount() != images or reader.read().isNull():
        raise RuntimeError(f"{path} does not read back as {images} images: {reader.errorString()}")


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841  (Qt's image plugins need an app)
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise RuntimeError(f"Qt cannot draw {SOURCE}")
    sizes = sorted({*THEME_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    pngs = {size: png_bytes(render(renderer, size)) for size in sizes}
    ICONS.mkdir(exist_ok=True)
    for size in THEME_SIZES:
        (ICONS / f"tidings-{size}.png").write_bytes(pngs[size])
    (ICONS / "tidings.ico").write_bytes(ico({s: pngs[s] for s in ICO_SIZES}))
    check(ICONS / "tidings.ico", len(ICO_SIZES))
    (ICONS / "tidings.icns").write_bytes(icns(pngs))
    check(ICONS / "tidings.icns", len(ICNS_TYPES))
    print(f"wrote {len(THEME_SIZES)} PNG sizes, tidings.ico and tidings.icns to {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
