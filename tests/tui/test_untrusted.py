"""Mail text is untrusted: Rich markup stays literal, escape sequences are stripped, nothing is live."""

from __future__ import annotations

from typing import Any

import pytest

from rich.text import Text
from textual.widgets import Static

from tests.tui.conftest import find_race, list_prompts, run_pilot, static_text, wait_for
from tests.tui.hostile import HOSTILE_LINES, SUBJECT
from tui.app import KbApp
from tui.screens.race import RaceScreen
from tui.screens.races import RacesScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.lists import KbList
from tui.widgets.mail_body import render_body
from tui.widgets.message_pane import MessagePane
from tui.widgets.text import make_text

ESCAPES = ("\x1b", "\x07", "]52;")


def test_make_text_keeps_markup_literal_and_strips_escapes() -> None:
    text = make_text("\n".join([SUBJECT, *HOSTILE_LINES]))
    assert isinstance(text, Text) and not text.spans
    for literal in (SUBJECT, "[@click=app.quit]", "[/bold]", "[link=https://evil.example]", "ALERT", "board"):
        assert literal in text.plain
    assert not any(e in text.plain for e in ESCAPES)


def test_render_body_is_literal() -> None:
    body = "\n".join(HOSTILE_LINES) + "\n> [/bold] quoted\n"
    for fold in (True, False):
        plain = render_body(body, None, (), fold).plain
        assert "[@click=app.quit]" in plain and "[/bold]" in plain and not any(e in plain for e in ESCAPES)


def find_hostile_race(library: Any) -> Any:
    return find_race(library, SUBJECT)


def test_hostile_subject_on_home_and_race(library: Any) -> None:
    race = find_hostile_race(library)
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        prompts = list_prompts(app.screen.query_one("#races", KbList))
        assert any(f"{SUBJECT} hostile" in p for p in prompts)
        app.open_race(race.id)
        await wait_for(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.view is not None)
        assert f"{SUBJECT} hostile" in static_text(app.screen.query_one("#race-header", Static))
        assert app.is_running and not app.errors

    run_pilot(app, script)


def test_hostile_body_shown_literally_and_clicks_do_nothing(library: Any) -> None:
    race = find_hostile_race(library)
    app = KbApp(library)

    async def script(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RacesScreen) and app.screen.order)
        app.open_thread(race.thread_root)
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen)
                       and app.screen.query_one(MessagePane).message is not None)
        pane = app.screen.query_one(MessagePane)
        head = static_text(pane.query_one("#message-head", Static))
        body_widget = pane.query_one("#message-body", Static)
        body = static_text(body_widget)
        assert f"Subject: {SUBJECT} hostile" in head
        for literal in ("[@click=app.quit]click me[/]", "[/bold] unbalanced close",
                        "[link=https://evil.example]link[/link]", "red ALERT text", "clip  board"):
            assert literal in body
        assert not any(e in body for e in ESCAPES)
        # click the injected [@click=app.quit] and [link=...]: they must not be actions
        lines = body.split("\n")
        for needle in ("[@click=app.quit]", "[link="):
            y = next(i for i, line in enumerate(lines) if needle in line)
            for x in (1, 5, 10):
                await pilot.click(body_widget, offset=(x, y))
        await pilot.pause(0.1)
        assert app.is_running and isinstance(app.screen, ThreadScreen)
        # the reply quotes "[/bold] quoted"; unfolded it is shown literally, folded it is one line
        app.screen.query_one("#thread-tree", KbList).focus()
        await pilot.press("j")
        await wait_for(pilot, lambda: pane.message.summary.message_id == "hostile-2@example.org")
        await pilot.press("z")
        await wait_for(pilot, lambda: "[/bold] quoted" in static_text(body_widget))
        await pilot.press("z")
        await wait_for(pilot, lambda: "quoted line" in static_text(body_widget))
        assert "[/bold] quoted" not in static_text(body_widget)
        assert app.is_running and not app.errors

    run_pilot(app, script)


def test_message_pane_strips_raw_escapes_and_keeps_markup() -> None:
    """A message whose stored text still holds escapes (the pane must not rely on ingest cleaning)."""
    from textual.app import App, ComposeResult

    from kb.library import MessageSummary, MessageView

    raw = "\n".join(HOSTILE_LINES)
    summary = MessageSummary("x@y", "[bold]Eve[/bold] \x1b[31m", "eve@example.org", None, f"{SUBJECT} \x1b]52;c;eA==\x07",
                             None, 0, False)
    message = MessageView(summary, "x@y", raw, (("[/bold]", "a@b"),), (), (), "test", "0", (), (), (), ())

    class PaneApp(App[None]):
        def compose(self) -> ComposeResult:
            yield MessagePane()

    app = PaneApp()

    async def script(pilot: Any) -> None:
        pane = app.query_one(MessagePane)
        pane.show(message, None, [])
        await pilot.pause(0.05)
        head = static_text(pane.query_one("#message-head", Static))
        body = static_text(pane.query_one("#message-body", Static))
        assert "[bold]Eve[/bold]" in head and f"Subject: {SUBJECT}" in head and "[/bold]" in head
        assert "[@click=app.quit]click me[/]" in body and "red ALERT" in body and "clip  board" in body
        assert not any(e in head + body for e in ESCAPES)
        await pilot.click(pane.query_one("#message-body", Static), offset=(3, 0))
        await pilot.pause(0.05)
        assert app.is_running

    run_pilot(app, script)


@pytest.mark.parametrize(("summary", "label"), [
    ("base: exists=Sometimes; page-lock: exists=Never", "base:S page-loc:N"),
    ("base: foreign-slot=Sometimes, uaf=Never; fix: foreign-slot=Never, uaf=Never", "base:S fix:N"),
    ("base: exists=Inconclusive (inconclusive)", "base:I"),
])
def test_verdict_badge_reads_run_summaries(summary: str, label: str) -> None:
    from tui.widgets.text import make_verdict_badge

    assert make_verdict_badge(summary).plain.strip() == label
