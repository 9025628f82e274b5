"""Read a public-inbox v2 epoch (bare git repo) or an mbox into message records, and cache them.

A record is a dict: mid, irt, refs, from, date, subject, body. The body is the decoded text/plain
part exactly as the shared gold reads it (email.policy.default, get_body(('plain',)).get_content(),
"" when there is no text/plain part).
"""

from __future__ import annotations

import email
import email.policy
import gzip
import json
import mailbox
import re
import subprocess
import threading
from pathlib import Path
from typing import IO, Iterator

_MID_RE = re.compile(r"<([^<>\s]+)>")
MAX_MESSAGE_BYTES = 32 * 1024 * 1024


class ArchiveError(Exception):
    """An archive that cannot be read at all (bad path, not a git repo, git failed)."""


def find_ids(value: str) -> list[str]:
    """Message-ids named in a header value, without angle brackets."""
    return _MID_RE.findall(value) if value else []


def read_header(msg, name: str) -> str:
    """A header as text; "" when absent or undecodable."""
    try:
        value = msg.get(name)
    except Exception:
        return ""
    return str(value) if value is not None else ""


def read_body(msg) -> str:
    """The decoded text/plain body as the shared gold reads it; "" without a text/plain part."""
    try:
        part = msg.get_body(preferencelist=("plain",))
    except Exception:
        part = None
    if part is None:
        return ""
    try:
        return part.get_content()
    except Exception:
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace")


def build_record(raw: bytes) -> dict | None:
    """One message's record, or None when it has no Message-ID."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return build_record_from_message(msg)


def build_record_from_message(msg) -> dict | None:
    mids = find_ids(read_header(msg, "Message-ID"))
    if not mids:
        return None
    return {
        "mid": mids[0],
        "irt": find_ids(read_header(msg, "In-Reply-To")),
        "refs": find_ids(read_header(msg, "References")),
        "from": read_header(msg, "From"),
        "date": read_header(msg, "Date"),
        "subject": " ".join(read_header(msg, "Subject").split()),
        "body": read_body(msg),
    }


def feed_lines(stream: IO[bytes], lines: list[str]) -> None:
    try:
        for line in lines:
            stream.write(line.encode() + b"\n")
    except BrokenPipeError:
        pass
    finally:
        try:
            stream.close()
        except BrokenPipeError:
            pass


def list_commits(git_dir: Path) -> list[str]:
    """Every commit of the epoch, oldest first."""
    out = subprocess.run(["git", "--git-dir", str(git_dir), "rev-list", "--all", "--reverse"],
                         capture_output=True, check=False)
    if out.returncode != 0:
        raise ArchiveError(f"git rev-list failed: {out.stderr.decode(errors='replace').strip()[:200]}")
    return out.stdout.decode().split()


def iter_blobs(git_dir: Path, specs: list[str]) -> Iterator[bytes | None]:
    """The content of each object spec (e.g. "<commit>:m") in order; None when it is missing."""
    proc = subprocess.Popen(["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    feeder = threading.Thread(target=feed_lines, args=(proc.stdin, specs), daemon=True)
    feeder.start()
    try:
        for spec in specs:
            header = proc.stdout.readline().split()
            if len(header) != 3:
                yield None  # "<spec> missing": a deletion or an empty commit
                continue
            size = int(header[2])
            if size > MAX_MESSAGE_BYTES:
                raise ArchiveError(f"{spec}: message of {size} bytes is over the bound")
            data = proc.stdout.read(size)
            proc.stdout.read(1)
            yield data
    finally:
        proc.stdout.close()
        proc.wait()
        feeder.join()


def iter_epoch(git_dir: Path) -> Iterator[tuple[str, bytes]]:
    """(commit, raw message) for each commit whose tree holds the blob `m`."""
    commits = list_commits(git_dir)
    for commit, raw in zip(commits, iter_blobs(git_dir, [f"{c}:m" for c in commits])):
        if raw is not None:
            yield commit, raw


def iter_mbox(path: Path) -> Iterator[tuple[str, object]]:
    """(position, parsed message) for each message of an mbox (.gz allowed)."""
    if path.suffix == ".gz":
        import tempfile
        with tempfile.NamedTemporaryFile(suffix=".mbox") as tmp:
            with gzip.open(path, "rb") as src:
                while chunk := src.read(1 << 20):
                    tmp.write(chunk)
            tmp.flush()
            yield from iter_mbox(Path(tmp.name))
        return
    box = mailbox.mbox(str(path), factory=lambda f: email.message_from_binary_file(
        f, policy=email.policy.default), create=False)
    for i, msg in enumerate(box):
        if msg is not None:
            yield f"#{i}", msg


def iter_records(source: Path) -> Iterator[tuple[str, dict | None]]:
    """(source position, record or None) for every message of an epoch or an mbox."""
    if not source.exists():
        raise ArchiveError(f"{source}: no such archive")
    if source.is_dir():
        if not (source / "objects").is_dir() and not (source / ".git").exists():
            raise ArchiveError(f"{source}: not a git repository")
        for commit, raw in iter_epoch(source):
            yield commit, build_record(raw)
    else:
        for pos, msg in iter_mbox(source):
            yield pos, build_record_from_message(msg)


def write_cache(source: Path, cache: Path) -> tuple[int, int]:
    """Index an archive into a JSON-lines cache; returns (messages written, skipped)."""
    written = skipped = 0
    with open(cache, "w", encoding="utf-8") as out:
        for pos, rec in iter_records(source):
            if rec is None:
                skipped += 1
                continue
            rec["pos"] = pos
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            written += 1
    return written, skipped


def load_cache(cache: Path) -> dict[str, dict]:
    """Records by message-id; the first copy of a reused message-id wins."""
    msgs: dict[str, dict] = {}
    with open(cache, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                msgs.setdefault(rec["mid"], rec)
    return msgs
