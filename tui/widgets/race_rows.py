"""Rows of the races list: a history header, then its races with counts and a verdict badge."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.widgets.option_list import Option

from tui.widgets.text import clip_line, format_day, join_text, make_text, make_verdict_badge


def make_count(value: int, label: str, alert: bool = False) -> Text:
    style = "bold red" if alert and value else ("bold" if value else "dim")
    return Text(f"{value:>2} {label}  ", style=style, end="")


def make_race_row(race: object) -> Text:
    """`#id  date  fixes objections open  [verdict]  summary — thread subject`."""
    r: object = race
    return clip_line(join_text(
        Text(f"  #{r.id:<5}", style="bold", end=""),
        Text(f"{format_day(r.last_activity)}  ", style="dim", end=""),
        make_count(r.fixes, "fix"),
        make_count(r.objections, "obj"),
        make_count(r.open_objections, "open", alert=True),
        make_verdict_badge(r.last_verdict), " ",
        (r.summary, ""),
        Text("  — ", style="dim", end=""),
        (r.thread_subject, "dim"),
    ))


def make_history_header(history: object) -> Text:
    races = history.races
    return join_text(Text("▾ ", style="bold magenta", end=""), (history.title, "bold magenta"),
                     Text(f"   {len(races)} race{'s' if len(races) != 1 else ''}, last "
                          f"{format_day(history.last_activity)}", style="dim", end=""))


def build_race_options(histories: Iterable[object], keep: set[int] | None = None) -> tuple[list[Option], list[int]]:
    """Options for the races list (headers disabled) and the race ids in display order."""
    options: list[Option] = []
    order: list[int] = []
    for history in histories:
        races: Sequence[object] = [r for r in history.races if keep is None or r.id in keep]
        if not races:
            continue
        options.append(Option(make_history_header(history), disabled=True))
        for race in races:
            race_id = int(race.id)
            options.append(Option(make_race_row(race), id=f"race-{race_id}"))
            order.append(race_id)
    return options, order


def make_filter_note(shown: int, total: int, query: str) -> Text:
    if not query:
        return Text(f"{total} races", style="dim")
    return join_text(Text(f"{shown} of {total} races match ", style="dim", end=""), (query, "bold"))
