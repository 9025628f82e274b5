"""The labelled corpus (data/labels/<list>.jsonl, pointer form) as training threads: only the
labelled messages are read from each archive (a header scan finds them, only those are parsed;
the records are cached), materialised into the gold schema and turned into ThreadTexts the
extractor can run on (each labelled mail read again from its epoch commit and parsed by kb).

The labels are materialised from the records (the gold's reading: Python's email module), while
the ThreadTexts are built as `kb ingest` stores the same mails (kb's parser, with inline
attachments; the parse stage's own-text segments, without list footers; the thread stage's
depth-first reply order). Built from the records instead, a model trained here read other text
than it scores at run time, and in-process scores disagreed with the bench's on lists whose mail
has footers or attached patches (iommu objections .148 in process against .276 through `kb ingest`).

    threads = load_labelled_list(labels_path, archive, cache)   # [(ThreadText, gold dict)]
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from pathlib import Path

from ingest.extract.nlp import DATA_DIR
from ingest.extract.types import MessageText, ThreadText
from ingest.labels.archive import ArchiveError, build_record, iter_blobs, list_commits
from ingest.labels.pointers import LabelError, materialise_thread
from ingest.parse.message import MailParseError, parse_message
from ingest.parse.quotes import OWN_KINDS
from ingest.prepare import find_safe_anatomy
from ingest.parse.subject import strip_list_tag
from ingest.thread import ThreadLink, thread_messages

_HEADER_MID_RE = re.compile(rb"^Message-ID:\s*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE)


LABEL_KEYS = ("thread_id", "list", "message_ids")


def read_labels(path: Path) -> list[dict]:
    """The label lines of a pointer file; a line without LABEL_KEYS is a one-line ValueError."""
    labels = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            label = json.loads(line)
            missing = [k for k in LABEL_KEYS if k not in label]
            if missing:
                raise ValueError(f"line {number}: no {', '.join(missing)}")
            labels.append(label)
    return labels


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
    parser (bodies with their inline attachments, as ingest stores them) and the parse stage's
    anatomy (own text: text and trailer segments, no quotes, patches, signatures or list footers;
    a mail whose anatomy fails keeps none, as in the store, and the extractor's line rule applies)."""
    parsed, anatomy = find_safe_anatomy(parse_message(raw))
    msg = MessageText(message_id=parsed.message_id, author_name=parsed.author.name,
                      author_email=parsed.author.email, date=parsed.date, subject=strip_list_tag(parsed.subject),
                      in_reply_to=parsed.in_reply_to, body=parsed.body,
                      own_spans=tuple((row[1], row[2]) for row in anatomy.segments if row[0] in OWN_KINDS),
                      patch_files=tuple(p.path for p in anatomy.patches))
    return msg, parsed.references


def read_messages(archive: Path, recs: dict[str, dict]) -> dict[str, tuple[MessageText, tuple[str, ...]]]:
    """build_message of every record's raw mail (read again from the epoch commit it came from),
    keyed by the record's (the labels') message id."""
    if not archive.is_dir():
        raise ValueError(f"{archive}: no such archive")
    mids = list(recs)
    missing = [m for m in mids if "pos" not in recs[m]]
    if missing:
        raise ValueError(f"<{missing[0]}>: cache record without its commit (delete the cache)")
    out = {}
    for mid, raw in zip(mids, iter_blobs(archive, [f"{recs[m]['pos']}:m" for m in mids])):
        if raw is None:
            raise ValueError(f"<{mid}> {recs[mid]['pos']}:m: missing from {archive}")
        try:
            out[mid] = build_message(raw)
        except MailParseError as err:
            raise ValueError(f"<{mid}> {recs[mid]['pos']}:m: {err}") from None
    return out


def build_thread(label: dict, messages: dict[str, tuple[MessageText, tuple[str, ...]]]) -> ThreadText:
    """The ThreadText of one labelled thread (its labelled messages, rooted at thread_id), threaded
    and ordered as the thread stage does it (ingest.thread: depth-first reply order), on kb's
    spelling of the message ids (`messages` is keyed by the labels')."""
    present = [messages[m] for m in label["message_ids"] if m in messages]
    links = [ThreadLink(msg.message_id, msg.in_reply_to, refs, msg.subject, msg.date) for msg, refs in present]
    by_id = {msg.message_id: msg for msg, _ in present}
    root = messages[label["thread_id"]][0].message_id if label["thread_id"] in messages else None
    for tree in thread_messages(links):
        if root in tree.members:
            members = tuple(by_id[m] for m in tree.members)
            return ThreadText(tree.root_id, label["list"], members[0].subject, members)
    raise ValueError(f"{label['thread_id']}: root not among the labelled messages")


def load_labelled_list(labels_path: Path, archive: Path,
                       cache: Path | None = None) -> list[tuple[ThreadText, dict]]:
    """(ThreadText, materialised gold thread) for every labelled thread of one list."""
    labels = read_labels(labels_path)
    recs = load_records(labels, archive, cache)
    wanted = {m: recs[m] for t in labels for m in t["message_ids"] if m in recs}   # a shared cache may hold more
    messages = read_messages(archive, wanted)
    return [(build_thread(t, messages), materialise_thread(t, recs)) for t in labels]


class LabelledListError(Exception):
    """A list's labels or mail could not be read (the message names the list)."""


def add_corpus_arguments(ap: argparse.ArgumentParser) -> None:
    """--archive LIST=PATH (repeated), --labels and --cache, as the benches over the corpus take them."""
    ap.add_argument("--archive", action="append", default=[], required=True,
                    help="LIST=PATH (public-inbox epoch) of a labelled list")
    ap.add_argument("--labels", type=Path, default=DATA_DIR / "labels")
    ap.add_argument("--cache", type=Path, help="directory of the labelled messages' caches (as learn's --cache)")


def load_labelled_lists(specs: list[str], labels_dir: Path,
                        cache_dir: Path | None = None) -> Iterator[tuple[str, list[tuple[ThreadText, dict]]]]:
    """(list, load_labelled_list) for each LIST=PATH spec, in order; a label or mail the archive
    does not hold is a LabelledListError naming the list."""
    for spec in specs:
        name, _, path = spec.partition("=")
        cache = cache_dir / f"{name}.labelled.jsonl" if cache_dir else None
        try:
            yield name, load_labelled_list(labels_dir / f"{name}.jsonl", Path(path), cache)
        except (ValueError, OSError, ArchiveError, LabelError) as err:
            raise LabelledListError(f"{name}: {err}") from None
