"""kb's terminal UI: race histories, races, threads, search and people, keyboard first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding

from kb.errors import KbError, describe_exception
from tui.commands import KbCommands
from tui.screens.modals import ErrorModal, HelpScreen
from tui.screens.person import PersonScreen
from tui.screens.race import RaceScreen
from tui.screens.races import RacesScreen
from tui.screens.search import SearchScreen
from tui.screens.thread import ThreadScreen

if TYPE_CHECKING:
    from kb.library import Library


class KbApp(App[None]):
    """Screens push on a stack (esc/q goes back); every Library call runs in a thread worker."""

    CSS_PATH = "app.tcss"
    TITLE = "kb"
    COMMANDS = App.COMMANDS | {KbCommands}
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library
        self.race_cache: dict[int, Any] = {}
        self.race_order: list[int] = []
        self.errors: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(RacesScreen())

    def show_error(self, exc: BaseException) -> None:
        """The one error funnel: a modal with one line, never a traceback."""
        if isinstance(exc, KbError):
            title, message = "kb", str(exc)
        else:
            title, message = "Something failed", describe_exception(exc)
        self.errors.append(message)
        self.log.error(message)
        self.push_screen(ErrorModal(title, message))

    def list_race_titles(self) -> list[tuple[int, str]]:
        home = self.get_home()
        if home is None:
            return []
        return [(r.id, r.summary) for h in home.histories for r in h.races]

    def get_home(self) -> RacesScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, RacesScreen)), None)

    def open_race(self, race_id: int) -> None:
        self.push_screen(RaceScreen(race_id))

    def open_thread(self, key: str) -> None:
        self.push_screen(ThreadScreen(key))

    def open_message(self, message_id: str, marks: Sequence[Any] = ()) -> None:
        self.push_screen(ThreadScreen(message_id, message_id=message_id, marks=marks))

    def open_person(self, key: str) -> None:
        self.push_screen(PersonScreen(key))

    def action_search(self) -> None:
        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_home(self) -> None:
        while len(self.screen_stack) > 2 and not isinstance(self.screen, RacesScreen):
            self.pop_screen()


def run_app(library: Library) -> None:
    """Run the TUI over a Library until the user quits."""
    KbApp(library).run()
