"""Drafts that run: table-driven drafts from report and diagram fixtures written here, each run to
its expected verdict; fix patches become variants; an incomplete draft never yields a verdict."""

from __future__ import annotations

import pytest

from kb.errors import ScenarioError
from kb.scenarios import check_scenario, parse_scenario
from kb.scenarios.drafts import FixFacts, RaceFacts, draft_race

KCSAN = """Hi, the fuzzer hit this:

==================================================================
BUG: KCSAN: data-race in frob_reader / frob_writer

write to 0xffff888012345678 of 4 bytes by task 311 on cpu 1:
 frob_writer+0x22/0x80
 frob_ioctl+0x51/0x90
 __x64_sys_ioctl+0x91/0xe0

read to 0xffff888012345678 of 4 bytes by task 312 on cpu 0:
 instrument_read include/linux/instrumented.h:41 [inline]
 frob_reader+0x13/0x40
 frob_poll+0x2a/0x60

value changed: 0x00000000 -> 0x00000001

Reported by Kernel Concurrency Sanitizer on:
CPU: 0 PID: 312 Comm: frob Not tainted 6.1.0 #1
==================================================================
"""
KCSAN_FIX = """diff --git a/drivers/frob.c b/drivers/frob.c
--- a/drivers/frob.c
+++ b/drivers/frob.c
@@ -10,7 +10,7 @@ static int frob_reader(struct frob *f)
-	return f->armed;
+	return READ_ONCE(f->armed);
@@ -20,7 +20,7 @@ static void frob_writer(struct frob *f)
-	f->armed = 1;
+	WRITE_ONCE(f->armed, 1);
"""
LOCKDEP_CHAIN = """> ======================================================
> WARNING: possible circular locking dependency detected
> 6.2.0-rc1 #3 Not tainted
> ------------------------------------------------------
> kworker/2:1/77 is trying to acquire lock:
> ffff8880aa000010 (&wid->gate){+.+.}-{3:3}, at: widget_flush+0x20/0x90
>
> but task is already holding lock:
> ffff8880aa000020 (table_mutex){+.+.}-{3:3}, at: table_update+0x11/0x60
>
> which lock already depends on the new lock.
>
> the existing dependency chain (in reverse order) is:
>
> -> #1 (table_mutex){+.+.}-{3:3}:
>        lock_acquire+0x1ed/0x550
>        __mutex_lock+0x136/0xd70
>        widget_register+0x35/0x100
>        widget_probe+0x11f/0x130
>
> -> #0 (&wid->gate){+.+.}-{3:3}:
>        lock_acquire+0x1ed/0x550
>        __mutex_lock+0x136/0xd70
>        widget_flush+0x20/0x90
>
>  *** DEADLOCK ***
"""
LOCKDEP_IRQ = """[   12.000001] WARNING: inconsistent lock state
[   12.000002] inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage.
[   12.000003]  Possible unsafe locking scenario:
[   12.000004]
[   12.000005]        CPU0                    CPU1
[   12.000006]        ----                    ----
[   12.000007]   lock(&pool->lk);
[   12.000008]                                local_irq_disable();
[   12.000009]                                lock(&q->wait);
[   12.000010]                                lock(&pool->lk);
[   12.000011]   <Interrupt>
[   12.000012]     lock(&q->wait);
[   12.000013]
[   12.000014]  *** DEADLOCK ***
"""
KASAN = """BUG: KASAN: slab-use-after-free in gizmo_read+0x3c/0x140 drivers/gizmo.c:88
Read of size 8 at addr ffff888033aa0010 by task reader/900

Call Trace:
 <TASK>
 dump_stack_lvl+0x1/0x2
 kasan_report+0x1/0x2
 gizmo_read+0x3c/0x140 drivers/gizmo.c:88
 vfs_read+0x1/0x2
 </TASK>

Allocated by task 800:
 kasan_save_stack+0x1/0x2
 __kmalloc+0x1/0x2
 gizmo_open+0x21/0x90 drivers/gizmo.c:40

Freed by task 801:
 kasan_save_stack+0x1/0x2
 kfree+0x93/0x1a0
 gizmo_release+0x6a/0xa0 drivers/gizmo.c:60

The buggy address belongs to the object at ffff888033aa0000
 which belongs to the cache kmalloc-64 of size 64
"""
KASAN_FIX = """diff --git a/drivers/gizmo.c b/drivers/gizmo.c
@@ -80,6 +80,8 @@ static ssize_t gizmo_read(struct file *f)
+	if (!refcount_inc_not_zero(&g->ref))
+		return -ENODEV;
"""
DIAGRAM_LIST = """    CPU1                      CPU2
    frob_move                 frob_split
      !list_empty
                                lock
                                !list_empty
                                list_del
                                unlock
      lock
      # !list_empty might not hold anymore
      list_del_init
      unlock
"""
DIAGRAM_UAF = """	CPU0				CPU1
	spin_lock(&tbl->lock);
	p = tbl->entry;
	spin_unlock(&tbl->lock);
					kfree(ent);
	val = ent->count;
"""
DIAGRAM_IF_DEREF = """   CPU0					CPU1
   ====					====
 knob_write()				knob_remove()
 ctx = of->priv;
					kfree(ctx);
					of->priv = NULL;
 if (ctx->armed)  // reads freed memory
"""
DIAGRAM_BULLETS = """T1				T2
- rcu_read_lock				kfree(item);
- v = item->len [UAF]
- rcu_read_unlock
"""
LOCKDEP_SYSLOG = LOCKDEP_CHAIN.replace("> \n", "").replace(">\n", "").replace("> ", "#012", 6)
DIAGRAM_PROSE = """	CPU0				CPU1
	do_something_big
					do_other_thing
"""
DIAGRAM_DEADLOCK = """  CPU A                        CPU B
  mutex_lock(&dev->io);
                               mutex_lock(&hub->big);
                               mutex_lock(&dev->io);
  mutex_lock(&hub->big);
"""

