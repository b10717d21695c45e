"""Where the run history lives: the platform's per-user data folder, unless told otherwise.

platformdirs knows each platform's convention (``~/.local/share`` honouring ``XDG_DATA_HOME``
on Linux, ``~/Library/Application Support`` on macOS, ``%LOCALAPPDATA%`` on Windows), so the
lab follows it rather than inventing a dot-folder. An explicit folder (the CLI's
``--data-dir``) wins over the environment variable, which wins over the platform's choice.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "CONCURRENCY_LAB_DATA_DIR"
DATABASE_NAME = "history.sqlite3"
_APP_DIR_NAME = "concurrency-lab"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding the history database (not created here)."""
    if override is not None and str(override):
        return Path(override).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV, "")
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(_APP_DIR_NAME, appauthor=False))


def database_path(override: str | os.PathLike[str] | None = None) -> Path:
    return data_dir(override) / DATABASE_NAME
