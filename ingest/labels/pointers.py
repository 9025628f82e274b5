"""Quotes <-> pointers: a label's quote becomes a span into the named body plus a short sha1.

`point_thread` turns a gold-schema thread (literal quotes) into pointer form; `materialise_thread`
does the reverse, checking every sha1; `check_thread` lists every problem of a pointer thread
against a message cache.
"""

from __future__ import annotations

import hashlib
import re

SHA_LEN = 12
_WS_RE = re.compile(r"\s+")


class LabelError(Exception):
    """A label that cannot be pointed or materialised (quote absent or ambiguous, bad sha1...)."""


def hash_span(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:SHA_LEN]


def build_normalised(text: str) -> tuple[str, list[int]]:
    """Text with whitespace runs collapsed to one space, and each kept char's original offset."""
    out, idx = [], []
    prev_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if prev_space:
                continue
            out.append(" ")
            prev_space = True
        else:
            out.append(ch)
            prev_space = False
        idx.append(i)
    return "".join(out), idx


def find_all(text: str, needle: str) -> list[int]:
    starts, k = [], text.find(needle)
    while k >= 0:
        starts.append(k)
        k = text.find(needle, k + 1)
    return starts


def locate_quote(body: str, quote: str) -> tuple[int, int]:
    """The (start, end) of the one place the quote occurs; whitespace-normalised as a fallback."""
    if not quote.strip():
        raise LabelError("empty quote")
    hits = find_all(body, quote)
    if len(hits) == 1:
        return hits[0], hits[0] + len(quote)
    if len(hits) > 1:
        raise LabelError(f"quote found {len(hits)} times; lengthen it: {quote[:60]!r}")
    ntext, idx = build_normalised(body)
    nquote = _WS_RE.sub(" ", quote).strip()
    hits = find_all(ntext, nquote)
    if len(hits) != 1:
        what = "not found" if not hits else f"found {len(hits)} times (whitespace-normalised)"
        raise LabelError(f"quote {what}: {quote[:60]!r}")
    start = idx[hits[0]]
    return start, idx[hits[0] + len(nquote) - 1] + 1


def iter_anchors(thread: dict):
    """(where, item) for every item carrying a quote or a span: evidence, fixes, objections."""
    for i, race in enumerate(thread.get("races", [])):
        for j, ev in enumerate(race.get("evidence", [])):
            yield f"race{i}.evidence{j}", ev
    for i, fix in enumerate(thread.get("fixes", [])):
        yield f"fix{i}", fix
    for i, obj in enumerate(thread.get("objections", [])):
        yield f"objection{i}", obj


def _body_of(msgs: dict[str, dict], thread: dict, mid: str, where: str) -> str:
    if mid not in msgs:
        raise LabelError(f"{where}: message {mid} not in the archive")
    if mid not in thread.get("message_ids", []):
        raise LabelError(f"{where}: message {mid} not in the thread's message_ids")
    return msgs[mid]["body"]


def _replace_key(item: dict, old: str, new: dict) -> dict:
    """A copy of item with key `old` replaced in place by the keys of `new` (order kept)."""
    out = {}
    for k, v in item.items():
        if k == old:
            out.update(new)
        elif k not in new:
            out[k] = v
    return out


def point_thread(thread: dict, msgs: dict[str, dict], extra: dict) -> dict:
    """Pointer form of one gold-schema thread; `extra` keys (archive, labeller...) are set."""
    out = {k: v for k, v in thread.items() if k != "subject"}
    out.update({k: v for k, v in extra.items() if k not in thread})
    tid = thread["thread_id"]

    def point(item: dict, where: str) -> dict:
        body = _body_of(msgs, thread, item["message_id"], f"{tid} {where}")
        try:
            start, end = locate_quote(body, item["quote"])
        except LabelError as exc:
            raise LabelError(f"{tid} {where} in {item['message_id']}: {exc}") from None
        return _replace_key(item, "quote", {"span": [start, end], "sha1": hash_span(body[start:end])})

    out["races"] = [dict(r, evidence=[point(e, f"race{i}.evidence{j}") for j, e in enumerate(r["evidence"])])
                    for i, r in enumerate(thread.get("races", []))]
    out["fixes"] = [point(f, f"fix{i}") for i, f in enumerate(thread.get("fixes", []))]
    out["objections"] = [point(o, f"objection{i}") for i, o in enumerate(thread.get("objections", []))]
    return out


