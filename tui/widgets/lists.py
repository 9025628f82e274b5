"""Keyboard-first lists: j/k like mutt and tig; prompts are Text, never markup."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import OptionList


class KbList(OptionList):
    """An OptionList with vi keys and markup off (prompts are cleaned `rich.text.Text`)."""

    BINDINGS = [
        Binding("enter", "select", "Open"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "first", "First", show=False),
        Binding("G", "last", "Last", show=False),
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def highlighted_id(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None
