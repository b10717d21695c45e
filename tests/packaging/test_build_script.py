"""build_spec.py without building: icons, the prune rules, the spec on every platform, the
launcher, the .deb's metadata and the size table.

Fast (no PyInstaller run), so not marked ``packaging``.
"""

from __future__ import annotations

import importlib.util
import struct
import sys
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
sizes = build_spec.sizes


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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux system libraries")
@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("libdbus-1.so.3", False),  # the system's: every desktop with a D-Bus session has it
        ("libsystemd.so.0", False),
        ("libgcrypt.so.20", False),
        ("libgpg-error.so.0", False),
        ("liblz4.so.1", False),
        ("libzstd.so.1", True),  # Qt Core links it
        ("libsqlite3.so.0", True),  # the run history
        ("libX11.so.6", True),
    ],
)
def test_dbus_and_what_libsystemd_drags_in_come_from_the_system(dest: str, kept: bool) -> None:
    assert build_spec.keep_file(dest) is kept


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
    monkeypatch.setattr(build_spec.launcher, "refresh_caches", lambda data: None)
    assert build_spec.main(["--install-launcher"]) == 0
    desktop = tmp_path / "share" / "applications" / "concurrency-lab.desktop"
    text = desktop.read_text()
    # no %F: the app takes no files (a path would be read as an unknown COMMAND, exit 2)
    assert f'\nExec="{exe}"\n' in text and f"TryExec={exe}" in text
    assert "Terminal=false" in text and "Categories=Education;ComputerScience;" in text
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
        "Categories=Education;ComputerScience;",  # one main category: listed once in menus
        "StartupWMClass=",
    ):
        assert any(line.startswith(key) for line in text.splitlines()), key


def test_desktop_file_is_valid() -> None:
    validate = build_spec.shutil.which("desktop-file-validate")
    if validate is None:
        pytest.skip("desktop-file-validate not installed (Debian: desktop-file-utils)")
    result = build_spec.subprocess.run(
        [validate, str(ROOT / "resources" / "concurrency-lab.desktop")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and not result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),  # pulls GTK's stack in
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", True),
        (
            "PySide6/Qt/plugins/wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
            True,
        ),
        ("PySide6/Qt/plugins/wayland-graphics-integration-client/libvulkan-server.so", False),
        ("pyqtgraph/icons/peegee/peegee_128px.png", False),
        ("pyqtgraph/icons/auto.png", True),  # the plot's auto-range button
    ],
)
def test_prune_rules_for_plugins_and_data(dest: str, kept: bool) -> None:
    assert build_spec.keep_file(dest) is kept


def test_excluded_modules_spare_what_the_app_imports() -> None:
    excluded = set(build_spec.EXCLUDED_MODULES)
    for needed in (
        "PySide6.QtOpenGL",
        "PySide6.QtOpenGLWidgets",
        "PySide6.QtSvg",
        "numpy.fft",
        "numpy.linalg",
        "numpy.ma",
        "xml",
        "json",
        "csv",
        "pydoc",
        "hashlib",
    ):
        assert needed not in excluded
    assert {"ssl", "unittest", "PySide6.QtNetwork", "numpy.f2py"} <= excluded


def test_unreachable_libraries_follow_the_link_graph(tmp_path: Path) -> None:
    """A library stays while a root reaches it through DT_NEEDED, under any of its names."""
    prune = build_spec.prune
    b = tmp_path
    files = {
        name: b / name
        for name in (
            "app",
            "mod.cpython-311.so",
            "liba.so.1",
            "libb.so.2",
            "libc_real.so.3",
            "liborphan.so.1",
            "libdeep.so.4",
        )
    }
    graph = {
        files["app"]: [],
        files["mod.cpython-311.so"]: ["liba.so.1"],
        files["liba.so.1"]: ["libb.so.2", "libc.so.3"],
        files["libb.so.2"]: [],
        files["libc_real.so.3"]: [],
        files["liborphan.so.1"]: ["libdeep.so.4"],
        files["libdeep.so.4"]: [],
    }
    names = {path.name: [path] for path in graph}
    names["libc.so.3"] = [files["libc_real.so.3"]]  # a symlink name
    roots = {files["app"], files["mod.cpython-311.so"]}
    assert prune.unreachable_libraries(graph, names, roots) == sorted(
        [files["liborphan.so.1"], files["libdeep.so.4"]]
    )


