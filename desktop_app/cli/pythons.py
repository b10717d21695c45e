"""``concurrency-lab pythons`` and ``run --python``: the interpreters a run can use.

A run with ``--python`` starts a run host under that interpreter (engine/host/foreign.py); the
CLI's own process only relays. ``PATH_OR_VERSION`` is a path to an interpreter, or a version
found on the machine (``3.12``, ``3.13.0``, ``3.13t`` for a free-threaded build).
"""

from __future__ import annotations

import argparse
import os

from ..engine.pythons import PythonInfo, PythonNotFound, discover, resolve, this_python
from .outputs import print_out

HELP = (
    "run under another Python interpreter (3.11+): a path, or a version found on PATH, in "
    "pyenv or uv, such as 3.12 or 3.13t (see 'pythons')"
)


def add_options(run: argparse.ArgumentParser) -> None:
    run.add_argument("--python", metavar="PATH_OR_VERSION", help=HELP)


def add_parser(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("pythons", help="list the Python interpreters a run can use (--python)")


def chosen(spec: str | None) -> str | None:
    """The interpreter path ``--python`` names; None for this one. Raises ``PythonNotFound``
    (a usage error) when it names nothing usable."""
    if not spec:
        return None
    info = resolve(spec)
    here = this_python()
    if os.path.realpath(info.path) == os.path.realpath(here.path):
        return None  # this interpreter: no need for a host of its own
    return info.path


def cmd_pythons() -> int:
    """One line per interpreter found: version, build, where found, path."""
    found = discover()
    rows = [_row(info) for info in found]
    print_out("\n".join(rows))
    if not any(info.free_threaded for info in found):
        print_out(
            "no free-threaded (3.13t/3.14t) interpreter found: see docs/free-threading.md to "
            "build one, then give its path with --python or in CONCURRENCY_LAB_PYTHONS"
        )
    return 0


def _row(info: PythonInfo) -> str:
    version = ".".join(map(str, info.version))
    build = "free-threaded" if info.free_threaded else "GIL"
    return f"{info.short:<6} {version:<8} {build:<13} {info.source:<6} {info.path}"


__all__ = ["HELP", "PythonNotFound", "add_options", "add_parser", "chosen", "cmd_pythons"]
