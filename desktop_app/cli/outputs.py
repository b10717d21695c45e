"""The CLI's output files and its standard output, written so that nothing is lost or garbled.

Files: one ``--KEY PATH`` option per registered run format (engine/outputs/formats.py), each
checked before the run spends any time, written atomically (temporary file in the same folder,
then a rename: a full disk leaves the old file as it was), missing folders created, and a name
without the format's extension given it, unless that would silently replace another file.

Standard output: a reader that goes away (``| head -3``), a closed stdout or ``/dev/full`` ends
the CLI with one line on stderr and a non-zero status, never a traceback, and never status 0
when the output was cut (``--json - | head -c 100``).
"""

from __future__ import annotations

import errno
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.outputs.formats import RunFormat, get_format, run_formats
from ..engine.outputs.writers import with_suffix

EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process killed by SIGPIPE
EXIT_FAILED = 1


class OutputPathError(ValueError):
    """An output path that cannot work: the message names the option and what to do."""


class StdoutFailed(Exception):
    """Standard output is closed, gone or full; ``status`` is the exit code to leave with."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Output:
    """One file (or ``-``, standard output) to write in one format."""

    key: str
    target: Path | None  # None: standard output

    @property
    def format(self) -> RunFormat:
        return get_format(self.key)


def add_output_options(parser: Any) -> None:
    """``--KEY PATH`` for every registered format."""
    for fmt in run_formats():
        parser.add_argument(f"--{fmt.key}", metavar="PATH", help=fmt.help)


def plan_outputs(args: Any) -> tuple[Output, ...]:
    """The outputs ``args`` asks for, every path checked now, before the run."""
    outputs = []
    for fmt in run_formats():
        given = getattr(args, fmt.key, None)
        if given is None:
            continue
        option = f"--{fmt.key}"
        if given == "-" and fmt.stdout:
            check_stdout()
            outputs.append(Output(fmt.key, None))
            continue
        if not Path(given).name or given.endswith(os.sep) or Path(given).is_dir():
            raise OutputPathError(f"{option} {given!r} is not a file path: give a file to write")
        target, added = with_suffix(Path(given), fmt.suffix)
        if added and target.exists():
            raise OutputPathError(
                f"{option} {given!r} would write {str(target)!r}, which exists: give that name "
                "to replace it, or another name"
            )
        for path in fmt.paths(target):
            check_writable(path, option)
        outputs.append(Output(fmt.key, target))
    return tuple(outputs)


def check_writable(path: Path, option: str) -> None:
    if str(path) in ("", "-") or path.is_dir():
        raise OutputPathError(f"{option} {str(path)!r} is not a file path: give a file to write")
    folder = path.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent  # missing folders are created when the file is written
    if not existing.is_dir():
        raise OutputPathError(f"{option} {str(path)!r}: {str(existing)!r} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        raise OutputPathError(f"{option} {str(path)!r} is not writable: choose a writable path")


def check_stdout() -> None:
    """Refuse ``-`` when there is no standard output to write to (``>&-``)."""
    stream = sys.stdout
    closed = StdoutFailed("standard output is closed: nowhere to write", EXIT_FAILED)
    if stream is None:  # Python starts with sys.stdout None when fd 1 is closed
        raise closed
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return  # an in-memory stream (a test's capture): writable
    try:
        os.fstat(fd)
    except OSError:
        raise closed from None


def write_outputs(report: Any, outputs: tuple[Output, ...]) -> None:
    """Write every file (OSError: one line to show), then standard output (StdoutFailed)."""
    for output in outputs:
        if output.target is not None:
            output.format.write(report, output.target)
    for output in outputs:
        if output.target is None:
            guarded_write(lambda stream, fmt=output.format: fmt.write_stream(report, stream))


def guarded_write(write: Any) -> None:
    """Run ``write(sys.stdout)`` and flush; a closed or broken stdout becomes StdoutFailed."""
    stream = sys.stdout
    try:
        if stream is None:
            raise OSError(errno.EBADF, "standard output is closed")
        write(stream)
        stream.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise StdoutFailed(
            "output cut short: the reader closed the pipe", EXIT_BROKEN_PIPE
        ) from None
    except (OSError, ValueError) as exc:
        _silence_stdout()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StdoutFailed(f"cannot write to standard output: {reason}", EXIT_FAILED) from None


def print_out(text: str) -> None:
    """``print`` to stdout, guarded as :func:`guarded_write`."""
    guarded_write(lambda stream: stream.write(text + "\n"))


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's own flush at exit cannot fail again
    (it would print "Exception ignored ... BrokenPipeError")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