# a diagram in phases separated by blank lines; a pointer stored by cmpxchg and loaded back; prose after it
DIAGRAM_PHASES = """So the sequence is:

CPU1                                    CPU2

widget_scan()
    w = pick_widget(root);
    cmpxchg(&slot->cur, old, w);

                                        widget_destroy(w);
                                        kfree(w);

widget_scan()
    pos = READ_ONCE(slot->cur);
    widget_tryget(&pos->ref)  <- use after free

This is fixed by clearing slot->cur in widget_destroy() before the free.

Signed-off-by: A Developer <dev@example.org>
"""
# one column observes a location NULL that the other column cleared
DIAGRAM_NULL = """task 1                              task 2
gadget_setup
 spin_lock(&g->lock);
 gadget_check -> ok
 spin_unlock(&g->lock);
                                    gadget_teardown
                                     g->ops = NULL;
 spin_lock(&g->lock);
  gadget_start
   ->start_fn -> g->ops is NULL
 spin_unlock(&g->lock);
"""
# a middle column that is only a call chain: left out, kept as comments
DIAGRAM_CHAIN = """T1              T2              T3
//remove dev
sprocket_del
 kfree(spr)
                queue_release
                 call_rcu
                                sprocket_cb
                                 spin_lock_irqsave
                                  ->spr is freed
"""
# races told in prose: a freed object and the side that frees it, or not
PROSE_GONE = ("The danger is that the gizmo_ctx we hold has gone through gizmo_teardown() while we dropped "
              "gizmo_mutex: once we drop it, it could go away at any moment.")
PROSE_BETWEEN = "What protects gizmo_state destroying when a race happens between gizmo truncation and gizmo_poll?"
PROSE_STEPS = ("It can still race: the entry is read on one CPU, while another CPU clears it from the old table "
               "then inserts it into the new table.")
PROSE_STEPS_FREE = "Then the buffer is used on one thread, while another thread frees it."
PROSE_ONE_STEP = "Nothing stops it: the flag is checked on one CPU, while another CPU sets it."
PROSE_VAGUE = "This can lead to use-after-free issues when gizmo_poll and gizmo_close race."


def facts(kind: str, consequence: str, text: str, fixes=(), participants=(), obj: str = "") -> RaceFacts:
    return RaceFacts(7, kind, consequence, tuple(participants), obj, (), text, "abc@example.org", tuple(fixes))


