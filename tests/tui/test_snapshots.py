"""Snapshots of the three main screens over fixed read models (pytest-textual-snapshot)."""

from __future__ import annotations

from typing import Any

from tests.tui.conftest import wait_for
from tests.tui.fixed_library import FixedLibrary
from tui.app import KbApp
from tui.screens.race import RaceScreen
from tui.screens.races import RacesScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.message_pane import MessagePane

SIZE = (140, 40)


def test_snapshot_home(snap_compare: Any) -> None:
    async def ready(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RacesScreen) and pilot.app.screen.order)

    assert snap_compare(KbApp(FixedLibrary()), terminal_size=SIZE, run_before=ready)


def test_snapshot_race(snap_compare: Any) -> None:
    async def ready(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RacesScreen) and pilot.app.screen.order)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RaceScreen) and pilot.app.screen.view)

    assert snap_compare(KbApp(FixedLibrary()), terminal_size=SIZE, run_before=ready)


def test_snapshot_thread_with_patch(snap_compare: Any) -> None:
    async def ready(pilot: Any) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        app.open_message("m2@x")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen)
                       and app.screen.query_one(MessagePane).message is not None)

    assert snap_compare(KbApp(FixedLibrary()), terminal_size=SIZE, run_before=ready)
