"""Labelled threads rendered as web-archive pages (ingest.labels.pages), on hand-written mail."""

from __future__ import annotations

import pytest

from ingest.labels.pages import (
    build_page,
    choose_page_message,
    format_hypermail_date,
    locate_in_page,
    obfuscate_addresses,
)
from ingest.sources.webpage import parse_page

ROOT = {"mid": "root@x", "from": "Ann Author <ann@example.org>", "date": "Mon, 1 Jan 2024 10:00:00 +0000",
        "subject": "[PATCH] foo: fix a race between open and close",
        "body": "The close path frees foo->buf while open still reads it.\n"
                "Fix this by taking foo->lock in open.\n\nSigned-off-by: Ann Author <ann@example.org>\n"}
REPLY = {"mid": "reply@x", "from": "Bob Reviewer <bob@example.org>", "date": "Mon, 1 Jan 2024 11:00:00 +0000",
         "subject": "Re: [PATCH] foo: fix a race between open and close",
         "body": "On Mon, Jan 01, 2024, Ann Author wrote:\n> The close path frees foo->buf while open still\n"
                 "> reads it.\n> Fix this by taking foo->lock in open.\n\nI'd prefer RCU here: the lock is\n"
                 "taken on a hot path.\n"}
NESTED = {"mid": "nested@x", "from": "\"Ann Author\" <ann@example.org>", "date": "Mon, 1 Jan 2024 12:00:00 +0000",
          "subject": "Re: [PATCH] foo: fix a race between open and close",
          "body": "On Mon, Jan 01, 2024, Bob Reviewer wrote:\n> On Mon, Jan 01, 2024, Ann Author wrote:\n"
                  ">> Fix this by taking foo->lock in open.\n>\n> I'd prefer RCU here: the lock is\n"
                  "> taken on a hot path.\n\nFair point, v2 will use RCU.\n"}
MSGS = {m["mid"]: m for m in (ROOT, REPLY, NESTED)}
THREAD = {"thread_id": "root@x", "message_ids": ["root@x", "reply@x", "nested@x"], "is_race_discussion": True,
          "races": [{"summary": "open vs close", "evidence": [
              {"message_id": "root@x", "quote": "The close path frees foo->buf while open still reads it."}]}],
          "fixes": [{"race": 0, "kind": "patch", "message_id": "root@x",
                     "quote": "Fix this by taking foo->lock in open."}],
          "objections": [{"against_fix": 0, "message_id": "reply@x",
                          "quote": "I'd prefer RCU here: the lock is taken on a hot path."}]}


@pytest.mark.parametrize("text, expected", [
    ("Ann <ann@example.org>", "Ann <ann@xxxxxxxxxxx>"),
    ("a.b+c@mail.kernel.org wrote", "a.b+c@xxxxxxxxxxxxxxx wrote"),
    ("no address @ here", "no address @ here"),
])
def test_obfuscate_addresses(text: str, expected: str) -> None:
    assert obfuscate_addresses(text) == expected


@pytest.mark.parametrize("date, expected", [
    ("Mon, 1 Jan 2024 10:00:00 +0000", "Mon Jan 01 2024 - 05:00:00 EST"),
    ("Wed, 3 Jan 2018 10:54:18 +0100", "Wed Jan 03 2018 - 04:54:18 EST"),
    ("not a date", ""),
])
def test_format_hypermail_date(date: str, expected: str) -> None:
    assert format_hypermail_date(date) == expected


@pytest.mark.parametrize("body, quote, expected", [
    ("> a b\n> c d\n", "b c", "b\n> c"),                  # a quote across quoted lines keeps its markers
    (">> one two\n>> three\n", "two three", "two\n>> three"),
    ("plain text here", "text  here", "text here"),         # whitespace differs: still found
    ("nothing", "absent words", None),
])
def test_locate_in_page(body: str, quote: str, expected: str | None) -> None:
    span = locate_in_page(body, quote)
    assert (body[span[0]:span[1]] if span else None) == expected


def test_the_page_is_the_message_showing_most_labels() -> None:
    assert choose_page_message(THREAD, MSGS) == "reply@x"       # race, fix and objection (1 + 2 + 3)
    others = dict(MSGS)
    del others["reply@x"]
    assert choose_page_message(THREAD, others) == "nested@x"    # fix and objection (5) over race and fix (3)


def test_hypermail_page_parses_back_with_its_labels() -> None:
    page = build_page(THREAD, MSGS, "hypermail", "007_foo.txt")
    assert page.text.startswith("Re: [PATCH] foo: fix a race between open and close\n\nFrom: Bob Reviewer\n"
                                "Date: Mon Jan 01 2024 - 06:00:00 EST\n\n\nOn Mon, Jan 01, 2024, Ann Author wrote:\n")
    gold = page.gold
    assert (gold["thread_id"], gold["list"], gold["message_ids"]) == ("007_foo.txt", "seed", [])
    assert gold["source_message"] == "reply@x"
    assert [e["quote"] for e in gold["races"][0]["evidence"]] == [
        "The close path frees foo->buf while open still\n> reads it."]      # the quoted race, markers kept
    assert [f["quote"] for f in gold["fixes"]] == ["Fix this by taking foo->lock in open."]
    assert [o["quote"] for o in gold["objections"]] == ["I'd prefer RCU here: the lock is\ntaken on a hot path."]
    assert all(i["message_id"] == "007_foo.txt" for i in gold["fixes"] + gold["objections"])
    recovered = parse_page(page.text, page.name)
    assert [(m.quote_depth, m.author) for m in recovered.messages] == [(0, "Bob Reviewer"), (1, "Ann Author")]


def test_collapsed_page_has_one_line_and_collapsed_quotes() -> None:
    page = build_page(THREAD, MSGS, "collapsed", "008_foo.txt")
    assert page.text.count("\n") == 1 and page.text.startswith("On Mon, Jan 01, 2024, Ann Author wrote: > The close")
    assert [o["quote"] for o in page.gold["objections"]] == ["I'd prefer RCU here: the lock is taken on a hot path."]
    assert [e["quote"] for e in page.gold["races"][0]["evidence"]] == [
        "The close path frees foo->buf while open still > reads it."]
    assert all(o["quote"] in page.text for o in page.gold["objections"] + page.gold["fixes"])


def test_a_race_thread_whose_pages_show_no_label_gives_no_page() -> None:
    thread = dict(THREAD, message_ids=["reply@x"], fixes=[], objections=[],
                  races=[dict(THREAD["races"][0], evidence=[{"message_id": "root@x", "quote": "absent words"}])])
    assert build_page(thread, MSGS, "hypermail", "x.txt") is None
    assert build_page(dict(THREAD, message_ids=["gone@x"]), MSGS, "hypermail", "x.txt") is None
