"""A race: summary, evidence, fixes with nested objections, people, timeline, linked scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from tui.screens.base import KbScreen
from tui.screens.modals import InputModal, WitnessScreen
from tui.widgets.lists import KbList
from tui.widgets.race_sections import Target, build_race_sections, make_race_header


class RaceScreen(KbScreen):
    BINDINGS = [
        Binding("n", "next_race", "Next race"),
        Binding("p", "previous_race", "Prev race"),
        Binding("t", "open_thread", "Thread"),
        Binding("r", "run_scenario", "Run scenario"),
        Binding("l", "link_scenario", "Link scenario"),
    ]

    def __init__(self, race_id: int) -> None:
        super().__init__(id="race-screen")
        self.race_id = race_id
        self.view: Any = None
        self.targets: dict[str, Target] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("loading race…", style="dim"), id="race-header", markup=False)
        yield KbList(id="race-items")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#race-items", KbList).focus()
        self.show_race_id(self.race_id)

    def show_race_id(self, race_id: int, refresh: bool = False) -> None:
        self.race_id = race_id
        self.sub_title = f"race #{race_id}"
        cache: dict[int, Any] = self.app.race_cache  # type: ignore[attr-defined]
        if race_id in cache and not refresh:
            self.mark_latest("race")  # a slower load of another race must not win
            self.show_view(cache[race_id])
            return
        self.load(lambda: self.library.show_race(race_id), self.show_view, group="race")

    def prefetch_neighbours(self) -> None:
        """Load the next and previous races into the cache, so n/p draw without a worker hop."""
        order: list[int] = self.app.race_order  # type: ignore[attr-defined]
        cache: dict[int, Any] = self.app.race_cache  # type: ignore[attr-defined]
        if self.race_id not in order:
            return
        index = order.index(self.race_id)
        wanted = [order[i] for i in (index + 1, index - 1, index + 2) if 0 <= i < len(order) and order[i] not in cache]
        if wanted:
            self.load(lambda: [self.library.show_race(i) for i in wanted], self.keep_prefetched, group="prefetch")

    def keep_prefetched(self, views: list[Any]) -> None:
        for view in views:
            self.app.race_cache[view.summary.id] = view  # type: ignore[attr-defined]

    def show_view(self, view: Any) -> None:
        self.app.race_cache[view.summary.id] = view  # type: ignore[attr-defined]
        if view.summary.id != self.race_id:
            return
        first_show = self.view is None or self.view.summary.id != view.summary.id
        self.view = view
        if first_show:
            self.prefetch_neighbours()
        sections = build_race_sections(view)
        self.targets = sections.targets
        items = self.query_one("#race-items", KbList)
        with self.app.batch_update():  # one screen refresh for header and list
            self.query_one("#race-header", Static).update(make_race_header(view))
            items.set_options(sections.options)
            items.highlighted = next((i for i, o in enumerate(sections.options) if not o.disabled), None)

    def on_option_list_option_selected(self, event: KbList.OptionSelected) -> None:
        event.stop()
        target = self.targets.get(event.option.id or "")
        if target is None:
            return
        if target.kind == "message":
            self.app.open_message(target.key, marks=target.marks)  # type: ignore[attr-defined]
        elif target.kind == "person":
            self.app.open_person(target.key)  # type: ignore[attr-defined]
        elif target.kind == "race":
            self.app.open_race(int(target.key))  # type: ignore[attr-defined]
        elif target.kind == "scenario":
            self.run_scenario(int(target.key))

    def step_race(self, delta: int) -> None:
        order: list[int] = self.app.race_order  # type: ignore[attr-defined]
        if self.race_id not in order:
            return
        index = order.index(self.race_id) + delta
        if 0 <= index < len(order):
            self.show_race_id(order[index])

    def action_next_race(self) -> None:
        self.step_race(1)

    def action_previous_race(self) -> None:
        self.step_race(-1)

    def action_open_thread(self) -> None:
        if self.view is not None:
            self.app.open_thread(self.view.summary.thread_root)  # type: ignore[attr-defined]

    def highlighted_target(self) -> Target | None:
        option_id = self.query_one("#race-items", KbList).highlighted_id
        return self.targets.get(option_id or "")

    def action_run_scenario(self) -> None:
        target = self.highlighted_target()
        if target is not None and target.kind == "scenario":
            self.run_scenario(int(target.key))
        elif self.view is not None and self.view.scenarios:
            self.run_scenario(self.view.scenarios[0].scenario_id)
        else:
            self.notify("No linked scenario: press l to link a scenario file.", severity="warning")

    def run_scenario(self, scenario_id: int) -> None:
        self.notify(f"running scenario {scenario_id}…")
        self.load(lambda: self.library.run_scenario(f"scenario:{scenario_id}"), self.show_run, group="run")

    def show_run(self, result: Any) -> None:
        for run in result:
            self.app.push_screen(WitnessScreen(f"{run.name}: witness", run.summary, run.text_report))
        self.show_race_id(self.race_id, refresh=True)

    def action_link_scenario(self) -> None:
        self.app.push_screen(InputModal(f"Link a scenario file to race #{self.race_id}", "path/to/file.kscen"),
                             self.link_scenario)

    def link_scenario(self, path: str | None) -> None:
        if not path:
            return
        race_id = self.race_id
        scenario = str(Path(path).expanduser())
        self.load(lambda: self.library.link_scenario(f"race:{race_id}", scenario), self.show_link, group="link")

    def show_link(self, link: Any) -> None:
        self.notify(f"linked {link.name} to race #{self.race_id}")
        self.show_race_id(self.race_id, refresh=True)
