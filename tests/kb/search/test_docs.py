"""IndexDoc.digest: a KB's indexed digests stay valid across kb versions only if the bytes hashed
stay the same; here they are spelled out independently of the code."""

from __future__ import annotations

import hashlib
from dataclasses import fields
from datetime import datetime

from kb.search.analysis import SCHEMA_VERSION
from kb.search.docs import IndexDoc


def spell(value: object) -> bytes:
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        return f"s{len(data)}:".encode() + data
    if isinstance(value, tuple):
        return f"t{len(value)}:".encode() + b"".join(spell(item) for item in value)
    return b"r" + repr(value).encode()


def test_digest_hashes_each_field_length_prefixed() -> None:
    doc = IndexDoc("<a@x>", "<t@x>", "subject é", "Name", "a@x", datetime(2020, 1, 2, 3, 4), body_new="x\udcff" * 500,
                   races=("a race", ""), revision=3, version="v1")
    stream = f"schema={SCHEMA_VERSION}".encode() + b"".join(b"\0" + spell(getattr(doc, f.name)) for f in fields(doc))
    assert doc.digest == hashlib.blake2b(stream, digest_size=12).hexdigest()
