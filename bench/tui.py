"""TUI speed with pilot on a real KB: first screen, moving between races, opening a 50-message thread.

Usage: .venv/bin/python bench/tui.py [DB_URL]   (default sqlite:////tmp/kb-cgroups-tui.sqlite)
Prints JSON, milliseconds. Targets: first screen <= 1000, race move <= 100, 50-message thread <= 300.
"Drawn" is the end of the first screen refresh (compositor) after the data reached the widgets, so the
pilot's own fixed cost per key press (reported as pilot_press_overhead_ms) is not counted.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

# this file is named tui.py: keep bench/ off the path so `import tui` finds the package
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE.parent)]

DEFAULT_DB = "sqlite:////tmp/kb-cgroups-tui.sqlite"
MOVES = 20
REFRESHES: list[float] = []


def record_refreshes() -> None:
    """Note when each screen refresh ends (the frame is written)."""
    from textual.screen import Screen

    original = Screen._compositor_refresh

    def timed(self: Any) -> None:
        original(self)
        REFRESHES.append(time.perf_counter())

    Screen._compositor_refresh = timed  # type: ignore[method-assign]


async def wait_until(pilot: Any, predicate: Any, timeout: float = 30.0, start: float | None = None) -> float:
    """Poll until predicate() holds. Returns the time of the last poll where it did not (the data came
    after it), or `start` when it held at the first poll."""
    deadline = time.perf_counter() + timeout
    first = True
    while True:
        before = start if first and start is not None else time.perf_counter()
        first = False
        try:
            if predicate():
                return before
        except Exception:  # the screen is still composing
            pass
        if time.perf_counter() > deadline:
            raise TimeoutError("the TUI did not get there")
        await asyncio.sleep(0.001)


async def wait_drawn(pilot: Any, since: float, start: float, timeout: float = 5.0) -> float:
    """The end of the first refresh after `since`; when the data was already there at the first poll
    (`since == start`, drawn inside the key press), the last refresh up to then (conservative)."""
    if since == start:
        done = [t for t in REFRESHES if start <= t <= time.perf_counter()]
        if done:
            return done[-1]
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        later = [t for t in REFRESHES if t >= since]
        if later:
            return later[0]
        await asyncio.sleep(0.001)
    raise TimeoutError("no screen refresh")


async def measure(library: Any, thread_root: str, thread_size: int) -> dict[str, Any]:
    from tui.app import KbApp
    from tui.screens.race import RaceScreen
    from tui.screens.races import RacesScreen
    from tui.screens.thread import ThreadScreen
    from tui.widgets.message_pane import MessagePane

    result: dict[str, Any] = {}
    start = time.perf_counter()
    app = KbApp(library)
    async with app.run_test(size=(160, 50)) as pilot:
        shown = await wait_until(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        result["first_screen_ms"] = (await wait_drawn(pilot, shown, -1) - start) * 1000
        result["races"] = len(app.race_order)

        noop, home = [], []
        for _ in range(MOVES):
            t = time.perf_counter()
            await pilot.press("x")  # unbound: the pilot's own cost
            noop.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            await pilot.press("j")
            home.append((await wait_drawn(pilot, t, t) - t) * 1000)
        result["pilot_press_overhead_ms"] = statistics.median(noop)
        result["home_cursor_move_p50_ms"] = statistics.median(home)

        await pilot.press("g", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        await pilot.pause(0.2)
        moves = []
        for _ in range(MOVES):
            target = app.race_order[app.race_order.index(app.screen.race_id) + 1]
            t = time.perf_counter()
            await pilot.press("n")
            shown = await wait_until(pilot, lambda: app.screen.view is not None and app.screen.view.summary.id == target,
                                     start=t)
            moves.append((await wait_drawn(pilot, shown, t) - t) * 1000)
            await pilot.pause(0.05)  # a reader's pause: the neighbours prefetch meanwhile
        result["race_move_p50_ms"] = statistics.median(moves)
        result["race_move_max_ms"] = max(moves)

        t = time.perf_counter()
        app.open_thread(thread_root)
        shown = await wait_until(pilot, lambda: isinstance(app.screen, ThreadScreen)
                                 and app.screen.query_one(MessagePane).message is not None)
        result["open_thread_ms"] = (await wait_drawn(pilot, shown, -1) - t) * 1000
        result["thread_messages"] = thread_size
    return result


def time_library(library: Any, thread_root: str, race_ids: list[int]) -> dict[str, float]:
    """The Library calls the screens make, timed alone (warm)."""
    def clock(call: Any) -> float:
        start = time.perf_counter()
        call()
        return (time.perf_counter() - start) * 1000

    races = [clock(lambda: library.show_race(i)) for i in race_ids[:MOVES]]
    view = library.show_thread(thread_root)
    return {"list_histories_ms": clock(lambda: library.list_histories(10_000)),
            "show_race_p50_ms": statistics.median(races), "show_race_max_ms": max(races),
            "show_thread_ms": clock(lambda: library.show_thread(thread_root)),
            "show_message_ms": clock(lambda: library.show_message(view.messages[0].message_id))}


def find_thread(library: Any, size: int = 50) -> tuple[str, int]:
    _, threads = library.list_threads(limit=100_000)
    best = min(threads, key=lambda t: (abs(t.message_count - size), t.id))
    return best.root_message_id, best.message_count


def main() -> None:
    from kb.config import load_settings
    from kb.library import Library

    record_refreshes()
    if len(sys.argv) > 1 and sys.argv[1].startswith("-"):
        raise SystemExit(__doc__)
    library = Library(load_settings(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DB))
    thread_root, size = find_thread(library)
    tui = asyncio.run(measure(library, thread_root, size))
    race_ids = [r.id for h in library.list_histories(10_000) for r in h.races]
    calls = time_library(library, thread_root, race_ids)
    targets = {"first_screen_ms": 1000, "race_move_p50_ms": 100, "open_thread_ms": 300}
    report = {**{k: round(v, 1) if isinstance(v, float) else v for k, v in tui.items()},
              "library": {k: round(v, 1) for k, v in calls.items()},
              "targets_met": {k: tui[k] <= limit for k, limit in targets.items()}}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
