"""The one registry of scenarios: the CLI, the window and the tests all iterate it.

Each scenario module calls :func:`register` at import; :func:`all_scenarios` imports them all
(once) and returns them in lesson order.
"""

from __future__ import annotations

import importlib

from .base import Scenario

# Lesson order, as the source material teaches them.
_MODULES = (
    "io_vs_cpu",
    "process_pool",
    "process_start_join",
    "producer_consumer",
    "sharing_data",
    "exceptions",
    "thread_pool_factorial",
    "pool_timing",
)

_REGISTRY: dict[str, Scenario] = {}
_loaded = False


class UnknownScenarioError(LookupError):
    """An id that names no scenario; the message lists the ids there are."""


def register(scenario: Scenario) -> Scenario:
    if scenario.id in _REGISTRY:
        raise ValueError(f"scenario id {scenario.id!r} registered twice")
    _REGISTRY[scenario.id] = scenario
    return scenario


def _load() -> None:
    global _loaded
    if not _loaded:
        for name in _MODULES:
            importlib.import_module(f"{__package__}.{name}")
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
