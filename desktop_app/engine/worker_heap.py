"""Keep a pool worker's freed heap mapped, so each chunk does not fault its memory in again.

A process worker allocates the same few buffers for every chunk: the results list, the task
marks, the pickled chunk and the pool's own pickle of it (about 0.5 MB for a 12,500-task chunk
of trivial tasks). glibc hands freed memory at the top of the heap back to the kernel as soon
as more than 128 KB is free there, so every chunk touched fresh pages again: about 115 page
faults a chunk, against none for a bare ``Pool.map`` whose results are small (measured with
``/proc/<pid>/stat``; docs/benchmarks.md, issue 14). ``M_TOP_PAD`` makes the heap keep that
much free memory at its top, and carve large requests from it instead of mapping each anew.

Who calls it: every process worker (its initializer), and the process that collects their
chunks when it builds a process pool: the run host or the CLI, processes of the engine's own
(the window's process never builds a pool). The setting lasts for the rest of the process.

Memory cost: at most ``TOP_PAD`` (a worker) or ``COLLECTOR_TOP_PAD`` (the collecting process)
of freed memory kept per malloc arena (the main one, and one per thread that allocates a lot:
a pool's result thread), and only pages once touched. A thread's arena lives in heaps of 64 MB
at most, so in the collecting process a thread arena's freed memory is in effect never given
back; the main arena's, beyond the pad, is.
Setting it also turns off glibc's sliding mmap threshold, so requests above 128 KB that the
heap's top cannot meet are mapped (and faulted in) each time: the top pad is what keeps them
in the heap. glibc only (``mallopt`` exists nowhere else as such); elsewhere this does
nothing, harmlessly. Standard library only.
"""

from __future__ import annotations

import os
import sys

# glibc's mallopt parameter number for M_TOP_PAD (malloc.h).
M_TOP_PAD = -2
# A worker's: enough for a million-task map's chunks (125,000 tasks: about 5 MB of buffers).
TOP_PAD = 16 * 1024 * 1024
# The collecting process's: a million-task map's span rows and results list (~47 MB) are
# allocated and freed whole every map. With 16 MB they were mapped afresh each time (26,000
# page faults a map against 5,000 with glibc's defaults, 30 ms of a 110 ms map); with this
# much they come from the heap's top like the 100,000-task map's do (~0 faults, from ~1,300).
COLLECTOR_TOP_PAD = 64 * 1024 * 1024


def glibc_version() -> str | None:
    """The C library's version when it is glibc ("2.36"), else ``None``."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        name = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):  # not a glibc system
        return None
    return name.split()[1] if name.startswith("glibc ") else None


def keep_heap_warm(pad: int = TOP_PAD) -> bool:
    """Ask glibc to keep ``pad`` bytes of freed memory at the heap's top; True if it agreed."""
    if glibc_version() is None:
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(ctypes.c_int(M_TOP_PAD), ctypes.c_int(pad)))
    except (OSError, AttributeError):  # a static or unusual build: the default is only slower
        return False
