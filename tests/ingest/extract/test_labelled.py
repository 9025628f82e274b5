"""The labelled corpus reader gives the extractor what the store gives it: kb's parser, the parse
stage's own text and the thread stage's reply order (training reads what extraction sees)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.extract.labelled import build_message, build_thread


def make_raw(mid: str, date: str, body: str, parent: str | None = None, subject: str = "[PATCH] foo: fix race") -> bytes:
    head = [f"Message-ID: <{mid}>", "From: Ann Author <Ann@Example.org>", f"Date: {date}",
            f"Subject: {'Re: ' if parent else ''}{subject}"]
    if parent:
        head += [f"In-Reply-To: <{parent}>", f"References: <{parent}>"]
    return ("\n".join(head) + "\n\n" + body).encode()


FOOTER = "_______________________________________________\nfoo mailing list\nfoo@lists.example.org\n"


def test_build_message_reads_own_text_as_the_parse_stage_segments_it():
    body = "On Mon, Bob wrote:\n> the old text\n\nThis is racy, take the lock.\n\n" + FOOTER
    msg, refs = build_message(make_raw("b@x", "Mon, 2 Mar 2020 10:00:00 +0000", body, parent="a@x"))
    assert msg.author_email == "ann@example.org" and msg.in_reply_to == "a@x" and refs == ("a@x",)
    own = msg.own_text()
    assert "take the lock" in own
    assert "the old text" not in own and "wrote:" not in own and "mailing list" not in own


def test_build_message_strips_the_list_tag_and_lists_patched_files():
    body = "Fix it.\n\nSigned-off-by: Ann Author <ann@example.org>\n---\n" \
           "diff --git a/foo.c b/foo.c\n--- a/foo.c\n+++ b/foo.c\n@@ -1 +1 @@\n-a\n+b\n"
    msg, _ = build_message(make_raw("a@x", "Mon, 2 Mar 2020 09:00:00 +0000", body, subject="[foo] [PATCH] foo: fix"))
    assert msg.subject == "[PATCH] foo: fix"
    assert msg.patch_files == ("foo.c",)
    assert "+b" not in msg.own_text()


def test_build_thread_orders_replies_depth_first():
    # c answers b, d answers a; by date d comes before c, in reply order c (under b) comes first
    raws = [make_raw("a@x", "Mon, 2 Mar 2020 09:00:00 +0000", "Root.\n"),
            make_raw("b@x", "Mon, 2 Mar 2020 10:00:00 +0000", "Reply.\n", parent="a@x"),
            make_raw("d@x", "Mon, 2 Mar 2020 11:00:00 +0000", "Late sibling.\n", parent="a@x"),
            make_raw("c@x", "Mon, 2 Mar 2020 12:00:00 +0000", "Deeper.\n", parent="b@x")]
    messages = {m.message_id: (m, refs) for m, refs in map(build_message, raws)}
    label = {"thread_id": "a@x", "list": "foo", "message_ids": ["a@x", "b@x", "c@x", "d@x"]}
    thread = build_thread(label, messages)
    assert thread.thread_id == "a@x"
    assert [m.message_id for m in thread.messages] == ["a@x", "b@x", "c@x", "d@x"]


def test_training_reads_what_the_store_gives_the_extractor(sqlite_url: str, tmp_path: Path) -> None:
    """The same mails, ingested by kb and read back for extraction, and built by the labelled
    reader: the same messages in the same order, with the same own text and patched files."""
    from sqlalchemy import select

    from ingest.pipeline import run_ingest
    from ingest.store.findings import load_thread_texts
    from kb.config import load_settings
    from kb.db import open_database
    from kb.models import Thread
    from tests.ingest.test_pipeline import write_mbox
    patch = "Take the lock.\n\nSigned-off-by: Ann Author <ann@example.org>\n---\n" \
            "diff --git a/foo.c b/foo.c\n--- a/foo.c\n+++ b/foo.c\n@@ -1 +1 @@\n-a\n+b\n"
    raws = [make_raw("a@x", "Mon, 2 Mar 2020 09:00:00 +0000", patch),
            make_raw("b@x", "Mon, 2 Mar 2020 10:00:00 +0000", "On Mon, Ann wrote:\n> Take the lock.\n\n"
                     "This is racy still.\n\n" + FOOTER, parent="a@x"),
            make_raw("d@x", "Mon, 2 Mar 2020 11:00:00 +0000", "Late sibling.\n", parent="a@x"),
            make_raw("c@x", "Mon, 2 Mar 2020 12:00:00 +0000", "Deeper.\n", parent="b@x")]
    factory = open_database(load_settings(sqlite_url))
    run_ingest(factory, [str(write_mbox(tmp_path / "a.mbox", raws))], "foo", workers=0)
    with factory() as s:
        thread_id = s.scalars(select(Thread.id)).one()
        stored = load_thread_texts(s, [thread_id])[thread_id]
    messages = {m.message_id: (m, refs) for m, refs in map(build_message, raws)}
    built = build_thread({"thread_id": "a@x", "list": "foo", "message_ids": list(messages)}, messages)
    assert [m.message_id for m in built.messages] == [m.message_id for m in stored.messages] == ["a@x", "b@x", "c@x", "d@x"]
    for mine, theirs in zip(built.messages, stored.messages):
        assert (mine.subject, mine.body, mine.own_text(), mine.patch_files) == \
            (theirs.subject, theirs.body, theirs.own_text(), theirs.patch_files)


def test_build_thread_threads_on_kb_ids_and_finds_the_labels_root():
    raws = [make_raw("a@x", "Mon, 2 Mar 2020 09:00:00 +0000", "Root.\n"),
            make_raw("b@x", "Mon, 2 Mar 2020 10:00:00 +0000", "Reply.\n", parent="a@x")]
    # the labels may spell an id otherwise than kb: messages are keyed by the labels' spelling
    messages = {f"label-{m.message_id}": (m, refs) for m, refs in map(build_message, raws)}
    thread = build_thread({"thread_id": "label-a@x", "list": "foo", "message_ids": list(messages)}, messages)
    assert [m.message_id for m in thread.messages] == ["a@x", "b@x"]


@pytest.mark.parametrize("recs, blobs, error", [
    ({"a@x": {"mid": "a@x", "pos": "c0ffee"}}, [None], r"^<a@x> c0ffee:m: missing from "),
    ({"a@x": {"mid": "a@x", "pos": "c0ffee"}}, [b""], r"^<a@x> c0ffee:m: empty message$"),
    ({"a@x": {"mid": "a@x"}}, [], r"^<a@x>: cache record without its commit"),
])
def test_a_labelled_mail_kb_cannot_read_is_a_one_line_error(monkeypatch, tmp_path, recs, blobs, error):
    from ingest.extract import labelled
    monkeypatch.setattr(labelled, "iter_blobs", lambda archive, specs: iter(blobs))
    with pytest.raises(ValueError, match=error):
        labelled.read_messages(tmp_path, recs)


def test_a_missing_archive_is_named_even_with_a_complete_cache(tmp_path):
    from ingest.extract import labelled
    with pytest.raises(ValueError, match=r"missing\.git: no such archive$"):
        labelled.read_messages(tmp_path / "missing.git", {"a@x": {"mid": "a@x", "pos": "c0ffee"}})


def test_a_label_line_without_its_keys_is_a_one_line_error(tmp_path):
    from ingest.extract.labelled import read_labels
    path = tmp_path / "foo.jsonl"
    path.write_text('{"thread_id": "a@x", "list": "foo", "message_ids": []}\n{"thread_id": "b@x"}\n')
    with pytest.raises(ValueError, match=r"^line 2: no list, message_ids$"):
        read_labels(path)


@pytest.mark.parametrize("write_labels, error", [
    (False, r"^foo: .*foo\.jsonl"),                                    # no labels file for the list
    (True, r"^foo: .*not a git repository: .*missing\.git"),           # labels, but no archive
])
def test_a_list_that_cannot_be_read_is_named(tmp_path, write_labels, error):
    from ingest.extract.labelled import LabelledListError, load_labelled_lists
    if write_labels:
        (tmp_path / "foo.jsonl").write_text('{"thread_id": "a@x", "list": "foo", "message_ids": ["a@x"]}\n')
    with pytest.raises(LabelledListError, match=error):
        list(load_labelled_lists([f"foo={tmp_path / 'missing.git'}"], tmp_path))
