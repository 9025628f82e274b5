"""The base of every kb screen: Library calls in thread workers, one error funnel, back keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual import work
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from kb.library import Library

T = TypeVar("T")


class KbScreen(Screen[None]):
    """Screens call `self.load(call, then)`: `call` runs in a thread, `then` on the UI with its result."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
    ]

    @property
    def library(self) -> Library:
        return self.app.library  # type: ignore[attr-defined,no-any-return]

    def load(self, call: Callable[[], T], then: Callable[[T], None], group: str = "load") -> None:
        """Run a Library call off the UI thread; the latest call of a group wins."""
        self.call_library(call, then, group, self.mark_latest(group))

    @work(thread=True, exit_on_error=False)
    def call_library(self, call: Callable[[], Any], then: Callable[[Any], None], group: str, token: int) -> None:
        worker = get_current_worker()
        try:
            result = call()
        except Exception as exc:  # the one funnel: a modal, never a traceback
            if not worker.is_cancelled:
                self.send_to_ui(self.app.show_error, exc)  # type: ignore[attr-defined]
            return
        if not worker.is_cancelled and self.is_latest(group, token):
            self.send_to_ui(then, result)

    def mark_latest(self, group: str) -> int:
        tokens = self.__dict__.setdefault("_load_tokens", {})
        tokens[group] = tokens.get(group, 0) + 1
        return int(tokens[group])

    def is_latest(self, group: str, token: int) -> bool:
        return bool(self.__dict__.get("_load_tokens", {}).get(group) == token)

    def send_to_ui(self, callback: Callable[..., Any], *args: Any) -> None:
        try:
            self.app.call_from_thread(self.deliver, callback, *args)
        except RuntimeError:  # the app is shutting down
            pass

    def deliver(self, callback: Callable[..., Any], *args: Any) -> None:
        if self.is_attached:
            callback(*args)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()
