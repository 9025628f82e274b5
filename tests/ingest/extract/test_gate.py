import pytest

from ingest.extract.gate import scan_thread, shows_concurrency
from tests.ingest.extract.helpers import make_message, make_thread


@pytest.mark.parametrize("text,concurrent", [
    ("foo_exit() can run concurrently with foo_put().", True),
    ("> CPU1 frees foo in the window before foo_get() reads it.", True),   # quoted prose counts
    ("foo_put() frees foo while the timer still uses it.", True),
    ("Callers hold rcu_read_lock(), so synchronize_rcu() waits for them.", True),
    ("While at it, rename foo_put() to foo_release().", False),
    ("foo_put() drops the last reference and then reads foo->ref.", False),
    # names in a stack trace or a code line are not prose
    (" __irq_exit_rcu+0x136/0x200 kernel/softirq.c:637\n <IRQ>", False),
    ("\tretval = request_irq(dev->irq, foo_interrupt,", False),
    ("+\tsynchronize_rcu();", False),
])
def test_shows_concurrency(text, concurrent):
    assert shows_concurrency(text) is concurrent


def test_thread_concurrency_reads_every_message_before_its_diff():
    diff = "---\ndiff --git a/foo.c b/foo.c\n+\t/* racing with foo_exit() */\n"
    quiet = make_thread("[PATCH] foo: fix use-after-free", make_message("a@x", "foo_put() reads foo->ref.\n" + diff))
    assert not scan_thread(quiet).concurrent
    loud = make_thread("[PATCH] foo: fix use-after-free", make_message("a@x", "foo_put() reads foo->ref.\n" + diff),
                       make_message("b@x", "Can foo_exit() run in parallel with it?", reply_to="a@x"))
    assert scan_thread(loud).concurrent
