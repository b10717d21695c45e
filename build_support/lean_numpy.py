"""numpy without OpenBLAS for the bundle: the installed numpy's version, built from its source.

Why: PyPI's numpy wheels link their core to OpenBLAS and its gfortran runtime, 28.5 MB of the
bundle that the lab never calls (it multiplies no matrices; its two 2×2 solves in
engine/scaling_fit.py run on numpy's bundled LAPACK-lite). No numpy wheel on PyPI comes without
them, and they cannot be pruned (the core extension fails to load), so the bundle's 120 MB
target (issue 19) needs numpy built from source with ``-Dallow-noblas=true -Dblas=None
-Dlapack=None`` (and SIMD variants for one level only: see ``DISPATCH``).

Run ``python build_support/lean_numpy.py`` in the environment that builds the bundle (`.ci/run`
does, before the tests, so the tests run the numpy the bundle ships). It does nothing when
numpy there already has no BLAS; otherwise it builds the wheel once into ``build/wheels`` (kept:
a second run reuses it) and installs it in place of the PyPI one. Needs a C and C++ compiler
and the Python headers; pip fetches the source and the build tools (meson-python, Cython,
ninja) itself.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WHEELS = ROOT / "build" / "wheels"
SETUP_ARGS = ("-Dallow-noblas=true", "-Dblas=None", "-Dlapack=None")
# On x86-64, SIMD variants for the AVX2 level only (numpy's default also builds AVX-512 ones):
# the build takes ~3 min instead of ~4.5 on two cores, and sorting, which the views and the
# why-not analysis do over a million spans, stays near the PyPI wheel's speed (1,000,000
# floats: 8.7 ms, PyPI 6.3 ms; with no SIMD variants at all 68 ms). Other machines: numpy's
# default.
DISPATCH = {"x86_64": "-Dcpu-dispatch=X86_V3", "AMD64": "-Dcpu-dispatch=X86_V3"}


def setup_args(machine: str | None = None) -> tuple[str, ...]:
    """numpy's Meson options for this machine (``platform.machine()``)."""
    extra = DISPATCH.get(machine or platform.machine())
    return (*SETUP_ARGS, extra) if extra else SETUP_ARGS


def blas_of(python: str = sys.executable) -> str:
    """The BLAS the numpy of ``python`` was built with ("None" when it has none)."""
    code = (
        "import json, numpy\n"
        "deps = numpy.show_config(mode='dicts')['Build Dependencies']\n"
        "print(json.dumps(deps.get('blas', {}).get('name', 'None')))\n"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return str(json.loads(out.stdout))


def is_lean(python: str = sys.executable) -> bool:
    return blas_of(python) == "None"


def cached_wheel(version: str) -> Path | None:
    """The wheel built for this interpreter, its ABI included (``cp313t`` for free-threaded)."""
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    abi = f"{tag}{getattr(sys, 'abiflags', '')}"
    found = sorted(WHEELS.glob(f"numpy-{version}-{tag}-{abi}-*.whl"))
    return found[-1] if found else None


def build_wheel(version: str) -> Path:
    """Build numpy ``version`` without BLAS into ``build/wheels``; the wheel's path."""
    WHEELS.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-cache-dir",  # pip's wheel cache ignores -C settings: a cached PyPI-like build
        "--no-deps",
        "--no-binary",
        "numpy",
        f"numpy=={version}",
        "-w",
        str(WHEELS),
        *(f"-Csetup-args={arg}" for arg in setup_args()),
    ]
    subprocess.run(command, check=True)
    wheel = cached_wheel(version)
    if wheel is None:
        raise SystemExit(f"pip built no numpy {version} wheel into {WHEELS}")
    return wheel


def main() -> int:
    began = time.perf_counter()
    version = importlib.metadata.version("numpy")
    if is_lean():
        print(f"numpy {version} here has no BLAS already: nothing to do")
        return 0
    wheel = cached_wheel(version)
    if wheel is None:
        print(f"building numpy {version} without BLAS (a few minutes, once)…", flush=True)
        wheel = build_wheel(version)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--force-reinstall",
            "--no-deps",
            str(wheel),
        ],
        check=True,
    )
    if not is_lean():
        raise SystemExit(f"{wheel.name} installed, but numpy still reports a BLAS")
    print(
        f"numpy {version} without BLAS installed from {wheel} in {time.perf_counter() - began:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
