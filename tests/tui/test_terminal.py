"""End to end: `kb tui` in a real terminal (tmux) on a KB built from the seed pages."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from typing import Any

from tests.conftest import skip_unless_ci
from tests.tui.conftest import MEL_SEED, ROOT

TMUX = shutil.which("tmux") or "/usr/bin/tmux"


def find_seed_race(library: Any, seed: str) -> Any:
    """The race whose thread was recovered from the given seed page."""
    for history in library.list_histories(10_000):
        for race in history.races:
            if library.show_message(race.thread_root).source.endswith(seed):
                return race
    raise AssertionError(f"no race from {seed}")


def make_kb_command(url: str) -> str:
    """`kb --db URL tui`; until the lead registers the command in kb.cli.main, register it on the fly."""
    from kb.cli.main import cli, register_commands

    register_commands()
    if "tui" in cli.commands:
        return f"{shlex.quote(str(ROOT / '.venv' / 'bin' / 'kb'))} --db {shlex.quote(url)} tui"
    code = ("from kb.cli.main import cli, register_commands; from kb.cli.tui_command import tui_command; "
            "register_commands(); cli.add_command(tui_command); cli(prog_name='kb')")
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)} --db {shlex.quote(url)} tui"


def capture(session: str) -> str:
    return subprocess.run([TMUX, "capture-pane", "-p", "-t", session], capture_output=True, text=True,
                          check=True).stdout


def wait_screen(session: str, needle: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if needle in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} never appeared; screen was:\n{screen}")


def test_kb_tui_in_tmux_shows_mel_gorman_race(library: Any, kb_url: str) -> None:
    if not shutil.which(TMUX):
        skip_unless_ci("tmux not installed (scripts/system-deps installs it)")
    race = find_seed_race(library, MEL_SEED)
    view = library.show_race(race.id)
    order = [r.id for h in library.list_histories(10_000) for r in h.races]
    session = f"kbtui-{uuid.uuid4().hex[:8]}"
    # the child must look like a user's shell: no pytest variables, no COLUMNS/LINES (80x24) from the harness
    clean_env = "env -u PYTEST_CURRENT_TEST -u PYTEST_VERSION -u TEXTUAL_SNAPSHOT_TEMPDIR -u COLUMNS -u LINES"
    command = f"cd {shlex.quote(str(ROOT))} && {clean_env} {make_kb_command(kb_url)}"
    subprocess.run([TMUX, "new-session", "-d", "-s", session, "-x", "160", "-y", "50", command], check=True)
    # a detached window may fall back to default-size (80x24): pin it at 160x50
    subprocess.run([TMUX, "set-option", "-w", "-t", session, "window-size", "manual"], check=True)
    subprocess.run([TMUX, "resize-window", "-t", session, "-x", "160", "-y", "50"], check=True)
    try:
        wait_screen(session, f"{len(order)} races")
        for _ in range(order.index(race.id)):
            subprocess.run([TMUX, "send-keys", "-t", session, "j"], check=True)
        subprocess.run([TMUX, "send-keys", "-t", session, "Enter"], check=True)
        screen = wait_screen(session, f"Race #{race.id}")
        assert "swapoff" in screen
        screen = wait_screen(session, "── People")  # drawn after the fixes and their objections
        assert view.fixes, "the pipeline extracted no fixes from the seed page"
        flat = " ".join(screen.split())
        for fix in view.fixes:
            assert " ".join(fix.summary.split())[:40] in flat
        mel = [o for f in view.fixes for o in f.objections if "Gorman" in o.by]
        mel += [o for o in view.unlinked_objections if "Gorman" in o.by]
        assert mel, "the pipeline extracted no objection by Mel Gorman from the seed page"
        assert f"objection by {mel[0].by}: {mel[0].reason}" in flat
        assert "Mel Gorman" in screen
        subprocess.run([TMUX, "send-keys", "-t", session, "Escape"], check=True)
        wait_screen(session, f"{len(order)} races")
        subprocess.run([TMUX, "send-keys", "-t", session, "q"], check=True)
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], capture_output=True)
