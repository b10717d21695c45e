"""File ▸ New experiment…: a commented template that runs as written.

A test runs it unchanged on threads and processes, so the template the user starts from is
always one that works.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..engine.outputs.writers import write_atomically

TEMPLATE_NAME = "my_experiment.py"

TEMPLATE = '''\
"""Sum of squares: is a pure-Python loop faster on threads or on processes?

This docstring is the summary the lab shows. Edit the file and save it: the lab notices
and offers to run it again.
"""

# The lab imports this file by its path, in its run host and again in every worker process,
# so keep the work inside functions: code at the top level runs in every one of them.

# Optional: what the tasks are bound by, which sets the ideal speedup the lab compares with:
# "cpu" (they compute: p workers at most as fast as the cores allow) or "io" (they wait:
# p workers up to p times as fast). Left out, the lab measures it in the serial run.
# BOUND = "cpu"


def setup():
    """Optional: runs once in each process before its first task (threads share it).

    Build here what every task reads: a lookup table, a loaded model, a connection.
    """


def task(x):
    """The function measured: called once per input, its result compared with serial's."""
    total = 0
    for i in range(x):
        total += i * i
    return total


def inputs():
    """What task is called on: any iterable (or define INPUTS = [...] instead).

    Inputs and results must pickle (numbers, strings, tuples, lists, dicts, dataclasses of
    this file) for the process executors; threads and serial take anything.
    """
    return [20_000] * 40


# Run it from a terminal too:
#   concurrency-lab bench my_experiment.py --executors threads,processes --pool-sizes 1,2,4
'''


def write_template(folder: str | os.PathLike[str], name: str = TEMPLATE_NAME) -> Path:
    """Write the template into ``folder`` under a name not yet taken there; its path."""
    target = Path(folder) / name
    stem, suffix = target.stem, target.suffix
    number = 2
    while target.exists():
        target = target.with_name(f"{stem}_{number}{suffix}")
        number += 1
    return write_atomically(target, lambda handle: handle.write(TEMPLATE))
