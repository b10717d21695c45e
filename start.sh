#!/usr/bin/env bash
# Set up and start Concurrency Lab: ./start.sh [concurrency-lab arguments]
#
# First run: installs the Debian packages Qt needs when any is missing (with sudo unless root),
# creates .venv and installs the project into it, then leaves a stamp. Later runs see the stamp
# and start the app at once (checking the packages cost 0.7 s a start); a changed start.sh or
# pyproject.toml sets up again. Without arguments it opens the window, as it does with Qt's own
# options first (./start.sh -style fusion); other arguments are the command line, e.g.
# ./start.sh list. Without a display the app says so in one line and exits 1.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

READY=.venv/.concurrency-lab-ready
if [ -f "$READY" ] && [ "$READY" -nt start.sh ] && [ "$READY" -nt pyproject.toml ] \
    && [ "$READY" -nt desktop_app/engine/_hotloop.c ] && [ "$READY" -nt desktop_app/engine/_hotloop_clock.h ] \
    && [ -x .venv/bin/concurrency-lab ]; then
    exec .venv/bin/concurrency-lab "$@"
fi

# What Qt needs on a minimal Debian/Ubuntu, for a window on X11 too (see README, Troubleshooting).
PACKAGES=(libgl1 libegl1 libglib2.0-0 libfontconfig1 libfreetype6 libx11-6 libdbus-1-3
          libxkbcommon0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
          libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0)
# A C compiler and Python's headers build the workers' compiled timing loop
# (desktop_app/engine/_hotloop.c). Wanted, not needed: without them the lab installs and times
# tasks with the same loop in Python, which costs tasks under a few µs more.
WANTED=(gcc python3-dev)

say() { printf 'start.sh: %s\n' "$*" >&2; }

install_debian_packages() {
    command -v dpkg >/dev/null 2>&1 || return 0  # not Debian/Ubuntu: see the README
    local wanted=("${PACKAGES[@]}") missing=() package
    if ! command -v python3 >/dev/null 2>&1; then
        wanted+=(python3 python3-venv)
    elif ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        wanted+=(python3-venv)
    fi
    for package in "${wanted[@]}"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    local optional=()
    for package in "${WANTED[@]}"; do
        dpkg -s "$package" >/dev/null 2>&1 || optional+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && return 0
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing Debian packages: ${missing[*]}"
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
    if [ ${#optional[@]} -gt 0 ]; then
        say "installing ${optional[*]} (for the compiled timing loop)"
        { [ ${#missing[@]} -gt 0 ] || "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
              apt-get update -q; } \
            && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -q --no-install-recommends "${optional[@]}" \
            || say "could not install ${optional[*]}: tasks are timed by the Python loop"
    fi
}

install_project() {
    local stamp=.venv/.concurrency-lab-installed
    if [ ! -x .venv/bin/python ]; then
        say "creating .venv"
        python3 -m venv .venv
    fi
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ] \
        || [ desktop_app/engine/_hotloop.c -nt "$stamp" ] \
        || [ desktop_app/engine/_hotloop_clock.h -nt "$stamp" ]; then
        say "installing Concurrency Lab into .venv (first time: a few minutes)"
        .venv/bin/python -m pip install -q -e ".[cluster]"  # [cluster]: the dask executor kind
        touch "$stamp"
    fi
}

install_debian_packages
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { say "Python 3.11 or newer is required (python3 is $(python3 --version 2>&1))"; exit 1; }
install_project
touch "$READY"
exec .venv/bin/concurrency-lab "$@"
