import gc

import pytest

from ingest.bulk_gc import BULK_THRESHOLDS, bulk_gc


def test_bulk_gc_relaxes_inside_and_restores_after():
    before = gc.get_threshold()
    with bulk_gc():
        assert gc.get_threshold() == BULK_THRESHOLDS
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_bulk_gc_restores_after_an_error():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError):
        with bulk_gc():
            raise RuntimeError("boom")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_bulk_gc_still_collects_cycles():
    class Node:
        pass

    with bulk_gc():
        node = Node()
        node.self = node
        del node
        assert gc.collect() > 0