CASES = [
    # (id, facts, complete, condition verdict of base, labels)
    ("kcsan", facts("kcsan", "data-race", KCSAN), True, "Sometimes", ["frob_writer", "frob_reader"]),
    ("lockdep-chain", facts("lockdep", "deadlock", LOCKDEP_CHAIN), True, "Sometimes", ["widget_flush", "widget_register"]),
    ("lockdep-irq", facts("lockdep", "deadlock", LOCKDEP_IRQ), True, "Sometimes", ["cpu0", "cpu1"]),
    ("kasan", facts("kasan", "use-after-free", KASAN), True, "Sometimes", ["gizmo_release", "gizmo_read"]),
    ("diagram-list", facts("diagram", "other", DIAGRAM_LIST), True, "Sometimes", ["frob_move", "frob_split"]),
    ("diagram-uaf", facts("diagram", "use-after-free", DIAGRAM_UAF), True, "Sometimes", ["cpu0", "cpu1"]),
    ("diagram-deadlock", facts("diagram", "deadlock", DIAGRAM_DEADLOCK), True, "Sometimes", ["cpu_a", "cpu_b"]),
    ("diagram-if-deref", facts("diagram", "use-after-free", DIAGRAM_IF_DEREF), True, "Sometimes",
     ["knob_write", "knob_remove"]),
    ("lockdep-syslog", facts("lockdep", "deadlock", LOCKDEP_SYSLOG), True, "Sometimes", ["widget_flush", "widget_register"]),
    ("diagram-bullets", facts("diagram", "use-after-free", DIAGRAM_BULLETS), True, "Sometimes", ["t1", "t2"]),
    ("diagram-prose", facts("diagram", "use-after-free", DIAGRAM_PROSE), False, None,
     ["do_something_big", "do_other_thing"]),
    ("kcsan-no-title", facts("kcsan", "data-race", "no report here"), False, None, ["nothing_drafted"]),
    ("diagram-phases", facts("diagram", "use-after-free", DIAGRAM_PHASES), True, "Sometimes", ["widget_scan", "cpu2"]),
    ("diagram-null", facts("diagram", "other", DIAGRAM_NULL), True, "Sometimes", ["gadget_setup", "gadget_teardown"]),
    ("diagram-chain", facts("diagram", "use-after-free", DIAGRAM_CHAIN), True, "Sometimes", ["t1", "sprocket_cb"]),
    ("prose-gone-through", facts("prose", "other", PROSE_GONE, participants=["gizmo_teardown"], obj="gizmo_mutex"),
     True, "Sometimes", ["gizmo_teardown", "other_side"]),
    ("prose-between", facts("prose", "other", PROSE_BETWEEN, participants=["gizmo truncation", "gizmo_poll"],
                            obj="gizmo_state"), True, "Sometimes", ["gizmo_truncation", "gizmo_poll"]),
    ("prose-steps", facts("prose", "other", PROSE_STEPS), True, "Sometimes", ["one_side", "other_side"]),
    ("prose-steps-free", facts("prose", "other", PROSE_STEPS_FREE), True, "Sometimes", ["one_side", "other_side"]),
    # a single step on the other side leaves no window between two of its writes
    ("prose-one-step", facts("prose", "other", PROSE_ONE_STEP), False, None, ["one_side", "other_side"]),
    # "use-after-free issues" names no object, and neither side's name says it frees
    ("prose-vague", facts("prose", "use-after-free", PROSE_VAGUE, participants=["gizmo_poll", "gizmo_close"]),
     False, None, ["nothing_drafted"]),
    ("prose-no-freer", facts("prose", "other", PROSE_BETWEEN, participants=["gizmo_read", "gizmo_poll"]),
     False, None, ["nothing_drafted"]),
    # one mapped column is not a race: the chain column stays and the draft is incomplete
    ("diagram-one-column", facts("diagram", "use-after-free", DIAGRAM_CHAIN.replace(" kfree(spr)", " spr_gone")),
     False, None, ["t1", "queue_release", "sprocket_cb"]),
]


@pytest.mark.parametrize("name,race,complete,verdict,labels", CASES, ids=[c[0] for c in CASES])
def test_drafts_run_to_their_expected_verdicts(name: str, race: RaceFacts, complete: bool, verdict: str | None,
                                               labels: list[str]) -> None:
    draft = draft_race(race)
    assert draft.complete is complete, draft.missing
    scen = parse_scenario(draft.text, f"{name}.kscen")  # every draft parses
    assert [t.label for t in scen.programs[0].threads if not t.is_callback] == labels
    assert scen.find_metadata("Draft")[0].startswith("complete" if complete else "incomplete")
    if not complete:
        with pytest.raises(ScenarioError, match="no verdict: incomplete draft"):
            check_scenario(scen)
        return
    report = check_scenario(scen, witnesses=False)
    assert report.variants[0].conditions[0].verdict == verdict
    assert scen.find_metadata("Source") == ["<abc@example.org>"]


