"""An experiment's inputs: from ``inputs()``, ``INPUTS``, ``--inputs EXPR`` or ``--n N``.

Evaluated where the user's code may run (the run host, or the CLI's own process), turned into
a list once, and checked: not iterable, raising, empty or too many is an
:class:`~.loader.ExperimentError` naming the file and line.
"""

from __future__ import annotations

import inspect
import pickle
import types
from collections.abc import Sequence
from typing import Any

from .loader import MAX_INPUTS, ExperimentError, Target, _at, _line_of, user_error


def load_inputs(
    target: Target, module: types.ModuleType, expr: str | None = None, n: int = 0
) -> list[Any]:
    """The inputs as a list, from the first of: ``expr``, ``n``, ``inputs()``, ``INPUTS``."""
    where = target.file_label
    if expr:
        what = f"--inputs {expr!r}"
        try:
            value = eval(expr, dict(vars(module)))  # the user's own expression, their process
        except BaseException as exc:
            raise ExperimentError(f"{what}: {type(exc).__name__}: {exc}") from None
        return _as_list(value, what)
    maker = getattr(module, "inputs", None)
    if n:
        if callable(maker) and _takes_argument(maker):
            return _as_list(_call(maker, target, n), f"{where}: inputs({n})")
        return list(range(n))
    if callable(maker):
        line = _line_of(module, "inputs")
        return _as_list(_call(maker, target), f"{where}{_at(line)}: inputs()", line)
    if hasattr(module, "INPUTS"):
        line = _line_of(module, "INPUTS")
        return _as_list(module.INPUTS, f"{where}{_at(line)}: INPUTS", line)
    raise ExperimentError(
        f"{where}: no inputs: define 'def inputs():' returning an iterable or an INPUTS list "
        "(or give --inputs EXPR or --n N)"
    )


def _takes_argument(func: Any) -> bool:
    try:
        return bool(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return False


def _call(maker: Any, target: Target, *args: Any) -> Any:
    try:
        return maker(*args)
    except BaseException as exc:
        path = target.location if target.kind == "path" else ""
        raise user_error(exc, path, "inputs() raised") from None


def _as_list(value: Any, what: str, line: int | None = None) -> list[Any]:
    if isinstance(value, str | bytes):
        raise ExperimentError(
            f"{what} is of type {type(value).__name__}: give a list of inputs (a string would "
            "be one input per character)",
            line=line,
        )
    try:
        iterator = iter(value)
    except TypeError:
        raise ExperimentError(
            f"{what} is not iterable (its type is {type(value).__name__}): give a list, a range "
            "or a generator of inputs",
            line=line,
        ) from None
    items: list[Any] = []
    try:
        for item in iterator:
            items.append(item)
            if len(items) > MAX_INPUTS:
                raise ExperimentError(f"{what}: more than {MAX_INPUTS:,} inputs", line=line)
    except ExperimentError:
        raise
    except BaseException as exc:
        raise ExperimentError(
            f"{what}: iterating it raised {type(exc).__name__}: {exc}", line=line
        ) from None
    if not items:
        raise ExperimentError(f"{what} is empty: there is nothing to run", line=line)
    return items


def first_unpicklable(values: Sequence[Any]) -> tuple[int, str] | None:
    """(index, reason) of the first value that cannot be pickled, or None when all can."""
    try:
        pickle.dumps(list(values), protocol=pickle.HIGHEST_PROTOCOL)
        return None
    except Exception:
        pass
    for index, value in enumerate(values):
        try:
            pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            return index, f"{type(exc).__name__}: {exc}"
    return None
