"""The message pane: headers, then the body with quotes folded, patches coloured and facts marked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from tui.widgets.mail_body import Mark, PaneSegment, render_body
from tui.widgets.text import join_text, make_text


def make_headers(message: Any, marks: Sequence[Mark]) -> Text:
    s = message.summary
    rows = [join_text(Text("From:    ", style="dim", end=""), (s.author_name, "bold"),
                      (f" <{s.author_email}>" if s.author_email else "", "")),
            join_text(Text("Date:    ", style="dim", end=""), (s.date.isoformat() if s.date else "?", "")),
            join_text(Text("Subject: ", style="dim", end=""), (s.subject, "bold")),
            join_text(Text("Msg-ID:  ", style="dim", end=""), (s.message_id, "dim"))]
    if message.to:
        rows.append(join_text(Text("To:      ", style="dim", end=""),
                              (", ".join(n or e for n, e in message.to), "")))
    if s.recovered:
        extent = f"; extent {message.recovery.extent}" if message.recovery else ""
        rows.append(Text(f"(recovered from quotes on a web page{extent})", style="italic yellow", end=""))
    for mark in marks:
        if mark.label:
            rows.append(join_text(Text("fact:    ", style="dim", end=""), (mark.label, "bold black on yellow")))
    return Text("\n", end="").join(rows)


class MessagePane(VerticalScroll, can_focus=True):
    """Set `show(message, segments, marks)`; `fold_quotes` toggles with z."""

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False),
        Binding("k", "scroll_up", "Scroll up", show=False),
        Binding("space", "page_down", "Page down", show=False),
    ]

    fold_quotes: reactive[bool] = reactive(True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message: Any = None
        self.segments: list[PaneSegment] | None = None
        self.marks: list[Mark] = []

    def compose(self) -> ComposeResult:
        yield Static(Text("select a message", style="dim"), id="message-head", markup=False)
        yield Static("", id="message-body", markup=False)

    def show(self, message: Any, segments: list[PaneSegment] | None, marks: list[Mark]) -> None:
        self.message, self.segments, self.marks = message, segments, marks
        with self.app.batch_update():
            self.query_one("#message-head", Static).update(make_headers(message, marks))
            self.draw_body()
            self.scroll_home(animate=False)

    def show_text(self, text: str) -> None:
        self.message = None
        self.query_one("#message-head", Static).update(make_text(text, "dim"))
        self.query_one("#message-body", Static).update("")

    def draw_body(self) -> None:
        if self.message is not None:
            body = render_body(self.message.body, self.segments, self.marks, self.fold_quotes)
            self.query_one("#message-body", Static).update(body)

    def watch_fold_quotes(self) -> None:
        self.draw_body()
