"""One build per test session, shared by every packaging test (the bundle, its archive and, on
Linux, the .deb): ``python build_spec.py --deb`` takes about a minute on 2 idle cores."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
BUILD_TIMEOUT_S = 900


@dataclass(frozen=True)
class Build:
    """What ``python build_spec.py`` made, with what it printed."""

    output: str
    seconds: float
    bundle: Path
    exe: Path
    deb: Path | None

    def printed(self, key: str) -> str:
        """The value of a ``key=value`` word the build printed."""
        for word in self.output.split():
            if word.startswith(f"{key}="):
                return word.split("=", 1)[1]
        raise AssertionError(f"the build printed no {key}=")


@pytest.fixture(scope="session")
def built() -> Build:
    args = [sys.executable, "build_spec.py"]
    if sys.platform.startswith("linux"):
        args.append("--deb")
    started = time.monotonic()
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    assert result.returncode == 0, (
        f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )
    bundle = DIST / "ConcurrencyLab"
    exe = bundle / ("ConcurrencyLab.exe" if sys.platform == "win32" else "ConcurrencyLab")
    assert exe.is_file(), f"no executable at {exe}"
    debs = sorted(DIST.glob("concurrency-lab_*.deb"), key=lambda p: p.stat().st_mtime)
    return Build(
        output=result.stdout,
        seconds=time.monotonic() - started,
        bundle=bundle,
        exe=exe,
        deb=debs[-1] if debs and "--deb" in args else None,
    )


@pytest.fixture(scope="session")
def build_output(built: Build) -> str:
    """The build's printed figures (what the older tests take)."""
    return built.output
