"""Read models of findings: races with their fixes, objections, people, evidence, scenarios."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.errors import NotFoundError
from kb.models import Evidence, Fix, Identity, Message, Objection, Race, RaceHistory, Role, Scenario, ScenarioLink, ScenarioRun, Thread


@dataclass(frozen=True)
class EvidenceView:
    message_id: str
    quote: str
    start: int
    end: int
    extractor: str
    confidence: float


@dataclass(frozen=True)
class RaceSummary:
    id: int
    thread_root: str
    thread_subject: str
    history_id: int | None
    summary: str
    consequence: str
    source_kind: str
    fixes: int
    objections: int
    open_objections: int
    last_verdict: str | None
    last_activity: datetime | None


@dataclass(frozen=True)
class ObjectionView:
    id: int
    by: str
    reason: str
    message_id: str
    resolved: bool
    evidence: tuple[EvidenceView, ...]


@dataclass(frozen=True)
class FixView:
    id: int
    summary: str
    kind: str
    proposed_by: str
    message_id: str
    status: str
    evidence: tuple[EvidenceView, ...]
    objections: tuple[ObjectionView, ...]
    scenario: str = ""  # the verdicts of the fix-N variant of a drafted scenario, from its last run


@dataclass(frozen=True)
class PersonRoleView:
    name: str
    email: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class TimelineEvent:
    date: datetime | None
    kind: str       # message | report | proposal | patch | objection | ack | applied
    message_id: str
    who: str
    text: str


@dataclass(frozen=True)
class ScenarioLinkView:
    scenario_id: int
    name: str
    version: int
    target_kind: str
    target: str
    last_verdict: str | None
    last_run: datetime | None


@dataclass(frozen=True)
class RaceView:
    summary: RaceSummary
    participants: tuple[str, ...]
    symbols: tuple[str, ...]
    object: str
    interleaving: tuple[str, ...]
    evidence: tuple[EvidenceView, ...]
    fixes: tuple[FixView, ...]
    unlinked_objections: tuple[ObjectionView, ...]
    people: tuple[PersonRoleView, ...]
    timeline: tuple[TimelineEvent, ...]
    scenarios: tuple[ScenarioLinkView, ...]
    history: tuple[RaceSummary, ...]  # other races of the same history


@dataclass(frozen=True)
class HistoryView:
    id: int | None
    title: str
    last_activity: datetime | None
    races: tuple[RaceSummary, ...]


def load_evidence(s: Session, kind: str, ids: list[int]) -> dict[int, tuple[EvidenceView, ...]]:
    out: dict[int, list[EvidenceView]] = defaultdict(list)
    if ids:
        for row in s.scalars(select(Evidence).where(Evidence.fact_kind == kind, Evidence.fact_id.in_(ids))
                             .order_by(Evidence.id)):
            out[row.fact_id].append(EvidenceView(row.message_id, row.quote, row.start, row.end, row.extractor,
                                                 row.confidence))
    return {k: tuple(v) for k, v in out.items()}


def find_last_verdicts(s: Session, targets: dict[str, list[int]]) -> dict[int, str]:
    """The last scenario verdict per race id, from links on the race or its thread."""
    if not targets:
        return {}
    links = s.execute(select(ScenarioLink.target, ScenarioLink.scenario_id)
                      .where(ScenarioLink.target.in_(list(targets)))).all()
    verdicts: dict[int, str] = {}
    for target, scenario_id in links:
        run = s.scalar(select(ScenarioRun.summary).where(ScenarioRun.scenario_id == scenario_id)
                       .order_by(ScenarioRun.id.desc()).limit(1))
        if run:
            for race_id in targets[target]:
                verdicts[race_id] = run
    return verdicts


def list_race_summaries(s: Session, race_ids: list[int] | None = None, limit: int = 500) -> list[RaceSummary]:
    query = (select(Race, Thread.root_message_id, Thread.subject, Thread.last_date, RaceHistory.last_activity)
             .join(Thread, Thread.id == Race.thread_id)
             .outerjoin(RaceHistory, RaceHistory.id == Race.history_id))
    if race_ids is not None:
        query = query.where(Race.id.in_(race_ids))
    rows = s.execute(query.order_by(func.coalesce(RaceHistory.last_activity, Thread.last_date).desc().nulls_last(),
                                    Race.id).limit(limit)).all()
    ids = [r.Race.id for r in rows]
    fixes = dict(s.execute(select(Fix.race_id, func.count(Fix.id)).where(Fix.race_id.in_(ids))
                           .group_by(Fix.race_id)).all()) if ids else {}
    objections = s.execute(select(Fix.race_id, Objection.resolved, func.count(Objection.id))
                           .join(Fix, Fix.id == Objection.fix_id).where(Fix.race_id.in_(ids))
                           .group_by(Fix.race_id, Objection.resolved)).all() if ids else []
    total: dict[int, int] = defaultdict(int)
    open_: dict[int, int] = defaultdict(int)
    for race_id, resolved, count in objections:
        total[race_id] += count
        if not resolved:
            open_[race_id] += count
    targets: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        targets[str(r.Race.id)].append(r.Race.id)
        targets[r.root_message_id].append(r.Race.id)
    verdicts = find_last_verdicts(s, targets)
    return [RaceSummary(r.Race.id, r.root_message_id, r.subject, r.Race.history_id, r.Race.summary,
                        r.Race.consequence, r.Race.source_kind, fixes.get(r.Race.id, 0), total[r.Race.id],
                        open_[r.Race.id], verdicts.get(r.Race.id), r.last_activity or r.last_date) for r in rows]


def list_histories(s: Session, limit: int = 500) -> list[HistoryView]:
    """Races grouped into histories (a race alone is its own history), most recent first."""
    groups: dict[object, list[RaceSummary]] = defaultdict(list)
    for race in list_race_summaries(s, limit=limit):
        groups[race.history_id if race.history_id is not None else f"race-{race.id}"].append(race)
    titles = dict(s.execute(select(RaceHistory.id, RaceHistory.title)).all())
    views = [HistoryView(key if isinstance(key, int) else None, titles.get(key, races[0].summary)
                         if isinstance(key, int) else races[0].summary,
                         max((r.last_activity for r in races if r.last_activity), default=None), tuple(races))
             for key, races in groups.items()]
    views.sort(key=lambda v: (v.last_activity is None, -(v.last_activity.timestamp() if v.last_activity else 0)))
    return views


def show_race(s: Session, race_id: int) -> RaceView:
    race = s.get(Race, race_id)
    if race is None:
        raise NotFoundError("no such race", place=f"race {race_id}")
    summary = list_race_summaries(s, [race_id])[0]
    fixes = list(s.scalars(select(Fix).where(Fix.race_id == race_id).order_by(Fix.ordinal)))
    fix_ids = [f.id for f in fixes]
    objections = list(s.scalars(select(Objection).where(
        (Objection.fix_id.in_(fix_ids)) | ((Objection.thread_id == race.thread_id) & Objection.fix_id.is_(None)))
        .order_by(Objection.ordinal)))
    fix_evidence = load_evidence(s, "fix", fix_ids)
    objection_evidence = load_evidence(s, "objection", [o.id for o in objections])

    def view_objection(o: Objection) -> ObjectionView:
        return ObjectionView(o.id, o.by, o.reason, o.message_id, o.resolved, objection_evidence.get(o.id, ()))

    fix_verdicts = find_fix_verdicts(s, race_id)
    fix_views = tuple(FixView(f.id, f.summary, f.kind, f.proposed_by, f.message_id, f.status,
                              fix_evidence.get(f.id, ()),
                              tuple(view_objection(o) for o in objections if o.fix_id == f.id),
                              fix_verdicts.get(f.ordinal, "")) for f in fixes)
    roles: dict[tuple[str, str], list[str]] = defaultdict(list)
    for role in s.scalars(select(Role).where(Role.thread_id == race.thread_id).order_by(Role.id)):
        roles[(role.name, role.email)].append(role.role)
    history = tuple(r for r in list_race_summaries(s, list(s.scalars(
        select(Race.id).where(Race.history_id == race.history_id)))) if r.id != race_id) if race.history_id else ()
    return RaceView(summary, tuple(race.participants), tuple(race.symbols), race.object,
                    tuple(" ".join(step) for step in race.interleaving),
                    load_evidence(s, "race", [race_id]).get(race_id, ()), fix_views,
                    tuple(view_objection(o) for o in objections if o.fix_id is None),
                    tuple(PersonRoleView(n, e, tuple(dict.fromkeys(r))) for (n, e), r in roles.items()),
                    build_timeline(s, race, fixes, objections), list_scenario_links(s, race), history)


def build_timeline(s: Session, race: Race, fixes: list[Fix], objections: list[Objection]) -> tuple[TimelineEvent, ...]:
    """The thread's messages, each tagged with what happened in it."""
    kinds: dict[str, str] = {}
    for f in fixes:
        kinds.setdefault(f.message_id, "patch" if f.kind == "patch" else "proposal")
    for o in objections:
        kinds.setdefault(o.message_id, "objection")
    events = []
    for m in s.scalars(select(Message).where(Message.thread_id == race.thread_id).order_by(Message.date)):
        kind = kinds.get(m.message_id, "message")
        if kind == "message" and "acked-by" in m.body.lower():
            kind = "ack"
        if kind == "message" and ("applied" in m.body.lower()[:2000] and "thanks" in m.body.lower()[:2000]):
            kind = "applied"
        events.append(TimelineEvent(m.date, kind, m.message_id, m.author_name or m.author_email, m.subject))
    return tuple(events)


