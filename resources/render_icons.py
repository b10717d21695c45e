"""The app icon in every format: PNGs rendered from icon.svg, and .ico / .icns packed from them.

Usage: python resources/render_icons.py   (writes resources/icon-<size>.png, committed)

QtSvg renders the SVG, so the PNGs need nothing beyond PySide6-Essentials. The .ico and .icns
writers are plain Python: both formats may hold PNG data as is (ICO since Windows Vista, ICNS
since macOS 10.7), so PyInstaller's own conversion, which needs Pillow, is not used.
build_spec.py calls them only when building on Windows or macOS.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

SIZES = (16, 32, 48, 64, 128, 256, 512)
HERE = Path(__file__).resolve().parent


def render(svg: Path, size: int, out: Path) -> None:
    """Paint ``svg`` onto a transparent ``size`` x ``size`` image and save it as PNG."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot parse {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"cannot write {out}")


def png_sizes(folder: Path) -> dict[int, bytes]:
    """The committed PNGs of ``folder`` by size: {16: b"\\x89PNG...", ...}."""
    return {size: (folder / f"icon-{size}.png").read_bytes() for size in SIZES}


def write_ico(pngs: dict[int, bytes], out: Path) -> Path:
    """A Windows .ico holding the PNGs of 256 px and below (an ICO image is at most 256)."""
    sizes = [size for size in sorted(pngs) if size <= 256]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        data = pngs[size]
        # width/height 0 mean 256; 1 plane, 32 bits per pixel, then the PNG's length and offset
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        blobs += data
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(header + entries + blobs)
    return out


# ICNS element types that take PNG data, by pixel size (@2x variants share the same pixels).
_ICNS_TYPES = {
    16: [b"icp4"],
    32: [b"icp5", b"ic11"],
    64: [b"icp6", b"ic12"],
    128: [b"ic07"],
    256: [b"ic08", b"ic13"],
    512: [b"ic09", b"ic14"],
}


def write_icns(pngs: dict[int, bytes], out: Path) -> Path:
    """A macOS .icns: big-endian (type, length, PNG) elements after an 'icns' header."""
    body = b""
    for size, kinds in _ICNS_TYPES.items():
        for kind in kinds:
            if size in pngs:
                body += kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)
    return out


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = HERE / "icon.svg"
    for size in SIZES:
        out = HERE / f"icon-{size}.png"
        render(svg, size, out)
        print(f"{out.name}: {out.stat().st_size} bytes")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
