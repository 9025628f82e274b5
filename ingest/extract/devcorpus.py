"""Build ThreadTexts straight from an mbox or from seed pages, for benches and gold tests.

This is the development path (Python mailbox + email.policy.default, union-find threading
like shared/gold/tools/mboxthreads.py); the real pipeline builds ThreadTexts from
ParsedMessages and its own threading.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import gzip
import mailbox
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from ingest.extract.types import MessageText, ThreadText
from ingest.labels.archive import read_body
from ingest.parse.subject import strip_list_tag
from ingest.thread import group_components

_MID_RE = re.compile(r"<([^<>\s]+)>")
_DIFF_FILE_RE = re.compile(r"^(?:diff --git a/(\S+) b/\S+|\+\+\+ b/(\S+))", re.MULTILINE)


def find_patch_files(body: str) -> tuple[str, ...]:
    """Files touched by the diffs in a body (unquoted diffs only)."""
    files = [a or b for a, b in _DIFF_FILE_RE.findall(body)]
    return tuple(dict.fromkeys(f for f in files if f and f != "/dev/null"))


def _ids(value) -> list[str]:
    return _MID_RE.findall(str(value)) if value else []


def parse_date(value) -> datetime | None:
    try:
        d = email.utils.parsedate_to_datetime(str(value))
    except Exception:
        return None
    if d is None:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def iter_mbox_messages(path: str | Path) -> Iterator[tuple[MessageText, list[str]]]:
    """(MessageText, parent ids) for every message of an mbox (.gz allowed)."""
    path = Path(path)
    if path.suffix == ".gz":
        import tempfile
        tmp = tempfile.NamedTemporaryFile(suffix=".mbox", delete=False)
        with gzip.open(path, "rb") as src:
            while chunk := src.read(1 << 20):
                tmp.write(chunk)
        tmp.close()
        path = Path(tmp.name)
    box = mailbox.mbox(str(path), factory=lambda f: email.message_from_binary_file(
        f, policy=email.policy.default), create=False)
    for msg in box:
        try:
            mids = _ids(msg.get("Message-ID"))
            if not mids:
                continue
            irt = _ids(msg.get("In-Reply-To"))
            refs = _ids(msg.get("References"))
            name, addr = email.utils.parseaddr(str(msg.get("From", "")))
            body = read_body(msg)
        except Exception:
            continue
        yield (MessageText(message_id=mids[0], author_name=name, author_email=addr.lower(),
                           date=parse_date(msg.get("Date")), subject=strip_list_tag(str(msg.get("Subject", ""))),
                           in_reply_to=irt[0] if irt else None, body=body,
                           patch_files=find_patch_files(body)), refs + irt)


def group_threads(items: list[tuple[MessageText, list[str]]], list_name: str) -> list[ThreadText]:
    """Union-find over Message-ID / In-Reply-To / References; root = a present message none
    of whose parents is present (most referenced first)."""
    msgs = {m.message_id: (m, ps) for m, ps in items}
    groups = group_components({mid: ps for mid, (_, ps) in msgs.items()})
    threads = []
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    for members in groups:
        mset = set(members)
        roots = [m for m in members if not any(p in mset for p in msgs[m][1])]
        refcount = {m: sum(1 for o in members if m in msgs[o][1]) for m in roots}
        roots.sort(key=lambda m: (-refcount[m], msgs[m][0].date or epoch))
        root = roots[0] if roots else members[0]
        ordered = sorted(members, key=lambda m: msgs[m][0].date or epoch)
        threads.append(ThreadText(thread_id=root, list=list_name, subject=msgs[root][0].subject,
                                  messages=tuple(msgs[m][0] for m in ordered)))
    return threads


def load_mbox_threads(path: str | Path, list_name: str = "cgroups") -> list[ThreadText]:
    return group_threads(list(iter_mbox_messages(path)), list_name)


_PAGE_FROM_RE = re.compile(r"^From:\s*(.+?)\s*$", re.MULTILINE)
_PAGE_DATE_RE = re.compile(r"^Date:\s*(.+?)\s*$", re.MULTILINE)


def load_seed_thread(path: str | Path) -> ThreadText:
    """A seed web page as one message (message_id = file name, body = page text). The whole
    page counts as own text: it holds the quoted history the gold quotes come from."""
    path = Path(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    first = text.splitlines()[0] if text else ""
    subject = first if re.match(r"^(?:Re:\s*)?\[", first) else ""
    m = _PAGE_FROM_RE.search(text[:2000])
    name = m.group(1) if m else ""
    msg = MessageText(message_id=path.name, author_name=name, author_email="", date=None,
                      subject=subject, in_reply_to=None, body=text,
                      own_spans=((0, len(text)),), patch_files=find_patch_files(text), recovered=True)
    return ThreadText(thread_id=path.name, list="seed", subject=subject, messages=(msg,))


def load_seed_threads(directory: str | Path) -> list[ThreadText]:
    return [load_seed_thread(p) for p in sorted(Path(directory).glob("*.txt"))]
