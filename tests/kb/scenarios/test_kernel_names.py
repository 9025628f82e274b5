"""Kernel call names with a well-known meaning: bit operations, page and folio flags, lifetime verbs."""

from __future__ import annotations

import pytest

from kb.scenarios.drafts.kernel_names import BitAccess, find_bit_access, find_lifetime, find_lock_wrapper, is_uaf_marked


@pytest.mark.parametrize("name,args,expected", [
    ("set_bit", ["GIZMO_BUSY", "&g->flags"], BitAccess("write", 1, True, "&g->flags", "GIZMO_BUSY")),
    ("__clear_bit", ["N", "map"], BitAccess("write", 0, False, "map", "N")),
    ("test_bit", [], BitAccess("read", 0, True, "", "")),
    ("test_and_clear_bit", ["N", "map"], BitAccess("xchg", 0, True, "map", "N")),
    ("test_and_set_bit_lock", ["N", "map"], BitAccess("xchg", 1, True, "map", "N")),
    ("change_bit", ["N", "map"], None),  # the new value depends on the old one
    ("SetPageDirty", ["page"], BitAccess("write", 1, True, "page", "PG_dirty")),
    ("__ClearPageLocked", [], BitAccess("write", 0, False, "page", "PG_locked")),
    ("TestClearPageLRU", ["p"], BitAccess("xchg", 0, True, "p", "PG_lru")),
    ("PageSwapCache", ["p"], BitAccess("read", 0, True, "p", "PG_swapcache")),
    ("PageAnon", ["page"], BitAccess("read", 0, True, "page", "mapping")),  # kept in page->mapping
    ("__SetPageMovable", ["page"], None),  # not a bit of page->flags
    ("folio_test_dirty", ["folio"], BitAccess("read", 0, True, "folio", "PG_dirty")),
    ("folio_set_referenced", [], BitAccess("write", 1, True, "folio", "PG_referenced")),
    ("folio_test_anon", ["f"], BitAccess("read", 0, True, "f", "mapping")),
    ("Page", [], None),
    ("spin_lock", ["&l"], None),
])
def test_bit_operations_and_flags_are_found_by_name(name: str, args: list[str], expected: BitAccess | None) -> None:
    assert find_bit_access(name, args) == expected


@pytest.mark.parametrize("name,expected", [
    ("mem_pool_destroy", ("free", "mem_pool")),
    ("__frob_free", ("free", "frob")),
    ("free_gizmo", ("free", "gizmo")),
    ("hub_release", ("free", "hub")),
    ("widget_put", ("put", "widget")),
    ("put_widget", ("put", "widget")),
    ("get_widget", ("get", "widget")),
    ("css_tryget", ("tryget", "css")),
    ("gizmo_free_work", ("", "")),  # the verb is not the name's last word
    ("kfree", ("", "")),
    ("release", ("", "")),
])
def test_lifetime_verbs_are_read_from_a_function_name(name: str, expected: tuple[str, str]) -> None:
    assert find_lifetime(name) == expected


@pytest.mark.parametrize("name,expected", [
    ("cgroup_lock", ("lock", "cgroup")),
    ("gizmo_unlock_irqrestore", ("unlock", "gizmo")),
    ("thread_group_lock", ("lock", "thread_group")),
    ("cpus_read_lock", ("", "")),  # a read-side lock: shared, not modelled from a name
    ("read_lock", ("", "")),
    ("gizmo_lock_work", ("", "")),
    ("lock", ("", "")),
])
def test_lock_wrappers_are_read_from_a_function_name(name: str, expected: tuple[str, str]) -> None:
    assert find_lock_wrapper(name) == expected


@pytest.mark.parametrize("cell,expected", [
    ("use after free", True), ("v = w->len [UAF]", True), ("<- use-after-free here", True),
    ("uafter", False), ("kfree(w)", False),
])
def test_a_line_marked_as_the_use_after_free(cell: str, expected: bool) -> None:
    assert is_uaf_marked(cell) is expected
