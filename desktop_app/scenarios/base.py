"""What a scenario is: metadata, typed parameters, the code a user reads, and a run.

Parameters are typed with ranges so that the CLI (``--set n=10``), the window (spin boxes,
combos, check boxes) and the tests all validate the same way and say the same thing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine.context import RunContext

PARAM_KINDS = ("int", "float", "bool", "choice")


class ParamError(ValueError):
    """A parameter value that is unknown, malformed or out of range (one line, for humans)."""


@dataclass(frozen=True)
class Param:
    """One typed, bounded parameter of a scenario."""

    name: str
    label: str
    kind: str
    default: Any
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    unit: str = ""

    def __post_init__(self) -> None:
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r}")
        self.validate(self.default)

    def allowed(self) -> str:
        """What values are allowed, in words."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        kind = "a whole number" if self.kind == "int" else "a number"
        return f"{kind} from {_fmt(self.minimum)} to {_fmt(self.maximum)}"

    def parse(self, text: str) -> Any:
        """Turn command-line text into a valid value, or raise :class:`ParamError`."""
        raw = text.strip()
        try:
            if self.kind == "int":
                value: Any = int(raw)
            elif self.kind == "float":
                value = float(raw)
            elif self.kind == "bool":
                lowered = raw.lower()
                if lowered in ("1", "true", "yes", "on"):
                    value = True
                elif lowered in ("0", "false", "no", "off"):
                    value = False
                else:
                    raise ValueError(raw)
            else:
                value = raw
        except ValueError:
            raise ParamError(f"{self.name}={text!r} is not valid: use {self.allowed()}") from None
        return self.validate(value)

    def validate(self, value: Any) -> Any:
        """Check a typed value (from the window or a saved file); return it normalised."""
        ok = True
        if self.kind == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif self.kind == "float":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif self.kind == "bool":
            ok = isinstance(value, bool)
        elif self.kind == "choice":
            ok = value in self.choices
        if ok and self.kind in ("int", "float"):
            if value != value:  # NaN
                ok = False
            else:
                ok = (self.minimum is None or value >= self.minimum) and (
                    self.maximum is None or value <= self.maximum
                )
        if not ok:
            raise ParamError(f"{self.name}={value!r} is not valid: use {self.allowed()}")
        return value


@dataclass(frozen=True)
class ParamUse:
    """A parameter that only matters when another one has certain values (data, not code):
    the window disables its editor otherwise and says ``reason`` in the tooltip."""

    param: str
    when: str
    values: tuple[Any, ...]
    reason: str

    def applies(self, values: dict[str, Any]) -> bool:
        return values.get(self.when) in self.values


@dataclass(frozen=True)
class Preset:
    """A "try this" setting that makes the lesson's point: parameters over the defaults, and
    optionally a pool size (or a sweep's sizes)."""

    name: str
    description: str
    params: tuple[tuple[str, Any], ...] = ()
    pool_size: int | None = None
    pool_sizes: tuple[int, ...] = ()


VIEW_KEYS = ("timing", "timeline", "cpu")


def _fmt(number: float | None) -> str:
    if number is None:
        return "any"
    return f"{number:g}"


@dataclass(frozen=True)
class Scenario:
    """A lesson as an experiment.

    ``run(ctx)`` drives the engine through a :class:`~desktop_app.engine.context.RunContext`;
    ``code`` lists the functions the run really executes, so the code a user reads is the
    code that runs.
    """

    id: str
    title: str
    lesson: str
    summary: str
    when_to_use: str
    params: tuple[Param, ...]
    run: Callable[[RunContext], None]
    code_objects: tuple[Callable[..., Any], ...] = ()
    pool_sizes: tuple[int, ...] = (2,)
    repeats: int = 1
    sweeps: bool = False  # whether more than one pool size makes sense (the timing plot)
    # The executor kinds its workers are (engine.executors registry names), checked when it
    # registers; the smoke test expects an error record from each of their origins.
    kinds: tuple[str, ...] = ()
    order: int = 0
    extra_code: str = field(default="", repr=False)
    # What the lesson uses, so the window can disable what it does not and say why.
    # ``fixed_pool``: why the pool size does not apply ("" = the lesson runs a pool of it).
    fixed_pool: str = ""
    param_uses: tuple[ParamUse, ...] = ()
    views: tuple[str, ...] = VIEW_KEYS  # the plot tabs that show something for this lesson
    presets: tuple[Preset, ...] = ()

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        names = ", ".join(p.name for p in self.params) or "none"
        raise ParamError(f"{self.id} has no parameter {name!r} (it has: {names})")

    def unused_params(self, values: dict[str, Any]) -> dict[str, str]:
        """Parameters that ``values`` make irrelevant, with the reason for each."""
        resolved = self.defaults() | values
        return {u.param: u.reason for u in self.param_uses if not u.applies(resolved)}

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def resolve(self, values: dict[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with ``values``, every one validated."""
        resolved = self.defaults()
        for name, value in values.items():
            resolved[name] = self.param(name).validate(value)
        return resolved

    def parse_settings(self, settings: Sequence[str]) -> dict[str, Any]:
        """``["n=10", "lock=false"]`` from the command line into typed values."""
        values: dict[str, Any] = {}
        for setting in settings:
            name, sep, text = setting.partition("=")
            if not sep or not name.strip():
                raise ParamError(f"--set expects NAME=VALUE, got {setting!r}")
            values[name.strip()] = self.param(name.strip()).parse(text)
        return values

    def code(self) -> str:
        """Source of the functions this scenario runs, as a user would read it."""
        parts = [inspect.getsource(obj).rstrip() for obj in self.code_objects]
        if self.extra_code:
            parts.append(self.extra_code.strip())
        return "\n\n\n".join(parts) + "\n"