def test_unmapped_diagram_lines_are_kept_as_comments() -> None:
    draft = draft_race(facts("diagram", "other", DIAGRAM_LIST))
    assert "// # !list_empty might not hold anymore" in draft.text
    assert "spin_lock(&lock);" in draft.text


@pytest.mark.parametrize("race,fix,variant_verdict", [
    (facts("kcsan", "data-race", KCSAN), KCSAN_FIX, "Never"),
    (facts("kasan", "use-after-free", KASAN), KASAN_FIX, "Never"),
])
def test_recognisable_fixes_become_variants(race: RaceFacts, fix: str, variant_verdict: str) -> None:
    race = RaceFacts(*[getattr(race, f) for f in ("race_id", "source_kind", "consequence", "participants", "object",
                                                  "interleaving", "report", "source")],
                     fixes=(FixFacts(0, "frob: annotate", "fix@example.org", fix),))
    draft = draft_race(race)
    assert draft.variants == ("fix-1",)
    scen = parse_scenario(draft.text, "fixed.kscen")
    assert scen.find_metadata("Variant-fix-1")[0].startswith("frob: annotate")
    verdicts = {v.variant: v.conditions[0].verdict for v in check_scenario(scen, witnesses=False).variants}
    assert verdicts == {"base": "Sometimes", "fix-1": variant_verdict}


def test_a_fix_elsewhere_is_not_a_variant() -> None:
    other = "diff --git a/x.c b/x.c\n@@ -1,2 +1,2 @@ static void unrelated(void)\n+\tWRITE_ONCE(a, 1);\n"
    race = RaceFacts(7, "kcsan", "data-race", (), "", (), KCSAN, "m", (FixFacts(0, "other", "m2", other),))
    assert draft_race(race).variants == ()


def test_report_noise_is_ignored() -> None:
    draft = draft_race(facts("lockdep", "deadlock", LOCKDEP_IRQ))
    assert "local_irq_disable" not in draft.text.split("{", 2)[2].split("// local_irq_disable")[0]


def test_diagram_phases_end_at_prose_and_the_pointer_is_dereferenced() -> None:
    text = draft_race(facts("diagram", "use-after-free", DIAGRAM_PHASES)).text
    assert "WRITE_ONCE(slot.cur, w);" in text and "READ_ONCE(pos->ref);" in text
    assert "This is fixed" not in text and "Signed-off-by" not in text


def test_a_null_observation_starts_non_null_and_needs_a_writer() -> None:
    text = draft_race(facts("diagram", "other", DIAGRAM_NULL)).text
    assert "g.ops = 1;" in text and "exists (0:r0=0)" in text
    alone = draft_race(facts("diagram", "other", DIAGRAM_NULL.replace("g->ops = NULL;", "g->ops = NULL_OPS;")))
    assert "exists (0:r0=0)" not in alone.text


def test_a_dropped_column_is_named_in_the_draft() -> None:
    text = draft_race(facts("diagram", "use-after-free", DIAGRAM_CHAIN)).text
    assert "// left out: queue_release (no line maps to a primitive)" in text
    assert "Left out (no line maps to a primitive): queue_release." in text
    assert "//\tcall_rcu" in text


def test_a_prose_draft_says_it_is_a_template_of_the_sentence() -> None:
    text = draft_race(facts("prose", "other", PROSE_GONE, participants=["gizmo_teardown"])).text
    assert "object gizmo_ctx;" in text and "kfree(gizmo_ctx);" in text and "use(gizmo_ctx);" in text
    assert "a template of the sentence's claim" in text


def test_prose_steps_map_by_their_verbs() -> None:
    text = draft_race(facts("prose", "other", PROSE_STEPS)).text
    assert "r0 = READ_ONCE(entry.state);" in text and "entry.state = 1;" in text
    assert "WRITE_ONCE(entry.state, 0);" in text and "WRITE_ONCE(entry.state, 2);" in text
    assert "exists (0:r0=0)" in text


def test_an_indented_diagram_ends_at_prose_at_its_own_margin() -> None:
    indented = "\n".join("    " + line if line else line for line in DIAGRAM_PHASES.splitlines())
    draft = draft_race(facts("diagram", "use-after-free", indented))
    assert draft.complete and "This is fixed" not in draft.text
