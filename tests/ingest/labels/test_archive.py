from __future__ import annotations

import pytest

from ingest.labels.archive import ArchiveError, build_record, iter_records, load_cache, write_cache
from tests.ingest.labels.fixtures import (HTML_MSG, NO_ID_MSG, REPLY_MSG, ROOT_MSG, THREAD_MSGS,
                                          make_epoch, make_mbox)


@pytest.mark.parametrize("raw, field, expected", [
    (ROOT_MSG, "mid", "root@example.org"),
    (ROOT_MSG, "irt", []),
    (REPLY_MSG, "irt", ["root@example.org"]),
    (REPLY_MSG, "refs", ["root@example.org"]),
    (REPLY_MSG, "from", "Bob Reviewer <bob@example.org>"),
    (HTML_MSG, "body", ""),                                   # no text/plain part
    (ROOT_MSG, "subject", "[PATCH] foo: fix a race between open and close"),
])
def test_build_record_fields(raw, field, expected):
    assert build_record(raw)[field] == expected


def test_build_record_decodes_quoted_printable():
    assert "Café." in build_record(REPLY_MSG)["body"]


def test_build_record_without_message_id_is_none():
    assert build_record(NO_ID_MSG) is None


def test_epoch_skips_deletions_and_keeps_order(tmp_path):
    epoch = make_epoch(tmp_path / "e.git", [ROOT_MSG, None, REPLY_MSG, NO_ID_MSG])
    recs = [r for _, r in iter_records(epoch)]
    assert [r and r["mid"] for r in recs] == ["root@example.org", "reply@example.org", None]


def test_write_cache_counts_and_reloads(tmp_path):
    epoch = make_epoch(tmp_path / "e.git", THREAD_MSGS + [NO_ID_MSG])
    assert write_cache(epoch, tmp_path / "c.jsonl") == (3, 1)
    msgs = load_cache(tmp_path / "c.jsonl")
    assert list(msgs) == ["root@example.org", "reply@example.org", "nested@example.org"]


def test_mbox_reads_the_same_records_as_the_epoch(tmp_path):
    epoch = make_epoch(tmp_path / "e.git", THREAD_MSGS)
    mbox = make_mbox(tmp_path / "a.mbox", THREAD_MSGS)
    from_epoch = [r["body"] for _, r in iter_records(epoch)]
    from_mbox = [r["body"] for _, r in iter_records(mbox)]
    assert from_epoch == from_mbox


def test_first_copy_of_a_reused_message_id_wins(tmp_path):
    second = ROOT_MSG.replace(b"The close path", b"Another body")
    mbox = make_mbox(tmp_path / "a.mbox", [ROOT_MSG, second])
    write_cache(mbox, tmp_path / "c.jsonl")
    assert load_cache(tmp_path / "c.jsonl")["root@example.org"]["body"].startswith("The close path")


@pytest.mark.parametrize("make", [lambda p: p / "absent", lambda p: p])
def test_unreadable_archive_raises(tmp_path, make):
    with pytest.raises(ArchiveError):
        list(iter_records(make(tmp_path)))
