"""The labelled corpus (data/labels/<list>.jsonl, pointer form) as training threads: only the
labelled messages are read from each archive (a header scan finds them, only those are parsed),
materialised into the gold schema and turned into ThreadTexts the extractor can run on.

    threads = load_labelled_list(labels_path, archive, cache)   # [(ThreadText, gold dict)]
"""

from __future__ import annotations

import email.utils
import json
import re
from pathlib import Path

from ingest.extract.devcorpus import find_patch_files, group_threads, parse_date
from ingest.extract.types import MessageText, ThreadText
from ingest.labels.archive import build_record, iter_blobs, list_commits
from ingest.labels.pointers import materialise_thread
from ingest.parse.subject import strip_list_tag

_HEADER_MID_RE = re.compile(rb"^Message-ID:\s*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE)


def read_labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def find_header_mid(raw: bytes) -> str | None:
    """The Message-ID of a raw message from its header block alone (None when absent)."""
    end = raw.find(b"\n\n")
    m = _HEADER_MID_RE.search(raw[:end if end >= 0 else len(raw)])
    return m.group(1).decode("ascii", "replace") if m else None


def index_wanted(archive: Path, wanted: set[str]) -> dict[str, dict]:
    """Records (ingest.labels.archive form, with "pos" = commit) of the `wanted` message ids
    of a public-inbox epoch; the first copy of a reused id wins."""
    commits = list_commits(archive)
    out: dict[str, dict] = {}
    for commit, raw in zip(commits, iter_blobs(archive, [f"{c}:m" for c in commits])):
        if raw is None:
            continue
        mid = find_header_mid(raw)
        if mid is not None and (mid not in wanted or mid in out):
            continue
        rec = build_record(raw)     # no Message-ID in the header scan: parse to be sure
        if rec is not None and rec["mid"] in wanted and rec["mid"] not in out:
            rec["pos"] = commit
            out[rec["mid"]] = rec
    return out


def load_records(labels: list[dict], archive: Path, cache: Path | None = None) -> dict[str, dict]:
    """The labelled threads' message records, from `cache` (JSON lines) when it holds them all,
    else read from the archive (and written to `cache`)."""
    wanted = {m for t in labels for m in t["message_ids"]}
    if cache is not None and cache.exists():
        recs = {}
        for line in cache.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                recs.setdefault(rec["mid"], rec)
        if wanted <= recs.keys():
            return recs
    recs = index_wanted(archive, wanted)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs.values()),
                         encoding="utf-8")
    return recs


def build_message(rec: dict) -> tuple[MessageText, list[str]]:
    name, addr = email.utils.parseaddr(rec.get("from", ""))
    irt = rec.get("irt") or []
    msg = MessageText(message_id=rec["mid"], author_name=name, author_email=addr.lower(),
                      date=parse_date(rec.get("date")), subject=strip_list_tag(rec.get("subject", "")),
                      in_reply_to=irt[0] if irt else None, body=rec.get("body", ""),
                      patch_files=find_patch_files(rec.get("body", "")))
    return msg, list(rec.get("refs") or []) + list(irt)


def build_thread(label: dict, recs: dict[str, dict]) -> ThreadText:
    """The ThreadText of one labelled thread (its labelled messages, rooted at thread_id)."""
    items = [build_message(recs[m]) for m in label["message_ids"] if m in recs]
    for thread in group_threads(items, label["list"]):
        if thread.thread_id == label["thread_id"] or any(
                m.message_id == label["thread_id"] for m in thread.messages):
            return thread
    raise ValueError(f"{label['thread_id']}: root not among the labelled messages")


def load_labelled_list(labels_path: Path, archive: Path,
                       cache: Path | None = None) -> list[tuple[ThreadText, dict]]:
    """(ThreadText, materialised gold thread) for every labelled thread of one list."""
    labels = read_labels(labels_path)
    recs = load_records(labels, archive, cache)
    return [(build_thread(t, recs), materialise_thread(t, recs)) for t in labels]
