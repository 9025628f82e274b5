"""Command palette entries: the screens, and every race by its summary."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from kb.render import clean_terminal_text

if TYPE_CHECKING:
    from tui.app import KbApp


class KbCommands(Provider):
    def list_commands(self) -> list[tuple[str, Any, str]]:
        app: KbApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, Any, str]] = [
            ("Races (home)", app.action_home, "Go back to the races list"),
            ("Search", app.action_search, "Search mail with the query language"),
            ("Help", app.action_help, "Keys and screens"),
        ]
        for race_id, summary in app.list_race_titles():
            commands.append((f"Race #{race_id}: {clean_terminal_text(summary)[:80]}",
                             partial(app.open_race, race_id), "Open this race"))
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self.list_commands()[:3]:
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self.list_commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
