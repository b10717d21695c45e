"""The .deb installs the app, its menu entry and its command, runs, and uninstalls cleanly.

Installed with ``dpkg --root`` into a throw-away root (its own dpkg database, so the machine's
is untouched; ``--force-depends`` because that root has no libc6 to satisfy ``Depends``). The
package has no maintainer scripts, so nothing runs as root beyond dpkg unpacking files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or shutil.which("dpkg") is None,
        reason="Debian packages are built and installed with dpkg on Linux",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "resources"))
import render_icons as icons  # noqa: E402

PREFIX = Path("opt/concurrency-lab")


def _dpkg(root: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = ["dpkg", f"--root={root}", "--log=/dev/null", *args]
    if os.geteuid() != 0:
        cmd.insert(1, "--force-not-root")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


@pytest.fixture
def installed(built, tmp_path: Path):
    """The .deb installed into a fresh root; removed again by the test that checks removal."""
    assert built.deb is not None and built.deb.is_file(), "python build_spec.py --deb made no .deb"
    root = tmp_path / "root"
    for sub in ("info", "updates"):
        (root / "var/lib/dpkg" / sub).mkdir(parents=True)
    (root / "var/lib/dpkg/status").touch()
    result = _dpkg(root, "--force-depends", "-i", str(built.deb))
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_package_metadata(built) -> None:
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(built.deb)], capture_output=True, text=True, check=True
    ).stdout
    assert "Package: concurrency-lab\n" in fields
    assert f"Version: {_version()}\n" in fields
    depends = next(line for line in fields.splitlines() if line.startswith("Depends: "))
    assert "libc6" in depends and "libgl1" in depends  # what the bundle links to but lacks
    scripts = subprocess.run(
        ["dpkg-deb", "-I", str(built.deb)], capture_output=True, text=True, check=True
    ).stdout
    assert not any(name in scripts for name in ("postinst", "prerm", "postrm", "preinst"))


def _version() -> str:
    import desktop_app

    return desktop_app.__version__


def test_install_puts_the_app_menu_entry_icons_and_command_in_place(installed: Path) -> None:
    exe = installed / PREFIX / "ConcurrencyLab"
    assert os.access(exe, os.X_OK)
    command = installed / "usr/bin/concurrency-lab"
    assert command.is_symlink() and not os.path.isabs(os.readlink(command))
    assert command.resolve() == exe.resolve()
    entry = installed / "usr/share/applications/concurrency-lab.desktop"
    text = entry.read_text()
    assert "\nExec=concurrency-lab\n" in text and "\nIcon=concurrency-lab\n" in text
    assert f"\nTryExec=/{PREFIX}/ConcurrencyLab\n" in text
    if shutil.which("desktop-file-validate") is None:
        pytest.fail("desktop-file-validate not found: install desktop-file-utils (.ci/run does)")
    check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert check.returncode == 0 and "error" not in check.stdout, check.stdout + check.stderr
    hicolor = installed / "usr/share/icons/hicolor"
    assert (hicolor / "scalable/apps/concurrency-lab.svg").read_text().startswith("<")
    for size in icons.SIZES:
        png = hicolor / f"{size}x{size}/apps/concurrency-lab.png"
        assert png.read_bytes()[:4] == b"\x89PNG", png


def test_installed_app_passes_its_smoke_test(installed: Path, tmp_path: Path) -> None:
    """Started through /usr/bin/concurrency-lab, as the menu entry and a shell do."""
    result = subprocess.run(
        [str(installed / "usr/bin/concurrency-lab"), "--smoke-test", "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "smoke-test: PASS" in result.stdout + result.stderr


def test_removing_the_package_removes_every_file(installed: Path) -> None:
    listed = _dpkg(installed, "-L", "concurrency-lab").stdout.split()
    assert f"/{PREFIX}/ConcurrencyLab" in listed and "/usr/bin/concurrency-lab" in listed
    result = _dpkg(installed, "-r", "concurrency-lab")
    assert result.returncode == 0, result.stdout + result.stderr
    left = [
        str(p.relative_to(installed))
        for p in installed.rglob("*")
        if not p.relative_to(installed).as_posix().startswith("var/lib/dpkg")
        and (p.is_file() or p.is_symlink())
    ]
    assert not left, f"left behind: {left[:20]}"
    assert not (installed / "opt").exists() and not (installed / "usr/bin").exists()
