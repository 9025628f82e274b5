"""Pilot tests: error modal funnel, help, command palette, search, person, scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, Static

from kb.errors import NotFoundError
from tests.tui.conftest import ROOT, find_race, list_prompts, run_pilot, static_text, wait_for
from tests.tui.hostile import make_mbox
from tui.app import KbApp
from tui.screens.modals import ErrorModal, HelpScreen, InputModal, WitnessScreen
from tui.screens.race import RaceScreen
from tui.screens.races import RacesScreen
from tui.widgets.lists import KbList


class FailingLibrary:
    """The real Library, except that show_race fails."""

    def __init__(self, library: Any, error: Exception) -> None:
        self.library = library
        self.error = error

    def __getattr__(self, name: str) -> Any:
        return getattr(self.library, name)

    def show_race(self, race_id: int) -> Any:
        raise self.error


@pytest.mark.parametrize("error", [NotFoundError("no such race", place="race 1"), RuntimeError("database is locked")])
def test_library_errors_open_a_modal_not_a_traceback(library: Any, error: Exception) -> None:
    app = KbApp(FailingLibrary(library, error))

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal))
        message = static_text(app.screen.query_one("#error-message", Static))
        assert str(error) in message and "Traceback" not in message
        await pilot.press("escape")
        assert isinstance(app.screen, RaceScreen) and app.is_running

    run_pilot(app, script)


def test_help_and_quit(library: Any) -> None:
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, RacesScreen)
        await pilot.press("q")
        await pilot.pause(0.05)
        assert not app.is_running

    run_pilot(app, script)


def test_command_palette_opens_a_race(library: Any) -> None:
    swap = find_race(library, "swapoff")
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*f"race #{swap.id}")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        assert app.screen.race_id == swap.id

    run_pilot(app, script)


def test_search_screen(library: Any) -> None:
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        await pilot.press("slash")
        assert app.screen.query_one("#search-query", Input).has_focus
        await pilot.press(*"swapoff", "enter")
        await wait_for(pilot, lambda: app.screen.hits)
        assert any("swap" in p.lower() for p in list_prompts(app.screen.query_one("#search-hits", KbList)))
        await wait_for(pilot, lambda: "swap" in static_text(app.screen.query_one("#search-preview", Static)).lower())
        await pilot.press("slash")
        await pilot.press("ctrl+a", "ctrl+k", *"subject:(", "enter")
        await wait_for(pilot, lambda: "column" in static_text(app.screen.query_one("#search-error", Static)))
        assert app.is_running and not app.errors

    run_pilot(app, script)


def test_filter_box_shows_query_errors_inline(library: Any) -> None:
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        await pilot.press("f", *"subject:(", "enter")
        box = app.screen.query_one("#filter-error", Static)
        await wait_for(pilot, lambda: "column" in static_text(box))
        assert box.display and isinstance(app.screen, RacesScreen) and not app.errors

    run_pilot(app, script)


def test_person_screen(library: Any) -> None:
    swap = find_race(library, "swapoff")
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        app.open_race(swap.id)
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        people = app.screen.view.people
        index = next(i for i, p in enumerate(list_prompts(app.screen.query_one("#race-items", KbList)))
                     if p.strip().startswith(people[0].name) and "── " not in p and "“" not in p)
        app.screen.query_one("#race-items", KbList).highlighted = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Races" in "".join(list_prompts(app.screen.query_one("#person-items", KbList))))
        assert people[0].name in static_text(app.screen.query_one("#person-header", Static))

    run_pilot(app, script)


@pytest.fixture
def scenario_library(tmp_path: Path) -> Any:
    """A small KB of its own (runs and links write to it)."""
    from ingest.pipeline import run_ingest
    from kb.config import load_settings
    from kb.library import Library

    lib = Library(load_settings(f"sqlite:///{tmp_path / 'kb.sqlite'}", str(tmp_path / "index")))
    run_ingest(lib.factory, [str(make_mbox(tmp_path))], "hostile", workers=0)
    return lib


def test_link_and_run_scenario_shows_witness(scenario_library: Any) -> None:
    race = scenario_library.list_races()[0]
    scenario = ROOT / "data" / "scenarios" / "kcsan_cgroup_rstat.kscen"
    app = KbApp(scenario_library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        app.open_race(race.id)
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        await pilot.press("l")
        assert isinstance(app.screen, InputModal)
        app.screen.query_one(Input).value = str(scenario)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view.scenarios)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, WitnessScreen), timeout=30)
        witness = static_text(app.screen.query_one("#witness-text", Static))
        assert "CPU0" in witness and "CPU1" in witness
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen)
                       and app.screen.view.scenarios[0].last_verdict)
        assert not app.errors

    run_pilot(app, script)


def test_link_missing_scenario_file_is_an_error_modal(scenario_library: Any) -> None:
    race = scenario_library.list_races()[0]
    app = KbApp(scenario_library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        app.open_race(race.id)
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        await pilot.press("l")
        app.screen.query_one(Input).value = "/nonexistent/x.kscen"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal))
        assert app.is_running

    run_pilot(app, script)
