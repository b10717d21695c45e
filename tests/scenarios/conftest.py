"""The scenario tests' shared fixture: a PoolManager that is always shut down."""

from __future__ import annotations

import pytest

from desktop_app.engine.pools import PoolManager


@pytest.fixture
def pools():
    manager = PoolManager()
    yield manager
    manager.shutdown()
