"""Nothing the app needs was pruned from the bundle, and what it weighs.

The import scan: every module the app loads when run from source (the smoke test and every
scenario, in every process they start) and every module our own code names in an import must
import from the bundle alone. It runs this interpreter with ``sys.path`` set to the bundle's
``_internal`` only, so a pruned module or a pruned library a module links to fails the import.
The prune rules live in build_support/prune.py; the only modules allowed missing are its
``INTENDED_FALLBACKS``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.scenarios.registry import all_scenarios

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from build_support import prune, sizes  # noqa: E402

# Loaded from source by the interpreter's or the virtualenv's start-up, not by the app.
_STARTUP_ONLY = ("__main__", "__mp_main__", "site", "sitecustomize", "_distutils_hack")


def _without_coverage(env: dict[str, str]) -> dict[str, str]:
    """The app as users run it: under .ci/run's coverage every Python child would otherwise
    load coverage (and its tomllib, configparser, uuid), which the bundle rightly leaves out."""
    return {key: value for key, value in env.items() if not key.startswith("COVERAGE_")}


_TRACE = """\
import atexit, os, sys

def _dump():
    with open(os.path.join({out!r}, f"{{os.getpid()}}.txt"), "w") as f:
        f.write("\\n".join(sorted(sys.modules)) + "\\n")

atexit.register(_dump)
_exit = os._exit

def _dump_and_exit(code):  # pool workers and forkserver children leave through os._exit
    try:
        _dump()
    finally:
        _exit(code)

os._exit = _dump_and_exit
"""
_IMPORT_ALL = """\
import importlib, json, sys
internal = sys.argv[1]
sys.path[:] = [internal] + [p for p in sys.argv[2:]]
failed = {}
for name in json.load(sys.stdin):
    try:
        importlib.import_module(name)
    except Exception as exc:  # ImportError, or OSError from a library that is gone
        failed[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(failed))
"""


def _traced_from_source(tmp_path: Path) -> set[str]:
    """Modules loaded by every process of the source app running the smoke test and each
    scenario (a sitecustomize that writes sys.modules when a process ends)."""
    hook, out = tmp_path / "hook", tmp_path / "modules"
    hook.mkdir()
    out.mkdir()
    (hook / "sitecustomize.py").write_text(_TRACE.format(out=str(out)))
    env = _without_coverage(dict(os.environ, PYTHONPATH=str(hook), QT_QPA_PLATFORM="offscreen"))
    runs = [["--smoke-test", "--output", str(tmp_path)]] + [
        ["run", s.id, "--repeat", "1", "--pool-sizes", "2"] for s in all_scenarios()
    ]
    for args in runs:
        result = subprocess.run(
            [sys.executable, "-m", "desktop_app", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"{args}: {result.stderr[-2000:]}"
    names: set[str] = set()
    for dump in out.glob("*.txt"):
        names.update(dump.read_text().split())
    assert len(list(out.glob("*.txt"))) > len(runs), "no worker process was traced"
    return {n for n in names if n.split(".")[0] not in _STARTUP_ONLY and "__editable__" not in n}


def _named_by_our_imports(package: Path) -> set[str]:
    """Every module an import statement of ours names, at module level or inside a function,
    that exists in the source environment (optional imports that are absent are left out)."""
    names: set[str] = set()
    for source in package.rglob("*.py"):
        parts = source.relative_to(package.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                package_name = module if source.name == "__init__.py" else module.rpartition(".")[0]
                relative = "." * node.level + (node.module or "")
                base = importlib.util.resolve_name(relative, package_name)
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names)
    found = set()
    for name in names:
        try:
            if name and importlib.util.find_spec(name) is not None:
                found.add(name)
        except (ImportError, ValueError):
            pass  # "from x import attribute": x.attribute is not a module
    return found


def _import_from_bundle(internal: Path, names: set[str]) -> dict[str, str]:
    dynload = [str(p) for p in internal.glob("python3*/lib-dynload")]
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _IMPORT_ALL, str(internal), *dynload],
        input=json.dumps(sorted(names)),
        capture_output=True,
        text=True,
        timeout=300,
        env=_without_coverage(dict(os.environ, QT_QPA_PLATFORM="offscreen")),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="the bundle is built and run on Linux here")
def test_every_module_the_app_loads_or_names_imports_from_the_bundle(built, tmp_path) -> None:
    internal = built.bundle / "_internal"
    traced = _traced_from_source(tmp_path)
    named = _named_by_our_imports(internal / "desktop_app")
    assert {"PySide6.QtWidgets", "pyqtgraph", "numpy", "multiprocessing.pool"} <= traced | named
    assert any(n.startswith("desktop_app.scenarios.") for n in named)
    wanted = (traced | named) - set(prune.INTENDED_FALLBACKS)
    failed = _import_from_bundle(internal, wanted)
    assert not failed, f"pruned but needed ({len(failed)} of {len(wanted)}): {failed}"
    gone = _import_from_bundle(internal, set(prune.INTENDED_FALLBACKS))
    assert set(gone) == set(prune.INTENDED_FALLBACKS), "an intended fallback is still bundled"


_ICU_PROBE = """\
import sys
sys.path[:] = sys.argv[1:]
from PySide6.QtCore import QCollator, QDateTime, QLocale, QTimeZone
collator = QCollator(QLocale("de_DE"))
assert collator.compare("a", "B") < 0 < collator.compare("b", "A"), "no collation"
assert QLocale("tr_TR").toUpper("i") == "\\u0130", "no Turkish case mapping"
zone = QTimeZone(b"Europe/Berlin")
name = zone.displayName(QDateTime.currentDateTime(), QTimeZone.LongName, QLocale("en_US"))
assert zone.isValid() and name, "no time zone name"
print("icu ok:", name)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ICU's data is trimmed on Linux only")
def test_qt_features_that_use_icu_work_with_the_trimmed_data(built) -> None:
    """Collation, locale case mapping and time-zone names: what Qt Core asks ICU for."""
    internal = built.bundle / "_internal"
    data = next(internal.rglob("libicudata.so.*"))
    assert data.stat().st_size < 10_000_000, "ICU's data was not trimmed"
    dynload = [str(p) for p in internal.glob("python3*/lib-dynload")]
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _ICU_PROBE, str(internal), *dynload],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Could not create collator" not in result.stderr


