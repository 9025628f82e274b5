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


def test_a_labelled_mail_missing_from_the_archive_is_a_one_line_error(monkeypatch):
    from ingest.extract import labelled
    monkeypatch.setattr(labelled, "iter_blobs", lambda archive, specs: iter([None] * len(specs)))
    with pytest.raises(ValueError, match=r"^c0ffee:m: missing from "):
        labelled.read_messages(Path("/nowhere.git"), {"a@x": {"mid": "a@x", "pos": "c0ffee"}})


def test_read_messages_keeps_the_id_the_labels_name(monkeypatch):
    from ingest.extract import labelled
    raw = make_raw("A@X", "Mon, 2 Mar 2020 09:00:00 +0000", "Root.\n")
    monkeypatch.setattr(labelled, "iter_blobs", lambda archive, specs: iter([raw] * len(specs)))
    messages = labelled.read_messages(Path("/nowhere.git"), {"A@X": {"mid": "A@X", "pos": "c0ffee"}})
    assert messages["A@X"][0].message_id == "A@X"


def test_a_labelled_mail_kb_cannot_parse_is_a_one_line_error(monkeypatch):
    from ingest.extract import labelled
    monkeypatch.setattr(labelled, "iter_blobs", lambda archive, specs: iter([b""] * len(specs)))
    with pytest.raises(ValueError, match=r"^c0ffee:m: empty message$"):
        labelled.read_messages(Path("/nowhere.git"), {"a@x": {"mid": "a@x", "pos": "c0ffee"}})
