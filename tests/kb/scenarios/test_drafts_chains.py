"""Diagrams written as call chains and kernel idioms (fixtures written here): bit operations and page
flags, lifetime verbs in function names at the leaf of a chain, callees named after a freed object,
lines marked as the use after free, fields another column writes, calls cut short by a note. Each is
drafted and run to its expected verdict; an incomplete draft never yields one."""

from __future__ import annotations

import pytest

from kb.errors import ScenarioError
from kb.scenarios import check_scenario, parse_scenario
from kb.scenarios.drafts import RaceFacts, draft_race

# bit operations with their arguments; the freeing side's leaf is named for its verb; a marked use
DIAGRAM_BITS = """CPU0                                 CPU1
gizmo_flush
  test_and_set_bit(GIZMO_BUSY, &g->flags)
                                     gizmo_remove
                                       clear_bit(GIZMO_BUSY, &g->flags)
                                       gizmo_free
  if (test_bit(GIZMO_BUSY, &g->flags))
    gizmo_sync          // UAF
"""
# a chain whose callers' names say release (not leaves: their callees say what happens), a middle
# column that maps to nothing, and a callee named after the object another column frees
DIAGRAM_OWNER = """T1                    T2                      T3
sprocket_unplug
 sprocket_release
  kfree(spr)
                      hub_release
                       hub_walk_ports
                                              port_work
                                               spr_stats_flush
"""
# page flags and a field the other column writes behind a cast; a code comment at the margin
DIAGRAM_FLAGS = """   CPU 0                                 CPU 1
   frob_add_page
/* the compiler may move this store after the flag is set */
     page->private = (struct frob *) f;
     SetPageFrobbed(page)
                                          frob_scan
                                            if (PageFrobbed(page))
                                              page->private is read here
"""
# full-width punctuation, calls cut short by a note, a compound assignment
DIAGRAM_CUT = """  CPU A                                   CPU B
  mutex_lock（&dev->io）；
                                          mutex_lock(&hub->big);
                                          dev->flags |= DEV_GONE;
                                          mutex_lock(&dev->io   <== waits for CPU A
  mutex_lock(&hub->big   <== waits for CPU B
"""
# lock wrappers taken in opposite orders; an unlock of a lock the column does not hold stays a comment
DIAGRAM_WRAPPERS = """CPU0                          CPU1
gizmo_lock(g)                 hub_unlock()
hub_lock()                    hub_lock()
                              gizmo_lock(g)
"""
# the marked line could mean either of two freed objects: it stays a comment
DIAGRAM_AMBIGUOUS = """CPU0                          CPU1
poll_events                   kfree(gadget)
  // use after free here      kfree(buffer)
"""
# a bare chain whose only verb is in a caller's name: nothing is a leaf that frees
DIAGRAM_CALLER_ONLY = """CPU0                          CPU1
frob_destroy                  frob_read
  frob_unhash                   frob_lookup
"""


def facts(consequence: str, text: str) -> RaceFacts:
    return RaceFacts(9, "diagram", consequence, (), "", (), text, "chain@example.org")


CASES = [
    # (id, facts, complete, base verdict, labels)
    ("bits-marked-uaf", facts("other", DIAGRAM_BITS), True, "Sometimes", ["gizmo_flush", "gizmo_remove"]),
    # without the marker the same diagram is about its flag: every access is marked, so no data race
    ("bits-no-marker", facts("other", DIAGRAM_BITS.replace("// UAF", "")), True, "Never",
     ["gizmo_flush", "gizmo_remove"]),
    ("owner-chain", facts("use-after-free", DIAGRAM_OWNER), True, "Sometimes", ["sprocket_unplug", "port_work"]),
    ("page-flags", facts("data-race", DIAGRAM_FLAGS), True, "Sometimes", ["frob_add_page", "frob_scan"]),
    # a plain flag store: CPU 1's marked flag test conflicts with it, or with the field's store, on every path
    ("page-flags-plain", facts("data-race", DIAGRAM_FLAGS.replace("SetPage", "__SetPage")), True, "Always",
     ["frob_add_page", "frob_scan"]),
    ("cut-calls", facts("deadlock", DIAGRAM_CUT), True, "Sometimes", ["cpu_a", "cpu_b"]),
    ("lock-wrappers", facts("deadlock", DIAGRAM_WRAPPERS), True, "Sometimes", ["cpu0", "cpu1"]),
    ("ambiguous-marker", facts("use-after-free", DIAGRAM_AMBIGUOUS), False, None, ["poll_events", "cpu1"]),
    ("caller-only", facts("use-after-free", DIAGRAM_CALLER_ONLY), False, None, ["frob_destroy", "frob_read"]),
]


