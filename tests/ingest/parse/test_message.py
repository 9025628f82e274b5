"""parse_message: table-driven MIME/charset/header cases plus golden checks on real mail."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone

import pytest

from ingest.parse.message import (Attachment, MailParseError, ParsedMessage, split_message,
                                  normalise_message_id, parse_message)
from tests.conftest import require_shared

BASE_HEADERS = (
    "From: Tejun Heo <tj@kernel.org>\n"
    "To: cgroups@vger.kernel.org\n"
    "Subject: test\n"
    "Date: Mon, 1 Jan 2024 09:56:53 +0100\n"
    "Message-ID: <abc@example.org>\n"
)


def make_mail(body: bytes | str, content_type: str | None = None, cte: str | None = None,
              extra: str = "", headers: str = BASE_HEADERS) -> bytes:
    head = headers + extra
    if content_type is not None:
        head += f"Content-Type: {content_type}\n"
    if cte is not None:
        head += f"Content-Transfer-Encoding: {cte}\n"
    if isinstance(body, str):
        body = body.encode()
    return head.encode() + b"\n" + body


# (case id, content type, transfer encoding, raw body bytes, expected body, defect or None)
BODY_CASES = [
    ("utf8", "text/plain; charset=UTF-8", "8bit", "café\n".encode(), "café\n", None),
    ("ascii", "text/plain; charset=us-ascii", "7bit", b"hello\n", "hello\n", None),
    ("no-content-type", None, None, b"hello\n", "hello\n", None),
    ("ascii-but-utf8", "text/plain; charset=us-ascii", "8bit", "café\n".encode(), "café\n",
     "charset:mislabelled:ascii"),
    ("latin1-but-utf8", "text/plain; charset=iso-8859-1", "8bit", "Grüße\n".encode(), "Grüße\n",
     "charset:mislabelled:latin-1"),
    ("real-latin1", "text/plain; charset=iso-8859-1", "8bit", "Grüße\n".encode("latin-1"),
     "Grüße\n", None),
    ("real-latin15", "text/plain; charset=iso-8859-15", "8bit", "€ 5\n".encode("iso-8859-15"),
     "€ 5\n", None),
    ("x-unknown", "text/plain; charset=x-unknown", "8bit", "café\n".encode(), "café\n",
     "charset:unknown:x-unknown"),
    ("utf8-alias", "text/plain; charset=utf8", "8bit", "café\n".encode(), "café\n", None),
    ("quoted-charset", 'text/plain; charset="UTF-8"', "8bit", "café\n".encode(), "café\n", None),
    ("single-quoted", "text/plain; charset='utf-8'", "8bit", "café\n".encode(), "café\n", None),
    ("missing-charset-latin1", "text/plain", "8bit", "Grüße aus Köln\n".encode("latin-1"),
     "Grüße aus Köln\n", "charset:invalid-bytes"),
    ("missing-charset-utf8", "text/plain", "8bit", "café\n".encode(), "café\n", None),
    ("utf8-invalid-bytes", "text/plain; charset=utf-8", "8bit", b"caf\xe9 ok\n", "caf\ufffd ok\n",
     "charset:invalid-bytes"),
    ("gbk", "text/plain; charset=gbk", "8bit", "你好\n".encode("gbk"), "你好\n", None),
    ("koi8-r", "text/plain; charset=koi8-r", "8bit", "привет\n".encode("koi8-r"), "привет\n", None),
    ("qp", "text/plain; charset=utf-8", "quoted-printable",
     b"caf=C3=A9 and a very long line that is =\nsoft broken\n",
     "café and a very long line that is soft broken\n", None),
    ("qp-upper-cte", "text/plain; charset=utf-8", "Quoted-Printable", b"a=3Db\n", "a=b\n", None),
    ("base64", "text/plain; charset=utf-8", "base64",
     base64.encodebytes("café\nline two\n".encode()), "café\nline two\n", None),
    ("base64-no-padding", "text/plain; charset=utf-8", "base64", b"Y2Fmw6kK", "café\n", None),
    ("base64-broken", "text/plain; charset=utf-8", "base64", b"Y2Fm\n!!w6kK=\n=", "café\n",
     None),
    ("base64-truncated", "text/plain; charset=utf-8", "base64", b"aGVsbG8gd29ybGQ", "hello world",
     None),
    ("unknown-cte", "text/plain", "x-gzip64", b"plain\n", "plain\n", "cte:unknown:x-gzip64"),
    ("crlf", "text/plain", "7bit", b"a\r\nb\r\n", "a\nb\n", None),
    ("html-only", "text/html; charset=utf-8", "8bit",
     b"<html><head><style>p{}</style></head><body><p>Hello&nbsp;<b>world</b></p>"
     b"<script>x()</script><div>two</div></body></html>", "Hello\xa0world\n\ntwo\n",
     "body:from-html"),
    ("patch-single", "text/x-patch; name=fix.patch", "7bit", b"diff --git a/x b/x\n",
     "diff --git a/x b/x\n", None),
    ("binary-single", "application/octet-stream; name=blob.bin", "base64",
     base64.encodebytes(b"\x00" * 10), "", "body:no-text"),
    # utf-7 with a byte utf-7 cannot hold: "+3v8-" alone decodes to the lone surrogate U+DEFF
    ("utf7-lone-surrogate", "text/plain; charset=utf-7", "8bit", b"a +3v8- b \xff\n",
     "a \ufffd b \ufffd\n", "text:surrogates"),
    ("utf7-surrogate-base64", "text/plain; charset=utf-7", "base64", base64.encodebytes(b"x +3v8- \xff"),
     "x \ufffd \ufffd", "text:surrogates"),
    ("nul-ascii", "text/plain", "7bit", b"a\x00b\n", "a\ufffdb\n", "text:nul"),
    ("nul-utf8", "text/plain; charset=utf-8", "8bit", "caf\u00e9\x00\n".encode(), "caf\u00e9\ufffd\n",
     "text:nul"),
    ("nul-base64", "text/plain; charset=utf-8", "base64", base64.encodebytes(b"x\x00y\n"),
     "x\ufffdy\n", "text:nul"),
]


@pytest.mark.parametrize(("ctype", "cte", "raw", "expected", "defect"),
                         [case[1:] for case in BODY_CASES], ids=[case[0] for case in BODY_CASES])
def test_body_decoding(ctype: str | None, cte: str | None, raw: bytes, expected: str,
                       defect: str | None) -> None:
    parsed = parse_message(make_mail(raw, ctype, cte))
    assert parsed.body == expected
    if defect is not None:
        assert defect in parsed.defects


def make_multipart(subtype: str, parts: list[tuple[str, str]], boundary: str = "BOUNDARY") -> bytes:
    """parts: (headers, body) pairs."""
    out = [f"--{boundary}\n{head}\n\n{body}\n" for head, body in parts]
    body = "This is a multi-part message in MIME format.\n" + "".join(out) + f"--{boundary}--\n"
    return make_mail(body, f'multipart/{subtype}; boundary="{boundary}"')


def test_multipart_alternative_prefers_plain() -> None:
    mail = make_multipart("alternative", [
        ("Content-Type: text/html; charset=utf-8", "<p>html version</p>"),
        ("Content-Type: text/plain; charset=utf-8", "plain version"),
    ])
    parsed = parse_message(mail)
    assert parsed.body.strip() == "plain version"
    assert parsed.attachments == ()


def test_multipart_alternative_html_only_is_converted() -> None:
    mail = make_multipart("alternative", [
        ("Content-Type: text/html; charset=utf-8", "<p>only &amp; html</p><br>next"),
    ])
    parsed = parse_message(mail)
    assert parsed.body == "only & html\n\nnext\n"
    assert "body:from-html" in parsed.defects


def test_multipart_mixed_with_patch_attachment() -> None:
    patch = "diff --git a/kernel/cgroup.c b/kernel/cgroup.c\n+\tspin_lock(&css_set_lock);"
    mail = make_multipart("mixed", [
        ("Content-Type: text/plain; charset=utf-8", "Please try the attached patch."),
        ("Content-Type: text/x-patch; charset=UTF-8; name=fix.patch\n"
         "Content-Disposition: attachment; filename=fix.patch", patch),
        ("Content-Type: text/x-diff; name=\"two.diff\"\nContent-Transfer-Encoding: base64",
         base64.b64encode(b"--- a/x\n+++ b/x\n").decode()),
        ("Content-Type: application/octet-stream; name=config.gz\n"
         "Content-Transfer-Encoding: base64", base64.b64encode(b"\x1f\x8b" * 50).decode()),
    ])
    parsed = parse_message(mail)
    assert parsed.body.startswith("Please try the attached patch.\n")
    assert patch in parsed.body
    assert "--- a/x\n+++ b/x\n" in parsed.body
    assert parsed.body.index("Please try") < parsed.body.index("diff --git")
    assert parsed.attachments == (
        Attachment("fix.patch", "text/x-patch", len(patch)),
        Attachment("two.diff", "text/x-diff", 16),
        Attachment("config.gz", "application/octet-stream", 100),
    )


def test_text_plain_patch_file_is_inlined() -> None:
    mail = make_multipart("mixed", [
        ("Content-Type: text/plain", "See below."),
        ("Content-Type: text/plain; name=selftest.patch\nContent-Disposition: inline;"
         " filename=selftest.patch", "diff --git a/t b/t"),
    ])
    parsed = parse_message(mail)
    assert "diff --git a/t b/t" in parsed.body
    assert parsed.attachments[0].name == "selftest.patch"


def test_multipart_signed_records_signature() -> None:
    mail = make_multipart("signed", [
        ("Content-Type: text/plain; charset=us-ascii\nContent-Disposition: inline",
         "Signed text."),
        ('Content-Type: application/pgp-signature; name="signature.asc"',
         "-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----"),
    ])
    parsed = parse_message(mail)
    assert parsed.body.strip() == "Signed text."
    assert [a.content_type for a in parsed.attachments] == ["application/pgp-signature"]
    assert parsed.attachments[0].name == "signature.asc"


def test_nested_multipart_and_forwarded_message() -> None:
    inner = make_multipart("alternative", [
        ("Content-Type: text/plain", "inner plain"),
        ("Content-Type: text/html", "<p>inner html</p>"),
    ], boundary="INNER").decode()
    inner_head, inner_body = inner.split("\n\n", 1)
    content_type = re.search(r"Content-Type: (.*)", inner_head).group(1)
    mail = make_multipart("mixed", [
        (f"Content-Type: {content_type}", inner_body),
        ("Content-Type: message/rfc822", "Subject: forwarded\nFrom: a@b.c\n\nold text"),
    ])
    parsed = parse_message(mail)
    assert parsed.body.strip() == "inner plain"
    assert parsed.attachments == (Attachment("forwarded", "message/rfc822", 0),)


def test_broken_multipart_without_boundary_keeps_text() -> None:
    mail = make_mail("just text\n", "multipart/mixed")
    parsed = parse_message(mail)
    assert "just text" in parsed.body


HEADER_CASES = [
    # (extra/replacement headers, attribute, expected)
    ("Subject: =?utf-8?q?Re=3A_caf=C3=A9?=\n", "subject", "Re: café"),
    ("Subject: =?UTF-8?B?W1BBVENIXSBjZ3JvdXA6IGZpeCByYWNl?=\n", "subject", "[PATCH] cgroup: fix race"),
    ("Subject: [PATCH] cgroup: fix\n a long line\n", "subject", "[PATCH] cgroup: fix a long line"),
    ("Subject: Gr\xfc\xdfe raw 8bit\n", "subject", "Grüße raw 8bit"),
    ("List-Id: Linux cgroups <Cgroups.vger.kernel.org>\n", "list_ids", ("cgroups.vger.kernel.org",)),
    ("List-Id: cgroups.vger.kernel.org\nList-Id: <linux-mm.kvack.org>\n", "list_ids",
     ("cgroups.vger.kernel.org", "linux-mm.kvack.org")),
    ("In-Reply-To: <parent@example.org>\n", "in_reply_to", "parent@example.org"),
    ("In-Reply-To: Your message of Mon, 1 Jan 2024 <parent@example.org> (foo)\n", "in_reply_to",
     "parent@example.org"),
    ("In-Reply-To: <first@x> <second@x>\n", "in_reply_to", "first@x"),
    ("In-Reply-To: parent@example.org\n", "in_reply_to", "parent@example.org"),
    ("In-Reply-To: <abc@example.org>\n", "in_reply_to", None),                    # self
    ("References: <a@x> <b@x>\n <c@x>\n", "references", ("a@x", "b@x", "c@x")),
    ("References: <a@x> <b@x> <a@x> <abc@example.org>\n", "references", ("a@x", "b@x")),
    ("References: a@x b@x\n", "references", ("a@x", "b@x")),
    ("References: <a@x>, <b\n @x>\n", "references", ("a@x", "b@x")),
    ("Cc: A <A@X.org>, b@y.org (Bee)\n", "cc", (("A", "a@x.org"), ("Bee", "b@y.org"))),
    ("SUBJECT: shouted\n", "subject", "shouted"),  # any case
]


def make_headers_without(*names: str) -> str:
    return "".join(line + "\n" for line in BASE_HEADERS.splitlines()
                   if line.split(":", 1)[0].lower() not in names)


@pytest.mark.parametrize(("extra", "attribute", "expected"), HEADER_CASES)
def test_headers(extra: str, attribute: str, expected: object) -> None:
    name = extra.split(":", 1)[0].lower()
    mail = make_mail(b"body\n", extra=extra.encode("latin-1").decode("latin-1"),
                     headers=make_headers_without(name))
    if not extra.isascii():
        mail = make_headers_without(name).encode() + extra.encode("latin-1") + b"\nbody\n"
    value = getattr(parse_message(mail), attribute)
    if attribute == "cc":
        value = tuple((a.name, a.email) for a in value)
    assert value == expected


def test_broken_encoded_word_in_subject_never_raises() -> None:
    for subject in ("=?utf-8?B?broken!!?=", "=?utf-8?Q?=ZZ=?=", "=?bogus?x?abc?=", "=?utf-8?B?"):
        parsed = parse_message(make_mail(b"x\n", extra="", headers=f"Subject: {subject}\n"))
        assert isinstance(parsed.subject, str)


def test_references_bounded_to_last_100() -> None:
    refs = " ".join(f"<r{i}@x>" for i in range(10_000))
    parsed = parse_message(make_mail(b"x\n", extra=f"References: {refs}\n"))
    assert len(parsed.references) == 100
    assert parsed.references[-1] == "r9999@x" and parsed.references[0] == "r9900@x"
    assert "references:truncated" in parsed.defects


ID_CASES = [
    ("<abc@example.org>", "abc@example.org"),
    ("  <abc@Example.ORG>  ", "abc@Example.ORG"),        # case is kept, exactly
    ("abc@example.org", "abc@example.org"),
    ("<abc@\n example.org>", "abc@example.org"),          # folded
    ("<first@x> <second@x>", "first@x"),
    ("junk <id@x> (comment)", "id@x"),
    ("<<id@x>>", "id@x"),
    ("<> <id@x>", "id@x"),
    ("<id@x", "id@x"),
    ("", None),
    ("   ", None),
    ("<>", None),
    (None, None),
    ("<" + "a" * 2000 + "@x>", "a" * 995),                # bounded in UTF-8 bytes
    ("<" + "\u00e9" * 600 + "@x>", "\u00e9" * 497),      # 994 bytes: no half character
]


@pytest.mark.parametrize(("raw", "expected"), ID_CASES)
def test_normalise_message_id(raw: str | None, expected: str | None) -> None:
    assert normalise_message_id(raw) == expected


def test_missing_message_id_gets_stable_synthetic_id() -> None:
    headers = make_headers_without("message-id")
    first = parse_message(make_mail(b"body one\n", headers=headers))
    again = parse_message(make_mail(b"body one\n", headers=headers))
    other = parse_message(make_mail(b"body two\n", headers=headers))
    assert first.synthetic_id and first.message_id == again.message_id
    assert first.message_id != other.message_id
    assert re.fullmatch(r"[0-9a-f]{40}@kb\.invalid", first.message_id)
    assert not parse_message(make_mail(b"x")).synthetic_id


def test_missing_headers_still_parse() -> None:
    parsed = parse_message(b"Message-ID: <only@x>\n\nbody\n")
    assert parsed == ParsedMessage(
        message_id="only@x", synthetic_id=False, subject="", author=parsed.author, to=(), cc=(),
        date=None, date_raw="", in_reply_to=None, references=(), list_ids=(), body="body\n",
        attachments=(), defects=parsed.defects)
    assert parsed.author.email == "" and "address:no-from" in parsed.defects
    assert "date:missing" in parsed.defects


def test_headers_only_and_mbox_from_line() -> None:
    parsed = parse_message(b"From nobody Mon Jan  1 00:00:00 2024\nSubject: hi\nFrom: a@b.c")
    assert parsed.subject == "hi" and parsed.body == "" and parsed.author.email == "a@b.c"


def test_date_is_utc() -> None:
    parsed = parse_message(make_mail(b"x\n"))
    assert parsed.date == datetime(2024, 1, 1, 8, 56, 53, tzinfo=timezone.utc)
    assert parsed.date_raw == "Mon, 1 Jan 2024 09:56:53 +0100"


def test_google_groups_message() -> None:
    headers = ("From: 'Marco Elver' via kasan-dev <kasan-dev@googlegroups.com>\n"
               "X-Original-From: Marco Elver <elver@google.com>\n"
               "Message-ID: <gg@x>\n")
    parsed = parse_message(make_mail(b"x\n", headers=headers))
    assert (parsed.author.name, parsed.author.email) == ("Marco Elver", "elver@google.com")


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\n\nno headers at all\n",
                                  b"\x00\x01\x02 binary junk", b"just some text\nno colon\n",
                                  b"foo: bar\n\nnot a mail header"])
def test_unusable_input_raises_mail_parse_error(data: bytes) -> None:
    with pytest.raises(MailParseError):
        parse_message(data)


def test_not_bytes_raises_mail_parse_error() -> None:
    with pytest.raises(MailParseError):
        parse_message("str, not bytes")  # type: ignore[arg-type]


def test_body_capped_at_10_mb() -> None:
    parsed = parse_message(make_mail(b"a" * (11 * 1024 * 1024), "text/plain"))
    assert len(parsed.body) == 10 * 1024 * 1024
    assert "body:truncated" in parsed.defects


@pytest.mark.parametrize(("head", "expected"), [
    (b"Subject: s\nX-Note: folded\n Cc: not a field\nCc: c@x.org", {"subject": " s", "cc": " c@x.org"}),
    (b"Cc-Extra: no\nCC:yes@x.org\nSubject \t: t", {"cc": "yes@x.org", "subject": " t"}),
    (b"X-Original-From: Ann <a@x.org>\nFrom: Bo <b@x.org>", {"x-original-from": " Ann <a@x.org>",
                                                              "from": " Bo <b@x.org>"}),
    (b"garbage line\n: no name\nSubject: after\r", {"subject": " after"}),
])
def test_split_message_keeps_the_kept_fields_of_a_head(head: bytes, expected: dict[str, str]) -> None:
    headers, _, body = split_message(head + b"\n\nbody\n", [])
    assert headers == expected and body == b"body\n"


def test_only_kept_fields_count_towards_the_header_bound() -> None:
    extra = "".join(f"X-Filler-{i}: {i}\n" for i in range(3000)) + "Cc: p@x.org\n"
    parsed = parse_message(make_mail(b"x\n", extra=extra))
    assert [a.email for a in parsed.cc] == ["p@x.org"] and "header:too-many" not in parsed.defects


def test_too_many_headers_is_bounded() -> None:
    extra = "".join(f"Cc: p{i}@x.org\n" for i in range(3000))
    parsed = parse_message(make_mail(b"x\n", extra=extra))
    assert parsed.cc == (parsed.cc[0],)
    assert "header:too-many" in parsed.defects


# -- golden: real messages ------------------------------------------------------------------

def read_gold_mbox() -> list[bytes]:
    from ingest.sources.mbox import iter_mbox
    return [raw.data for raw in iter_mbox(require_shared("corpus", "cgroups-gold-threads.mbox"))]


@pytest.fixture(scope="module")
def gold_parsed() -> list[ParsedMessage]:
    return [parse_message(data) for data in read_gold_mbox()]


@pytest.fixture(scope="module")
def gold_threads() -> list[dict]:
    path = require_shared("gold", "cgroups.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_gold_mbox_all_parse_with_gold_ids(gold_parsed: list[ParsedMessage],
                                          gold_threads: list[dict]) -> None:
    assert len(gold_parsed) == 228
    gold_ids = {mid for thread in gold_threads for mid in thread["message_ids"]}
    assert {p.message_id for p in gold_parsed} == gold_ids
    assert not any(p.synthetic_id for p in gold_parsed)
    assert all(p.date is not None and p.author.email for p in gold_parsed)
    assert all(p.list_ids for p in gold_parsed)


def test_gold_quotes_are_in_bodies(gold_parsed: list[ParsedMessage],
                                   gold_threads: list[dict]) -> None:
    """Every labelled quote is a substring of the body we decode (whitespace-normalised)."""
    bodies = {p.message_id: " ".join(p.body.split()) for p in gold_parsed}
    checked = 0
    for thread in gold_threads:
        items = [e for race in thread["races"] for e in race["evidence"]]
        items += thread["fixes"] + thread["objections"]
        for item in items:
            assert " ".join(item["quote"].split()) in bodies[item["message_id"]], item["quote"]
            checked += 1
    assert checked > 100


def test_gold_first_message_fields(gold_parsed: list[ParsedMessage]) -> None:
    first = next(p for p in gold_parsed
                 if p.message_id == "20191029005405.201986-1-shakeelb@google.com")
    assert first.subject == ("[PATCH] mm: memcontrol: fix data race in "
                             "mem_cgroup_select_victim_node")
    assert (first.author.name, first.author.email) == ("Shakeel Butt", "shakeelb@google.com")
    assert first.date == datetime(2019, 10, 29, 0, 54, 5, tzinfo=timezone.utc)
    assert first.list_ids == ("cgroups.vger.kernel.org",)
    assert first.body.startswith("Syzbot reported the following bug:\n")


def test_header_nul_and_surrogate_words_become_replacement_characters() -> None:
    mail = make_mail(b"x\n", headers=("From: Ev\x00e <e@x>\nSubject: =?utf-7?Q?a+3v8-b=FF?= \x00\n"
                                      "Message-ID: <n@x>\n"))
    parsed = parse_message(mail)
    assert parsed.author.name == "Ev\ufffde"
    assert parsed.subject == "a\ufffdb\ufffd \ufffd"
    assert {"text:nul", "text:surrogates"} <= set(parsed.defects)


def test_huge_author_and_subject_are_cut_within_index_limits() -> None:
    name = "N" * 5000
    email = "x" * 500 + "@example.org"
    parsed = parse_message(make_mail(b"x\n", headers=f"From: {name} <{email}>\nSubject: {'s' * 9000}\n"
                                                     "Message-ID: <big@x>\n"))
    assert parsed.author.name == "N" * 512
    assert len(parsed.author.email) == 320
    assert parsed.subject == "s" * 2000
    assert {"address:name-truncated", "address:truncated", "header:too-long:subject"} <= set(parsed.defects)


def test_the_address_cache_stays_within_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    import ingest.parse.message as message

    monkeypatch.setattr(message, "_address_cache", {})
    monkeypatch.setattr(message, "ADDRESS_CACHE_SIZE", 5)
    sizes = []
    for i in range(12):
        found = message.parse_addresses_cached(f"P{i} <p{i}@example.org>, Q <q@example.org>", [])
        assert [a.email for a in found] == [f"p{i}@example.org", "q@example.org"]
        sizes.append(len(message._address_cache))
    assert max(sizes) == 5
    # a repeated header is served from the cache while it holds it
    assert message.parse_addresses_cached("P11 <p11@example.org>, Q <q@example.org>", []) is \
        message._address_cache["P11 <p11@example.org>, Q <q@example.org>"][0]
