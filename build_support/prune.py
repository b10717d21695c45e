"""What the bundle leaves out, and the post-collect prune that removes it.

PyInstaller's ``excludes`` keep a module out of the import graph, but not the Qt libraries,
plugins and system libraries its hooks already collected (pyinstaller #8672): those go by
:func:`keep_file` (a filter over the collected table of contents) and, once the folder exists,
by :func:`prune_unreachable_libraries`, which removes every shared library that nothing left in
the bundle links to. Which libraries those are is derived from the ELF ``DT_NEEDED`` graph of
the bundle itself, never listed by hand, so a module that moves or a new import changes it
without an edit here. ``tests/packaging/test_bundle_contents.py`` proves that nothing the app
imports went (an import scan of the app run from source, and of every import our modules name).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Qt bindings the app never imports. pyqtgraph imports QtOpenGL and QtOpenGLWidgets
# unconditionally (Qt/OpenGLHelpers.py), so those stay; QtTest and QtSvgWidgets it imports
# only if present.
_QT_BINDINGS = (
    "QtNetwork QtNetworkAuth QtQml QtQuick QtQuick3D QtQuickControls2 QtQuickWidgets "
    "QtQuickTest QtWebEngineCore QtWebEngineWidgets QtWebEngineQuick QtWebChannel "
    "QtWebSockets QtWebView Qt3DCore Qt3DRender Qt3DInput Qt3DLogic Qt3DExtras "
    "Qt3DAnimation QtMultimedia QtMultimediaWidgets QtSpatialAudio QtPdf QtPdfWidgets "
    "QtSql QtDesigner QtHelp QtUiTools QtXml QtConcurrent QtDBus "
    "QtPrintSupport QtTest QtCharts QtDataVisualization QtGraphs QtGraphsWidgets "
    "QtBluetooth QtNfc QtPositioning QtLocation QtSensors QtSerialPort QtSerialBus "
    "QtRemoteObjects QtScxml QtStateMachine QtTextToSpeech QtHttpServer QtSvgWidgets"
).split()
# Python modules PyInstaller's scan reaches through imports that never run in this app (test
# runners, debuggers, network and mail clients). None is loaded by the app run from source
# (the import scan in tests/packaging checks it), nor named by an import of ours.
_UNUSED_PYTHON = (
    # other toolkits and pyqtgraph's parts the app does not use
    "tkinter PyQt5 PyQt6 PySide2 pyqtgraph.opengl pyqtgraph.examples pyqtgraph.console "
    "pyqtgraph.dockarea pyqtgraph.flowchart pyqtgraph.canvas pyqtgraph.jupyter "
    # numpy: the Fortran wrapper generator, its test helpers, random numbers and polynomial
    # classes (pyqtgraph's plots use neither; its FFT mode uses numpy.fft, which stays)
    "numpy.f2py numpy.testing numpy.distutils numpy.random numpy.polynomial "
    # test runners, debuggers and interactive helpers of the standard library
    "unittest doctest pdb bdb pydoc_data readline rlcompleter tty getpass "
    # network, mail and TLS (the app never opens a socket to the network; OpenSSL alone is
    # 5.4 MB). asyncio stays: the asyncio executor kind runs on it.
    "ssl _ssl http email ftplib xmlrpc socketserver webbrowser netrc mailbox smtplib "
    "_pydecimal _hashlib urllib.request tarfile numpy._core._multiarray_tests "
    # the test and build tools a developer's environment (and CI's) has beside the app: pyqtgraph
    # tries `import scipy` and friends only if present, so a test extra in the same venv would
    # otherwise ship in the bundle (scipy alone is 85 MB)
    "scipy pytest _pytest pluggy pygments pkg_resources setuptools hypothesis jsonschema "
    "coverage mypy "
    # Unicode's database and the CJK codecs (2 MB): the app reads and writes UTF-8 only, and
    # Qt does its own text handling; none is loaded by the app (the import scan checks it)
    "unicodedata _multibytecodec _codecs_jp _codecs_hk _codecs_cn _codecs_kr _codecs_tw "
    "_codecs_iso2022 "
    # the dask executor kind's cluster library and what only it brings (about 20 MB of Python
    # and data, plus OpenSSL, which tornado and distributed.comm import at module level): the
    # packaged app lists the kind as unavailable (docs/packaging.md, "Dask is left out")
    "distributed dask tornado msgpack cloudpickle toolz tlz zict tblib partd locket fsspec "
    "sortedcontainers "
    # PyYAML (3 MB) came in with dask: only numpy.__config__.show() would import it, when
    # asked to print YAML
    "yaml _yaml"
).split()
EXCLUDED_MODULES = [f"PySide6.{name}" for name in _QT_BINDINGS] + list(_UNUSED_PYTHON)

# Modules the app loads from source but the bundle leaves out on purpose, each with what takes
# over. The import scan allows exactly these.
INTENDED_FALLBACKS = {
    "PySide6.QtTest": "pyqtgraph imports it only if present, for its own test helpers",
    "_hashlib": "hashlib and hmac use the interpreter's own _md5/_sha2/_blake2 modules "
    "(OpenSSL's libcrypto is 4.7 MB; the app hashes only multiprocessing's 32-byte handshakes)",
    "ssl": "asyncio imports it only if present (for TLS streams); the asyncio executor opens "
    "no connection, and OpenSSL is 5.4 MB",
    "_ssl": "as ssl",
    "distributed": "the dask executor kind lists itself as unavailable in the bundle (its "
    "cluster library would add ~11 MB to an archive at its 50 MB budget; docs/packaging.md)",
    "distributed.diagnostics.plugin": "as distributed",
    "distributed.core": "as distributed",
    "dask": "as distributed",
    "yaml": "as distributed (Dask reads its configuration with it); numpy imports it only to "
    "print its build configuration as YAML",
    "desktop_app.engine.executors._dask_worker": "runs only on Dask workers; imports distributed",
}

# Qt plugin folders worth shipping, and inside some of them the only files the app needs.
_PLUGIN_DIRS = {
    "platforms": ("qxcb", "qoffscreen", "qwayland", "qwindows", "qcocoa"),
    "imageformats": ("qsvg", "qico"),
    "iconengines": ("qsvgicon",),
    # native file dialogs and colours through the xdg portal (Flatpak/Snap-style, DBus only);
    # the GTK 3 theme plugin is left out: it drags in cairo, pango, gdk-pixbuf, gio and their
    # libraries (8 MB) yet loads only where GTK 3 itself is installed
    "platformthemes": ("xdgdesktopportal",),
    "platforminputcontexts": ("compose", "ibus"),
    "styles": (),  # the native look on Windows and macOS
    "xcbglintegrations": (),
    "wayland-decoration-client": (),
    "wayland-shell-integration": ("xdg-shell",),
    # OpenGL on Wayland; the *-server ones serve Qt compositors' buffer sharing only
    "wayland-graphics-integration-client": ("wayland-egl",),
}
# Qt libraries needed only by what is dropped above (ldd-checked after every Linux build).
_DROPPED_LIBS = re.compile(
    r"Qt6(Network|Qml|Quick|Pdf|Sql|Designer|Help|UiTools|Labs|Lottie|EglFS|EglFsKms|"
    r"WaylandCompositor|WaylandEgl|WlShell|VirtualKeyboard|Multimedia|WebEngine|3D|Test|"
    r"PrintSupport|Concurrent|Xml|SvgWidgets)"
)
# D-Bus's client library and what it drags in through libsystemd (libgcrypt, lz4, gpg-error:
# 2.8 MB, 1.2 MB packed). Qt's D-Bus module links it; every Linux desktop that runs a D-Bus
# session has it (Debian: libdbus-1-3, libsystemd0, both installed with any desktop), so the
# system's copy is used, as AppImage's exclude list assumes; the .deb depends on it.
_SYSTEM_PROVIDED = re.compile(r"^lib(dbus-1|systemd|gcrypt|gpg-error|lz4)\.so")
# pyqtgraph's own logo, which only pg.mkQApp() puts on a window (the app sets its icon itself)
_DROPPED_DATA = re.compile(r"pyqtgraph[/\\]icons[/\\]peegee")


def keep_file(dest: str, trim: bool = True) -> bool:
    """Whether a file PyInstaller collected goes into the bundle (``dest`` is its bundle path)."""
    if not trim:
        return True
    if _DROPPED_DATA.search(dest):
        return False
    parts = Path(dest.replace("\\", "/")).parts
    if "PySide6" not in parts:
        return not (sys.platform.startswith("linux") and _SYSTEM_PROVIDED.match(parts[-1]))
    name = parts[-1]
    if "translations" in parts:
        return False  # the app installs no QTranslator: Qt loads none of these
    if "plugins" in parts:
        folder = parts[parts.index("plugins") + 1] if parts[-2] != "plugins" else ""
        if folder not in _PLUGIN_DIRS:
            return False
        wanted = _PLUGIN_DIRS[folder]
        return not wanted or any(key in name for key in wanted)
    if "qml" in parts:
        return False
    return not _DROPPED_LIBS.search(name)


def _is_elf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def _needed(path: Path) -> list[str]:
    """The sonames an ELF file links to (``readelf -d``)."""
    out = subprocess.run(
        ["readelf", "-d", "-W", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def is_root(path: Path, bundle: Path) -> bool:
    """Whether an ELF file is loaded for its own sake rather than as a dependency.

    Roots: the executable, Python extension modules (``.cpython-*``/``.abi3`` or in
    ``lib-dynload``), Qt plugins (Qt dlopens them), the interpreter library, and PySide6's and
    shiboken's support libraries (the bindings link to them by a path PyInstaller keeps).
    """
    rel = path.relative_to(bundle).as_posix()
    name = path.name
    return (
        path.parent == bundle
        or ".cpython-" in name
        or ".abi3." in name
        or "/lib-dynload/" in rel
        or "/plugins/" in rel
        or name.startswith("libpython")
    )


def link_graph(bundle: Path) -> tuple[dict[Path, list[str]], dict[str, list[Path]]]:
    """Every regular ELF file of the bundle with the sonames it needs, and every name
    (file name or symlink name) under which a bundled library can be found."""
    graph: dict[Path, list[str]] = {}
    names: dict[str, list[Path]] = {}
    for path in sorted(bundle.rglob("*")):
        if path.is_symlink():
            target = path.resolve()
            if target.is_file():
                names.setdefault(path.name, []).append(target)
            continue
        if path.is_file() and (".so" in path.name or path.parent == bundle) and _is_elf(path):
            graph[path] = _needed(path)
            names.setdefault(path.name, []).append(path)
    return graph, names


def unreachable_libraries(
    graph: dict[Path, list[str]], names: dict[str, list[Path]], roots: set[Path]
) -> list[Path]:
    """Libraries of ``graph`` that no root reaches through ``DT_NEEDED``."""
    reached: set[Path] = set()
    todo = [path for path in graph if path in roots]
    while todo:
        path = todo.pop()
        if path in reached:
            continue
        reached.add(path)
        for soname in graph.get(path, []):
            todo.extend(names.get(soname, []))
    return sorted(path for path in graph if path not in reached)


def prune_unreachable_libraries(bundle: Path) -> list[Path]:
    """Delete shared libraries nothing in the bundle links to, and symlinks left dangling.

    These are what PyInstaller collected for files :func:`keep_file` dropped (the GTK theme
    plugin's cairo and pango, QtNetwork's Kerberos, the excluded ``_ssl``'s OpenSSL). Linux
    only: Windows and macOS bundles are not pruned this way.
    """
    graph, names = link_graph(bundle)
    roots = {path for path in graph if is_root(path, bundle)}
    removed = unreachable_libraries(graph, names, roots)
    for path in removed:
        path.unlink()
    for path in bundle.rglob("*"):
        if path.is_symlink() and not path.exists():
            path.unlink()
            removed.append(path)
    return removed


def check_links(bundle: Path) -> list[str]:
    """Qt libraries that a bundled library needs but the bundle lacks (Linux; ldd).

    Trimming drops libraries by name; this proves nothing still needed was dropped.
    """
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return []
    internal = bundle / "_internal"
    env = dict(os.environ, LD_LIBRARY_PATH=f"{internal}:{internal / 'PySide6' / 'Qt' / 'lib'}")
    missing = set()
    for lib in internal.rglob("*.so*"):
        if lib.is_symlink() or not lib.is_file():
            continue
        out = subprocess.run(["ldd", str(lib)], capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            if "not found" in line and re.search(r"Qt6|icu|pyside|shiboken", line):
                missing.add(f"{lib.relative_to(bundle)}: {line.split()[0]}")
    return sorted(missing)