def find_fix_verdicts(s: Session, race_id: int) -> dict[int, str]:
    """Fix ordinal -> "scenario fix-N: cond=Verdict" from the last run of each scenario linked to the
    race (drafts name a fix's variant fix-<ordinal + 1>)."""
    out: dict[int, str] = {}
    for scenario_id, name in s.execute(select(ScenarioLink.scenario_id, Scenario.name)
                                       .join(Scenario, Scenario.id == ScenarioLink.scenario_id)
                                       .where(ScenarioLink.target_kind == "race", ScenarioLink.target == str(race_id))):
        verdicts = s.scalar(select(ScenarioRun.verdicts).where(ScenarioRun.scenario_id == scenario_id)
                            .order_by(ScenarioRun.id.desc()).limit(1)) or []
        for variant in verdicts:
            label = str(variant.get("variant", ""))
            if label.startswith("fix-") and label[4:].isdigit():
                shown = ", ".join(f"{c.get('name') or c.get('kind')}={c.get('verdict')}"
                                  for c in variant.get("conditions", []))
                out.setdefault(int(label[4:]) - 1, f"{name} {label}: {shown}")
    return out


def list_scenario_links(s: Session, race: Race) -> tuple[ScenarioLinkView, ...]:
    root = s.scalar(select(Thread.root_message_id).where(Thread.id == race.thread_id)) or ""
    message_ids = list(s.scalars(select(Message.message_id).where(Message.thread_id == race.thread_id)))
    rows = s.execute(select(ScenarioLink, Scenario).join(Scenario, Scenario.id == ScenarioLink.scenario_id)
                     .where(((ScenarioLink.target_kind == "race") & (ScenarioLink.target == str(race.id)))
                            | ((ScenarioLink.target_kind == "thread") & (ScenarioLink.target == root))
                            | ((ScenarioLink.target_kind == "message") & ScenarioLink.target.in_(message_ids))))
    views = []
    for link, scenario in rows:
        run = s.execute(select(ScenarioRun.summary, ScenarioRun.created_at)
                        .where(ScenarioRun.scenario_id == scenario.id).order_by(ScenarioRun.id.desc()).limit(1)).first()
        views.append(ScenarioLinkView(scenario.id, scenario.name, scenario.version, link.target_kind, link.target,
                                      run.summary if run else None, run.created_at if run else None))
    return tuple(views)


