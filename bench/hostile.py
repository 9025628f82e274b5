"""Hostile corpus: real mail mutated the ways strangers' mail is broken; kb must account for all of it.

Messages of ../shared/corpus/cgroups-2024.mbox.gz, then of the cgroups epoch, each mutated in
turn: utf-7 with stray bytes, encoded lone surrogates, NULs (addresses, subject, body, ids),
CRLF and mixed line endings, truncations, reused Message-IDs with new content, deep MIME
nesting, huge headers, terminal controls and bidi overrides, unknown charsets, broken base64 and
quoted-printable, a few huge bodies and garbage. Written as mbox batches of 1,000 outside the
repository (one batch with CRLF line endings throughout, one as a truncated .gz). Then each batch
is ingested (`kb ingest --json`), and:
- accounting: every batch's read = stored + present + skipped, every file's read = the messages
  written (the truncated .gz: at most that, and one quarantine entry for the damage); the KB
  holds the stored messages and the quarantine the skipped ones, each with position and reason;
- `kb show` of every stored message (in one process, through the CLI), `kb export`, `kb show
  --json` of a sample and a search per batch exit 0.
Prints one JSON object; exit 1 on any crash or a count that does not add up.

    python bench/hostile.py [--messages 20000] [--batch 1000] [--out DIR] [--keep]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import itertools
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))   # after ROOT: bench/ingest.py is no package

from mail_files import EPOCH, MBOX_2024, format_mbox, iter_epoch_mails, iter_mails  # noqa: E402

BATCH = 1000
CRLF_BATCH, TRUNCATED_BATCH = 7, 13
Mutation = Callable[[bytes, bytes, random.Random], bytes]


def split(mail: bytes) -> tuple[bytes, bytes]:
    found = re.search(rb"\r?\n\r?\n", mail)
    return (mail, b"") if found is None else (mail[:found.start()], mail[found.end():])


def set_header(head: bytes, name: bytes, value: bytes) -> bytes:
    """Replace (or add) a header, folded continuation lines included."""
    pattern = re.compile(rb"^" + re.escape(name) + rb":.*(?:\r?\n[ \t].*)*", re.MULTILINE | re.IGNORECASE)
    line = name + b": " + value
    return pattern.sub(lambda _: line, head, count=1) if pattern.search(head) else head + b"\n" + line


def join(head: bytes, body: bytes) -> bytes:
    return head + b"\n\n" + body


def utf7(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    head, body = split(mail)
    head = set_header(set_header(head, b"Content-Type", b"text/plain; charset=utf-7"),
                      b"Content-Transfer-Encoding", b"8bit")
    return join(head, body + b"\n+3v8- +2D3cAQ- caf\xe9 \xff\xfe +AGEAYgBj-\n")


def surrogates(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    head, body = split(mail)
    word = base64.b64encode(b"lone \xed\xa0\x80 half \xed\xbf\xbf").decode().encode()
    head = set_header(head, b"Subject", b"=?utf-8?b?" + word + b"?= =?utf-16?b?2D3cAQ==?= =?utf-7?q?+2D3-?=")
    head = set_header(head, b"Content-Type", b"text/plain; charset=utf-8")
    return join(head, body + b"\n\xed\xa0\x80\xed\xbf\xbf \xf4\x90\x80\x80 \xc0\xaf\n")


def nuls(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    head, body = split(mail)
    head = set_header(head, b"From", b"Nul\x00 Person <nul\x00person@example.org>")
    head = set_header(head, b"Subject", b"race\x00 in \x00foo()")
    head = set_header(head, b"Cc", b"a\x00b@example.org, \x00")
    return join(head, body.replace(b" ", b"\x00", 5) + b"\n\x00\x00 race between a() and b()\x00\n")


def nul_id(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    head, body = split(mail)
    return join(set_header(head, b"Message-ID", b"<nul\x00id.%d@example.org>" % rng.randrange(10**9)), body)


def crlf(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    return mail.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def mixed_endings(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    lines = mail.split(b"\n")
    return b"".join(line + rng.choice((b"\n", b"\r\n", b"\r", b"\n")) for line in lines)


def truncate(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    return mail[:rng.randrange(1, max(2, len(mail)))]


def reused_id(mail: bytes, prev: bytes, rng: random.Random) -> bytes:
    """The previous message's Message-ID on this one's content."""
    found = re.search(rb"^message-id:[ \t]*(.*)$", prev, re.MULTILINE | re.IGNORECASE)
    head, body = split(mail)
    return join(set_header(head, b"Message-ID", found.group(1).strip() if found else b"<reused@example.org>"), body)


def deep_mime(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    head, body = split(mail)
    depth = rng.choice((40, 120, 400))
    parts = b"Content-Type: text/plain; charset=utf-8\n\n" + body
    for level in range(depth):
        boundary = b"b%d" % level
        parts = (b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"\n\n--" + boundary + b"\n" + parts
                 + b"\n--" + boundary + b"--\n")
    head = set_header(set_header(head, b"MIME-Version", b"1.0"), b"Content-Type", b"text/plain")
    inner_head, inner_body = split(parts)
    return join(set_header(head, b"Content-Type", inner_head.split(b": ", 1)[1]), inner_body)


def huge_headers(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    head, body = split(mail)
    cc = b",\n ".join(b"Person %d <p%d@example.org>" % (n, n) for n in range(rng.choice((500, 5000))))
    refs = b"\n ".join(b"<ref%d.%d@example.org>" % (n, rng.randrange(10**6)) for n in range(3000))
    junk = b"\n".join(b"X-Junk-%d: %s" % (n, b"x" * 200) for n in range(2000))
    head = set_header(set_header(head, b"Cc", cc), b"References", refs) + b"\n" + junk
    head = set_header(head, b"Subject", b"[PATCH] " + b"very long subject " * 2000)
    return join(head, body)


def controls(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    head, body = split(mail)
    evil = "\x1b[31mred\x1b[0m \u202egnp.exe \u009b2J \u009d0;title\x07 \x1b]8;;http://x\x1b\\link".encode()
    head = set_header(set_header(head, b"Subject", evil), b"Content-Type", b"text/plain; charset=utf-8")
    return join(head, evil + b"\n" + body + b"\n" + evil * 20)


def bad_charsets(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    head, body = split(mail)
    charset = rng.choice((b"x-unknown-\xff", b"utf-7", b"iso-2022-jp", b"\"\"", b"utf-32", b"cp65001", b"x" * 300))
    encoding = rng.choice((b"base64", b"quoted-printable", b"x-uuencode", b"8bit"))
    if encoding == b"base64":
        body = b"!!not base64!!\n" + base64.b64encode(body)[:-3] + b"=\n===\n"
    elif encoding == b"quoted-printable":
        body = body.replace(b" ", b"=ZZ", 3) + b"=\n=1B$B=\n"
    else:
        body = b"\x1b$B" + body + b"\x1b(J\x0e\x0f"
    head = set_header(head, b"Content-Type", b"text/plain; charset=" + charset)
    head = set_header(head, b"Subject", b"=?" + charset + b"?q?=FF=FE?= =?utf-8?b?////?= =?bogus?x?y?=")
    return join(set_header(head, b"Content-Transfer-Encoding", encoding), body)


def huge_body(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    head, body = split(mail)
    return join(head, (body or b"x\n") * max(1, 3_000_000 // max(1, len(body))))


def garbage(mail: bytes, _prev: bytes, rng: random.Random) -> bytes:
    return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000))).replace(b"\nFrom ", b"\nFrxm ")


# (mutation, weight): most messages get one of the cheap mutations; a few are huge
MUTATIONS: tuple[tuple[Mutation, int], ...] = (
    (utf7, 10), (surrogates, 10), (nuls, 8), (nul_id, 2), (crlf, 8), (mixed_endings, 6), (truncate, 8),
    (reused_id, 8), (deep_mime, 4), (huge_headers, 1), (controls, 8), (bad_charsets, 10), (huge_body, 1),
    (garbage, 2), (lambda mail, prev, rng: mail, 14),
)


def iter_real_mail() -> Iterator[bytes]:
    yield from iter_mails(MBOX_2024)
    yield from iter_epoch_mails(EPOCH)


def generate(count: int, out: Path, seed: int, size: int = BATCH) -> dict[str, object]:
    """Write `count` mutated messages as mbox batches under `out`; what was written, per file."""
    rng = random.Random(seed)
    names, weights = zip(*MUTATIONS)
    used: Counter[str] = Counter()
    files: dict[str, int] = {}
    prev = b""
    mails = itertools.islice(iter_real_mail(), count)
    for batch in itertools.count():
        chunk = list(itertools.islice(mails, size))
        if not chunk:
            break
        mutated = []
        for mail in chunk:
            mutate = rng.choices(names, weights)[0]
            used[getattr(mutate, "__name__", "plain").replace("<lambda>", "plain")] += 1
            mutated.append(mutate(mail, prev, rng))
            prev = mail
        data = b"".join(format_mbox(mutated))
        if batch == CRLF_BATCH:
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        path = out / f"batch-{batch:02d}.mbox"
        if batch == TRUNCATED_BATCH:
            packed = gzip.compress(data)
            path = path.with_suffix(".mbox.gz")
            path.write_bytes(packed[:int(len(packed) * 0.9)])
        else:
            path.write_bytes(data)
        files[path.name] = len(chunk)
    return {"files": files, "mutations": dict(used)}


def run_kb(db: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kb", "--db", str(db), *args], cwd=ROOT, capture_output=True,
                          text=True, check=check, errors="replace")


def ingest_batches(db: Path, out: Path, files: dict[str, int]) -> tuple[list[dict[str, object]], list[str]]:
    rows, problems = [], []
    for name, written in files.items():
        started = time.monotonic()
        done = run_kb(db, "ingest", str(out / name), "--json", "--quiet")
        if done.returncode != 0:
            problems.append(f"{name}: ingest exit {done.returncode}: {done.stderr.strip()[-300:]}")
            continue
        report = json.loads(done.stdout)
        skipped = report["skipped"]
        row = {"file": name, "written": written, "read": report["read"], "stored": report["stored"],
               "present": report["present"], "skipped": len(skipped), "reused_ids": report["reused_ids"],
               "wall_s": round(time.monotonic() - started, 1)}
        rows.append(row)
        if report["read"] != report["stored"] + report["present"] + len(skipped):
            problems.append(f"{name}: read {report['read']} != stored + present + skipped")
        damaged = [s for s in skipped if "gzip" in s["reason"]]
        if name.endswith(".gz"):
            if len(damaged) != 1 or report["read"] > written + 1:
                problems.append(f"{name}: {len(damaged)} damage entries, read {report['read']} of {written}")
        elif report["read"] != written:
            problems.append(f"{name}: read {report['read']}, written {written}")
        if any(not s["position"] or not s["reason"] for s in skipped):
            problems.append(f"{name}: a skipped message without position or reason")
    return rows, problems


def count_rows(db: Path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return {table: conn.execute(f"select count(*) from {table}").fetchone()[0]
                for table in ("messages", "quarantine", "threads", "races", "fixes", "objections")}


def show_every_message(db: Path) -> dict[str, object]:
    """`kb show MESSAGE-ID` of every stored message through the CLI in this process; a --json and
    a --raw of every 50th. The calls share one opened KB (as the TUI does): opening it again for
    each of 20,000 calls (engine, migration check, statement cache) would cost hours."""
    import sqlite3

    from click.testing import CliRunner

    from kb.cli import mail_commands
    from kb.cli.main import cli, open_library, register_commands

    register_commands()
    with sqlite3.connect(db) as conn:
        ids = [row[0] for row in conn.execute("select message_id from messages order by id")]
    library = None

    def open_once(ctx: object, create: bool = False) -> object:
        nonlocal library
        if library is None:
            library = open_library(ctx, create)  # type: ignore[arg-type]
        return library

    mail_commands.open_library = open_once  # type: ignore[assignment]
    runner, failures, started = CliRunner(), [], time.monotonic()
    for n, message_id in enumerate(ids):
        for extra in ([], ["--json"], ["--raw"]) if n % 50 == 0 else ([],):
            result = runner.invoke(cli, ["--db", str(db), "show", message_id, *extra])
            if result.exit_code != 0:
                failures.append({"message_id": message_id[:80], "args": extra, "exit": result.exit_code,
                                 "output": result.output[-200:]})
    return {"shown": len(ids), "failures": failures[:20], "failed": len(failures),
            "seconds": round(time.monotonic() - started, 1)}


def search_per_batch(db: Path, files: dict[str, int]) -> list[dict[str, object]]:
    words = ("race", "memcg", "cgroup", "lock", "css", "patch", "cpuset", "rstat", "kill", "free")
    out = []
    for n, _ in enumerate(files):
        query = f"{words[n % len(words)]} d:2000..2030"
        done = run_kb(db, "search", query, "--limit", "20")
        out.append({"query": query, "exit": done.returncode, "stderr": done.stderr.strip()[-200:]})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--out", type=Path, help="where the corpus and the KB go (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the corpus and the KB")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=BATCH, help="messages per mbox file")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="kb-hostile-"))
    out.mkdir(parents=True, exist_ok=True)
    db = out / "kb.sqlite"
    try:
        made = generate(args.messages, out, args.seed, args.batch)
        rows, problems = ingest_batches(db, out, made["files"])   # type: ignore[arg-type]
        counts = count_rows(db)
        stored = sum(int(r["stored"]) for r in rows)
        skipped = sum(int(r["skipped"]) for r in rows)
        if counts["messages"] != stored or counts["quarantine"] != skipped:
            problems.append(f"KB holds {counts['messages']} messages / {counts['quarantine']} quarantined, "
                            f"reports say {stored} / {skipped}")
        shown = show_every_message(db)
        exported = run_kb(db, "export", "--format", "jsonl")
        searches = search_per_batch(db, made["files"])   # type: ignore[arg-type]
        crashes = (shown["failed"] + (exported.returncode != 0)   # type: ignore[operator]
                   + sum(s["exit"] != 0 for s in searches))
        result = {"written": sum(made["files"].values()), "mutations": made["mutations"],   # type: ignore[union-attr]
                  "batches": rows, "totals": {"read": sum(int(r["read"]) for r in rows), "stored": stored,
                                              "present": sum(int(r["present"]) for r in rows), "skipped": skipped,
                                              "reused_ids": sum(int(r["reused_ids"]) for r in rows)},
                  "kb": counts, "show": shown, "export": {"exit": exported.returncode,
                                                          "lines": exported.stdout.count("\n"),
                                                          "stderr": exported.stderr.strip()[-200:]},
                  "searches": searches, "problems": problems, "crashes": crashes}
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    print(json.dumps(result))
    sys.exit(1 if problems or crashes else 0)


if __name__ == "__main__":
    main()
