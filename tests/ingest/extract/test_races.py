import pytest

from ingest.extract.races import extract_races, find_diagrams
from ingest.extract.types import compute_own_spans
from tests.ingest.extract.helpers import make_message, make_thread


@pytest.mark.parametrize("subject,bodies,expect_race,consequence", [
    ("foo: fix race between writeback and truncate",
     ["There is a race between foo_writeback() and foo_truncate() on inode->i_data.\n"
      "The inode can go away under us and we touch freed memory."], True, "use-after-free"),
    ("Question about locking",
     ["Two CPUs can run foo_update() concurrently and one increment is lost: a race.",
      "Yes, this is racy: the read-modify-write of ->count is not atomic."], True, "lost-update"),
    ("mm: add tracepoints for reclaim",
     ["This adds a tracepoint; enable it and look at the trace output.",
      "Please embrace the new API."], False, None),
    ("rcu: drop redundant rcu_read_lock()",
     ["The spinlock already implies an RCU read-side critical section, the grace period "
      "waits for it.", "Right."], False, None),
    ("zswap: writeback knob",
     ["Configuring it from userspace is not even that racy, the order is fixed.", "Ok."],
     False, None),
])
def test_prose_races(subject, bodies, expect_race, consequence):
    msgs = [make_message(f"m{i}@x", b, reply_to=f"m{i-1}@x" if i else None)
            for i, b in enumerate(bodies)]
    races = extract_races(make_thread(subject, *msgs))
    assert bool(races) == expect_race
    if expect_race:
        assert races[0].consequence == consequence
        for ev in races[0].evidence:
            body = next(m.body for m in msgs if m.message_id == ev.message_id)
            assert body[ev.start:ev.end] == ev.quote and len(ev.quote.split()) <= 80


def test_diagram_steps():
    body = ("The race:\n\nCPU0                          CPU1\n"
            "foo_lock();\n                              bar_free(obj);\n"
            "use(obj);\n\nSo this is a use-after-free.\n")
    (start, end, steps) = find_diagrams(make_message("d@x", body))[0]
    assert steps == ["CPU0: foo_lock();", "CPU1: bar_free(obj);", "CPU0: use(obj);"]
    races = extract_races(make_thread("Re: race in foo", make_message("d@x", body)))
    assert races and races[0].steps and races[0].source == "diagram"


def test_report_becomes_race():
    body = ("BUG: KCSAN: data-race in foo_read / foo_write\n\n"
            "write to 0xffff8881 of 8 bytes by task 1 on cpu 0:\n foo_write+0x1/0x2\n\n"
            "read to 0xffff8881 of 8 bytes by task 2 on cpu 1:\n foo_read+0x1/0x2\n")
    races = extract_races(make_thread("KCSAN: data-race in foo_read / foo_write",
                                      make_message("k@x", body)))
    kcsan = [r for r in races if r.source == "kcsan"]
    assert kcsan and kcsan[0].consequence == "data-race"
    assert set(kcsan[0].participants) == {"foo_read", "foo_write"}


def test_own_spans_skip_quotes_and_signature():
    body = "On Mon, Bob wrote:\n> quoted race\nmy text\n-- \nsig race\n"
    spans = compute_own_spans(body)
    assert "".join(body[a:b] for a, b in spans) == "my text\n"
