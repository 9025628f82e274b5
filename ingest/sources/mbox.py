"""mbox files (mboxrd and mboxo, plain or gzip): split on `From ` separator lines."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ingest.sources.base import RawMail

_FROM_ESCAPED = re.compile(rb"^>(>*From )", re.MULTILINE)
GZIP_MAGIC = b"\x1f\x8b"


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, transparently gunzipped."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == GZIP_MAGIC:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def unescape_from_lines(data: bytes) -> bytes:
    """mboxrd/mboxo unescaping: one `>` comes off every `>*From ` line."""
    if b">From " not in data:
        return data
    return _FROM_ESCAPED.sub(rb"\1", data)


def iter_mbox_stream(stream: BinaryIO, source: str) -> Iterator[RawMail]:
    """Messages of an mbox stream; position is the byte offset of the `From ` line."""
    chunk: list[bytes] = []
    start = offset = 0
    previous_blank = True
    for line in stream:
        if line.startswith(b"From ") and previous_blank:
            if chunk:
                yield make_mail(chunk, source, start)
            chunk = []
            start = offset
        else:
            chunk.append(line)
        previous_blank = line in (b"\n", b"\r\n")
        offset += len(line)
    if chunk:
        yield make_mail(chunk, source, start)


def make_mail(lines: list[bytes], source: str, offset: int) -> RawMail:
    data = b"".join(lines)
    if data.endswith(b"\n\n"):  # the separator's blank line belongs to the mbox, not the mail
        data = data[:-1]
    return RawMail(data=unescape_from_lines(data), source=source, position=f"offset {offset}")


def iter_mbox(path: Path) -> Iterator[RawMail]:
    with open_binary(path) as stream:
        yield from iter_mbox_stream(stream, str(path))


def is_mbox(head: bytes) -> bool:
    """Does a file starting with these bytes look like an mbox?"""
    return head.startswith(b"From ") and b"\n" in head[:1024]
