"""The one compiled part of the lab: the worker's hot loop (desktop_app/engine/_hotloop.c).

Everything else is in pyproject.toml. ``optional=True``: where no C compiler is found the
install still succeeds and the workers time tasks with the same loop in Python, slower on
trivial tasks (docs/benchmarks.md "Round 4"); a run's report says which loop timed it
(``environment.timing_loop``).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "desktop_app.engine._hotloop",
            sources=["desktop_app/engine/_hotloop.c"],
            depends=["desktop_app/engine/_hotloop_clock.h"],  # rebuilt when it changes
            optional=True,
        )
    ]
)
