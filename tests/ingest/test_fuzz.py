"""Fuzzing parse_message and thread_messages with hypothesis, seeded from real cgroups mail.

parse_message may raise MailParseError and nothing else, whatever the bytes; thread_messages
puts every distinct input id in exactly one tree, whatever the reference graph.
Bounded: about 20-40 s in total.
"""

from __future__ import annotations

import base64
import functools
import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.parse.message import MailParseError, ParsedMessage, parse_message
from ingest.thread import ThreadLink, thread_messages
from tests.conftest import require_shared
from tests.ingest.test_thread import assert_accounts_for as assert_trees_account_for

SEED_COUNT = 40
FUZZ = settings(max_examples=1500, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.cache
def load_seeds() -> tuple[bytes, ...]:
    from ingest.sources.mbox import iter_mbox
    messages = [raw.data for raw in iter_mbox(require_shared("corpus", "cgroups-gold-threads.mbox"))]
    step = max(1, len(messages) // SEED_COUNT)
    return tuple(messages[::step][:SEED_COUNT])


def parse_or_reject(data: bytes) -> ParsedMessage | None:
    """parse_message, where MailParseError is fine and anything else fails the test."""
    try:
        parsed = parse_message(data)
    except MailParseError:
        return None
    assert isinstance(parsed, ParsedMessage)
    assert parsed.message_id and "<" not in parsed.message_id or parsed.synthetic_id
    assert parsed.date is None or parsed.date.tzinfo is not None
    assert len(parsed.references) <= 100 and parsed.message_id not in parsed.references
    assert len(parsed.body) <= 10 * 1024 * 1024 * 2  # body + inlined patches, each capped
    return parsed


JUNK = st.binary(min_size=1, max_size=200)
CHARSETS = st.sampled_from(["us-ascii", "iso-8859-1", "utf-8", "x-unknown", "utf8", '"UTF-8"',
                            "gbk", "koi8-r", "utf-16", "bogus\x00", "", "iso-2022-jp", "cp1252"])
HEADER_NAMES = st.sampled_from(["Subject", "From", "To", "Cc", "Date", "Message-ID",
                                "In-Reply-To", "References", "Content-Type", "List-Id",
                                "Content-Transfer-Encoding", "X-Original-From", "X-Junk"])
HEADER_VALUES = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["=?utf-8?B?", "=?x?q?=ZZ?=", "<", "<>", ">", "multipart/mixed",
                     'multipart/alternative; boundary=""', "base64", "quoted-printable",
                     "Mon, 99 Foo 0000 99:99:99 +9999", "'a' via b <c@googlegroups.com>",
                     "\r\n", "a@b (c", "\"unterminated <x@y>"]),
)


@st.composite
def mutated_messages(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(load_seeds())))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "junk", "charset", "header", "cte", "newlines",
                                     "refs", "delete"]))
        position = draw(st.integers(0, max(0, len(data))))
        if kind == "truncate":
            del data[position:]
        elif kind == "junk":
            data[position:position] = draw(JUNK)
        elif kind == "charset":
            data = bytearray(bytes(data).replace(
                b"charset=", b"charset=" + draw(CHARSETS).encode("utf-8", "replace") + b";x=", 1))
        elif kind == "header":
            name, value = draw(HEADER_NAMES), draw(HEADER_VALUES)
            line = f"{name}: {value}\n".encode("utf-8", "surrogateescape")
            head_end = bytes(data).find(b"\n\n")
            at = draw(st.integers(0, max(0, head_end)))
            data[at:at] = line
        elif kind == "cte":
            data = bytearray(bytes(data).replace(b"Content-Transfer-Encoding:",
                                                 b"Content-Transfer-Encoding: base64\nX-Old:", 1))
        elif kind == "newlines":
            data = bytearray(bytes(data).replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b""]))))
        elif kind == "refs":
            count = draw(st.sampled_from([0, 1, 101, 10_000]))
            refs = " ".join(f"<r{i}@x>" for i in range(count)) + " <self@x>"
            data[0:0] = f"Message-ID: <self@x>\nReferences: {refs}\n".encode()
        elif kind == "delete":
            end = draw(st.integers(position, min(len(data), position + 500)))
            del data[position:end]
    return bytes(data)


