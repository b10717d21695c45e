"""``python build_spec.py --deb``: the bundle as a Debian package, built with ``dpkg-deb``.

The package installs the bundle under ``/opt/concurrency-lab``, a ``concurrency-lab`` command
in ``/usr/bin`` (a relative symlink, so it also resolves under ``dpkg --root``), the launcher in
``/usr/share/applications`` and the icon in the hicolor theme. It has no maintainer scripts:
Debian's desktop-file-utils and hicolor-icon-theme refresh the menu and icon caches through
file triggers on those directories, and ``dpkg -r`` removes every file it installed.
``Depends`` lists the packages of the libraries the bundle links to but does not ship (libc,
OpenGL/EGL, the xcb helpers Qt's X11 plugin needs), found with ``dpkg -S`` on the build machine.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

from . import launcher, prune

PACKAGE = "concurrency-lab"
PREFIX = Path("opt") / PACKAGE
MAINTAINER = "Concurrency Lab maintainers <maintainers@concurrencylab.org>"
DESCRIPTION = (
    "Classic Python concurrency lessons as measured, visual experiments\n"
    " Concurrency Lab runs threading and multiprocessing lessons (pools, queues,\n"
    " shared data, exceptions in workers) and shows each run as a timeline, a\n"
    " timing plot and a table. Self-contained: it brings its own Python and Qt.\n"
)
_LIBC = re.compile(r"^(libc|libm|libdl|libpthread|librt|libutil|ld-linux[-\w]*)\.so")


def debian_arch() -> str:
    """``amd64``, ``arm64``...: dpkg's name for this machine's architecture."""
    if shutil.which("dpkg"):
        out = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def package_by_convention(soname: str) -> str:
    """Debian's library package name for a soname (policy 8.1: ``libfoo.so.4`` is in
    ``libfoo4``, ``libfoo2.so.0`` in ``libfoo2-0``); glibc's libraries are all in ``libc6``."""
    if _LIBC.match(soname):
        return "libc6"
    match = re.match(r"^(.+?)\.so\.(\d+)", soname)
    if not match:
        return soname.lower()
    base, major = match.group(1).lower(), match.group(2)
    return f"{base}-{major}" if base[-1].isdigit() else f"{base}{major}"


def _package_owning(soname: str) -> str | None:
    """The installed package that ships ``soname``, asked of ``ldconfig`` and ``dpkg -S``."""
    if not (shutil.which("ldconfig") or Path("/sbin/ldconfig").exists()) or not shutil.which(
        "dpkg"
    ):
        return None
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    cache = subprocess.run([ldconfig, "-p"], capture_output=True, text=True).stdout
    match = re.search(rf"^\s*{re.escape(soname)} \(([^)]*)\) => (\S+)", cache, re.M)
    if not match:
        return None
    path = Path(match.group(2))
    for candidate in (path, path.resolve()):
        out = subprocess.run(["dpkg", "-S", str(candidate)], capture_output=True, text=True)
        if out.returncode == 0:
            return out.stdout.split(":", 1)[0].strip()
    return None


def external_sonames(bundle: Path) -> list[str]:
    """Sonames the bundle's libraries need that the bundle does not contain."""
    graph, names = prune.link_graph(bundle)
    needed = {soname for sonames in graph.values() for soname in sonames}
    return sorted(needed - set(names))


def depends(bundle: Path) -> list[str]:
    """The ``Depends`` packages: for each external soname, its owner (else by convention)."""
    packages = set()
    for soname in external_sonames(bundle):
        if _LIBC.match(soname):
            packages.add("libc6")
        else:
            packages.add(_package_owning(soname) or package_by_convention(soname))
    return sorted(packages)


def control(version: str, arch: str, installed_kib: int, depends: list[str]) -> str:
    """The ``DEBIAN/control`` file."""
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        f"Architecture: {arch}\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {', '.join(depends)}\n"
        "Section: education\n"
        "Priority: optional\n"
        f"Description: {DESCRIPTION}"
    )


def _stage(bundle: Path, root: Path, resources: Path, sizes: tuple[int, ...]) -> None:
    """The package's file tree under ``root`` (what ends up under ``/``)."""
    shutil.copytree(bundle, root / PREFIX, symlinks=True)
    bin_dir = root / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    exe = f"/{PREFIX}/{bundle.name}"
    os.symlink(os.path.relpath(exe, "/usr/bin"), bin_dir / PACKAGE)
    share = root / "usr" / "share"
    template = (resources / f"{launcher.APP_ID}.desktop").read_text(encoding="utf-8")
    entry = share / "applications" / f"{launcher.APP_ID}.desktop"
    entry.parent.mkdir(parents=True)
    entry.write_text(launcher.desktop_entry(template, PACKAGE, exe), encoding="utf-8")
    launcher.copy_icons(resources, share, sizes)
    doc = share / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Concurrency Lab, MIT licence. The bundle under /opt/concurrency-lab also contains\n"
        "CPython (PSF licence), Qt and PySide6 (LGPLv3), numpy and OpenBLAS (BSD),\n"
        "pyqtgraph (MIT) and psutil (BSD); their licence files are in the bundle.\n",
        encoding="utf-8",
    )


def _normalise_modes(root: Path) -> None:
    """0755 directories and executables, 0644 everything else (umask-independent)."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir() or os.access(path, os.X_OK):
            path.chmod(0o755)
        else:
            path.chmod(0o644)


def _md5sums(root: Path) -> str:
    lines = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and "DEBIAN" not in path.parts:
            digest = hashlib.md5(path.read_bytes()).hexdigest()
            lines.append(f"{digest}  {path.relative_to(root).as_posix()}")
    return "\n".join(lines) + "\n"


def build_deb(
    bundle: Path,
    version: str,
    resources: Path,
    sizes: tuple[int, ...],
    workdir: Path,
    out_dir: Path,
) -> Path:
    """Stage and build ``<out_dir>/concurrency-lab_<version>_<arch>.deb``; returns its path."""
    if shutil.which("dpkg-deb") is None:
        raise RuntimeError("dpkg-deb not found: install dpkg (Debian/Ubuntu have it)")
    root = workdir / "root"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    _stage(bundle, root, resources, sizes)
    _normalise_modes(root)
    debian = root / "DEBIAN"
    debian.mkdir()
    installed_kib = (
        sum(p.lstat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())
        // 1024
        + 1
    )
    (debian / "control").write_text(
        control(version, debian_arch(), installed_kib, depends(bundle)), encoding="utf-8"
    )
    (debian / "md5sums").write_text(_md5sums(root), encoding="utf-8")
    _normalise_modes(debian)
    out_dir.mkdir(parents=True, exist_ok=True)
    deb = out_dir / f"{PACKAGE}_{version}_{debian_arch()}.deb"
    subprocess.run(
        # zstd: 44 MB in 5 s of CPU where xz took 118 s for 35 MB; dpkg reads it since 1.21.18
        # (Debian 12, and Ubuntu since 21.10)
        ["dpkg-deb", "--root-owner-group", "-Zzstd", "-z9", "--build", str(root), str(deb)],
        check=True,
        capture_output=True,
        text=True,
    )
    return deb
