"""Trim the ICU data library Qt Core links to (Linux): 31 MB, of which Qt reads a fraction.

PySide6's Linux wheels ship ICU 7x with its whole data set compiled into ``libicudata.so.7x``
(the ``icudt7x_dat`` symbol, a "common data" package). Qt Core calls ICU for exactly four
things (``nm -D libQt6Core.so.6``): locale-aware case mapping, collation (QCollator), time zone
ids and display names (QTimeZone), and legacy codecs (QStringConverter beyond UTF and Latin-1).
The data for break iteration, units, currencies, language and region names, transliteration
and number spell-out is never asked for, and this app uses no legacy codec; collation and
time-zone names keep their root (and English) data, which ICU falls back to for every locale.

The trimmed package is made with ICU's own ``icupkg`` (Debian: icu-devtools) and linked back
into a shared library with the same soname and symbol by ``objcopy`` and ``ld`` (binutils,
which PyInstaller needs anyway): nothing is compiled.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

# Items of the data package dropped, each pattern with what it serves (paths as icupkg -l).
DROPPED_ITEMS = {
    "brkitr/*": "break iteration and its dictionaries (Qt segments text itself)",
    "unit/*": "measurement unit names (MeasureFormat)",
    "curr/*": "currency names and symbols (NumberFormat)",
    "lang/*": "language display names (uloc_getDisplayName)",
    "region/*": "region display names",
    "translit/*": "transliterators",
    "rbnf/*": "rule-based number spell-out",
    "unames.icu": "Unicode character names (u_charName)",
    "*.cnv": "table-based legacy codecs (this app decodes text in Python; UTF and Latin-1 "
    "need no table)",
    "coll/*": "collation tailorings of single languages (root collation is kept, below)",
    "zone/*": "time-zone display names in each language (root and English are kept)",
    # the main tree's locale bundles (en_GB.res, de.res...); the others are not locales
    # (supplementalData.res, zoneinfo64.res, likelySubtags.res, pool.res...) and stay
    "[a-z][a-z].res": "number, date and calendar formats of single languages (root and "
    "English are kept; Qt formats numbers and dates with its own CLDR tables)",
    "[a-z][a-z][a-z].res": "the same for three-letter languages",
    "[a-z][a-z]_*.res": "the same for regional variants",
    "[a-z][a-z][a-z]_*.res": "the same for regional variants",
}
# Kept although a pattern above matches: what ICU falls back to for every locale.
KEPT_ITEMS = (
    "en.res",
    "en_US.res",
    "en_US_POSIX.res",
    "coll/root.res",
    "coll/ucadata.icu",
    "coll/res_index.res",
    "coll/pool.res",
    "zone/root.res",
    "zone/en.res",
    "zone/res_index.res",
    "zone/pool.res",
    "zone/tzdbNames.res",
)
_DATA_LIB = re.compile(r"^libicudata\.so\.(\d+)$")


def is_dropped(item: str) -> bool:
    """Whether a data item (``coll/zh.res``) leaves the package."""
    if item in KEPT_ITEMS or item.startswith("en_") and "/" not in item:
        return False
    return any(fnmatch.fnmatchcase(item, pattern) for pattern in DROPPED_ITEMS)


def tools_missing() -> list[str]:
    """The programs :func:`trim` needs that are not on PATH."""
    return [tool for tool in ("icupkg", "objcopy", "ld", "nm") if shutil.which(tool) is None]


def find_data_library(bundle: Path) -> Path | None:
    """The bundle's ``libicudata.so.<major>`` (a regular file), if it has one."""
    for path in bundle.rglob("libicudata.so.*"):
        if _DATA_LIB.match(path.name) and path.is_file() and not path.is_symlink():
            return path
    return None


def _run(*cmd: str, cwd: Path | None = None) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=cwd).stdout


def _symbol_bytes(library: Path, symbol: str, workdir: Path) -> bytes:
    """The bytes of a defined data symbol of a shared library (nm for where, objcopy for what)."""
    for line in _run("nm", "-D", "-S", "--defined-only", str(library)).splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[3] == symbol:
            address, size = int(fields[0], 16), int(fields[1], 16)
            break
    else:
        raise RuntimeError(f"{library.name} does not define {symbol}")
    sections = _run("objdump", "-h", "-w", str(library))
    for line in sections.splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[1] == ".rodata":
            start = int(fields[3], 16)
            break
    else:
        raise RuntimeError(f"{library.name} has no .rodata")
    rodata = workdir / "rodata.bin"
    _run("objcopy", "-O", "binary", "-j", ".rodata", str(library), str(rodata))
    data = rodata.read_bytes()[address - start : address - start + size]
    if len(data) != size:
        raise RuntimeError(f"{symbol} lies outside .rodata of {library.name}")
    return data


def _link_data_library(package: Path, symbol: str, soname: str, like: Path, out: Path) -> None:
    """A shared library with ``soname`` whose only symbol, ``symbol``, is the package's bytes."""
    head = _run("objdump", "-f", str(like))
    fmt = re.search(r"file format (\S+)", head).group(1)
    arch = re.search(r"architecture: ([^,\s]+)", head).group(1)
    obj = package.with_suffix(".o")
    # objcopy names the blob after its file name: _binary_<path with _ for every other char>
    mangled = "_binary_" + re.sub(r"[^A-Za-z0-9]", "_", package.name)
    options = {
        "-I": "binary",
        "-O": fmt,
        "-B": arch,
        "--rename-section": ".data=.rodata,alloc,load,readonly,data,contents",
        "--set-section-alignment": ".rodata=16",  # ICU asserts 16-byte aligned data
        "--redefine-sym": f"{mangled}_start={symbol}",
    }
    args = [item for pair in options.items() for item in pair]
    for unused in ("_end", "_size"):
        args += ["--strip-symbol", mangled + unused]
    _run("objcopy", *args, package.name, obj.name, cwd=package.parent)
    _run("ld", "-shared", "-soname", soname, "-o", str(out), str(obj))


def trim(library: Path) -> tuple[int, int]:
    """Replace ``library`` (a ``libicudata.so.<major>``) by one without :data:`DROPPED_ITEMS`.

    Returns the sizes before and after, in bytes.
    """
    major = _DATA_LIB.match(library.name).group(1)
    symbol = f"icudt{major}_dat"
    before = library.stat().st_size
    with tempfile.TemporaryDirectory(prefix="icu-trim-") as tmp:
        workdir = Path(tmp)
        full = workdir / f"icudt{major}l.dat"
        full.write_bytes(_symbol_bytes(library, symbol, workdir))
        items = _run("icupkg", "-l", str(full)).split()
        dropped = [item for item in items if is_dropped(item)]
        removal = workdir / "dropped.txt"
        removal.write_text("\n".join(dropped) + "\n", encoding="utf-8")
        # icupkg names the items after the output file: it must keep the input's name
        trimmed = workdir / "trimmed" / full.name
        trimmed.parent.mkdir()
        _run("icupkg", "-r", str(removal), str(full), str(trimmed))
        out = workdir / library.name
        _link_data_library(trimmed, symbol, library.name, library, out)
        shutil.copymode(library, out)
        shutil.move(out, library)
    return before, library.stat().st_size
