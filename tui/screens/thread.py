"""A thread: the message tree beside the message pane."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header
from textual.widgets.option_list import Option

from tui.screens.base import KbScreen
from tui.widgets.lists import KbList
from tui.widgets.mail_body import Mark, PaneSegment, normalise_segments
from tui.widgets.message_pane import MessagePane
from tui.widgets.text import clip_line, format_day, join_text

MAX_INDENT = 12


def make_tree_row(message: Any, same_subject: bool) -> Text:
    indent = "  " * min(message.depth, MAX_INDENT) + ("└ " if message.depth else "")
    return clip_line(join_text(Text(indent, style="dim", end=""), (message.author_name or message.author_email or "?", "bold"),
                     Text(f"  {format_day(message.date)}", style="dim", end=""),
                     ("" if same_subject else f"  {message.subject}", ""),
                     Text(" (recovered)" if message.recovered else "", style="dim italic", end="")))


def build_tree_options(messages: Sequence[Any]) -> list[Option]:
    options = []
    previous = ""
    for index, m in enumerate(messages):
        subject = " ".join(m.subject.split()).removeprefix("Re: ").removeprefix("RE: ")
        options.append(Option(make_tree_row(m, subject == previous), id=f"m{index}"))
        previous = subject
    return options


def make_marks(evidence: Sequence[Any]) -> list[Mark]:
    marks = []
    for ev in evidence:
        label = str(getattr(ev, "fact_kind", "") or getattr(ev, "kind", "") or getattr(ev, "extractor", ""))
        marks.append(Mark(int(ev.start), int(ev.end), label))
    return marks


class ThreadScreen(KbScreen):
    BINDINGS = [
        Binding("z", "toggle_quotes", "Fold quotes"),
        Binding("tab", "switch_pane", "Pane", show=False),
    ]

    def __init__(self, key: str, message_id: str | None = None, marks: Sequence[Any] = ()) -> None:
        super().__init__(id="thread-screen")
        self.key = key
        self.start_message = message_id
        self.given_marks = {message_id: list(marks)} if message_id else {}
        self.messages: tuple[Any, ...] = ()
        self.loaded: dict[str, tuple[Any, list[PaneSegment] | None, list[Mark]]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="thread-body"):
            yield KbList(id="thread-tree")
            yield MessagePane(id="message-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "thread"
        self.query_one("#thread-tree", KbList).focus()
        self.load(self.read_thread, self.show_thread, group="thread")

    def read_thread(self) -> Any:
        """Runs in a worker: the thread and its first shown message, in one hop."""
        view = self.library.show_thread(self.key)
        ids = [m.message_id for m in view.messages]
        first = self.start_message if self.start_message in ids else (ids[0] if ids else None)
        if first is not None:
            self.loaded[first] = self.read_message(first)
        return view

    def show_thread(self, view: Any) -> None:
        self.messages = view.messages
        self.sub_title = f"thread: {' '.join(view.thread.subject.split())} ({len(view.messages)} messages)"
        tree = self.query_one("#thread-tree", KbList)
        ids = [m.message_id for m in view.messages]
        index = ids.index(self.start_message) if self.start_message in ids else 0
        with self.app.batch_update():  # tree and first message in one screen refresh
            tree.set_options(build_tree_options(view.messages))
            if not ids:
                self.query_one(MessagePane).show_text("(empty thread)")
                return
            tree.highlighted = index
            if ids[index] in self.loaded:
                self.show_message(self.loaded[ids[index]])

    def on_option_list_option_highlighted(self, event: KbList.OptionHighlighted) -> None:
        event.stop()
        index = event.option_index
        if 0 <= index < len(self.messages):
            message_id = self.messages[index].message_id
            shown = self.query_one(MessagePane).message
            if shown is not None and shown.summary.message_id == message_id:
                return
            if message_id in self.loaded:
                self.mark_latest("message")  # a slower load of another message must not win
                self.show_message(self.loaded[message_id])
                return
            self.load(lambda: self.read_message(message_id), self.show_message, group="message")

    def on_option_list_option_selected(self, event: KbList.OptionSelected) -> None:
        event.stop()
        self.query_one(MessagePane).focus()

    def read_message(self, message_id: str) -> tuple[Any, list[PaneSegment] | None, list[Mark]]:
        """Runs in a worker: the message with its stored segments and fact marks."""
        message = self.library.show_message(message_id)
        stored = message.segments
        segments = normalise_segments(stored) if stored else None
        marks = make_marks(message.marks) or make_marks(self.given_marks.get(message_id, []))
        return message, segments, marks

    def show_message(self, loaded: tuple[Any, list[PaneSegment] | None, list[Mark]]) -> None:
        self.loaded[loaded[0].summary.message_id] = loaded
        self.query_one(MessagePane).show(*loaded)

    def action_toggle_quotes(self) -> None:
        pane = self.query_one(MessagePane)
        pane.fold_quotes = not pane.fold_quotes
        self.notify("quotes folded" if pane.fold_quotes else "quotes unfolded", timeout=1.5)

    def action_switch_pane(self) -> None:
        tree = self.query_one("#thread-tree", KbList)
        (self.query_one(MessagePane) if tree.has_focus else tree).focus()
