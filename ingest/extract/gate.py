"""Cheap gates: what a few substring checks over a message's lower-cased own prose say.

`scan_message` runs once per message and `scan_thread` once per thread. A thread with
no race word (race, data race, use-after-free, deadlock, KCSAN ...) in its subject or own prose,
no sanitizer/lockdep report and no interleaving diagram is never split into sentences and never
reaches spaCy: extract_thread then only computes people (headers and trailers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ingest.extract.cues import fold_text, load_cue_sets
from ingest.extract.diagrams import find_diagrams
from ingest.extract.types import MessageText, ThreadText

# a report title needs one of these (case-sensitive, anywhere in the body, quotes included):
# "BUG: KCSAN: ...", "BUG: KASAN: ...", "WARNING: possible circular locking dependency ..."
REPORT_WORDS = ("KCSAN", "KASAN", "WARNING:")
_SUBJECT_RACE_RE = re.compile(r"\b(?:rac(?:e|es|y|ing)|data-race|uaf|use-after-free|TOCTT?OU|seriali[sz]e)\b",
                              re.IGNORECASE)
_CODE_OR_LOG_LINE_RE = re.compile(r"\+0x[0-9a-f]|\.[ch]:\d|^[\s>]*<\w+>\s*$|\bRIP:|Call Trace|Tainted|"
                                  r"[;{},(]\s*$|^[\s>]*[+-]\s|^[\s>]*#\s*define")
_DIFF_START_RE = re.compile(r"^(?:diff --git |Index: |--- a/)", re.MULTILINE)
# a use-after-free or double free is a memory-safety bug; it is a race only where the thread
# shows two things running at once (a race word, concurrency, a second CPU or task, a window,
# RCU, "X frees it while Y ...", outstanding or asynchronous work ...)
MEMORY_SAFETY_RE = re.compile(r"use[- ]after[- ]free|\buaf\b|double[- ]free|\buses? after free", re.IGNORECASE)
_CONCURRENCY_RE = re.compile(
    r"\brac(?:e|es|ed|ing|y|ey|iness)\b|data[- ]?race|\btoctt?ou\b|concurren|simultaneous|in parallel|"
    r"at the same time|interleav|(?:another|other|second) (?:cpu|task|thread|context|caller)|\bcpu ?[0-9ab]\b|"
    r"\bthread ?[ab12]\b|\btask ?[ab12]\b|lock inversion|\babba\b|deadlock|\btorn\b|tearing|preempt|"
    r"\bwindow\b|lockless|seriali[sz]|\brcu\w*|\w_rcu\b|grace period|"
    r"\bwhile\b(?! (?:at it|here|you're at it|we're at it))|outstanding|in[- ]flight|asynchronous|\basync\b|"
    r"still (?:running|in use|pending|being used|referenced)|workqueue|work item|\btimer\b|interrupt|\birq\b",
    re.IGNORECASE)


@dataclass(frozen=True)
class MessageScan:
    message: MessageText
    prose: str             # own text (quotes, attributions, signature dropped) before any diff
    low: str               # fold_text(prose): lower-cased, whitespace runs collapsed
    strong_race_cue: bool  # a race_strong cue ('race', 'data race', 'use-after-free', ...)
    report_cue: bool       # a sanitizer / lockdep report title word anywhere in the body


@dataclass(frozen=True)
class ThreadScan:
    messages: tuple[MessageScan, ...]
    subject_race: bool
    is_candidate: bool     # worth the sentence-level extractors
    subject: str = ""      # the thread's subject

    @cached_property
    def concurrent(self) -> bool:
        """Whether the subject, a report or any message's prose before its diff shows concurrency;
        computed on first use only (for a thread whose race words are all memory-safety words)."""
        return shows_concurrency(self.subject) or any(
            s.report_cue or shows_concurrency(cut_prose(s.message.body)) for s in self.messages)


def cut_prose(text: str) -> str:
    """`text` up to its first diff header."""
    if "diff --git " in text or "Index: " in text or "--- a/" in text:
        m = _DIFF_START_RE.search(text)
        if m:
            return text[:m.start()]
    return text


def scan_message(msg: MessageText) -> MessageScan:
    prose = cut_prose(msg.own_text())
    low = fold_text(prose)
    strong = load_cue_sets()["race_strong"].search_lower(low)
    body = msg.body
    report = "KCSAN" in body or "KASAN" in body or "WARNING:" in body
    return MessageScan(msg, prose, low, strong, report)


def has_weak_race_cue(scan: MessageScan) -> bool:
    """Any race/concurrency word at all ('concurrently', 'window', 'freed', 'CPU0' ...);
    computed once per scan."""
    if scan.strong_race_cue:
        return True
    cached = scan.__dict__.get("_weak")
    if cached is None:
        cached = load_cue_sets()["prefilter"].search_lower(scan.low)
        object.__setattr__(scan, "_weak", cached)
    return cached


def has_subject_race(subject: str) -> bool:
    return bool(_SUBJECT_RACE_RE.search(subject or ""))


def shows_concurrency(text: str) -> bool:
    """A race word, concurrency, a second CPU or task, a window, RCU ... in a prose line of `text`
    (quotes included; code, diff and kernel log lines, where 'irq' and '_rcu' name functions, are
    skipped)."""
    return any(_CONCURRENCY_RE.search(line) and not _CODE_OR_LOG_LINE_RE.search(line)
               for line in text.splitlines())


def scan_thread(thread: ThreadText) -> ThreadScan:
    scans = tuple(scan_message(m) for m in thread.messages)
    subject_race = has_subject_race(thread.subject)
    candidate = subject_race or any(s.strong_race_cue or s.report_cue for s in scans) or any(
        has_weak_race_cue(s) and find_diagrams(s.message) for s in scans)
    return ThreadScan(scans, subject_race, candidate, thread.subject or "")
