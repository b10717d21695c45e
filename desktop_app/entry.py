"""The one entry point: the window when started without arguments, the CLI with them.

Kept thin on purpose: worker processes re-import the main module under spawn and forkserver, so
nothing here imports Qt, the engine or the scenarios before it knows what the user asked for.
"""

from __future__ import annotations

import multiprocessing
import re
import signal
import sys
from collections.abc import Callable, Sequence

from . import early_signals

PROG = "concurrency-lab"

# The shared libraries Qt loads that a minimal Debian/Ubuntu install may lack, by package.
_DEBIAN_PACKAGES = {
    "libGL.so": "libgl1",
    "libEGL.so": "libegl1",
    "libOpenGL.so": "libopengl0",
    "libglib-2.0.so": "libglib2.0-0",
    "libgthread-2.0.so": "libglib2.0-0",
    "libfontconfig.so": "libfontconfig1",
    "libfreetype.so": "libfreetype6",
    "libX11.so": "libx11-6",
    "libdbus-1.so": "libdbus-1-3",
    "libxkbcommon.so": "libxkbcommon0",
    "libxkbcommon-x11.so": "libxkbcommon-x11-0",
    "libxcb-cursor.so": "libxcb-cursor0",
}
_LIBRARY = re.compile(r"(lib[\w.+-]+?\.so)[\w.]*")
# Qt's own command-line options (QApplication, QGuiApplication): with one first, the window
# opens and Qt reads them (./start.sh -style fusion), instead of the CLI refusing them.
QT_OPTIONS = frozenset(
    "style stylesheet platform platformpluginpath platformtheme plugin qwindowgeometry "
    "geometry qwindowtitle title qwindowicon icon reverse session display widgetcount "
    "fontengine nograb dograb sync name visual qmljsdebugger".split()
)


def is_qt_option(arg: str) -> bool:
    """``-style``, ``-style=fusion``, ``--platform``: an option Qt, not the CLI, reads."""
    return arg.startswith("-") and arg.lstrip("-").partition("=")[0] in QT_OPTIONS


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app; returns the process exit code (see README.md, "Exit codes")."""
    # A frozen app re-runs itself in every worker process unless this comes first.
    multiprocessing.freeze_support()
    previous = early_signals.hold()
    try:
        code = _dispatch(list(sys.argv[1:] if argv is None else argv))
        pending = early_signals.pending_signal()
        return code if pending is None else 128 + pending
    finally:
        for signum, handler in previous.items():  # as they were (main may run in a test)
            signal.signal(signum, handler)


def _dispatch(args: list[str]) -> int:
    if not args or is_qt_option(args[0]):
        return _start_ui("run_gui", args)
    if args[0] == "--smoke-test":
        return _start_ui("smoke_test", args[1:])
    if args[0] == "--version":
        from . import __version__

        print(f"{PROG} {__version__}")
        return 0
    from . import cli

    return cli.main(args)


def _start_ui(name: str, argv: list[str]) -> int:
    """Import the Qt side only now, and turn a missing Qt or system library into one line."""
    try:
        from .ui import app
    except ImportError as exc:
        print(f"{PROG}: cannot start the window: {explain_import_error(exc)}", file=sys.stderr)
        return 1
    func: Callable[[list[str]], int] | None = getattr(app, name, None)
    if func is None:
        print(
            f"{PROG}: this build has no {name.replace('_', ' ')} (desktop_app.ui.app.{name} "
            "is missing)",
            file=sys.stderr,
        )
        return 1
    return int(func(argv) or 0)


def explain_import_error(exc: ImportError) -> str:
    """Name what is missing and how to get it, in one line."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    hint = "see README.md, section Troubleshooting"
    found = _LIBRARY.search(text)
    if found:
        package = _DEBIAN_PACKAGES.get(found.group(1))
        install = f"on Debian/Ubuntu: sudo apt-get install {package}; " if package else ""
        return f"Qt needs the system library {found.group(0)}, which is missing ({install}{hint})"
    missing = (getattr(exc, "name", None) or "").split(".")[0:3]
    if missing[:1] in (["PySide6"], ["shiboken6"], ["pyqtgraph"]):
        return f"the Python package {missing[0]} is not installed (pip install -e .; {hint})"
    if missing[:2] == ["desktop_app", "ui"]:
        return (
            f"this install has no window module (desktop_app.ui.app); the CLI works: {PROG} --help"
        )
    return f"{text} ({hint})"
