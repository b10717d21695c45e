"""Is there a display the window can open on? Asked before Qt is, in plain Python.

Without one, Qt's xcb plugin calls qFatal: the process aborts with a core dump after a message
about xcb-cursor that sends people installing packages they already have. One line naming the
real problem (and the way out) is the fix; it never guesses for platforms it does not know
(offscreen, vnc, eglfs… pass), nor for Windows and macOS.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping, Sequence

CONNECT_TIMEOUT_S = 1.0
HINT = (
    "start it in a desktop session, or in a virtual one with 'xvfb-run ./start.sh'; "
    "the command line works anywhere: ./start.sh --help"
)


def _platform(argv: Sequence[str], env: Mapping[str, str]) -> str:
    """The Qt platform asked for (``-platform NAME`` wins over QT_QPA_PLATFORM); '' = default."""
    args = list(argv)
    for index, arg in enumerate(args):
        name, _, value = arg.lstrip("-").partition("=")
        if name == "platform":
            return value or (args[index + 1] if index + 1 < len(args) else "")
    return env.get("QT_QPA_PLATFORM", "")


def _x_reachable(display: str) -> bool:
    """Whether an X server answers at ``display`` (":0", "unix:1", "host:10.0")."""
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return True  # a form we do not know: let Qt judge
    if host in ("", "unix") or host.startswith("/"):
        path = f"/tmp/.X11-unix/X{number}"
        for address in ("\0" + path, path):  # Linux's abstract socket, then the file
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(CONNECT_TIMEOUT_S)
                try:
                    sock.connect(address)
                    return True
                except OSError:
                    continue
        return False
    try:
        with socket.create_connection((host, 6000 + int(number)), CONNECT_TIMEOUT_S):
            return True
    except OSError:
        return False


def display_problem(argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """Why the window cannot open, in one line ('' when it can, or we cannot tell)."""
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux"):
        return ""
    platform = _platform(argv, env).split(":")[0]
    if platform not in ("", "xcb", "wayland"):
        return ""  # offscreen, vnc, eglfs, minimal…: they need no display server
    display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if platform == "wayland" and not wayland:
        return f"no Wayland display (WAYLAND_DISPLAY is unset): {HINT}"
    if platform == "" and wayland:
        return ""
    if not display:
        return f"no display found (DISPLAY is unset): {HINT}"
    if not _x_reachable(display):
        return f"cannot reach the X display {display!r} (is its server running?): {HINT}"
    return ""
