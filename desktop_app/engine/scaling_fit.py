"""Why a sweep's speedup is not N×: Amdahl's law and the Universal Scalability Law fitted to
its medians, with the fits' uncertainty, and a bootstrap interval on each measured speedup.

- Amdahl: ``S(n) = 1 / (s + (1 - s) / n)``; ``s`` is the serial fraction, the part of the work
  that no number of workers shortens.
- USL (Gunther): ``S(n) = n / (1 + σ (n - 1) + κ n (n - 1))``; ``σ`` is contention (waiting
  for a shared thing: the GIL, a lock, a queue), ``κ`` coherence (the cost of workers keeping
  each other up to date, which makes the curve turn down). Both are kept in the range where
  they mean that (``0 <= σ <= 1``, ``κ >= 0``): when the least-squares fit leaves that range,
  the best fit with some parameters held at a bound and the others refitted is taken, which is
  what ``curve_fit`` with bounds finds (tested, including both parameters out of range).

Both are fitted by least squares on the speedups with a small Levenberg–Marquardt (scipy is not
shipped; the tests check it against ``scipy.optimize.curve_fit``). The uncertainty is the
covariance ``curve_fit`` reports by default: ``(JᵀJ)⁻¹ · RSS / (m − p)``; the 95 % interval
uses Student's t for the ``m − p`` degrees of freedom (a two-point fit of one parameter has one).
Plain numpy, no Qt: the CLI, the report and the window use it alike.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# Student's t, two-sided 95 %, by degrees of freedom (1..30); 1.96 beyond.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t95(dof: int) -> float:
    """Two-sided 95 % quantile of Student's t (``inf`` with no degree of freedom)."""
    if dof < 1:
        return float("inf")
    return _T95[dof - 1] if dof <= len(_T95) else 1.96


@dataclass(frozen=True, slots=True)
class Fit:
    """A fitted model: parameter values, their standard errors and 95 % intervals."""

    model: str  # "amdahl" or "usl"
    names: tuple[str, ...]
    values: tuple[float, ...]
    errors: tuple[float, ...]  # standard errors (inf when the data cannot say)
    dof: int  # points minus fitted parameters
    rss: float
    # Which parameters sit on a bound of their meaning (USL's contention in [0, 1], coherence
    # >= 0): held there, not fitted, error 0. Empty when none is bounded.
    at_bound: tuple[bool, ...] = ()

    def interval(self, name: str) -> tuple[float, float]:
        """The 95 % interval of parameter ``name``."""
        index = self.names.index(name)
        half = t95(self.dof) * self.errors[index]
        return self.values[index] - half, self.values[index] + half

    def speedup(self, n: np.ndarray | float) -> np.ndarray:
        """The fitted speedup at pool size(s) ``n``."""
        model = _MODELS[self.model][0]
        return model(np.asarray(n, float), np.asarray(self.values))


def _amdahl(n: np.ndarray, p: np.ndarray) -> np.ndarray:
    return 1.0 / (p[0] + (1.0 - p[0]) / n)


def _amdahl_jac(n: np.ndarray, p: np.ndarray) -> np.ndarray:
    denominator = p[0] + (1.0 - p[0]) / n
    return (-(1.0 - 1.0 / n) / denominator**2)[:, None]


def _usl(n: np.ndarray, p: np.ndarray) -> np.ndarray:
    return n / (1.0 + p[0] * (n - 1.0) + p[1] * n * (n - 1.0))


def _usl_jac(n: np.ndarray, p: np.ndarray) -> np.ndarray:
    denominator = 1.0 + p[0] * (n - 1.0) + p[1] * n * (n - 1.0)
    common = -n / denominator**2
    return np.column_stack([common * (n - 1.0), common * n * (n - 1.0)])


_Model = Callable[[np.ndarray, np.ndarray], np.ndarray]
_MODELS: dict[str, tuple[_Model, _Model, tuple[str, ...], tuple[float, ...]]] = {
    "amdahl": (_amdahl, _amdahl_jac, ("serial_fraction",), (0.1,)),
    "usl": (_usl, _usl_jac, ("contention", "coherence"), (0.05, 0.001)),
}
# The range where a parameter means what its name says. Amdahl's serial fraction is left free:
# above 1 it says "slower with more workers", which why_not.py words as such. USL's are not:
# a negative coherence or a contention over 100 % fits noise, not a cause.
_BOUNDS: dict[str, tuple[tuple[float, float], ...]] = {
    "usl": ((0.0, 1.0), (0.0, np.inf)),
}


