"""Shared fixtures for extraction tests (the spaCy pipeline loads once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def nlp_pipeline():
    from ingest.extract.nlp import get_nlp
    return get_nlp()


def read_fixture(name: str) -> str:
    return (FIXTURES / name).read_text()
