"""Helper processes die with kb when kb alone is killed (parent-death signal)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

PARENT = textwrap.dedent("""
    import multiprocessing, sys, time
    from kb.child_processes import make_children_die_with_parent
    if sys.argv[1] == "1":
        make_children_die_with_parent()
    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(120,))
    child.start()
    print(child.pid, flush=True)
    time.sleep(120)
""")


def is_running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
@pytest.mark.parametrize("install", [True, False])
def test_killing_the_parent_alone_kills_its_helpers(install: bool) -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, "1" if install else "0"], stdout=subprocess.PIPE,
                              text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while is_running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert is_running(child) is not install      # without the signal the orphan lives on
    finally:
        if is_running(child):
            os.kill(child, signal.SIGKILL)
