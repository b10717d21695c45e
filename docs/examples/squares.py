"""Is a pure-Python loop faster on threads or on processes?

task(n) sums the squares below n in pure Python: it holds the GIL all the time, so threads
take turns and processes run side by side.
"""


def task(n):
    return sum(i * i for i in range(n))


INPUTS = [300_000] * 16
