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


def wait_screen(session: str, needle: str, timeout: float = 20.0, absent: str = "") -> str:
    """The screen once it shows `needle` (and no longer shows `absent`)."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if needle in screen and not (absent and absent in screen):
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} never appeared (or {absent!r} never went); screen was:\n{screen}")


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


def start_tmux(session: str, command: str) -> None:
    subprocess.run([TMUX, "new-session", "-d", "-s", session, "-x", "160", "-y", "50", command], check=True)
    subprocess.run([TMUX, "set-option", "-w", "-t", session, "window-size", "manual"], check=True)
    subprocess.run([TMUX, "resize-window", "-t", session, "-x", "160", "-y", "50"], check=True)


def test_demo_first_race_has_participants(demo_kb: Any) -> None:
    from kb.config import load_settings
    from kb.library import Library

    library = Library(load_settings(str(demo_kb)), create=False)
    first = library.list_histories()[0].races[0]
    assert library.show_race(first.id).participants


def test_make_demo_tui_opens_the_first_race_with_title_date_and_participants(tmp_path: Any) -> None:
    """`make demo` runs `kb demo`; on a terminal that opens the TUI on the freshly built KB."""
    if not shutil.which(TMUX):
        skip_unless_ci("tmux not installed (scripts/system-deps installs it)")
    from kb.config import load_settings
    from kb.library import Library
    from kb.render import format_date

    db = tmp_path / "kb.sqlite"
    session = f"kbdemo-{uuid.uuid4().hex[:8]}"
    clean_env = "env -u PYTEST_CURRENT_TEST -u PYTEST_VERSION -u TEXTUAL_SNAPSHOT_TEMPDIR -u COLUMNS -u LINES -u KB_DB"
    kb = shlex.quote(str(ROOT / ".venv" / "bin" / "kb"))
    start_tmux(session, f"cd {shlex.quote(str(ROOT))} && {clean_env} {kb} --db {shlex.quote(str(db))} demo")
    try:
        wait_screen(session, " races", timeout=120)
        library = Library(load_settings(str(db)), create=False)
        first = library.list_histories()[0].races[0]
        view = library.show_race(first.id)
        subprocess.run([TMUX, "send-keys", "-t", session, "Enter"], check=True)
        screen = wait_screen(session, f"Race #{first.id}")
        flat = " ".join(screen.split())
        assert " ".join(first.summary.split())[:40] in flat
        assert " ".join(first.thread_subject.split())[:40] in flat
        assert f"last activity {format_date(first.last_activity)[:10]}" in flat
        assert view.participants, "the demo's first race names no racing path"
        assert f"participants {', '.join(view.participants)}" in flat
        assert "?" * 4 not in screen and ".txt" not in screen
        subprocess.run([TMUX, "send-keys", "-t", session, "?"], check=True)
        screen = wait_screen(session, "the mail did not give")   # the help's last line: the whole box is drawn
        time.sleep(0.5)
        screen = capture(session)
        for chip in ("S sometimes", "N never", "A always", "I inconclusive", "fix 1 obj 1 open", "races.prose 0.8"):
            assert chip in " ".join(screen.split()), chip
        races = f"{sum(len(h.races) for h in library.list_histories())} races"
        for gone in ("Badges and chips", f"Race #{first.id}"):   # one key at a time: a burst of ESCs is one sequence
            subprocess.run([TMUX, "send-keys", "-t", session, "Escape"], check=True)
            wait_screen(session, races if gone.startswith("Race") else "", absent=gone)
        subprocess.run([TMUX, "send-keys", "-t", session, "Escape"], check=True)   # on home: a hint, never quits
        time.sleep(1)
        assert races in capture(session)
        subprocess.run([TMUX, "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 20
        while subprocess.run([TMUX, "has-session", "-t", session], capture_output=True).returncode == 0:
            assert time.monotonic() < deadline, "q did not quit the demo's TUI"
            time.sleep(0.2)
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], capture_output=True)
