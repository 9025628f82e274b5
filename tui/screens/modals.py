"""Modal screens: the error funnel's modal, an input prompt, help, a scenario run's witness."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.widgets.text import clip_line, make_text

HELP = """\
Keys (keyboard first, like mutt and tig)

  j / k, ↓ / ↑     move            enter        open / jump to the message
  esc / q          back            /            search (the query language)
  ?                this help       ctrl+p       command palette
  tab              next pane       ctrl+q       quit

Races (home)   f filter box (query language; enter applies and moves to the list; esc
               clears it); q quits (esc never does)
A race         n / p next / previous race; t the race's thread; r run the highlighted
               (or first) linked scenario; l link a scenario file; enter on a person
               opens their page
A thread       z fold / unfold quotes; enter reads the message; j / k move in the tree
Search         enter in the box searches and moves to the hits; enter on a hit opens its thread

Badges and chips
  base:S lock:N    scenario verdicts: up to three variants (first 8 letters of the name),
                   each with the verdict of its first condition: S sometimes (the bad
                   interleaving can happen), A always, N never (the variant rules it out),
                   I inconclusive (the search was cut short). Red: the first variant's bug
                   shows; green: it cannot happen; magenta: the run failed
  –                no scenario run yet          yellow word: a run that did not parse
  2 fix 1 obj 1 open   fixes proposed, objections raised, objections still open (red)
  ●  fix           ✗ objection; open (red) or resolved (green)
  races.prose 0.8  the extractor that found a piece of evidence, and its confidence (0-1)
  timeline kinds   message, report (KCSAN/KASAN/lockdep/syzbot), analysis, proposal (a fix in
                   prose), patch, objection, ack, applied
  -                a date or field the mail did not give
"""


class ErrorModal(ModalScreen[None]):
    """One line about what failed; never a traceback."""

    BINDINGS = [Binding("escape,enter,q", "dismiss_modal", "Close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box", classes="modal-box"):
            yield Label(make_text(self.title_text, "bold red"), id="error-title")
            yield Static(make_text(self.message), id="error-message", markup=False)
            yield Button("OK", id="error-ok", variant="error")

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)


class InputModal(ModalScreen[str | None]):
    """Ask for one value (a scenario file path); enter returns it, esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, placeholder: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="input-box", classes="modal-box"):
            yield Label(make_text(self.prompt, "bold"))
            yield Input(placeholder=self.placeholder, id="modal-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="modal-box"):
            yield Static(Text(HELP), markup=False)

    def action_close(self) -> None:
        self.dismiss(None)


class WitnessScreen(ModalScreen[None]):
    """A scenario run: verdict summary, then the witness interleaving in CPU columns, verbatim."""

    BINDINGS = [Binding("escape,q", "close", "Close"), Binding("j", "scroll_down", show=False),
                Binding("k", "scroll_up", show=False)]

    def __init__(self, title: str, summary: str, witness: str) -> None:
        super().__init__()
        self.title_text = title
        self.summary = summary
        self.witness = witness

    def compose(self) -> ComposeResult:
        with Vertical(id="witness-box", classes="modal-box"):
            yield Label(make_text(self.title_text, "bold"))
            yield Static(make_text(self.summary, "bold yellow"), id="witness-summary", markup=False)
            with ScrollableContainer(id="witness-scroll"):
                yield Static(clip_line(make_text(self.witness or "(no witness: nothing to show)")),
                             id="witness-text", markup=False)

    def action_scroll_down(self) -> None:
        self.query_one("#witness-scroll", ScrollableContainer).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#witness-scroll", ScrollableContainer).scroll_up()

    def action_close(self) -> None:
        self.dismiss(None)
