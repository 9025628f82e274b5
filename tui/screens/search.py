"""Search (/): a query in the query language, the hits, a preview of the highlighted one."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Input, Static
from textual.widgets.option_list import Option

from kb.errors import QueryError
from tui.screens.base import KbScreen
from tui.widgets.lists import KbList
from tui.widgets.text import clip_line, format_day, join_text, make_text

LIMIT = 100


def make_hit_row(hit: Any) -> Text:
    return clip_line(join_text(Text(f"{format_day(hit.date)}  ", style="dim", end=""),
                               (f"{hit.author!s:<20.20}", "cyan"), "  ",
                               (hit.subject, "bold")))


def make_snippet(hit: Any) -> Text:
    """The hit's snippet with its matched words highlighted."""
    snippet = make_text(hit.snippet, "italic")
    if snippet.plain == hit.snippet:  # offsets still valid after cleaning
        for start, end in hit.highlights or ():
            snippet.stylize("bold black on yellow", start, end)
    return snippet


def make_preview(hit: Any, body: str | None) -> Text:
    parts: list[Any] = [(hit.subject, "bold"), "\n",
                        (f"{hit.author}  {format_day(hit.date)}  "
                         f"score {float(hit.score or 0):.2f}", "dim"), "\n\n",
                        make_snippet(hit), "\n\n"]
    if body is not None:
        parts.append((body[:4000], ""))
    return join_text(*parts)


class SearchScreen(KbScreen):
    BINDINGS = [Binding("slash", "focus_query", "Query", show=False)]

    def __init__(self, query: str = "") -> None:
        super().__init__(id="search-screen")
        self.initial = query
        self.hits: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(value=self.initial, placeholder="search: words, author:, subject:, list:, date:… (enter)",
                    id="search-query")
        yield Static("", id="search-error", markup=False)
        with Horizontal(id="search-body"):
            yield KbList(id="search-hits")
            with VerticalScroll(id="search-preview-scroll"):
                yield Static("", id="search-preview", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "search"
        self.query_one("#search-query", Input).focus()
        if self.initial:
            self.run_search(self.initial)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.query_one("#search-hits", KbList).focus()   # keys go to the results while the search runs
            self.run_search(event.value.strip())

    def run_search(self, query: str) -> None:
        self.show_error_line("")
        self.load(lambda: self.find_hits(query), self.show_hits, group="search")

    def find_hits(self, query: str) -> Any:
        try:
            return self.library.search(query, limit=LIMIT)
        except QueryError as exc:
            return exc

    def show_hits(self, result: Any) -> None:
        if isinstance(result, QueryError):
            self.show_error_line(f"{result}\n{result.query}\n{' ' * result.position}^")
            self.action_focus_query()
            return
        self.hits = list(result.hits)
        hits = self.query_one("#search-hits", KbList)
        hits.set_options([Option(make_hit_row(h), id=f"h{i}") for i, h in enumerate(self.hits)])
        self.show_error_line(f"{result.total} hits" + (f", showing {len(self.hits)}" if result.total > len(self.hits)
                                                       else ""), style="dim")
        if self.hits:
            hits.highlighted = 0
            hits.focus()
        else:
            self.query_one("#search-preview", Static).update(Text("no hits", style="dim"))

    def show_error_line(self, text: str, style: str = "bold red") -> None:
        self.query_one("#search-error", Static).update(make_text(text, style))

    def on_option_list_option_highlighted(self, event: KbList.OptionHighlighted) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.hits):
            hit = self.hits[event.option_index]
            self.query_one("#search-preview", Static).update(make_preview(hit, None))
            message_id = hit.message_id
            self.load(lambda: (hit, self.library.show_message(message_id).body), self.show_preview, group="preview")

    def show_preview(self, loaded: tuple[Any, str]) -> None:
        self.query_one("#search-preview", Static).update(make_preview(*loaded))

    def on_option_list_option_selected(self, event: KbList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.hits):
            self.app.open_message(self.hits[event.option_index].message_id)  # type: ignore[attr-defined]

    def action_focus_query(self) -> None:
        self.query_one("#search-query", Input).focus()