def read_span(msgs: dict[str, dict], thread: dict, item: dict, where: str) -> str:
    """The text an item's span points at, after checking the span and its sha1."""
    body = _body_of(msgs, thread, item["message_id"], where)
    span = item.get("span")
    if not (isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) for x in span)
            and 0 <= span[0] < span[1] <= len(body)):
        raise LabelError(f"{where}: bad span {span!r} for a body of {len(body)} chars")
    text = body[span[0]:span[1]]
    if hash_span(text) != item.get("sha1"):
        raise LabelError(f"{where}: sha1 mismatch in {item['message_id']} (archive differs?)")
    return text


def materialise_thread(thread: dict, msgs: dict[str, dict]) -> dict:
    """Gold-schema form (quotes and subject) of one pointer thread; raises on any bad pointer."""
    tid = thread["thread_id"]

    def quote(item: dict, where: str) -> dict:
        text = read_span(msgs, thread, item, f"{tid} {where}")
        return _replace_key({k: v for k, v in item.items() if k != "sha1"}, "span", {"quote": text})

    if tid not in msgs:
        raise LabelError(f"{tid}: root message not in the archive")
    out = {"thread_id": tid, "list": thread["list"], "subject": msgs[tid]["subject"]}
    out.update({k: v for k, v in thread.items() if k not in out})
    out["races"] = [dict(r, evidence=[quote(e, f"race{i}.evidence{j}") for j, e in enumerate(r["evidence"])])
                    for i, r in enumerate(thread.get("races", []))]
    out["fixes"] = [quote(f, f"fix{i}") for i, f in enumerate(thread.get("fixes", []))]
    out["objections"] = [quote(o, f"objection{i}") for i, o in enumerate(thread.get("objections", []))]
    return out


def check_thread(thread: dict, msgs: dict[str, dict], threads: dict[str, list[str]]) -> list[str]:
    """Every problem of one pointer thread: pointers, threading, indices, positive/negative shape."""
    tid = thread.get("thread_id", "?")
    problems = []
    for key in ("quote", "subject"):
        if key in thread or any(key in item for _, item in iter_anchors(thread)):
            problems.append(f"{tid}: carries a {key} (mail text) in pointer form")
    for where, item in iter_anchors(thread):
        try:
            read_span(msgs, thread, item, f"{tid} {where}")
        except LabelError as exc:
            problems.append(str(exc))
    members = threads.get(tid)
    if members is None:
        problems.append(f"{tid}: not the root of a thread in the archive")
    elif sorted(members) != sorted(thread.get("message_ids", [])):
        problems.append(f"{tid}: message_ids differ from the archive's thread "
                        f"({len(thread.get('message_ids', []))} labelled, {len(members)} in the archive)")
    nraces, nfixes = len(thread.get("races", [])), len(thread.get("fixes", []))
    problems += [f"{tid} fix{i}: race index {f.get('race')} out of range"
                 for i, f in enumerate(thread.get("fixes", [])) if not 0 <= f.get("race", -1) < nraces]
    problems += [f"{tid} objection{i}: against_fix {o.get('against_fix')} out of range"
                 for i, o in enumerate(thread.get("objections", [])) if not 0 <= o.get("against_fix", -1) < nfixes]
    if thread.get("is_race_discussion") is False and (nraces or nfixes or thread.get("objections")):
        problems.append(f"{tid}: negative thread with races, fixes or objections")
    if thread.get("is_race_discussion") and not nraces:
        problems.append(f"{tid}: positive thread without a race")
    return problems
