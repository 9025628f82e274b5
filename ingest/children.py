"""The ingest's child processes (parse and extract workers, index sub-writers) on a stop.

Every process forked after `guard_children()` ignores Ctrl-C (the main process handles it and
ends them with `stop_children()`, so no worker prints a traceback) and, on Linux, is killed
when the process that forked it dies (even by SIGKILL), so no orphan keeps running or keeps
holding the index's write lock.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys

from kb.child_processes import set_parent_death_signal

_guarded = False


def protect_child() -> None:
    """In a freshly forked child: Ctrl-C is the parent's; die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        set_parent_death_signal()


def guard_children() -> None:
    """Protect every child this process forks from now on (once per process)."""
    global _guarded
    if not _guarded:
        os.register_at_fork(after_in_child=protect_child)
        _guarded = True


def stop_children(timeout: float = 5.0) -> None:
    """End every worker and sub-writer this process started, and wait for them."""
    for child in multiprocessing.active_children():
        child.terminate()
    for child in multiprocessing.active_children():
        child.join(timeout)