@pytest.mark.parametrize("name,race,complete,verdict,labels", CASES, ids=[c[0] for c in CASES])
def test_chain_drafts_run_to_their_expected_verdicts(name: str, race: RaceFacts, complete: bool, verdict: str | None,
                                                     labels: list[str]) -> None:
    draft = draft_race(race)
    assert draft.complete is complete, draft.missing
    scen = parse_scenario(draft.text, f"{name}.kscen")
    assert [t.label for t in scen.programs[0].threads if not t.is_callback] == labels
    if not complete:
        with pytest.raises(ScenarioError, match="no verdict: incomplete draft"):
            check_scenario(scen)
        return
    assert check_scenario(scen, witnesses=False).variants[0].conditions[0].verdict == verdict


def test_bits_are_locations_and_the_marked_line_uses_the_freed_object() -> None:
    text = draft_race(facts("other", DIAGRAM_BITS)).text
    assert "r0 = xchg(g.flags.GIZMO_BUSY, 1);" in text and "WRITE_ONCE(g.flags.GIZMO_BUSY, 0);" in text
    assert "READ_ONCE(g.flags.GIZMO_BUSY);" in text
    assert "kfree(gizmo);   // gizmo_free" in text and "use(gizmo);   // gizmo_sync" in text
    assert "exists (uaf)" in text


def test_a_caller_named_for_its_verb_is_not_what_happens() -> None:
    text = draft_race(facts("use-after-free", DIAGRAM_OWNER)).text
    assert "kfree(sprocket)" not in text and "kfree(hub)" not in text
    assert "use(spr);   // spr_stats_flush" in text
    assert "// left out: hub_release (no line maps to a primitive)" in text


def test_flags_and_a_named_field_are_plain_or_marked_as_written() -> None:
    text = draft_race(facts("data-race", DIAGRAM_FLAGS)).text
    assert "page.private = 1;" in text and "WRITE_ONCE(page.PG_frobbed, 1);" in text
    plain = draft_race(facts("data-race", DIAGRAM_FLAGS.replace("SetPage", "__SetPage"))).text
    assert "page.PG_frobbed = 1;" in plain  # `__` helpers are plain
    assert "r0 = READ_ONCE(page.PG_frobbed);" in text and "r1 = page.private;" in text
    assert "exists (data_race)" in text


def test_a_named_field_is_read_only_when_another_column_writes_it() -> None:
    alone = DIAGRAM_FLAGS.replace("     page->private = (struct frob *) f;\n", "")
    assert "page.private;" not in draft_race(facts("data-race", alone)).text


def test_cut_calls_are_closed_and_full_width_punctuation_read() -> None:
    text = draft_race(facts("deadlock", DIAGRAM_CUT)).text
    assert text.count("spin_lock(&dev.io);") == 2 and text.count("spin_lock(&hub.big);") == 2
    assert "dev.flags = 1;" in text


def test_bare_bit_operations_share_the_diagram_s_one_bit() -> None:
    diagram = "CPU0                 CPU1\nclear_bit            test_and_set_bit\n"
    text = draft_race(facts("other", diagram)).text
    assert "WRITE_ONCE(flags.bit, 0);" in text and "r0 = xchg(flags.bit, 1);" in text


def test_lock_wrappers_take_locks_of_their_own() -> None:
    text = draft_race(facts("deadlock", DIAGRAM_WRAPPERS)).text
    assert "spinlock_t g.lock;" in text and "spinlock_t hub_lock;" in text
    assert text.count("spin_lock(&g.lock);") == 2 and "// hub_unlock()" in text
