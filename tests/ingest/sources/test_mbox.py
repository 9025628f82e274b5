"""mbox as found: CRLF and mixed endings, mboxo/mboxrd/mboxcl2, `From ` in bodies, damaged gzip."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from ingest.sources.detect import find_sources
from ingest.sources.mbox import iter_mbox

FROM_LINE = b"From a@example.org Mon Jan  1 00:00:00 2024\n"


def make_message(i: int, body: bytes = b"") -> bytes:
    return (b"From: A <a@example.org>\nSubject: s%d\nMessage-ID: <%d@x>\n\nbody %d\n" % (i, i, i)) + body


def join_mbox(messages: list[bytes], crlf: bool = False) -> bytes:
    data = b"".join(FROM_LINE + m + b"\n" for m in messages)
    return data.replace(b"\n", b"\r\n") if crlf else data


def test_crlf_mbox_has_every_message(tmp_path: Path) -> None:
    path = tmp_path / "crlf.mbox"
    path.write_bytes(join_mbox([make_message(i) for i in range(50)], crlf=True))
    mails = list(iter_mbox(path))
    assert len(mails) == 50
    assert all(m.data.startswith(b"From: A") and not m.data.endswith(b"\r\n\r\n") for m in mails)
    offsets = [int(m.position.split()[1]) for m in mails]
    assert all(path.read_bytes()[o:o + 5] == b"From " for o in offsets)


def test_mixed_line_endings(tmp_path: Path) -> None:
    lf = join_mbox([make_message(0), make_message(1)])
    crlf = join_mbox([make_message(2), make_message(3)], crlf=True)
    path = tmp_path / "mixed.mbox"
    path.write_bytes(lf + crlf + lf.replace(b"<0@x>", b"<4@x>").replace(b"<1@x>", b"<5@x>"))
    assert len(list(iter_mbox(path))) == 6


BODY_CASES = [
    # (case id, body bytes, messages expected from two such messages)
    ("prose-from-after-blank", b"\nFrom the report above, the lock is dropped.\n", 2),
    ("mboxrd-escaped", b"\n>From a@example.org Mon Jan  1 00:00:00 2024\n", 2),
    ("from-not-after-blank", b"From a@example.org Mon Jan  1 00:00:00 2024\n", 2),
    ("mboxo-unescaped-from-line-splits", b"\nFrom a@example.org Mon Jan  1 00:00:00 2024\nrest\n", 4),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in BODY_CASES], ids=[c[0] for c in BODY_CASES])
def test_from_lines_in_bodies(tmp_path: Path, body: bytes, expected: int) -> None:
    path = tmp_path / "a.mbox"
    path.write_bytes(join_mbox([make_message(0, body), make_message(1, body)]))
    assert len(list(iter_mbox(path))) == expected


def test_mboxcl2_content_length_keeps_from_lines(tmp_path: Path) -> None:
    body = b"body\n\nFrom a@example.org Mon Jan  1 00:00:00 2024\nstill the body\n"
    message = (b"From: A <a@example.org>\nMessage-ID: <cl@x>\nContent-Length: %d\n\n" % len(body)) + body
    path = tmp_path / "cl2.mbox"
    path.write_bytes(join_mbox([message, make_message(1)]))
    mails = list(iter_mbox(path))
    assert len(mails) == 2
    assert mails[0].data.endswith(b"still the body\n")


def write_truncated_gz(path: Path, count: int, keep: float) -> bytes:
    data = join_mbox([make_message(i, b"x" * 5000 + b"\n") for i in range(count)])
    packed = gzip.compress(data)
    path.write_bytes(packed[:int(len(packed) * keep)])
    return data


def test_truncated_gz_keeps_every_whole_message_and_names_the_damage(tmp_path: Path) -> None:
    path = tmp_path / "cut.mbox.gz"
    data = write_truncated_gz(path, 40, 0.5)
    inflater = zlib.decompressobj(31)
    readable = inflater.decompress(path.read_bytes())       # what survives, independently
    whole = readable.count(b"\n\n" + FROM_LINE)              # separators seen = whole messages before them
    mails = list(iter_mbox(path))
    damaged = [m for m in mails if m.damage]
    assert len(damaged) == 1 and len(mails) == whole + 1
    assert "truncated gzip" in (damaged[0].damage or "")
    offset = int(damaged[0].position.split()[1])
    assert data[offset:offset + 5] == b"From " and mails[-1] is damaged[0]
    assert [m.data for m in mails[:-1]] == [m.data for m in iter_mbox_plain(tmp_path, data)][:whole]


def iter_mbox_plain(tmp_path: Path, data: bytes) -> list:
    plain = tmp_path / "plain.mbox"
    plain.write_bytes(data)
    return list(iter_mbox(plain))


def test_corrupt_gz_block_is_named(tmp_path: Path) -> None:
    data = join_mbox([make_message(i, b"y" * 3000 + b"\n") for i in range(20)])
    packed = bytearray(gzip.compress(data))
    middle = len(packed) // 2
    packed[middle:middle + 64] = b"\xff" * 64
    path = tmp_path / "bad.mbox.gz"
    path.write_bytes(bytes(packed))
    mails = list(iter_mbox(path))
    assert mails[-1].damage and "gzip" in mails[-1].damage
    assert all(m.damage is None for m in mails[:-1])


def test_multi_member_gz_reads_every_member(tmp_path: Path) -> None:
    path = tmp_path / "two.mbox.gz"
    path.write_bytes(gzip.compress(join_mbox([make_message(0)])) + gzip.compress(join_mbox([make_message(1)])))
    mails = list(iter_mbox(path))
    assert len(mails) == 2 and not any(m.damage for m in mails)


def test_directory_with_a_damaged_gz_goes_on(tmp_path: Path) -> None:
    write_truncated_gz(tmp_path / "a.mbox.gz", 10, 0.6)
    (tmp_path / "b.mbox.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")   # nothing decompresses at all
    (tmp_path / "c.mbox").write_bytes(join_mbox([make_message(7)]))
    kinds = [(s.kind, s.path.name) for s in find_sources(tmp_path)]
    assert kinds == [("mbox", "a.mbox.gz"), ("mbox", "b.mbox.gz"), ("mbox", "c.mbox")]
    garbage = list(iter_mbox(tmp_path / "b.mbox.gz"))
    assert len(garbage) == 1 and garbage[0].damage and garbage[0].position == "offset 0"