@pytest.mark.parametrize(
    ("rel", "root"),
    [
        ("ConcurrencyLab", True),
        ("_internal/numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so", True),
        ("_internal/PySide6/QtCore.abi3.so", True),
        ("_internal/python3.11/lib-dynload/_ctypes.cpython-311-x86_64-linux-gnu.so", True),
        ("_internal/PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("_internal/libpython3.11.so.1.0", True),
        ("_internal/libX11.so.6", False),
        ("_internal/PySide6/Qt/lib/libQt6Core.so.6", False),
        ("_internal/numpy.libs/libscipy_openblas64_-32a4b2a6.so", False),
    ],
)
def test_what_counts_as_a_root_of_the_link_graph(tmp_path: Path, rel: str, root: bool) -> None:
    assert build_spec.prune.is_root(tmp_path / rel, tmp_path) is root


@pytest.mark.parametrize(
    ("item", "dropped"),
    [
        ("brkitr/word.brk", True),
        ("curr/de.res", True),
        ("ibm-943_P15A-2003.cnv", True),
        ("coll/zh.res", True),
        ("coll/root.res", False),
        ("coll/ucadata.icu", False),
        ("zone/de.res", True),
        ("zone/en.res", False),
        ("de.res", True),
        ("de_CH.res", True),
        ("yue_Hant.res", True),
        ("en_GB.res", False),
        ("root.res", False),
        ("zoneinfo64.res", False),
        ("supplementalData.res", False),
        ("cnvalias.icu", False),
        ("uts46.nrm", False),
    ],
)
def test_icu_data_filter(item: str, dropped: bool) -> None:
    assert build_spec.icu_data.is_dropped(item) is dropped


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libGL.so.1", "libgl1"),
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libm.so.6", "libc6"),
        ("ld-linux-x86-64.so.2", "libc6"),
    ],
)
def test_debian_package_names_by_policy(soname: str, package: str) -> None:
    assert build_spec.deb.package_by_convention(soname) == package


def test_deb_control_file() -> None:
    text = build_spec.deb.control("1.2.3", "amd64", 140000, ["libc6", "libgl1"])
    fields = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line[:30])
    assert fields["Package"] == "concurrency-lab" and fields["Version"] == "1.2.3"
    assert fields["Architecture"] == "amd64" and fields["Installed-Size"] == "140000"
    assert fields["Depends"] == "libc6, libgl1"
    # the long description: every continuation line starts with a space
    assert all(line.startswith(" ") for line in text.split("Description: ")[1].splitlines()[1:])


@pytest.mark.parametrize(
    ("rel", "category"),
    [
        ("PySide6/Qt/lib/libQt6Gui.so.6", "Qt Gui (library + binding)"),
        ("PySide6/QtGui.abi3.so", "Qt Gui (library + binding)"),
        ("PySide6/Qt/lib/libicudata.so.73", "ICU (Qt Core's Unicode and locale data)"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "Qt plugins"),
        ("numpy.libs/libscipy_openblas64_-32a4b2a6.so", "OpenBLAS (numpy.libs)"),
        ("libcrypto.so.3", "OpenSSL"),
        (
            "python3.11/lib-dynload/_ctypes.cpython-311-x86_64-linux-gnu.so",
            "Python extension modules (lib-dynload)",
        ),
        ("desktop_app/ui/app.py", "desktop_app"),
    ],
)
def test_size_table_categories(rel: str, category: str) -> None:
    assert build_spec.sizes.category(rel) == category


