"""The one registry of scenarios: the CLI, the window and the tests all iterate it.

Each scenario module calls :func:`register` at import; :func:`all_scenarios` imports every
public module of this package (once) and returns the scenarios in lesson order (``order``).
So a new lesson is one module here: nothing lists the modules, nothing counts them.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..engine.executors import kind_names
from .base import Scenario

_NOT_LESSONS = frozenset({"base", "registry"})  # the package's machinery; `_x` are helpers

_REGISTRY: dict[str, Scenario] = {}
_loaded = False


class UnknownScenarioError(LookupError):
    """An id that names no scenario; the message lists the ids there are."""


def register(scenario: Scenario) -> Scenario:
    if scenario.id in _REGISTRY:
        raise ValueError(f"scenario id {scenario.id!r} registered twice")
    unknown = [kind for kind in scenario.kinds if kind not in kind_names()]
    if unknown:
        raise ValueError(
            f"scenario {scenario.id!r} names unknown executor kinds {unknown}; "
            f"the registered ones are {', '.join(kind_names())}"
        )
    _REGISTRY[scenario.id] = scenario
    return scenario


def lesson_modules(package: str = __package__) -> list[str]:
    """The dotted names of ``package``'s lesson modules: every public module but the machinery."""
    path = importlib.import_module(package).__path__
    return [
        f"{package}.{info.name}"
        for info in pkgutil.iter_modules(path)
        if not info.name.startswith("_") and info.name not in _NOT_LESSONS
    ]


def discover(package: str = __package__) -> None:
    """Import every lesson module of ``package``; each registers its scenario as it loads."""
    for name in lesson_modules(package):
        importlib.import_module(name)


def _load() -> None:
    global _loaded
    if not _loaded:
        discover()
        _loaded = True


def all_scenarios() -> list[Scenario]:
    _load()
    return sorted(_REGISTRY.values(), key=lambda s: s.order)


def get_scenario(scenario_id: str) -> Scenario:
    _load()
    try:
        return _REGISTRY[scenario_id]
    except KeyError:
        ids = ", ".join(s.id for s in all_scenarios())
        raise UnknownScenarioError(
            f"unknown scenario {scenario_id!r}; choose one of: {ids}"
        ) from None
