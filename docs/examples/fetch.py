"""How many threads for calls that mostly wait?

task(url) stands in for a network call: it waits 40 ms with the GIL released, then parses
the answer for a few milliseconds in Python, holding the GIL. Waiting needs no core, so threads
keep scaling well past the cores, until the parsing, which only one thread at a time can do,
catches up with them. Sweep the pool sizes and read the speedup tab: Amdahl's serial fraction
is about the parsing's share of a task, and it says how far more threads can go.
"""

import time


def task(url):
    time.sleep(0.04)  # the request: waiting, the GIL released
    return sum(i * i for i in range(40_000)) + len(url)  # the parsing: Python, the GIL held


INPUTS = [f"https://example.org/item/{i}" for i in range(48)]
