"""The Linux menu entry: a ``.desktop`` file and the icon in every size, for one user
(``--install-launcher``) or, staged under a package root, for the .deb (:mod:`.deb`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

APP_ID = "concurrency-lab"


def desktop_entry(template: str, exec_line: str, try_exec: str) -> str:
    """The launcher text: ``template`` (``resources/concurrency-lab.desktop``) with its
    ``Exec`` and ``TryExec`` pointing at the installed app."""
    text = re.sub(r"^Exec=.*$", f"Exec={exec_line}", template, flags=re.M)
    text = re.sub(r"^TryExec=.*$", f"TryExec={try_exec}", text, flags=re.M)
    return re.sub(r"^# build_spec\.py .*\n", "", text, flags=re.M)


def icon_files(share: Path, sizes: tuple[int, ...]) -> list[Path]:
    """Where the icon goes under a ``share`` directory: the SVG, then one PNG per size."""
    hicolor = share / "icons" / "hicolor"
    return [hicolor / "scalable" / "apps" / f"{APP_ID}.svg"] + [
        hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png" for size in sizes
    ]


def copy_icons(resources: Path, share: Path, sizes: tuple[int, ...]) -> list[Path]:
    """Copy ``resources/icon.svg`` and ``icon-<size>.png`` into the hicolor theme under
    ``share``; returns the files written."""
    svg, *pngs = icon_files(share, sizes)
    sources = [resources / "icon.svg"] + [resources / f"icon-{size}.png" for size in sizes]
    for source, target in zip(sources, [svg, *pngs], strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return [svg, *pngs]


def xdg_data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def user_paths(sizes: tuple[int, ...]) -> list[Path]:
    """Every file :func:`install` writes (what :func:`uninstall` removes)."""
    data = xdg_data_home()
    return [data / "applications" / f"{APP_ID}.desktop", *icon_files(data, sizes)]


def install(exe: Path, resources: Path, sizes: tuple[int, ...]) -> int:
    """Install the launcher and icons for this user, ``Exec`` pointing at the bundle."""
    if not sys.platform.startswith("linux"):
        print("--install-launcher is for Linux desktops; see docs/packaging.md", file=sys.stderr)
        return 1
    if not os.access(exe, os.X_OK):
        print(f"no bundle at {exe}: run `python build_spec.py` first", file=sys.stderr)
        return 1
    data = xdg_data_home()
    desktop = data / "applications" / f"{APP_ID}.desktop"
    template = (resources / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    desktop.parent.mkdir(parents=True, exist_ok=True)
    desktop.write_text(desktop_entry(template, f'"{exe}"', str(exe)), encoding="utf-8")
    icons = copy_icons(resources, data, sizes)
    refresh_caches(data)
    print(f"installed {desktop} (Exec={exe}) and {len(icons)} icons")
    return 0


def uninstall(sizes: tuple[int, ...]) -> int:
    """Remove what :func:`install` wrote; absent files are fine."""
    removed = 0
    for path in user_paths(sizes):
        if path.exists():
            path.unlink()
            removed += 1
    refresh_caches(xdg_data_home())
    print(f"removed {removed} files")
    return 0


def refresh_caches(data: Path) -> None:
    """Tell menus and icon themes about the change, where the tools exist (best effort)."""
    for cmd in (
        ["update-desktop-database", str(data / "applications")],
        ["gtk-update-icon-cache", "-q", "-t", str(data / "icons" / "hicolor")],
    ):
        if shutil.which(cmd[0]):
            subprocess.run(cmd, capture_output=True, check=False)
