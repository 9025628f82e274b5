"""Pilot tests: home, race, thread screens and the moves between them."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static

from tests.tui.conftest import find_race, list_prompts, run_pilot, static_text, wait_for
from tui.app import KbApp
from tui.screens.race import RaceScreen
from tui.screens.races import RacesScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.lists import KbList
from tui.widgets.message_pane import MessagePane


def test_home_groups_races_into_histories(library: Any) -> None:
    app = KbApp(library)
    histories = library.list_histories()

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        prompts = list_prompts(app.screen.query_one("#races", KbList))
        races = [r for h in histories for r in h.races]
        assert len(prompts) == len(histories) + len(races)
        assert prompts[0].startswith("▾ ")  # a history header first, most recent activity first
        swap = find_race(library, "swapoff")
        row = next(p for p in prompts if p.lstrip().startswith(f"#{swap.id} "))
        assert f"{swap.fixes} fix" in row and f"{swap.objections} obj" in row and f"{swap.open_objections} open" in row
        assert app.screen.order == [r.id for r in races]
        assert app.race_order == app.screen.order

    run_pilot(app, script)


def test_home_enter_opens_race_and_escape_returns(library: Any) -> None:
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        first = app.screen.order[0]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        assert app.screen.race_id == first
        await pilot.press("escape")
        assert isinstance(app.screen, RacesScreen)
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        assert app.screen.race_id == app.race_order[1]
        await pilot.press("q")
        assert isinstance(app.screen, RacesScreen)

    run_pilot(app, script)


def test_home_filter_box_narrows_races(library: Any) -> None:
    app = KbApp(library)
    swap = find_race(library, "swapoff")

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        total = len(app.screen.order)
        await pilot.press("f")
        assert app.screen.query_one("#filter", Input).has_focus
        await pilot.press(*"swapoff", "enter")
        await wait_for(pilot, lambda: len(app.screen.order) < total)
        assert swap.id in app.screen.order
        await pilot.press("escape")  # clears the filter
        await wait_for(pilot, lambda: len(app.screen.order) == total)

    run_pilot(app, script)


def test_race_screen_shows_fixes_objections_people_timeline(library: Any) -> None:
    swap = find_race(library, "swapoff")
    view = library.show_race(swap.id)
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        app.open_race(swap.id)
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        header = static_text(app.screen.query_one("#race-header", Static))
        assert view.summary.summary in header and view.object in header
        assert all(p in header for p in view.participants)
        text = "\n".join(list_prompts(app.screen.query_one("#race-items", KbList)))
        for section in ("Evidence", "Fixes", "People", "Timeline", "Scenarios"):
            assert f"── {section}" in text
        for fix in view.fixes:
            assert " ".join(fix.summary.split())[:40] in text
            for objection in fix.objections:
                assert f"objection by {objection.by}: {objection.reason}" in text
        for person in view.people:
            assert person.name in text
        assert sum(1 for e in view.timeline if e.kind in text) == len(view.timeline)

    run_pilot(app, script)


def test_evidence_enter_jumps_to_message_in_thread(library: Any) -> None:
    swap = find_race(library, "swapoff")
    evidence = library.show_race(swap.id).evidence[0]
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        app.open_race(swap.id)
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        await pilot.press("enter")  # the first row is the first evidence quote
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen)
                       and app.screen.query_one(MessagePane).message is not None)
        pane = app.screen.query_one(MessagePane)
        assert pane.message.summary.message_id == evidence.message_id
        tree = app.screen.query_one("#thread-tree", KbList)
        assert app.screen.messages[tree.highlighted].message_id == evidence.message_id
        body = static_text(pane.query_one("#message-body", Static))
        assert " ".join(evidence.quote.split())[:30] in " ".join(body.split())
        assert any(m.start == evidence.start for m in pane.marks)  # the fact is marked in the text

    run_pilot(app, script)


def test_next_and_previous_race(library: Any) -> None:
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        order = list(app.race_order)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.view.summary.id == order[1])
        await pilot.press("p")
        await wait_for(pilot, lambda: app.screen.view.summary.id == order[0])
        await pilot.press("p")  # stays at the first
        assert app.screen.race_id == order[0]

    run_pilot(app, script)


def test_thread_screen_tree_and_message_pane(library: Any) -> None:
    swap = find_race(library, "swapoff")
    thread = library.show_thread(swap.thread_root)
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        app.open_race(swap.id)
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen)
                       and app.screen.query_one(MessagePane).message is not None)
        prompts = list_prompts(app.screen.query_one("#thread-tree", KbList))
        assert len(prompts) == len(thread.messages)
        for prompt, message in zip(prompts, thread.messages):
            assert message.author_name in prompt
        await pilot.press("j")
        await wait_for(pilot, lambda: app.screen.query_one(MessagePane).message.summary.message_id
                       == thread.messages[1].message_id)
        await pilot.press("tab")
        assert app.screen.query_one(MessagePane).has_focus
        await pilot.press("escape")
        assert isinstance(app.screen, RaceScreen)

    run_pilot(app, script)


def test_mouse_click_opens_race(library: Any) -> None:
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        races = app.screen.query_one("#races", KbList)
        await pilot.click(races, offset=(10, 1))  # row 0 is a history header, row 1 its first race
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen))
        assert app.screen.race_id == app.race_order[0]

    run_pilot(app, script)
