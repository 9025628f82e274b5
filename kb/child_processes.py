"""Helper processes die with kb: every process forked after `make_children_die_with_parent()`
(parse and extraction workers, whoosh's sub-writers) gets the parent-death signal SIGKILL, so a
kb killed alone (as the OOM killer does) leaves no orphan holding memory or an index lock."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
_installed = False


def set_parent_death_signal() -> None:
    """In a freshly forked child: die when the parent does (and now, if it already has)."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: nothing to set
        return
    if os.getppid() != parent or parent == 1:  # the parent died between fork and prctl
        os._exit(1)


def make_children_die_with_parent() -> None:
    global _installed
    if not _installed and sys.platform.startswith("linux"):
        os.register_at_fork(after_in_child=set_parent_death_signal)
        _installed = True
