"""Address and RFC 2047 normalisation."""

from __future__ import annotations

import pytest

from ingest.parse import addresses
from ingest.parse.addresses import (decode_header_text, parse_address, parse_address_list,
                                    parse_author)

ADDRESS_CASES = [
    ("Tejun Heo <tj@kernel.org>", ("Tejun Heo", "tj@kernel.org")),
    ('"Tejun Heo" <TJ@Kernel.ORG>', ("Tejun Heo", "tj@kernel.org")),
    ("'Tejun Heo' <tj@kernel.org>", ("Tejun Heo", "tj@kernel.org")),
    ("tj@kernel.org (Tejun Heo)", ("Tejun Heo", "tj@kernel.org")),
    ("<tj@kernel.org>", ("", "tj@kernel.org")),
    ("tj@kernel.org", ("", "tj@kernel.org")),
    ('"Heo, Tejun" <tj@kernel.org>', ("Heo, Tejun", "tj@kernel.org")),
    ("=?UTF-8?B?TWljaGFsIEtvdXRuw70=?= <mkoutny@suse.com>", ("Michal Koutný", "mkoutny@suse.com")),
    ("=?utf-8?q?Michal_Koutn=C3=BD?= <mkoutny@suse.com>", ("Michal Koutný", "mkoutny@suse.com")),
    ('"=?utf-8?q?Koutn=C3=BD=2C_Michal?=" <mkoutny@suse.com>', ("Koutný, Michal", "mkoutny@suse.com")),
    ("Michal Koutný <mkoutny@suse.com>", ("Michal Koutný", "mkoutny@suse.com")),
    ('"Joe \\"JJ\\" Doe" <joe@x.org>', ('Joe "JJ" Doe', "joe@x.org")),
    ("Joe  Doe\n <joe@x.org>", ("Joe Doe", "joe@x.org")),
    ("", ("", "")),
    ("Just A Name", ("Just A Name", "")),
    ("broken <<joe@x.org", ("broken", "joe@x.org")),
]


@pytest.mark.parametrize(("raw", "expected"), ADDRESS_CASES)
def test_parse_address(raw: str, expected: tuple[str, str]) -> None:
    assert parse_address(raw, []) == expected


def test_parse_address_list() -> None:
    value = ('A B <a@B.c>, "Last, First" <x@y.z>, z@w.org (Zed),\n <q@r.s>, '
             "=?utf-8?q?J=C3=B6rg?= <j@k.l>, undisclosed-recipients:;")
    assert parse_address_list(value, []) == (
        ("A B", "a@b.c"), ("Last, First", "x@y.z"), ("Zed", "z@w.org"), ("", "q@r.s"),
        ("Jörg", "j@k.l"))



def test_a_remembered_list_item_gives_its_address_and_defects_again() -> None:
    value = "Joe <joe at x.org>, =?utf-8?B?Y2Fmw6k?= <c@d.e>, Ann <a@b.c>"
    addresses.parse_list_item.cache_clear()
    first: list[str] = []
    parsed = parse_address_list(value, first)
    assert "address:repaired" in first and "header:broken-encoded-word" in first
    again: list[str] = []
    assert parse_address_list(value, again) == parsed and again == first
    assert parse_address_list(value) == parsed  # no defect list: the same addresses
    assert parsed[1:] == (("café", "c@d.e"), ("Ann", "a@b.c"))


def test_the_list_item_memo_is_bounded() -> None:
    addresses.parse_list_item.cache_clear()
    for n in range(10):
        assert parse_address_list(f"P{n} <p{n}@x.org>", []) == ((f"P{n}", f"p{n}@x.org"),)
    info = addresses.parse_list_item.cache_info()
    assert info.maxsize == addresses.ITEM_CACHE_SIZE and info.currsize == 10


@pytest.mark.parametrize(("raw", "expected"), [
    ("plain", "plain"),
    ("=?utf-8?q?caf=C3=A9?=", "café"),
    ("=?UTF-8?B?Y2Fmw6k=?=", "café"),
    ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),                    # whitespace between words goes
    ("=?utf-8?q?a?=\n =?utf-8?q?b?= c", "ab c"),
    ("Re: =?iso-8859-1?q?Gr=FC=DFe?=", "Re: Grüße"),
    ("=?x-unknown?q?caf=C3=A9?=", "café"),                      # unknown charset: utf-8
    ("=?utf-8?B?Y2Fmw6k?=", "café"),                            # missing padding
    ("=?utf-8?B?Y2F!mw6k=?=", "café"),                          # junk in base64
    ("=?utf-8?q?unterminated", "=?utf-8?q?unterminated"),
    ("=?utf-8*en?q?lang?=", "lang"),                            # RFC 2231 language
    ("[PATCH] cgroup: fix\n foo", "[PATCH] cgroup: fix foo"),
])
def test_decode_header_text(raw: str, expected: str) -> None:
    assert decode_header_text(raw, []) == expected


def test_google_groups_uses_x_original_from() -> None:
    defects: list[str] = []
    author = parse_author("'Marco Elver' via kasan-dev <kasan-dev@googlegroups.com>",
                          "Marco Elver <Elver@Google.com>", None, defects)
    assert author == ("Marco Elver", "elver@google.com")
    assert "address:x-original-from" in defects


def test_google_groups_without_original_from_strips_via() -> None:
    defects: list[str] = []
    author = parse_author('"\'Marco Elver\' via kasan-dev" <kasan-dev@googlegroups.com>',
                          None, None, defects)
    assert author == ("Marco Elver", "kasan-dev@googlegroups.com")
    assert "address:via-list" in defects


def test_missing_from_falls_back_to_sender() -> None:
    assert parse_author(None, None, "Tejun Heo <tj@kernel.org>", []) == ("Tejun Heo", "tj@kernel.org")
    defects: list[str] = []
    assert parse_author(None, None, None, defects) == ("", "")
    assert "address:no-from" in defects