@FUZZ
@given(mutated_messages())
def test_parse_message_survives_mutated_real_mail(data: bytes) -> None:
    parse_or_reject(data)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.binary(max_size=2000))
def test_parse_message_survives_arbitrary_bytes(data: bytes) -> None:
    parse_or_reject(data)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=12), st.binary(max_size=500))
def test_parse_message_survives_generated_headers(headers: list[tuple[str, str]],
                                                  body: bytes) -> None:
    head = "".join(f"{name}: {value}\n" for name, value in headers)
    parse_or_reject(head.encode("utf-8", "surrogateescape") + b"\n" + body)


def test_all_seeds_parse_unchanged() -> None:
    for data in load_seeds():
        assert parse_or_reject(data) is not None


@pytest.mark.parametrize("variant", ["plain", "base64", "qp", "multipart", "html"])
def test_twenty_megabyte_bodies(variant: str) -> None:
    size = 20 * 1024 * 1024
    head = b"From: a@b.c\nMessage-ID: <big@x>\nSubject: big\n"
    raw = (b"x" * 76 + b"\n") * (size // 77)
    if variant == "plain":
        data = head + b"\n" + raw
    elif variant == "base64":
        data = head + b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(raw)
    elif variant == "qp":
        data = head + b"Content-Transfer-Encoding: quoted-printable\n\n" + raw.replace(b"\n", b"=\n")
    elif variant == "html":
        data = head + b"Content-Type: text/html\n\n<p>" + raw[: 12 * 1024 * 1024]
    else:
        data = (head + b'Content-Type: multipart/mixed; boundary="B"\n\n--B\n'
                b"Content-Type: text/plain\n\nhello\n--B\nContent-Type: application/octet-stream\n"
                b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(raw) + b"--B--\n")
    parsed = parse_or_reject(data)
    assert parsed is not None and parsed.message_id == "big@x"
    if variant != "multipart":
        assert "body:truncated" in parsed.defects
        assert len(parsed.body) <= 10 * 1024 * 1024
    else:
        assert parsed.body.strip() == "hello"
        assert parsed.attachments[0].size == 10 * 1024 * 1024


# -- threading ---------------------------------------------------------------------------------

IDS = st.sampled_from([f"m{i}" for i in range(30)])
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
LINKS = st.lists(
    st.builds(lambda mid, irt, refs, minute: ThreadLink(
                  mid, irt, tuple(refs), "s",
                  None if minute is None else T0 + timedelta(minutes=minute)),
              IDS, st.none() | IDS, st.lists(IDS, max_size=8),
              st.none() | st.integers(-10_000, 10_000)),
    max_size=60)


def assert_accounts_for(links: list[ThreadLink]) -> None:
    trees = thread_messages(links)
    assert_trees_account_for(links, trees)
    for tree in trees:
        reaches_top: set[str] = set()
        for mid in tree.parents:  # every node reaches the top without a cycle (linear check)
            path: list[str] = []
            on_path: set[str] = set()
            while mid is not None and mid not in reaches_top:
                assert mid not in on_path
                on_path.add(mid)
                path.append(mid)
                mid = tree.parents[mid]
            reaches_top.update(path)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(LINKS)
def test_thread_messages_accounts_for_every_link(links: list[ThreadLink]) -> None:
    assert_accounts_for(links)


def test_thread_messages_random_large_graphs() -> None:
    rng = random.Random(7)
    for n in (1_000, 10_000):
        ids = [f"m{i}" for i in range(n)]
        links = [ThreadLink(mid, rng.choice(ids) if rng.random() < .8 else None,
                            tuple(rng.choice(ids) for _ in range(rng.randint(0, 5))), "s", None)
                 for mid in ids]
        chain = tuple(f"c{i}" for i in range(10_000))
        links.append(ThreadLink("chain-leaf", None, chain, "s", None))
        assert_accounts_for(links)


def test_parsed_seeds_thread_completely() -> None:
    parsed = [p for p in map(parse_or_reject, load_seeds()) if p is not None]
    assert_accounts_for([ThreadLink(p.message_id, p.in_reply_to, p.references, p.subject, p.date)
                         for p in parsed])
