"""Home: races grouped into histories, most recent activity first; a query-language filter box."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Input, Static

from kb.errors import QueryError
from tui.screens.base import KbScreen
from tui.widgets.lists import KbList
from tui.widgets.race_rows import build_race_options, make_filter_note
from tui.widgets.text import make_text

SEARCH_LIMIT = 2000
HOME_LIMIT = 10_000


class RacesScreen(KbScreen):
    """The home screen. Enter opens a race; f focuses the filter box; esc clears it (never quits: q does)."""

    BINDINGS = [
        Binding("f", "focus_filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("q", "quit_app", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__(id="races-screen")
        self.histories: list[Any] = []
        self.order: list[int] = []
        self.query_text = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="filter races (query language, e.g. author:gorman swap); enter applies",
                    id="filter")
        yield Static("", id="filter-error", markup=False)
        yield Static(Text("loading races…", style="dim"), id="filter-note", markup=False)
        yield KbList(id="races")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "races"
        self.query_one("#races", KbList).focus()
        self.refresh_races()

    def refresh_races(self) -> None:
        self.load(lambda: self.library.list_histories(HOME_LIMIT), self.show_histories, group="histories")

    def show_histories(self, histories: list[Any]) -> None:
        self.histories = histories
        self.apply_filter(None)

    def apply_filter(self, keep: set[str] | None) -> None:
        """Show races whose thread matched (None: all)."""
        ids = None
        if keep is not None:
            ids = {r.id for h in self.histories for r in h.races if r.thread_root in keep or str(r.id) in keep}
        options, self.order = build_race_options(self.histories, ids)
        races = self.query_one("#races", KbList)
        races.set_options(options)
        if self.order:
            races.highlighted = races.get_option_index(f"race-{self.order[0]}")
        total = sum(len(h.races) for h in self.histories)
        note = make_filter_note(len(self.order), total, self.query_text if keep is not None else "")
        if not total:
            note = Text("no races yet: ingest some mail (kb ingest …) or run kb demo", style="dim")
        self.query_one("#filter-note", Static).update(note)
        app = self.app
        if hasattr(app, "race_order"):
            app.race_order = list(self.order)  # type: ignore[attr-defined]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "filter":
            return
        event.stop()
        self.query_text = event.value.strip()
        self.show_filter_error(None)
        if not self.query_text:
            self.apply_filter(None)
            self.query_one("#races", KbList).focus()
            return
        self.query_one("#races", KbList).focus()    # keys go to the results while the filter runs
        query = self.query_text
        self.load(lambda: self.find_threads(query), self.show_matches, group="filter")

    def find_threads(self, query: str) -> set[str] | QueryError:
        """Threads (root message-ids) and race ids matching the query; a QueryError is returned, not raised."""
        try:
            result = self.library.search(query, limit=SEARCH_LIMIT, threads=True)
        except QueryError as exc:
            return exc
        keep: set[str] = set()
        for hit in result.hits:
            keep.add(hit.thread_id)
            keep.add(hit.message_id)
        return keep

    def show_matches(self, found: set[str] | QueryError) -> None:
        if isinstance(found, QueryError):
            self.show_filter_error(found)
            self.action_focus_filter()
            return
        self.apply_filter(found)
        self.query_one("#races", KbList).focus()

    def show_filter_error(self, error: QueryError | None) -> None:
        box = self.query_one("#filter-error", Static)
        box.set_class(error is not None, "visible")
        if error is None:
            box.update("")
            return
        pointer = " " * error.position + "^"
        box.update(Text.assemble(make_text(str(error), "bold red"), "\n", make_text(error.query),
                                 "\n", (pointer, "bold red")))

    def on_option_list_option_selected(self, event: KbList.OptionSelected) -> None:
        event.stop()
        if event.option.id and event.option.id.startswith("race-"):
            self.app.open_race(int(event.option.id[5:]))  # type: ignore[attr-defined]

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        if field.has_focus or self.query_text:
            field.value = ""
            self.query_text = ""
            self.show_filter_error(None)
            self.apply_filter(None)
            self.query_one("#races", KbList).focus()
        else:
            self.notify("esc goes back from other screens; q quits kb", timeout=3)

    def action_quit_app(self) -> None:
        self.app.exit()
