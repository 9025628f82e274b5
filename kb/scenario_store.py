"""Scenarios in the KB: versions kept by text hash, links to threads/messages/races, runs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb import __version__
from kb.errors import NotFoundError, ScenarioError
from kb.findings import ScenarioLinkView
from kb.models import Message, Race, Scenario, ScenarioLink, ScenarioRun, Thread
from kb.scenarios.report import is_incomplete_draft
from kb.scenarios import CheckReport, check_scenario, find_library_scenarios, parse_scenario, render_report, report_to_json

MAX_SCENARIO_BYTES = 256 * 1024


@dataclass(frozen=True)
class ScenarioInfo:
    id: int
    name: str
    version: int
    sha256: str
    path: str
    links: tuple[str, ...]
    last_verdict: str | None


@dataclass(frozen=True)
class ScenarioRunView:
    run_id: int
    scenario_id: int
    name: str
    version: int
    summary: str            # one line: "base: Sometimes; fix: Never"
    report: dict[str, object]
    text_report: str        # herd7-style, with the witness in CPU columns


def find_scenario_file(spec: str) -> Path:
    """A scenario file path, or a library scenario by name (file stem in data/scenarios)."""
    path = Path(spec)
    if path.is_file():
        return path
    for candidate in find_library_scenarios():
        if candidate.stem == spec or candidate.name == spec:
            return candidate
    raise NotFoundError("no such scenario file or library scenario", place=spec)


def read_scenario_text(path: Path) -> str:
    data = path.read_bytes()
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"scenario larger than {MAX_SCENARIO_BYTES} bytes", place=str(path))
    return data.decode("utf-8", errors="replace")


def store_scenario_text(s: Session, text: str, path: str) -> Scenario:
    """The Scenario row for this exact text; a changed text under a known name is a new version."""
    parsed = parse_scenario(text, path)  # refuses bad scenarios before anything is stored
    digest = hashlib.sha256(text.encode()).hexdigest()
    row = s.scalar(select(Scenario).where(Scenario.sha256 == digest))
    if row is not None:
        return row
    version = (s.scalar(select(func.max(Scenario.version)).where(Scenario.name == parsed.name)) or 0) + 1
    row = Scenario(name=parsed.name, version=version, sha256=digest, text=text, path=path,
                   created_at=datetime.now(timezone.utc))
    s.add(row)
    s.flush()
    return row


def resolve_target(s: Session, target: str) -> tuple[str, str]:
    """(kind, key) for a race id (`42`, `race:42`), a thread (root or `thread:ID`) or a message-id."""
    key = target.strip().strip("<>")
    if key.startswith("race:") or key.isdigit():
        race_id = int(key.split(":", 1)[-1]) if key.split(":", 1)[-1].isdigit() else -1
        if s.get(Race, race_id) is None:
            raise NotFoundError("no such race", place=target)
        return "race", str(race_id)
    if key.startswith("thread:"):
        key = key[len("thread:"):]
        if key.isdigit():
            root = s.scalar(select(Thread.root_message_id).where(Thread.id == int(key)))
            if root is None:
                raise NotFoundError("no such thread", place=target)
            return "thread", root
    if s.scalar(select(Thread.id).where(Thread.root_message_id == key)) is not None:
        return "thread", key
    if s.scalar(select(Message.id).where(Message.message_id == key)) is not None:
        return "message", key
    raise NotFoundError("no such race, thread or message", place=target)


def link_scenario(s: Session, target: str, spec: str, allow_draft: bool = False) -> ScenarioLinkView:
    path = find_scenario_file(spec)
    text = read_scenario_text(path)
    if not allow_draft and is_incomplete_draft(parse_scenario(text, str(path))):
        raise ScenarioError("an incomplete draft is not a result: finish it (and its Draft: line) or link with --draft",
                            place=str(path))
    scenario = store_scenario_text(s, text, str(path))
    kind, key = resolve_target(s, target)
    link = s.scalar(select(ScenarioLink).where(ScenarioLink.scenario_id == scenario.id,
                                               ScenarioLink.target_kind == kind, ScenarioLink.target == key))
    if link is None:
        link = ScenarioLink(scenario_id=scenario.id, target_kind=kind, target=key, created_at=datetime.now(timezone.utc))
        s.add(link)
        s.flush()
    return ScenarioLinkView(scenario.id, scenario.name, scenario.version, kind, key, None, None)


def find_linked_scenarios(s: Session, target: str) -> list[Scenario]:
    kind, key = resolve_target(s, target)
    keys = [(kind, key)]
    if kind == "race":
        race = s.get(Race, int(key))
        root = s.scalar(select(Thread.root_message_id).where(Thread.id == race.thread_id)) if race else None
        if root:
            keys.append(("thread", root))
    scenarios = []
    for k, v in keys:
        scenarios.extend(s.scalars(select(Scenario).join(ScenarioLink, ScenarioLink.scenario_id == Scenario.id)
                                   .where(ScenarioLink.target_kind == k, ScenarioLink.target == v)))
    if not scenarios:
        raise NotFoundError("no scenario linked (use `kb link TARGET SCENARIO`)", place=target)
    return list(dict.fromkeys(scenarios))


def summarise_report(report: CheckReport) -> str:
    parts = []
    for variant in report.variants:
        verdicts = ", ".join(f"{c.name or c.kind}={c.verdict}" for c in variant.conditions)
        parts.append(f"{variant.variant}: {verdicts}" + (" (inconclusive)" if variant.inconclusive else ""))
    return "; ".join(parts)


def run_stored_scenario(s: Session, scenario: Scenario, variant: str | None, max_states: int,
                        timeout: float) -> ScenarioRunView:
    report = check_scenario(parse_scenario(scenario.text, scenario.path or scenario.name), variant=variant,
                            max_states=max_states, timeout=timeout)
    data = report_to_json(report)
    summary = summarise_report(report)
    run = ScenarioRun(scenario_id=scenario.id, variant=variant or "", verdicts=data.get("variants", []),
                      states=sum(v.states for v in report.variants), seconds=report.seconds,
                      kb_version=__version__, summary=summary, created_at=datetime.now(timezone.utc))
    s.add(run)
    s.flush()
    return ScenarioRunView(run.id, scenario.id, scenario.name, scenario.version, summary, data,
                           render_report(report))


def find_scenario(s: Session, key: str) -> Scenario:
    """A stored scenario by id or name (its latest version)."""
    if key.isdigit() and (row := s.get(Scenario, int(key))) is not None:
        return row
    row = s.scalar(select(Scenario).where(Scenario.name == key).order_by(Scenario.version.desc()).limit(1))
    if row is None:
        raise NotFoundError("no such stored scenario", place=key)
    return row


def list_scenarios(s: Session) -> list[ScenarioInfo]:
    out = []
    for row in s.scalars(select(Scenario).order_by(Scenario.name, Scenario.version)):
        links = tuple(f"{k}:{t}" for k, t in s.execute(
            select(ScenarioLink.target_kind, ScenarioLink.target).where(ScenarioLink.scenario_id == row.id)))
        last = s.scalar(select(ScenarioRun.summary).where(ScenarioRun.scenario_id == row.id)
                        .order_by(ScenarioRun.id.desc()).limit(1))
        out.append(ScenarioInfo(row.id, row.name, row.version, row.sha256, row.path, links, last))
    return out


def find_source_thread(s: Session, source: str) -> Thread | None:
    """The thread a scenario's `Source:` names: a Message-ID in it, or the web page it came from."""
    token = source.split()[0].strip("<>,") if source.split() else ""
    if not token:
        return None
    if "@" in token:
        thread_id = s.scalar(select(Message.thread_id).where(Message.message_id == token))
    else:
        thread_id = s.scalar(select(Message.thread_id).where(Message.source.like(f"%/{token}")).limit(1))
    return s.get(Thread, thread_id) if thread_id is not None else None


def link_library_scenarios(s: Session) -> list[ScenarioLinkView]:
    """Link each bundled scenario to the race (else the thread) its `Source:` header names."""
    views = []
    for path in find_library_scenarios():
        text = read_scenario_text(path)
        sources = parse_scenario(text, str(path)).find_metadata("Source")
        thread = find_source_thread(s, sources[0]) if sources else None
        if thread is None:
            continue
        race_id = s.scalar(select(Race.id).where(Race.thread_id == thread.id).order_by(Race.ordinal).limit(1))
        target = str(race_id) if race_id is not None else thread.root_message_id
        views.append(link_scenario(s, target, str(path)))
    return views


def find_target_thread(s: Session, kind: str, key: str) -> int | None:
    """The thread a link target belongs to (for refreshing its search-index entries)."""
    if kind == "race":
        return s.scalar(select(Race.thread_id).where(Race.id == int(key)))
    if kind == "thread":
        return s.scalar(select(Thread.id).where(Thread.root_message_id == key))
    return s.scalar(select(Message.thread_id).where(Message.message_id == key))