def fit(model: str, pool_sizes: Sequence[float], speedups: Sequence[float]) -> Fit:
    """Least-squares fit of ``model`` ("amdahl" or "usl") to measured speedups."""
    func, jac, names, start = _MODELS[model]
    n = np.asarray(pool_sizes, float)
    y = np.asarray(speedups, float)
    if len(n) != len(y) or len(n) < len(names):
        raise ValueError(f"{model} needs at least {len(names)} points, got {len(n)}")
    p = _levenberg_marquardt(func, jac, n, y, np.array(start, float))
    held = np.zeros(len(names), bool)
    bounds = _BOUNDS.get(model)
    if bounds is not None:
        p, held = _within_bounds(func, jac, n, y, p, bounds)
    residual = y - func(n, p)
    rss = float(residual @ residual)
    free = np.flatnonzero(~held)
    dof = len(n) - len(free)
    errors = np.zeros(len(names))
    if len(free):
        j = jac(n, p)[:, free]
        try:
            covariance = np.linalg.inv(j.T @ j) * (rss / dof if dof > 0 else np.inf)
            errors[free] = np.sqrt(np.abs(np.diag(covariance)))
        except np.linalg.LinAlgError:
            errors[free] = np.inf
    return Fit(
        model,
        names,
        tuple(map(float, p)),
        tuple(map(float, errors)),
        dof,
        rss,
        tuple(map(bool, held)) if bounds is not None else (),
    )


def _within_bounds(
    func: _Model,
    jac: _Model,
    n: np.ndarray,
    y: np.ndarray,
    free_fit: np.ndarray,
    bounds: tuple[tuple[float, float], ...],
) -> tuple[np.ndarray, np.ndarray]:
    """The least-squares fit with every parameter in its range: the free fit when it is inside,
    else the best of every way of holding some parameters at one of their finite bounds and
    refitting the others (feasible results only). With two parameters that is at most nine
    small fits, and it finds what a bounded solver does, also when both leave the range."""
    low, high = (np.array(b, float) for b in zip(*bounds, strict=True))
    if np.all((free_fit >= low) & (free_fit <= high)):
        return free_fit, np.zeros(len(free_fit), bool)
    choices = [[None, *(b for b in pair if np.isfinite(b))] for pair in bounds]
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for combo in itertools.product(*choices):
        held = np.array([c is not None for c in combo])
        if not held.any():
            continue
        p = np.clip(free_fit, low, high)
        p[held] = [c for c in combo if c is not None]
        free = np.flatnonzero(~held)
        if len(free):
            p[free] = _levenberg_marquardt(*_holding(func, jac, p, free), n, y, p[free])
        if not np.all((p >= low - 1e-12) & (p <= high + 1e-12)):
            continue
        residual = y - func(n, p)
        cost = float(residual @ residual)
        if best is None or cost < best[0] - 1e-15:
            best = (cost, p, held)
    if best is None:  # cannot happen with a held corner, but never return out of range
        return np.clip(free_fit, low, high), np.ones(len(free_fit), bool)
    return best[1], best[2]


def _holding(func: _Model, jac: _Model, p: np.ndarray, free: np.ndarray) -> tuple[_Model, _Model]:
    """``func`` and ``jac`` of the ``free`` parameters alone, the others held at ``p``."""

    def full(q: np.ndarray) -> np.ndarray:
        whole = p.copy()
        whole[free] = q
        return whole

    return (lambda n, q: func(n, full(q))), (lambda n, q: jac(n, full(q))[:, free])


def _levenberg_marquardt(
    func: _Model, jac: _Model, n: np.ndarray, y: np.ndarray, p: np.ndarray, steps: int = 200
) -> np.ndarray:
    """Minimise ``|y - func(n, p)|²`` (Marquardt's damping scaled by diag(JᵀJ))."""
    damping = 1e-3
    residual = y - func(n, p)
    cost = residual @ residual
    for _ in range(steps):
        j = jac(n, p)
        normal = j.T @ j
        gradient = j.T @ residual
        try:
            step = np.linalg.solve(normal + damping * np.diag(np.diag(normal) + 1e-12), gradient)
        except np.linalg.LinAlgError:
            break
        trial = p + step
        trial_residual = y - func(n, trial)
        trial_cost = trial_residual @ trial_residual
        if np.isfinite(trial_cost) and trial_cost <= cost:
            converged = cost - trial_cost <= 1e-15 * max(cost, 1e-300)
            p, residual, cost = trial, trial_residual, trial_cost
            damping = max(damping / 10, 1e-12)
            if converged or np.max(np.abs(step)) < 1e-12:
                break
        else:
            damping *= 10
            if damping > 1e12:
                break
    return p


def bootstrap_speedup(
    serial: Sequence[float],
    parallel: Sequence[float],
    rounds: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """95 % percentile-bootstrap interval of ``median(serial) / median(parallel)``: both sets
    of repeats resampled with replacement (seeded: the same run gives the same interval)."""
    a, b = np.asarray(serial, float), np.asarray(parallel, float)
    if not len(a) or not len(b):
        raise ValueError("a speedup interval needs repeats of both measurements")
    rng = random.Random(seed)
    pick_a = np.median(a[_indices(rng, rounds, len(a))], axis=1)
    pick_b = np.median(b[_indices(rng, rounds, len(b))], axis=1)
    ratios = pick_a / pick_b
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(low), float(high)


def _indices(rng: random.Random, rounds: int, size: int) -> np.ndarray:
    """``rounds`` resamples of ``size`` indices, drawn with the standard library's generator:
    the packaged app leaves numpy.random out (docs/packaging.md). One call for all the bytes;
    the modulo's bias is below 1e-8 at the most repeats a run has (MAX_REPEATS, 50)."""
    words = np.frombuffer(rng.randbytes(4 * rounds * size), dtype=np.uint32)
    return (words % size).reshape(rounds, size)
