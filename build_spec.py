"""Build the double-clickable Concurrency Lab: a one-folder PyInstaller bundle, packed to ship.

Usage::

    python build_spec.py                       # dist/ConcurrencyLab/ + dist/ConcurrencyLab-<v>-<os>-<arch>.tar.gz
    python build_spec.py --deb                 # the same, plus dist/concurrency-lab_<v>_<arch>.deb
    python build_spec.py --no-trim             # keep every Qt module/plugin found (to measure trimming)
    python build_spec.py --install-launcher    # .desktop launcher + icons for this user (Linux)
    python build_spec.py --uninstall-launcher  # remove them again

This file is the PyInstaller spec too: the generated ``build/ConcurrencyLab.spec`` only imports
it and calls :func:`spec`, so every build decision lives here and in ``build_support/`` (what is
pruned, the size table, the .deb, the launcher) as plain, testable Python. Linux is built and
tested here; the Windows (.exe, .ico) and macOS (.app, .icns) branches are built by
``.github/workflows/release.yml`` and their spec is unit-tested here.
"""

from __future__ import annotations

import argparse
import ast
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RESOURCES = ROOT / "resources"
sys.path[:0] = [str(ROOT), str(RESOURCES)]
import render_icons as icons  # noqa: E402  (resources/render_icons.py: PNG, .ico, .icns)

from build_support import deb, icu_data, launcher, prune, sizes  # noqa: E402
from build_support.prune import EXCLUDED_MODULES, keep_file  # noqa: E402 (re-exported)

APP = "ConcurrencyLab"
APP_ID = "concurrency-lab"
BUNDLE_ID = "org.concurrencylab.ConcurrencyLab"
DIST = ROOT / "dist"
BUILD = ROOT / "build"
# Modules as .pyc files on disk rather than in the zlib-compressed PYZ: measured with the smoke
# test's window_shown_s (5 alternating launches, 2 cores), the archive made the frozen app about
# 9 % slower to show its window than `python -m desktop_app`; on disk it was no slower.
# Costs about 9.5 MB of bundle, nothing in the tar.gz.
NOARCHIVE = True

# Runtime hooks run in every frozen process, the multiprocessing helpers and workers included,
# before our first line. Measured with tests/benchmarks/frozen_profile.py they took 0.13 s of the
# frozen app's 0.15 s `--version`; these are the ones the app does without:
DROPPED_RUNTIME_HOOKS = {
    # imported PySide6.QtCore (0.08 s) in every process, the CLI's and the multiprocessing
    # helpers' too, only to register a qt.conf that the PySide6 wheel's QtCore registers
    # itself (same Qt prefix); its environment settings are kept by QT_RUNTIME_HOOK below
    "pyi_rth_pyside6",
    # imported inspect and zipfile (0.03 s) to let inspect find sources of modules compiled
    # without their .py; ours ship their .py and load from it, which inspect reads unaided
    "pyi_rth_inspect",
    # serves pyqtgraph.multiprocess's subprocess, which the app never starts
    "pyi_rth_pyqtgraph_multiprocess",
}
# What pyi_rth_pyside6 did, less the QtCore import and the search paths it adds on Windows and
# macOS for QtNetwork's OpenSSL (QtNetwork is excluded): where Qt finds plugins (and QML).
QT_RUNTIME_HOOK = """\
import os
import sys

_qt = os.path.join(sys._MEIPASS, "PySide6", *(() if sys.platform == "win32" else ("Qt",)))
os.environ["QT_PLUGIN_PATH"] = os.path.join(_qt, "plugins")
os.environ["QML2_IMPORT_PATH"] = os.path.join(_qt, "qml")
del _qt
"""


def version() -> str:
    """The app's version, read from the package without importing it."""
    text = (ROOT / "desktop_app" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"^__version__\s*=\s*[\"']([^\"']+)[\"']", text, re.M)
    if not match:
        raise SystemExit("desktop_app/__init__.py has no __version__")
    return match.group(1)


