"""Orchestration: one thread in, all findings out."""

from __future__ import annotations

from dataclasses import replace

from ingest.extract.fixes import extract_fixes
from ingest.extract.gate import scan_thread
from ingest.extract.histories import find_identity_evidence
from ingest.extract.learned import get_decider
from ingest.extract.learned_findings import extract_learned_fixes, extract_learned_objections
from ingest.extract.maintainers import Maintainers
from ingest.extract.objections import extract_objections
from ingest.extract.outcomes import find_person_key, is_same_person, says_applied
from ingest.extract.people import extract_people
from ingest.extract.races import extract_races
from ingest.extract.types import ThreadFindings, ThreadText


def extract_thread(thread: ThreadText, maintainers: Maintainers | None = None,
                   use_model: bool = True) -> ThreadFindings:
    """Races, fixes, objections and people of one thread (pure; no database). Fixes and
    objections are decided by the hand rules, with the learned models in use (learned.py: by
    default the shipped objection model, which adds to the rules' objections)."""
    scan = scan_thread(thread)
    races = extract_races(thread, use_model=use_model, scan=scan)
    identity = find_identity_evidence(thread) if races else ()
    if identity:    # bug identity lines (syzbot, bugzilla, Fixes:, Closes:) link histories
        races[0] = replace(races[0], evidence=races[0].evidence + identity)
    fix_decider, objection_decider = get_decider("fixes"), get_decider("objections")
    fixes = extract_learned_fixes(thread, races, scan, fix_decider) if fix_decider and races \
        else extract_fixes(thread, races, scan=scan)
    objections = extract_learned_objections(thread, fixes, scan, objection_decider) \
        if objection_decider and fixes else extract_objections(thread, fixes, scan=scan)
    root_author = find_person_key(thread.messages[0]) if thread.messages else ("", "")
    appliers = {ms.message.author for ms in scan.messages if says_applied(ms.prose, ms.low)
                and not is_same_person(find_person_key(ms.message), root_author)}
    people = extract_people(thread, fixes, maintainers, appliers)
    return ThreadFindings(
        thread_id=thread.thread_id, list=thread.list, subject=thread.subject,
        message_ids=tuple(m.message_id for m in thread.messages),
        is_race_discussion=bool(races), races=tuple(races), fixes=tuple(fixes),
        objections=tuple(objections), people=tuple(people))
