"""The ingest's child processes (parse and extract workers, index sub-writers) on a stop.

Every process forked after `guard_children()` ignores Ctrl-C (the main process handles it and
ends them with `stop_children()`, so no worker prints a traceback) and, on Linux, is killed
when the process that forked it dies (even by SIGKILL), so no orphan keeps running or keeps
holding the index's write lock.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import signal
import sys
import threading

from kb.child_processes import set_parent_death_signal

from ingest.memory import release_memory

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


def start_pool(workers: int) -> multiprocessing.pool.Pool:
    """A pool of `workers` forked processes whose start no Ctrl-C slips through. Python ignores an
    exception raised in an at-fork hook, so a KeyboardInterrupt raised while the workers fork would
    be lost and the ingest would run on: while they fork, Ctrl-C is only noted, then raised.
    What this process has freed goes back to the system first (`release_memory`)."""
    release_memory()
    if threading.current_thread() is not threading.main_thread():
        return multiprocessing.get_context("fork").Pool(workers)
    noted: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: noted.append(signum))
    try:
        pool = multiprocessing.get_context("fork").Pool(workers)
    finally:
        signal.signal(signal.SIGINT, previous)
    if noted:
        pool.terminate()
        raise KeyboardInterrupt
    return pool


def stop_children(timeout: float = 5.0) -> None:
    """End every worker and sub-writer this process started, and wait for them."""
    for child in multiprocessing.active_children():
        child.terminate()
    for child in multiprocessing.active_children():
        child.join(timeout)
