"""build_spec.py without building: icons in every format, the Qt trimming rule, the launcher.

Fast (no PyInstaller run), so not marked ``packaging``.
"""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_build_spec():
    spec = importlib.util.spec_from_file_location("build_spec", ROOT / "build_spec.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_spec = _load_build_spec()
icons = build_spec.icons


def test_committed_pngs_match_their_sizes(qapp) -> None:
    from PySide6.QtGui import QImage

    for size in icons.SIZES:
        image = QImage(str(ROOT / "resources" / f"icon-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()


@pytest.mark.parametrize("kind", ["ico", "icns"])
def test_ico_and_icns_are_readable_by_qt(qapp, tmp_path: Path, kind: str) -> None:
    """The pure-Python writers (no Pillow) produce files Qt's own readers decode."""
    from PySide6.QtGui import QImageReader

    pngs = icons.png_sizes(ROOT / "resources")
    write = icons.write_ico if kind == "ico" else icons.write_icns
    path = write(pngs, tmp_path / f"app.{kind}")
    reader = QImageReader(str(path))
    assert reader.canRead(), reader.errorString()
    sizes = set()
    for index in range(reader.imageCount()):
        reader.jumpToImage(index)
        image = reader.read()
        assert not image.isNull(), reader.errorString()
        sizes.add(image.width())
    # ICO holds sizes up to 256; ICNS has no PNG slot for 48 px
    expected = {s for s in icons.SIZES if (s <= 256 if kind == "ico" else s != 48)}
    assert sizes == expected


def test_icns_header_length_is_the_file_length(tmp_path: Path) -> None:
    path = icons.write_icns(icons.png_sizes(ROOT / "resources"), tmp_path / "a.icns")
    data = path.read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6/Qt/lib/libQt6Svg.so.6", True),
        ("PySide6/Qt/lib/libQt6OpenGL.so.6", True),  # pyqtgraph imports QtOpenGL
        ("PySide6/Qt/lib/libQt6Network.so.6", False),
        ("PySide6/Qt/lib/libQt6Qml.so.6", False),
        ("PySide6/Qt/lib/libQt6QuickControls2.so.6", False),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/qwindows.dll", True),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
        ("PySide6/Qt/plugins/styles/qmodernwindowsstyle.dll", True),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("numpy/_core/_multiarray_umath.so", True),
        ("resources/icon.svg", True),
    ],
)
def test_trimming_keeps_what_the_app_needs(dest: str, kept: bool) -> None:
    assert build_spec.keep_file(dest) is kept
    assert build_spec.keep_file(dest, trim=False) is True


def test_version_and_archive_name() -> None:
    import desktop_app

    assert build_spec.version() == desktop_app.__version__
    assert build_spec.platform_tag().count("-") == 1


def test_install_and_uninstall_launcher(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if not build_spec.sys.platform.startswith("linux"):
        pytest.skip("the .desktop launcher is for Linux desktops")
    dist = tmp_path / "dist"
    exe = dist / "ConcurrencyLab" / "ConcurrencyLab"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setattr(build_spec, "DIST", dist)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setattr(build_spec, "_refresh_caches", lambda: None)
    assert build_spec.main(["--install-launcher"]) == 0
    desktop = tmp_path / "share" / "applications" / "concurrency-lab.desktop"
    text = desktop.read_text()
    assert f'Exec="{exe}" %F' in text and f"TryExec={exe}" in text
    assert "Terminal=false" in text and "Categories=Education;Development;" in text
    for size in icons.SIZES:
        png = tmp_path / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        assert (png / "concurrency-lab.png").read_bytes()[:4] == b"\x89PNG"
    assert build_spec.main(["--uninstall-launcher"]) == 0
    assert not any(p.is_file() for p in (tmp_path / "share").rglob("*"))


def test_install_launcher_without_a_bundle_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not build_spec.sys.platform.startswith("linux"):
        pytest.skip("the .desktop launcher is for Linux desktops")
    monkeypatch.setattr(build_spec, "DIST", tmp_path / "nothing")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert build_spec.main(["--install-launcher"]) == 1
    assert "run `python build_spec.py` first" in capsys.readouterr().err
    assert not (tmp_path / "share").exists()


def test_desktop_file_has_the_required_keys() -> None:
    text = (ROOT / "resources" / "concurrency-lab.desktop").read_text()
    for key in (
        "Name=",
        "Comment=",
        "Exec=",
        "Icon=concurrency-lab",
        "Terminal=false",
        "Categories=Education;Development;",
        "StartupWMClass=",
    ):
        assert any(line.startswith(key) for line in text.splitlines()), key
