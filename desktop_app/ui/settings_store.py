"""What the window remembers between sessions, read back defensively.

A settings file can be corrupt, hand-edited or written by another version of the app: every
value read here is type-checked and validated (parameters through ``Param.validate``, sizes
against the engine's range) and anything that fails falls back to the default, silently.
Values are stored as JSON text so an INI file round-trips ints, floats and bools exactly.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from ..engine.limits import clamp_repeats, is_pool_size, is_repeats
from ..scenarios.base import ParamError, Scenario


def make_settings() -> QSettings:
    """The app's own settings (organisation and application name set in app.py)."""
    return QSettings()


class SettingsStore:
    """Typed, validated access to a ``QSettings``; never raises for a bad stored value."""

    def __init__(self, settings: QSettings) -> None:
        self.qsettings = settings

    # --- raw helpers ----------------------------------------------------------------------------

    def _json(self, key: str) -> Any:
        """The JSON value at ``key``, or None when missing or unreadable."""
        try:
            raw = self.qsettings.value(key)
        except Exception:  # a value Qt cannot turn into a Python object
            return None
        if not isinstance(raw, str):
            return None
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            return None

    def _set_json(self, key: str, value: Any) -> None:
        self.qsettings.setValue(key, json.dumps(value))

    def _bytes(self, key: str) -> QByteArray | None:
        try:
            raw = self.qsettings.value(key)
        except Exception:
            return None
        return raw if isinstance(raw, QByteArray) and not raw.isEmpty() else None

    # --- window state ---------------------------------------------------------------------------

    def geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    def splitter_state(self, name: str) -> QByteArray | None:
        return self._bytes(f"window/splitters/{name}")

    def save_window(self, geometry: QByteArray, splitters: dict) -> None:
        """Geometry and splitters. Not ``QMainWindow.saveState``: the window has no toolbar or
        dock widget, so that state held nothing to restore (it was saved, never read)."""
        self.qsettings.setValue("window/geometry", geometry)
        for name, splitter_state in splitters.items():
            self.qsettings.setValue(f"window/splitters/{name}", splitter_state)

    # --- scenario choices -----------------------------------------------------------------------

    def last_scenario(self, known: set[str]) -> str | None:
        value = self._json("last_scenario")
        return value if isinstance(value, str) and value in known else None

    def set_last_scenario(self, scenario_id: str) -> None:
        self._set_json("last_scenario", scenario_id)

    def params(self, scenario: Scenario) -> dict[str, Any]:
        """Saved values of ``scenario``'s parameters that are still valid (others omitted)."""
        stored = self._json(f"scenarios/{scenario.id}/params")
        if not isinstance(stored, dict):
            return {}
        values: dict[str, Any] = {}
        for param in scenario.params:
            if param.name not in stored:
                continue
            value = stored[param.name]
            if param.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            try:
                values[param.name] = param.validate(value)
            except ParamError:
                continue
        return values

    def set_params(self, scenario: Scenario, values: dict[str, Any]) -> None:
        self._set_json(f"scenarios/{scenario.id}/params", values)

    def pool_size(self, scenario: Scenario, default: int) -> int:
        value = self._json(f"scenarios/{scenario.id}/pool_size")
        return value if is_pool_size(value) else default

    def set_pool_size(self, scenario: Scenario, size: int) -> None:
        self._set_json(f"scenarios/{scenario.id}/pool_size", size)

    def pool_sizes(self, scenario: Scenario) -> tuple[int, ...]:
        value = self._json(f"scenarios/{scenario.id}/pool_sizes")
        if isinstance(value, list) and value and all(is_pool_size(v) for v in value):
            return tuple(value)
        return tuple(scenario.pool_sizes)

    def set_pool_sizes(self, scenario: Scenario, sizes: tuple[int, ...]) -> None:
        self._set_json(f"scenarios/{scenario.id}/pool_sizes", list(sizes))

    def repeats(self, scenario: Scenario) -> int:
        value = self._json(f"scenarios/{scenario.id}/repeats")
        return value if is_repeats(value) else clamp_repeats(scenario.repeats)

    def set_repeats(self, scenario: Scenario, repeats: int) -> None:
        self._set_json(f"scenarios/{scenario.id}/repeats", repeats)

    # --- export ---------------------------------------------------------------------------------

    def export_folder(self) -> str:
        value = self._json("export/folder")
        return value if isinstance(value, str) else ""

    def set_export_folder(self, folder: str) -> None:
        self._set_json("export/folder", folder)

    # --- my experiments (ui/experiment_files.py) ------------------------------------------------

    def last_scenario_id(self) -> str:
        """The last scenario's id as stored, known or not (an experiment loads after start)."""
        value = self._json("last_scenario")
        return value if isinstance(value, str) else ""

    def experiment_paths(self) -> list[str]:
        value = self._json("experiments/paths")
        if not isinstance(value, list):
            return []
        return [path for path in value if isinstance(path, str) and path]

    def set_experiment_paths(self, paths: list[str]) -> None:
        self._set_json("experiments/paths", list(dict.fromkeys(paths)))

    def rerun_on_change(self) -> bool:
        return self._json("experiments/rerun_on_change") is True

    def set_rerun_on_change(self, on: bool) -> None:
        self._set_json("experiments/rerun_on_change", bool(on))

    def python_path(self) -> str:
        """The interpreter the last chosen run host ran under ("" for this app's own Python)."""
        value = self.qsettings.value("run/python", "")
        return value if isinstance(value, str) else ""

    def set_python_path(self, path: str) -> None:
        self.qsettings.setValue("run/python", path)

    def sync(self) -> None:
        self.qsettings.sync()