@dataclass(frozen=True)
class PersonView:
    name: str
    emails: tuple[str, ...]
    names: tuple[str, ...]
    roles: tuple[tuple[str, str, str, datetime | None], ...]  # (thread root, subject, role, date)
    races: tuple[RaceSummary, ...]
    fixes: tuple[FixView, ...]
    objections: tuple[ObjectionView, ...]


def mentions(value: str, names: set[str], emails: set[str]) -> bool:
    """Does a "Name <email>" string name one of these people?"""
    low = value.lower()
    return any(e and e in low for e in emails) or any(n and n.lower() in low for n in names)


def show_person(s: Session, key: str) -> PersonView:
    """A person by address or name, across every identity they wrote under."""
    key = key.strip()
    column = Identity.email if "@" in key else Identity.name
    person_ids = set(s.scalars(select(Identity.person_id).where(func.lower(column) == key.lower())))
    identities = list(s.scalars(select(Identity).where(Identity.person_id.in_(person_ids)))) if person_ids else []
    emails = {i.email.lower() for i in identities if i.email} | ({key.lower()} if "@" in key else set())
    names = {i.name for i in identities if i.name} | ({key} if "@" not in key else set())
    if not emails and not names:
        raise NotFoundError("no such person", place=key)
    role_rows = s.execute(select(Role.role, Thread.root_message_id, Thread.subject, Thread.first_date, Thread.id)
                          .join(Thread, Thread.id == Role.thread_id)
                          .where((Role.person_id.in_(person_ids)) | (func.lower(Role.email).in_(emails))
                                 | (Role.name.in_(names)))).all()
    thread_ids = {r.id for r in role_rows}
    race_ids = list(s.scalars(select(Race.id).where(Race.thread_id.in_(thread_ids)))) if thread_ids else []
    fixes = [f for f in s.scalars(select(Fix).where(Fix.thread_id.in_(thread_ids)))
             if mentions(f.proposed_by, names, emails)] if thread_ids else []
    objections = [o for o in s.scalars(select(Objection).where(Objection.thread_id.in_(thread_ids)))
                  if mentions(o.by, names, emails)] if thread_ids else []
    fix_evidence = load_evidence(s, "fix", [f.id for f in fixes])
    objection_evidence = load_evidence(s, "objection", [o.id for o in objections])
    display = max(names, key=len) if names else sorted(emails)[0]
    return PersonView(
        display, tuple(sorted(emails)), tuple(sorted(names)),
        tuple(sorted({(r.root_message_id, r.subject, r.role, r.first_date) for r in role_rows},
                     key=lambda r: (r[3] is None, r[3].timestamp() if r[3] else 0.0))),
        tuple(list_race_summaries(s, race_ids)) if race_ids else (),
        tuple(FixView(f.id, f.summary, f.kind, f.proposed_by, f.message_id, f.status, fix_evidence.get(f.id, ()), ())
              for f in fixes),
        tuple(ObjectionView(o.id, o.by, o.reason, o.message_id, o.resolved, objection_evidence.get(o.id, ()))
              for o in objections))
