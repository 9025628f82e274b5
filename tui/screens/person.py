"""A person: names and addresses, their races, fixes, objections and roles over time."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from tui.screens.base import KbScreen
from tui.widgets.lists import KbList
from tui.widgets.race_sections import SectionBuilder, Target, add_objection
from tui.widgets.text import format_day, join_text


def add_person_races(b: SectionBuilder, races: Any) -> None:
    b.add_header("Races", len(races))
    for race in races:
        b.add_row(join_text(Text(f"  #{race.id}  {format_day(race.last_activity)}  ", style="dim",
                                 end=""), (race.summary, "bold")), Target("race", str(race.id)))


def add_person_fixes(b: SectionBuilder, fixes: Any) -> None:
    b.add_header("Fixes", len(fixes))
    for fix in fixes:
        b.add_row(join_text(Text("  ● ", style="bold cyan", end=""), (fix.summary, ""),
                            Text(f"  {fix.kind} {fix.status}", style="dim", end="")),
                  Target("message", fix.message_id, tuple(fix.evidence)))


def add_person_roles(b: SectionBuilder, roles: Any) -> None:
    b.add_header("Roles over time", len(roles))
    for root, subject, role, date in sorted(roles, key=lambda r: (r[3] is None, str(r[3]))):
        b.add_row(join_text(Text(f"  {format_day(date)}  ", style="dim", end=""), (f"{role:<12}", "cyan"),
                            (subject, "")), Target("thread", root))


def build_person_sections(person: Any) -> SectionBuilder:
    b = SectionBuilder()
    add_person_races(b, list(person.races))
    add_person_fixes(b, list(person.fixes))
    objections = list(person.objections)
    b.add_header("Objections", len(objections))
    for objection in objections:
        add_objection(b, objection, "  ")
    add_person_roles(b, list(person.roles))
    return b


class PersonScreen(KbScreen):
    def __init__(self, key: str) -> None:
        super().__init__(id="person-screen")
        self.key = key
        self.targets: dict[str, Target] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("loading person…", style="dim"), id="person-header", markup=False)
        yield KbList(id="person-items")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "person"
        self.query_one("#person-items", KbList).focus()
        key = self.key
        self.load(lambda: self.library.show_person(key), self.show_person)

    def show_person(self, person: Any) -> None:
        emails = ", ".join(person.emails)
        self.query_one("#person-header", Static).update(join_text((person.name, "bold yellow"), "  ", (emails, "dim")))
        self.sub_title = f"person: {person.name}"
        sections = build_person_sections(person)
        self.targets = sections.targets
        items = self.query_one("#person-items", KbList)
        items.set_options(sections.options)
        items.highlighted = next((i for i, o in enumerate(sections.options) if not o.disabled), None)

    def on_option_list_option_selected(self, event: KbList.OptionSelected) -> None:
        event.stop()
        target = self.targets.get(event.option.id or "")
        if target is None:
            return
        if target.kind == "race":
            self.app.open_race(int(target.key))  # type: ignore[attr-defined]
        elif target.kind == "thread":
            self.app.open_thread(target.key)  # type: ignore[attr-defined]
        else:
            self.app.open_message(target.key, marks=target.marks)  # type: ignore[attr-defined]
