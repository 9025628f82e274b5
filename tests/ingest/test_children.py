"""The ingest's worker pools: a Ctrl-C that arrives while the workers fork is not lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import ROOT

# SIGINT sent from an at-fork hook, i.e. exactly while the pool forks its workers: Python ignores
# an exception raised in such a hook, so a KeyboardInterrupt raised there would vanish. A second
# thread runs, as the ingest's progress thread does: the kernel may hand the signal to it.
SCRIPT = textwrap.dedent("""
    import os, signal, sys, threading, time
    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.register_at_fork(after_in_parent=lambda: os.kill(os.getpid(), signal.SIGINT))
    from ingest.children import start_pool
    try:
        pool = start_pool(2)
    except KeyboardInterrupt:
        print("interrupted")
        sys.exit(0)
    print("lost")
    pool.terminate()
""")


def test_a_ctrl_c_during_the_fork_of_a_pool_interrupts_the_ingest() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "interrupted", done.stdout + done.stderr


def test_without_holding_the_signal_the_ctrl_c_is_lost() -> None:
    """The failure the pool guards against is real (if Python ever stops ignoring exceptions in
    at-fork hooks, this test says the guard can go)."""
    script = SCRIPT.replace("from ingest.children import start_pool",
                            "import multiprocessing; start_pool = multiprocessing.get_context('fork').Pool")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "lost", done.stdout + done.stderr
