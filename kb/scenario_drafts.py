"""Drafts from the KB: gather a race's facts (report text, diagram, fix patches), draft it, and
for `kb scenario draft --all` link every complete draft to its race and run it once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.errors import NotFoundError
from kb.models import Message, Race, ScenarioLink, Thread
from kb.models.findings import Evidence
from kb.scenarios.drafts import Draft, FixFacts, RaceFacts, draft_race
from kb.scenarios.drafts.columns import HEADER_RE

MAX_REPORT = 20_000
MAX_DIFF = 60_000
MAX_DIAGRAMS = 8  # diagrams tried per race
EVIDENCE_WORDS = {"kcsan": "KCSAN", "kasan": "KASAN", "lockdep": "WARNING:"}
DIFF_RE = re.compile(r"^(?:diff --git |--- a/|Index: )", re.M)


@dataclass
class SourceCoverage:
    races: int = 0
    complete: int = 0
    linked: int = 0
    reproduced: int = 0  # base verdict Sometimes for the draft's condition
    fixes: int = 0  # fixes of these races that carry a patch
    variants: int = 0  # fix variants with a verdict


@dataclass
class DraftCoverage:
    by_source: dict[str, SourceCoverage] = field(default_factory=dict)
    skipped: int = 0  # races that already had a scenario
    threads: set[int] = field(default_factory=set)  # threads whose races got a linked draft


def load_body(s: Session, message_id: str) -> str:
    return s.scalar(select(Message.body).where(Message.message_id == message_id)) or ""


def find_report_texts(s: Session, race: Race) -> list[tuple[str, str]]:
    """(text, message-id) of each report or diagram the race was extracted from, first one first;
    [("", message-id)] when there is none."""
    rows = list(s.scalars(select(Evidence).where(Evidence.fact_kind == "race", Evidence.fact_id == race.id)
                          .order_by(Evidence.id)))
    first = rows[0].message_id if rows else ""
    if race.source_kind in ("diagram", "prose"):
        out = []
        for ev in rows:
            if len(HEADER_RE.findall("\n".join(ev.quote.split("\n")[:4]))) >= 2:
                # the quote stops at the first blank line; the diagram's later phases follow it in the body
                body = load_body(s, ev.message_id)
                start = body.find(ev.quote[:60]) if ev.quote else -1
                out.append(((body[start:start + MAX_REPORT] if start >= 0 else ev.quote[:MAX_REPORT]), ev.message_id))
        if out:
            return out
        if race.source_kind == "prose":  # the race's sentences, for the prose drafter
            return [("\n".join(ev.quote for ev in rows)[:MAX_REPORT], first)]
        return [("", first)]
    word = EVIDENCE_WORDS.get(race.source_kind, "")
    for ev in rows:
        if word and word in ev.quote:
            body = load_body(s, ev.message_id)
            start = body.find(ev.quote[:60]) if ev.quote else -1
            start = start if start >= 0 else ev.start
            return [(body[max(0, start - 200):start + MAX_REPORT], ev.message_id)]
    return [("", first)]


def find_fix_facts(s: Session, race: Race) -> tuple[FixFacts, ...]:
    out = []
    for fix in race.fixes:
        diff = ""
        if fix.kind == "patch" and fix.message_id:
            body = load_body(s, fix.message_id)
            match = DIFF_RE.search(body)
            diff = body[match.start():match.start() + MAX_DIFF] if match else ""
        out.append(FixFacts(fix.ordinal, fix.summary or "", fix.message_id or "", diff))
    return tuple(out)


def find_race_facts(s: Session, race: Race, report: tuple[str, str] | None = None) -> RaceFacts:
    """The race's facts, drafted from `report` (text, message-id) or from its first report or diagram."""
    text, message_id = report or find_report_texts(s, race)[0]
    root = s.scalar(select(Thread.root_message_id).where(Thread.id == race.thread_id)) if race.thread_id else ""
    steps = tuple((str(step[0]).split(":", 1)[0], str(step[0]).split(":", 1)[-1].strip()) if len(step) == 1
                  else (str(step[0]), str(step[1])) for step in (race.interleaving or []) if step)
    return RaceFacts(race.id, race.source_kind or "prose", race.consequence or "other", tuple(race.participants or ()),
                     race.object or "", steps, text, message_id or root or "", find_fix_facts(s, race))


def draft_best(s: Session, race: Race) -> Draft:
    """A race quoted with several diagrams (an abstract one, then the concrete one) is drafted from the
    first that gives a complete draft, else from the first."""
    drafts = []
    for report in find_report_texts(s, race)[:MAX_DIAGRAMS]:
        drafts.append(draft_race(find_race_facts(s, race, report)))
        if drafts[-1].complete:
            return drafts[-1]
    return drafts[0]


def draft_one(s: Session, race_id: int) -> Draft:
    race = s.get(Race, race_id)
    if race is None:
        raise NotFoundError("no such race", place=str(race_id))
    return draft_best(s, race)


def find_scenario_races(s: Session) -> set[int]:
    """Races with a scenario linked to them or to their thread."""
    linked = set()
    roots = {}
    for kind, key in s.execute(select(ScenarioLink.target_kind, ScenarioLink.target)):
        if kind == "race" and key.isdigit():
            linked.add(int(key))
        elif kind == "thread":
            roots[key] = True
    if roots:
        for race_id, root in s.execute(select(Race.id, Thread.root_message_id).join(Thread, Race.thread_id == Thread.id)):
            if root in roots:
                linked.add(race_id)
    return linked


def draft_all_races(s: Session, timeout: float = 5.0, max_states: int = 200_000) -> DraftCoverage:
    """Draft every race without a scenario; link and run the complete drafts. The caller commits."""
    from kb import scenario_store

    coverage = DraftCoverage()
    have = find_scenario_races(s)
    for race in s.scalars(select(Race).order_by(Race.id)):
        if race.id in have:
            coverage.skipped += 1
            continue
        cov = coverage.by_source.setdefault(race.source_kind or "prose", SourceCoverage())
        cov.races += 1
        draft = draft_best(s, race)
        cov.fixes += sum(1 for fix in race.fixes if fix.kind == "patch")
        if not draft.complete:
            continue
        cov.complete += 1
        row = scenario_store.store_scenario_text(s, draft.text, f"draft:race-{race.id}")
        s.add(ScenarioLink(scenario_id=row.id, target_kind="race", target=str(race.id),
                           created_at=scenario_store.datetime.now(scenario_store.timezone.utc)))
        s.flush()
        cov.linked += 1
        if race.thread_id is not None:
            coverage.threads.add(race.thread_id)
        variants = scenario_store.run_stored_scenario(s, row, None, max_states, timeout).report["variants"]
        base = variants[0]["conditions"]
        if base and base[0]["verdict"] == "Sometimes":
            cov.reproduced += 1
        cov.variants += sum(1 for v in variants[1:] if not v["inconclusive"])
    return coverage