def platform_tag() -> str:
    """``linux-x86_64``, ``windows-amd64``, ``macos-arm64``: the archive name's suffix."""
    system = {"linux": "linux", "win32": "windows", "darwin": "macos"}.get(
        sys.platform, sys.platform
    )
    return f"{system}-{platform.machine().lower() or 'unknown'}"


def entry_script() -> Path:
    """The script PyInstaller freezes: ``desktop_app/__main__.py`` itself when it can run as a
    top-level script (absolute imports only), else a two-line launcher that runs it as a module.
    """
    main = ROOT / "desktop_app" / "__main__.py"
    tree = ast.parse(main.read_text(encoding="utf-8"))
    relative = any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))
    if not relative:
        return main
    launcher = BUILD / "launcher" / "concurrency_lab.py"
    launcher.parent.mkdir(parents=True, exist_ok=True)
    # freeze_support() first: a frozen worker must never get as far as the app
    # (docs/architecture.md).
    launcher.write_text(
        "import multiprocessing\nimport runpy\n\n"
        'if __name__ == "__main__":\n'
        "    multiprocessing.freeze_support()\n"
        '    runpy.run_module("desktop_app", run_name="__main__", alter_sys=True)\n',
        encoding="utf-8",
    )
    return launcher


def qt_runtime_hook() -> Path:
    """The runtime hook that replaces PyInstaller's PySide6 one (see DROPPED_RUNTIME_HOOKS)."""
    path = BUILD / "rthooks" / "pyi_rth_concurrency_lab_qt.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(QT_RUNTIME_HOOK, encoding="utf-8")
    return path


