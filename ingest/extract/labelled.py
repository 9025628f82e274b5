"""The labelled corpus (data/labels/<list>.jsonl, pointer form) as training threads: only the
labelled messages are read from each archive (a header scan finds them, only those are parsed),
materialised into the gold schema and turned into ThreadTexts the extractor can run on.

The labels are materialised from the records (the gold's reading: Python's email module), while
the ThreadTexts are built as `kb ingest` stores the same mails (kb's parser, with inline
attachments; the parse stage's own-text segments, without list footers; the thread stage's
depth-first reply order). Built from the records instead, a model trained here read other text
than it scores at run time, and in-process scores disagreed with the bench's on lists whose mail
has footers or attached patches (iommu objections .148 in process against .276 through `kb ingest`).

    threads = load_labelled_list(labels_path, archive, cache)   # [(ThreadText, gold dict)]
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from ingest.extract.types import MessageText, ThreadText
from ingest.labels.archive import build_record, iter_blobs, list_commits
from ingest.labels.pointers import materialise_thread
from ingest.parse.message import MailParseError, parse_message
from ingest.parse.patch import parse_patches
from ingest.parse.quotes import find_own_spans
from ingest.parse.subject import strip_list_tag
from ingest.thread import ThreadLink, thread_messages

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


def build_message(raw: bytes) -> tuple[MessageText, tuple[str, ...]]:
    """(message, references) of one raw mail as the store gives it to the extractor: kb's own
    parser (bodies with their inline attachments, as ingest stores them) and own text as the parse
    stage segments it (text and trailers: no quotes, patches, signatures or list footers)."""
    parsed = parse_message(raw)
    body = parsed.body
    msg = MessageText(message_id=parsed.message_id, author_name=parsed.author.name,
                      author_email=parsed.author.email, date=parsed.date, subject=strip_list_tag(parsed.subject),
                      in_reply_to=parsed.in_reply_to, body=body, own_spans=find_own_spans(body),
                      patch_files=tuple(p.path for p in parse_patches(body)))
    return msg, parsed.references


def read_messages(archive: Path, recs: dict[str, dict]) -> dict[str, tuple[MessageText, tuple[str, ...]]]:
    """build_message of every record's raw mail (read again from the epoch commit it came from)."""
    mids = list(recs)
    out = {}
    for mid, raw in zip(mids, iter_blobs(archive, [f"{recs[m]['pos']}:m" for m in mids])):
        if raw is None:
            raise ValueError(f"{recs[mid]['pos']}:m: missing from {archive}")
        try:
            msg, refs = build_message(raw)
        except MailParseError as err:
            raise ValueError(f"{recs[mid]['pos']}:m: {err}") from None
        out[mid] = (replace(msg, message_id=mid), refs)     # the id the labels name, however kb spells it
    return out


def build_thread(label: dict, messages: dict[str, tuple[MessageText, tuple[str, ...]]]) -> ThreadText:
    """The ThreadText of one labelled thread (its labelled messages, rooted at thread_id), threaded
    and ordered as the thread stage does it (ingest.thread: depth-first reply order)."""
    present = [messages[m] for m in label["message_ids"] if m in messages]
    links = [ThreadLink(msg.message_id, msg.in_reply_to, refs, msg.subject, msg.date) for msg, refs in present]
    by_id = {msg.message_id: msg for msg, _ in present}
    for tree in thread_messages(links):
        if label["thread_id"] in tree.members:
            members = tuple(by_id[m] for m in tree.members)
            return ThreadText(tree.root_id, label["list"], members[0].subject, members)
    raise ValueError(f"{label['thread_id']}: root not among the labelled messages")


def load_labelled_list(labels_path: Path, archive: Path,
                       cache: Path | None = None) -> list[tuple[ThreadText, dict]]:
    """(ThreadText, materialised gold thread) for every labelled thread of one list."""
    labels = read_labels(labels_path)
    recs = load_records(labels, archive, cache)
    messages = read_messages(archive, recs)
    return [(build_thread(t, messages), materialise_thread(t, recs)) for t in labels]
