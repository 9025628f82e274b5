"""Corrections take only the fields a fact has and the values gold/SCHEMA.md allows."""

from __future__ import annotations

import re

import pytest

from ingest.extract import types
from kb.corrections import (CONSEQUENCES, FIX_KINDS, FIX_STATUSES, OBJECTION_REASONS, ROLES, CorrectionError,
                            validate_changes)
from tests.conftest import require_shared


def test_values_are_the_extractors() -> None:
    assert (CONSEQUENCES, FIX_KINDS, FIX_STATUSES, OBJECTION_REASONS, ROLES) == (
        types.CONSEQUENCES, types.FIX_KINDS, types.FIX_STATUSES, types.OBJECTION_REASONS, types.ROLES)


@pytest.mark.parametrize("field, values", [("consequence", CONSEQUENCES), ("kind", FIX_KINDS),
                                           ("reason", OBJECTION_REASONS), ("roles", ROLES)])
def test_schema_values_are_accepted(field: str, values: tuple[str, ...]) -> None:
    schema = require_shared("gold", "SCHEMA.md").read_text()
    if field == "roles":
        listed = re.findall(r'"(\w+)"', re.search(r'"roles": \[([^\]]*)\]', schema).group(1))  # type: ignore[union-attr]
    else:
        listed = re.search(rf'"{field}": "([^"]*)"', schema).group(1).split(" | ")  # type: ignore[union-attr]
    assert set(listed) <= set(values)


@pytest.mark.parametrize("kind, changes, expected", [
    ("objection", {"reason": "style"}, {"reason": "style"}),
    ("objection", {"resolved": "True"}, {"resolved": True}),
    ("race", {"consequence": "deadlock", "participants": "swapoff, do_swap_page"},
     {"consequence": "deadlock", "participants": ["swapoff", "do_swap_page"]}),
    ("fix", {"status": "applied", "summary": "  take\nthe lock "}, {"status": "applied", "summary": "take the lock"}),
])
def test_valid_changes_become_stored_values(kind: str, changes: dict[str, object], expected: dict[str, object]) -> None:
    assert validate_changes(kind, 1, changes) == expected


@pytest.mark.parametrize("kind, changes, words", [
    ("objection", {"reason": "banana"}, "objection 12: reason 'banana' is not one of performance,"),
    ("race", {"consequence": "bad"}, "consequence 'bad' is not one of use-after-free,"),
    ("fix", {"kind": "diff"}, "kind 'diff' is not one of patch, prose"),
    ("fix", {"status": "merged"}, "status 'merged' is not one of proposed,"),
    ("objection", {"resolved": "maybe"}, "resolved is true or false"),
    ("race", {"id": "3"}, "race has no field 'id'"),
    ("fix", {"thread_id": "3"}, "fix has no field 'thread_id'"),
])
def test_invalid_changes_are_refused(kind: str, changes: dict[str, object], words: str) -> None:
    with pytest.raises(CorrectionError) as caught:
        validate_changes(kind, 12, changes)
    assert words in str(caught.value)
