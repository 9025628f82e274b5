"""Shared fixtures: the ../shared corpus (skip when absent, fail under CI=true)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def require_shared(*parts: str) -> Path:
    """Path under ../shared; skips the test when missing, fails it under CI=true."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"../shared not available: {path}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def shared() -> Path:
    return require_shared()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return require_shared("corpus", "seeds")


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    return require_shared("gold")