def bytecode_cache(datas: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """``__pycache__`` entries for our own modules, which the bundle ships as ``.py`` data files.

    The code viewer needs the ``.py`` (inspect.getsource), and with a ``.py`` present Python
    loads the source, never a bare ``.pyc`` beside it; a frozen app writes no bytecode, so every
    launch compiled every module again (0.05 s before the window, frozen_profile.py). Unchecked
    hash-based files are used without looking at the source's time stamp, which an unpacked
    archive or a copy may change.
    """
    import importlib.util
    import py_compile

    entries = []
    for dest, source, _ in datas:
        if not (dest.startswith(("desktop_app/", "desktop_app\\")) and dest.endswith(".py")):
            continue
        cached = importlib.util.cache_from_source(dest)
        target = BUILD / "pycache" / cached
        py_compile.compile(
            source,
            cfile=str(target),
            dfile=dest,
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        entries.append((cached, str(target), "DATA"))
    if not entries:
        raise SystemExit("build_spec.py: no desktop_app/*.py among the collected files")
    return entries


def platform_icon() -> str | None:
    """The icon file the executable gets: .ico on Windows, .icns on macOS, none on Linux
    (Linux takes its icon from the .desktop launcher and the window itself).
    """
    pngs = icons.png_sizes(RESOURCES)
    if sys.platform == "win32":
        return str(icons.write_ico(pngs, BUILD / f"{APP}.ico"))
    if sys.platform == "darwin":
        return str(icons.write_icns(pngs, BUILD / f"{APP}.icns"))
    return None


def info_plist() -> dict:
    """Info.plist keys of the macOS .app."""
    return {
        "CFBundleName": APP,
        "CFBundleDisplayName": "Concurrency Lab",
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": version(),
        "CFBundleVersion": version(),
        "LSApplicationCategoryType": "public.app-category.education",
        "LSMinimumSystemVersion": "11.0",
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,
    }


def spec(g: dict, trim: bool = True) -> None:
    """The spec proper, run by PyInstaller with its spec globals ``g`` (Analysis, EXE, ...)."""
    from PyInstaller.utils.hooks import collect_submodules

    # Scenarios are imported by name at run time, and pyqtgraph imports the OpenGL bindings by
    # computed names (Qt/OpenGLHelpers.py): neither is visible to PyInstaller's import scan.
    # PySide6 loads support.deprecated from C when a binding is imported (found by the import
    # scan in tests/packaging/test_bundle_contents.py).
    hidden = collect_submodules("desktop_app") + [
        "PySide6.QtOpenGL",
        "PySide6.QtOpenGLWidgets",
        "PySide6.support.deprecated",
    ]
    datas = [
        (str(p), "resources")
        for p in sorted(RESOURCES.iterdir())
        if p.is_file() and p.suffix in (".svg", ".png", ".desktop")
    ]
    a = g["Analysis"](
        [str(entry_script())],
        pathex=[str(ROOT)],
        datas=datas,
        hiddenimports=hidden,
        excludes=EXCLUDED_MODULES if trim else ["tkinter"],
        # .py files (the code viewer shows a scenario's source via inspect.getsource()), with
        # their bytecode in __pycache__ (bytecode_cache)
        module_collection_mode={"desktop_app": "py"},
        noarchive=NOARCHIVE,
        runtime_hooks=[str(qt_runtime_hook())],
    )
    a.scripts = [entry for entry in a.scripts if entry[0] not in DROPPED_RUNTIME_HOOKS]
    a.binaries = [entry for entry in a.binaries if keep_file(entry[0], trim)]
    a.datas = [entry for entry in a.datas if keep_file(entry[0], trim)]
    a.datas += bytecode_cache(a.datas)
    pyz = g["PYZ"](a.pure)
    windows_or_mac = sys.platform in ("win32", "darwin")
    exe = g["EXE"](
        pyz,
        a.scripts,
        [],
        exclude_binaries=True,
        name=APP,
        debug=False,
        strip=False,
        upx=False,
        console=False,  # windowed: no console window on Windows, a .app on macOS
        disable_windowed_traceback=False,
        argv_emulation=False,
        icon=platform_icon() if windows_or_mac else None,
    )
    coll = g["COLLECT"](exe, a.binaries, a.datas, strip=False, upx=False, name=APP)
    if sys.platform == "darwin":
        g["BUNDLE"](
            coll,
            name=f"{APP}.app",
            icon=platform_icon(),
            bundle_identifier=BUNDLE_ID,
            info_plist=info_plist(),
        )


def run_pyinstaller(trim: bool) -> None:
    """Write the spec that defers to :func:`spec` and run PyInstaller on it in this process."""
    import PyInstaller.__main__

    BUILD.mkdir(exist_ok=True)
    spec_file = BUILD / f"{APP}.spec"
    spec_file.write_text(
        "# Generated by build_spec.py: edit build_spec.py, not this file.\n"
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        f"import build_spec\nbuild_spec.spec(globals(), trim={trim!r})\n",
        encoding="utf-8",
    )
    PyInstaller.__main__.run(
        [
            str(spec_file),
            "--noconfirm",
            "--clean",
            "--log-level=WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(BUILD / "pyinstaller"),
        ]
    )


# Libraries whose symbol tables and debug sections go (``strip --strip-unneeded`` keeps the
# dynamic symbols they are linked by): the interpreter's, which ship with debug info (25 MB),
# and ICU's symbol tables (1.4 MB). Only those: PyInstaller's ``strip=True`` strips everything,
# and a stripped wheel library that auditwheel had patched (numpy.libs' OpenBLAS) then fails to
# load ("ELF load command address/offset not page-aligned").
STRIPPED = ("libpython3*.so*", "python3*/lib-dynload/*.so", "PySide6/Qt/lib/libicu[iu]*.so.*")


def strip_debug_info(bundle: Path) -> None:
    """Strip the libraries named by :data:`STRIPPED` (Linux)."""
    if not sys.platform.startswith("linux") or shutil.which("strip") is None:
        return
    internal = bundle / "_internal"
    for pattern in STRIPPED:
        for lib in internal.glob(pattern):
            if lib.is_file() and not lib.is_symlink():
                subprocess.run(["strip", "--strip-unneeded", str(lib)], check=True)


def finish_bundle(folder: Path, trim: bool = True) -> None:
    """What the build does to PyInstaller's output folder before checking and packing it:
    strip the interpreter's debug sections, trim ICU's data to what Qt asks for, and delete
    the libraries nothing left in the bundle links to (Linux; each step says why)."""
    if not trim or not sys.platform.startswith("linux"):
        return
    strip_debug_info(folder)
    data_library = icu_data.find_data_library(folder)
    if data_library is not None:
        missing = icu_data.tools_missing()
        if missing:
            raise SystemExit(
                f"build_spec.py: {', '.join(missing)} not found; ICU's data is trimmed with "
                "icupkg (Debian: icu-devtools) and binutils"
            )
        before, after = icu_data.trim(data_library)
        print(f"icu_data_mb={before / 1e6:.1f}->{after / 1e6:.1f}")
    removed = prune.prune_unreachable_libraries(folder)
    print(f"pruned_libraries={len(removed)}")


def tree_size(path: Path) -> int:
    """Bytes of the files under ``path`` (symlinks not followed)."""
    return sizes.apparent_size(path)


def pack(bundle: Path) -> Path:
    """Archive the bundle for shipping: .zip on Windows, .tar.gz elsewhere (symlinks kept)."""
    stem = DIST / f"{APP}-{version()}-{platform_tag()}"
    if sys.platform == "win32":
        archive = stem.with_suffix(".zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(bundle.rglob("*")):
                zf.write(path, Path(APP) / path.relative_to(bundle))
        return archive
    archive = Path(f"{stem}.tar.gz")
    # level 9: 0.35 MB smaller than 6 (49.67 against 50.03 MB), for ~11 s more of one core
    with tarfile.open(archive, "w:gz", compresslevel=9) as tf:
        tf.add(bundle, arcname=bundle.name)
    return archive


def build(trim: bool = True, make_deb: bool = False) -> int:
    """Build, check and pack the bundle (and the .deb); print the build time and sizes."""
    started = time.perf_counter()
    run_pyinstaller(trim)
    bundle = DIST / (f"{APP}.app" if sys.platform == "darwin" else APP)
    finish_bundle(DIST / APP, trim)
    missing = prune.check_links(DIST / APP)
    if missing:
        print("bundle lacks Qt libraries it links to:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    archive = pack(bundle)
    print("\n".join(sizes.table(sizes.breakdown(bundle))))
    if make_deb:
        if not sys.platform.startswith("linux"):
            print("--deb builds a Debian package: run it on Linux", file=sys.stderr)
            return 1
        package = deb.build_deb(DIST / APP, version(), RESOURCES, icons.SIZES, BUILD / "deb", DIST)
        print(f"deb={package} deb_mb={package.stat().st_size / 1e6:.1f}")
    elapsed = time.perf_counter() - started
    print(f"build_time_s={elapsed:.1f}")
    du = sizes.disk_usage(bundle)
    print(
        f"bundle={bundle} bundle_mb={tree_size(bundle) / 1e6:.1f}"
        + (f" bundle_du_mib={du / 2**20:.1f}" if du else "")
    )
    print(f"archive={archive} archive_mb={archive.stat().st_size / 1e6:.1f}")
    return 0


def install_launcher() -> int:
    """Install the .desktop launcher and icons for this user, Exec pointing at the bundle."""
    return launcher.install(DIST / APP / APP, RESOURCES, icons.SIZES)


def uninstall_launcher() -> int:
    """Remove the launcher and icons :func:`install_launcher` wrote."""
    return launcher.uninstall(icons.SIZES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--install-launcher",
        action="store_true",
        help="install the .desktop launcher and icons for the current user",
    )
    group.add_argument(
        "--uninstall-launcher",
        action="store_true",
        help="remove the launcher and icons installed by --install-launcher",
    )
    group.add_argument(
        "--no-trim",
        action="store_true",
        help="keep every Qt module, plugin and translation (to measure trimming)",
    )
    parser.add_argument(
        "--deb",
        action="store_true",
        help="also build dist/concurrency-lab_<version>_<arch>.deb (Linux, needs dpkg-deb)",
    )
    args = parser.parse_args(argv)
    if args.install_launcher:
        return install_launcher()
    if args.uninstall_launcher:
        return uninstall_launcher()
    return build(trim=not args.no_trim, make_deb=args.deb)


if __name__ == "__main__":
    raise SystemExit(main())
