"""TUI habits: enter in a box moves to the results, esc on home never quits (q does), and `?`
explains every badge and chip the screens draw."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from tests.tui.conftest import run_pilot, wait_for
from tui.app import KbApp
from tui.screens.modals import HELP, HelpScreen
from tui.screens.races import RacesScreen
from tui.screens.search import SearchScreen
from tui.widgets.lists import KbList
from tui.widgets.race_sections import TIMELINE_STYLES
from tui.widgets.text import VERDICT_STYLES


async def open_home(pilot: Any, app: KbApp) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)


def test_enter_in_the_filter_moves_focus_to_the_races_so_keys_work(library: Any) -> None:
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await open_home(pilot, app)
        await pilot.press("f", *"swapoff", "enter")
        assert app.screen.query_one("#races", KbList).has_focus      # at once, before the filter answers
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert app.screen_stack[-2].query_one("#filter", Input).value == "swapoff"

    run_pilot(app, script)


def test_a_bad_filter_keeps_the_focus_in_the_box(library: Any) -> None:
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await open_home(pilot, app)
        await pilot.press("f", *"subject:(", "enter")
        await wait_for(pilot, lambda: app.screen.query_one("#filter", Input).has_focus
                       and "column" in str(app.screen.query_one("#filter-error").render()))

    run_pilot(app, script)


def test_enter_in_search_moves_focus_to_the_hits(library: Any) -> None:
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await open_home(pilot, app)
        await pilot.press("slash", *"nosuchwordanywhere", "enter")
        assert isinstance(app.screen, SearchScreen) and app.screen.query_one("#search-hits", KbList).has_focus
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)

    run_pilot(app, script)


def test_escape_on_home_does_not_quit_and_q_does(library: Any) -> None:
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await open_home(pilot, app)
        await pilot.press("escape", "escape")
        await pilot.pause(0.05)
        assert app.is_running and isinstance(app.screen, RacesScreen)
        await pilot.press("tab", "question_mark", "escape")
        await pilot.pause(0.05)
        focused = app.focused
        assert isinstance(focused, KbList) and focused.option_count > 1    # Esc closed the help, focus kept
        before = focused.highlighted_id
        await pilot.press("j")
        await pilot.pause(0.05)
        assert app.is_running and app.focused is focused
        assert focused.highlighted_id not in (None, before)               # j moved to the next race
        await pilot.press("q")
        await pilot.pause(0.05)
        assert not app.is_running

    run_pilot(app, script)


def test_help_explains_every_badge_and_chip() -> None:
    for word in ("Sometimes", "Always", "Never", "Inconclusive"):
        assert f"{word[0]} {word.lower()}" in HELP                  # the chip letter and what it means
    for verdict, style in VERDICT_STYLES.items():
        assert style.split()[-1].capitalize() in HELP or style.split()[-1] in HELP, verdict
    for kind in TIMELINE_STYLES:
        assert kind in HELP
    for chip in ("fix", "obj", "open", "–", "●", "✗", "resolved", "races.prose 0.8"):
        assert chip in HELP


def test_on_a_race_tab_help_escape_then_j_moves_down_the_race(library: Any) -> None:
    """On a race, Esc closes the help without leaving the race, and j still moves visibly."""
    from tui.screens.race import RaceScreen

    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await open_home(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        race = app.screen
        await pilot.press("tab", "question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is race)
        items = race.query_one("#race-items", KbList)
        assert app.focused is items and items.option_count > 1
        before = items.highlighted_id
        await pilot.press("j")
        await pilot.pause(0.05)
        assert app.screen is race and items.highlighted_id not in (None, before)

    run_pilot(app, script)
