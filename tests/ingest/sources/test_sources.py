"""Sources: mbox (mboxrd/mboxo, gz), Maildir, eml, public-inbox epochs, directory sniffing."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from ingest.sources.detect import find_sources, sniff_file
from ingest.sources.maildir import iter_maildir
from ingest.sources.mbox import iter_mbox, unescape_from_lines
from ingest.sources.public_inbox import find_epochs, find_head, iter_epoch
from kb.errors import SourceError
from tests.conftest import require_shared
from tests.ingest.sources.epochs import append_message, create_epoch

MAIL = b"From: A <a@example.org>\nSubject: s%d\nMessage-ID: <%d@x>\n\nbody %d\n>From the start\n"


def write_mbox(path: Path, count: int, compress: bool = False) -> Path:
    data = b"".join(b"From a@example.org Mon Jan  1 00:00:00 2024\n" + (MAIL % (i, i, i)).replace(
        b">From the", b">>From the") + b"\n" for i in range(count))
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.mark.parametrize(("escaped", "plain"), [
    (b">From x\n", b"From x\n"),
    (b">>From x\n", b">From x\n"),
    (b"a >From x\n", b"a >From x\n"),
    (b"From x\n", b"From x\n"),
])
def test_unescape_from_lines(escaped: bytes, plain: bytes) -> None:
    assert unescape_from_lines(escaped) == plain


@pytest.mark.parametrize("compress", [False, True])
def test_mbox_messages_and_positions(tmp_path: Path, compress: bool) -> None:
    path = write_mbox(tmp_path / "a.mbox", 3, compress)
    mails = list(iter_mbox(path))
    assert len(mails) == 3
    assert mails[0].position == "offset 0"
    assert mails[1].data.startswith(b"From: A")
    assert b"\n>From the start\n" in mails[2].data
    assert not mails[2].data.endswith(b"\n\n")


def test_maildir(tmp_path: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (tmp_path / "md" / sub).mkdir(parents=True)
    (tmp_path / "md" / "cur" / "1.eml").write_bytes(MAIL % (1, 1, 1))
    (tmp_path / "md" / "new" / "2.eml").write_bytes(MAIL % (2, 2, 2))
    assert [m.position for m in iter_maildir(tmp_path / "md")] == ["cur/1.eml", "new/2.eml"]
    assert find_sources(tmp_path / "md")[0].kind == "maildir"


def test_public_inbox_reads_every_commit_and_only_new_ones(tmp_path: Path) -> None:
    epoch = create_epoch(tmp_path / "inbox" / "git" / "0.git")
    append_message(epoch, MAIL % (1, 1, 1))
    append_message(epoch, MAIL % (1, 1, 1))  # the same message twice leaves no diff
    first = find_head(epoch)
    append_message(epoch, b"", name="d")  # a deletion carries no message
    append_message(epoch, MAIL % (2, 2, 2))
    assert find_epochs(tmp_path / "inbox") == [epoch]
    head = find_head(epoch)
    assert len(list(iter_epoch(epoch, None, head))) == 3
    newer = list(iter_epoch(epoch, first, head))
    assert [m.data for m in newer] == [MAIL % (2, 2, 2)]
    assert newer[0].position.startswith("0.git commit ")


def test_directory_is_sniffed_recursively(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    write_mbox(tmp_path / "lists" / "a.mbox.gz", 2, compress=True)
    (tmp_path / "lists" / "one.eml").write_bytes(MAIL % (9, 9, 9))
    (tmp_path / "lists" / "junk.bin").write_bytes(b"\x00\x01binary")
    create_epoch(tmp_path / "lists" / "inbox.git")
    (tmp_path / "lists" / ".hidden.mbox").write_bytes(b"\x00")
    unread: list[Path] = []
    kinds = sorted((s.kind, s.path.name) for s in find_sources(tmp_path, unread))
    assert kinds == [("eml", "one.eml"), ("mbox", "a.mbox.gz"), ("public-inbox", "inbox.git")]
    assert unread == [tmp_path / "lists" / "junk.bin"]     # named in the ingest's report; hidden files are not


@pytest.mark.parametrize("head, kind", [
    (b"From: Alice <a@b.c>\nSubject: hi\n\nbody\n", "eml"),
    (b"Subject: hi\nFrom: Alice <a@b.c>\n\n", "eml"),
    # text copied out of a browser: one long line, its in-body From: is no header block
    (b"From: Alice <a@xxxxxxx> The close path frees foo. Fix this by taking the lock. "
     b"Signed-off-by: Alice <a@xxxxxxx> --- a.c | 1 +\n", "page"),
    (b"From: Alice <a@b.c> " + b"x " * 500 + b"\n\nbody\n", "page"),    # a "header line" over 998 bytes
], ids=["eml", "eml-subject-first", "flat-page", "overlong-line"])
def test_eml_needs_a_header_block(tmp_path: Path, head: bytes, kind: str | None) -> None:
    (tmp_path / "m.txt").write_bytes(head)
    assert sniff_file(tmp_path / "m.txt") == kind


def test_unreadable_sources_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        find_sources(tmp_path / "missing")
    (tmp_path / "x.bin").write_bytes(b"\x00\x00\x00")
    with pytest.raises(SourceError, match="not a mail archive"):
        find_sources(tmp_path / "x.bin")


def test_real_gold_mbox_has_every_message() -> None:
    path = require_shared("corpus", "cgroups-gold-threads.mbox")
    assert len(list(iter_mbox(path))) == 228


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 20])
def test_mbox_separators_across_block_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    import ingest.sources.mbox as mbox_module

    monkeypatch.setattr(mbox_module, "BLOCK", block)
    path = write_mbox(tmp_path / "a.mbox", 5)
    mails = list(iter_mbox(path))
    assert [m.data for m in mails] == [m.data for m in mbox_module.iter_mbox_stream(path.open("rb"), str(path))]
    assert len(mails) == 5 and all(m.data.startswith(b"From: A") for m in mails)
    offsets = [int(m.position.split()[1]) for m in mails]
    assert all(path.read_bytes()[o:o + 5] == b"From " for o in offsets)


def test_public_inbox_reader_bounds_git_memory_and_reads_a_packed_epoch(tmp_path: Path) -> None:
    """cat-file runs with CAT_FILE_LIMITS (git's defaults keep 200 MB per reader resident on the
    cgroups epoch) and still reads every message of a repacked epoch, deltas included."""
    from ingest.sources.public_inbox import CAT_FILE_LIMITS, CatFile, close_readers, iter_epoch_chunks, read_chunk
    from tests.ingest.sources.epochs import git

    epoch = create_epoch(tmp_path / "0.git")
    bodies = [MAIL % (i, i, i) + b"shared text\n" * 200 for i in range(30)]
    for body in bodies:
        append_message(epoch, body)
    git(epoch, "repack", "-a", "-d", "-q")
    head = find_head(epoch)
    try:
        read = [m.data for chunk in iter_epoch_chunks(epoch, None, head, 7) for m in read_chunk(chunk)]
        reader = CatFile(epoch)
        argv = reader.proc.args
        reader.close()
    finally:
        close_readers()
    assert read == bodies
    assert all(limit in argv for limit in CAT_FILE_LIMITS)
