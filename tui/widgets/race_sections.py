"""The sections of a race page as list options, each with what enter does on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widgets.option_list import Option

from kb.render import count_noun
from tui.widgets.text import clip_line, format_day, join_text, make_verdict_badge

TIMELINE_STYLES = {"report": "bold red", "analysis": "yellow", "proposal": "bold cyan", "patch": "bold green",
                   "objection": "bold red", "ack": "green", "applied": "bold green", "message": "dim"}


@dataclass(frozen=True)
class Target:
    """What enter on a row opens: a message (in its thread), a person, a scenario or another race."""

    kind: str  # message | person | scenario | race
    key: str
    marks: tuple[Any, ...] = ()


class SectionBuilder:
    """Collects options and their targets in display order."""

    def __init__(self) -> None:
        self.options: list[Option] = []
        self.targets: dict[str, Target] = {}

    def add_header(self, title: str, count: int | None = None) -> None:
        label = f"{title}" + (f" ({count})" if count is not None else "")
        self.options.append(Option(Text(f"── {label} ", style="bold magenta", end=""), disabled=True))

    def add_row(self, prompt: Text, target: Target | None = None) -> None:
        option_id = f"item-{len(self.options)}"
        self.options.append(Option(prompt, id=option_id))
        if target is not None:
            self.targets[option_id] = target


def quote_text(quote: str, indent: str, style: str = "italic") -> Text:
    lines = " ".join(quote.split())
    return join_text(Text(f"{indent}“", style="dim", end=""), (lines, style), Text("”", style="dim", end=""))


def add_evidence(b: SectionBuilder, view: Any) -> None:
    b.add_header("Evidence", len(view.evidence))
    for ev in view.evidence:
        b.add_row(join_text(quote_text(ev.quote, "  "), Text(f"  {ev.extractor} {ev.confidence:.1f}",
                                                            style="dim", end="")),
                  Target("message", ev.message_id, (ev,)))


def add_fixes(b: SectionBuilder, view: Any) -> None:
    b.add_header("Fixes", len(view.fixes))
    for fix in view.fixes:
        status_style = "bold green" if fix.status in {"applied", "merged", "accepted"} else "yellow"
        verdict = (Text("\n    scenario ", style="dim", end=""), (fix.scenario, "magenta")) if fix.scenario else ()
        b.add_row(join_text(Text("  ● ", style="bold cyan", end=""), (fix.summary, "bold"),
                            Text("\n    ", end=""), (fix.proposed_by or "?", "cyan"),
                            Text(f"  {fix.kind}  ", style="dim", end=""), (fix.status, status_style), *verdict),
                  Target("message", fix.message_id, tuple(fix.evidence)))
        for objection in fix.objections:
            add_objection(b, objection, "      ")
    if view.unlinked_objections:
        b.add_header("Objections not tied to a fix", len(view.unlinked_objections))
        for objection in view.unlinked_objections:
            add_objection(b, objection, "  ")


def add_objection(b: SectionBuilder, objection: Any, indent: str) -> None:
    state = Text(" resolved ", style="green", end="") if objection.resolved else Text(" open ", style="reverse red",
                                                                                         end="")
    quote = objection.evidence[0].quote if objection.evidence else ""
    prompt = join_text(Text(f"{indent}✗ objection by ", style="red", end=""), (objection.by or "?", "bold red"),
                       Text(": ", end=""), (objection.reason, "yellow"), " ", state)
    if quote:
        prompt.append_text(join_text("\n", quote_text(quote, indent + "  ")))
    b.add_row(prompt, Target("message", objection.message_id, tuple(objection.evidence)))


def add_people(b: SectionBuilder, view: Any) -> None:
    b.add_header("People", len(view.people))
    for person in view.people:
        b.add_row(join_text("  ", (person.name or person.email or "?", "bold"),
                            (f" <{person.email}>" if person.email else "", "dim"), "  ",
                            (", ".join(person.roles), "cyan")),
                  Target("person", person.email or person.name))


def add_timeline(b: SectionBuilder, view: Any) -> None:
    b.add_header("Timeline", len(view.timeline))
    for event in view.timeline:
        b.add_row(clip_line(join_text(Text(f"  {format_day(event.date)}  ", style="dim", end=""),
                                      Text(f"{event.kind:<10}", style=TIMELINE_STYLES.get(event.kind, ""), end=""),
                                      (f"{event.who:<22.22}", "cyan"), " ", (event.text, ""))),
                  Target("message", event.message_id))


def add_scenarios(b: SectionBuilder, view: Any) -> None:
    b.add_header("Scenarios (r runs, l links a file)", len(view.scenarios))
    if not view.scenarios:
        b.add_row(Text("  no linked scenario: press l to link a .kscen file", style="dim", end=""))
    for link in view.scenarios:
        b.add_row(join_text("  ", make_verdict_badge(link.last_verdict), " ", (link.name, "bold"),
                            Text(f" v{link.version}  linked to {link.target_kind} ", style="dim", end=""),
                            (link.target, "dim"), (f"  {link.last_verdict or 'never run'}", "yellow")),
                  Target("scenario", str(link.scenario_id)))


def add_history(b: SectionBuilder, view: Any) -> None:
    if not view.history:
        return
    b.add_header("Same history", len(view.history))
    for race in view.history:
        b.add_row(join_text(Text(f"  #{race.id}  {format_day(race.last_activity)}  ", style="dim", end=""),
                            (race.summary, "")), Target("race", str(race.id)))


def build_race_sections(view: Any) -> SectionBuilder:
    b = SectionBuilder()
    for add in (add_evidence, add_fixes, add_people, add_timeline, add_scenarios, add_history):
        add(b, view)
    return b


def make_race_header(view: Any) -> Text:
    s = view.summary
    rows = [join_text(Text(f"Race #{s.id}  ", style="bold", end=""), (s.summary, "bold yellow"), "  ",
                      make_verdict_badge(s.last_verdict)),
            join_text(Text("thread       ", style="dim", end=""), (s.thread_subject, "")),
            join_text(Text("participants ", style="dim", end=""), (", ".join(view.participants) or "-", "cyan")),
            join_text(Text("object       ", style="dim", end=""), (view.object or "-", "bold"),
                      Text("   symbols ", style="dim", end=""), (", ".join(view.symbols) or "-", "")),
            join_text(Text("consequence  ", style="dim", end=""), (s.consequence or "-", "red"),
                      Text(f"   source {s.source_kind}   last activity {format_day(s.last_activity).strip()}   "
                           f"{count_noun(s.fixes, 'fix', 'fixes')}, {count_noun(s.objections, 'objection')} "
                           f"({s.open_objections} open)", style="dim", end=""))]
    for step in view.interleaving:
        rows.append(join_text(Text("  step       ", style="dim", end=""), (step, "")))
    return Text("\n", end="").join(rows)