class _Recorder:
    """Stands in for PyInstaller's spec classes: records every call's arguments."""

    def __init__(self) -> None:
        self.calls: dict[str, dict] = {}

    def __getitem__(self, name: str):
        def make(*args, **kwargs):
            self.calls[name] = {"args": args, **kwargs}
            obj = type(name, (), {})()
            obj.scripts, obj.binaries, obj.datas, obj.pure = [], [], [], []
            if name == "Analysis":
                obj.scripts = [("pyi_rth_pyside6", "", "PYSOURCE"), ("pyi_rth_pkgutil", "", "P")]
                obj.binaries = [
                    ("PySide6/Qt/lib/libQt6Network.so.6", "x", "BINARY"),
                    ("PySide6/Qt/lib/libQt6Gui.so.6", "x", "BINARY"),
                ]
                obj.datas = [
                    ("desktop_app/__init__.py", str(ROOT / "desktop_app/__init__.py"), "DATA")
                ]
            return obj

        return make


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_spec_on_every_platform(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, platform: str
) -> None:
    """The spec PyInstaller runs: windowed everywhere, an .ico on Windows, a .app with its
    Info.plist and .icns on macOS, the same prune on all three."""
    pytest.importorskip("PyInstaller")
    monkeypatch.setattr(build_spec.sys, "platform", platform)
    monkeypatch.setattr(build_spec, "BUILD", tmp_path)
    g = _Recorder()
    build_spec.spec(g)
    analysis, exe = g.calls["Analysis"], g.calls["EXE"]
    assert analysis["excludes"] == build_spec.EXCLUDED_MODULES
    assert "PySide6.QtOpenGLWidgets" in analysis["hiddenimports"]
    assert exe["console"] is False and exe["name"] == "ConcurrencyLab"
    collected = [entry[0] for entry in g.calls["COLLECT"]["args"][1]]
    assert "PySide6/Qt/lib/libQt6Gui.so.6" in collected
    assert "PySide6/Qt/lib/libQt6Network.so.6" not in collected
    scripts = [entry[0] for entry in g.calls["EXE"]["args"][1]]
    assert scripts == ["pyi_rth_pkgutil"]  # PySide6's runtime hook dropped
    if platform == "win32":
        assert exe["icon"].endswith(".ico") and Path(exe["icon"]).read_bytes()[:4] == b"\0\0\1\0"
        assert "BUNDLE" not in g.calls
    elif platform == "darwin":
        bundle = g.calls["BUNDLE"]
        assert bundle["name"] == "ConcurrencyLab.app" and bundle["icon"].endswith(".icns")
        assert bundle["info_plist"]["CFBundleIdentifier"] == build_spec.BUNDLE_ID
        assert bundle["info_plist"]["NSHighResolutionCapable"] is True
    else:
        assert exe["icon"] is None and "BUNDLE" not in g.calls


def test_the_folder_budget_is_the_target_unless_numpy_brought_openblas(tmp_path: Path) -> None:
    lean = tmp_path / "lean" / "_internal"
    (lean / "numpy").mkdir(parents=True)
    assert sizes.bundle_budget(lean.parent) == (
        120_000_000,
        "numpy without BLAS: the issue 19 target",
    )
    pypi = tmp_path / "pypi" / "_internal" / "numpy.libs"
    pypi.mkdir(parents=True)
    (pypi / "libscipy_openblas64_-32a4b2a6.so").write_bytes(b"")
    budget, why = sizes.bundle_budget(pypi.parent.parent)
    assert budget == sizes.BUNDLE_BUDGET_WITH_OPENBLAS and "build_support/lean_numpy.py" in why


def test_lean_numpy_asks_meson_for_no_blas_and_one_simd_level_on_x86() -> None:
    from build_support import lean_numpy

    assert lean_numpy.setup_args("x86_64") == (
        "-Dallow-noblas=true",
        "-Dblas=None",
        "-Dlapack=None",
        "-Dcpu-dispatch=X86_V3",
    )
    assert lean_numpy.setup_args("aarch64") == (
        "-Dallow-noblas=true",
        "-Dblas=None",
        "-Dlapack=None",
    )