def test_pruned_libraries_are_gone_and_nothing_dangles(built) -> None:
    internal = built.bundle / "_internal"
    names = {p.name for p in internal.rglob("*")}
    for gone in (
        "libqgtk3.so",
        "libcrypto.so.3",
        "libssl.so.3",
        "libgssapi_krb5.so.2",
        "libcairo.so.2",
        "libQt6Network.so.6",
    ):
        assert gone not in names
    dangling = [str(p) for p in internal.rglob("*") if p.is_symlink() and not p.exists()]
    assert not dangling


def test_size_report(built) -> None:
    """The size of each part, written to build/bundle_sizes.json and printed (pytest -s); the
    build fails when the bundle or its archive grows past its budget."""
    breakdown = sizes.breakdown(built.bundle)
    total = sum(breakdown.values())
    archive = Path(built.printed("archive"))
    report = {
        "bundle_bytes": total,
        "bundle_disk_usage_bytes": sizes.disk_usage(built.bundle),
        "archive_bytes": archive.stat().st_size,
        "deb_bytes": built.deb.stat().st_size if built.deb else None,
        "build_seconds": round(built.seconds, 1),
        "budget": sizes.bundle_budget(built.bundle)[1],
        "parts": breakdown,
    }
    (ROOT / "build" / "bundle_sizes.json").write_text(json.dumps(report, indent=2) + "\n")
    print("\n" + "\n".join(sizes.table(breakdown)))
    print(f"archive: {archive.stat().st_size / 1e6:.1f} MB  {archive.name}")
    budget, why = sizes.bundle_budget(built.bundle)
    print(f"bundle: {total / 1e6:.1f} MB, budget {budget / 1e6:.0f} MB ({why})")
    assert total == sizes.apparent_size(built.bundle)
    assert total < budget, f"bundle {total / 1e6:.1f} MB, over its {budget / 1e6:.0f} MB ({why})"
    assert archive.stat().st_size < sizes.ARCHIVE_BUDGET, (
        f"archive {archive.stat().st_size / 1e6:.1f} MB"
    )
