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


BLOCK = 8 * 1024 * 1024
SEPARATOR = b"\n\nFrom "


def find_separators(buffer: bytes, start: int) -> Iterator[tuple[int, int]]:
    """(line start, line end + 1) of each `From ` line at the start or after a blank line."""
    if start == 0 and buffer.startswith(b"From "):
        end = buffer.find(b"\n")
        if end < 0:
            return
        yield 0, end + 1
    pos = start
    while (hit := buffer.find(SEPARATOR, pos)) >= 0:
        line = hit + 2
        end = buffer.find(b"\n", line)
        if end < 0:
            return
        yield line, end + 1
        pos = line


def iter_mbox_stream(stream: BinaryIO, source: str) -> Iterator[RawMail]:
    """Messages of an mbox stream; position is the byte offset of the `From ` line.

    The stream is read in large blocks; a message is yielded once the next separator (or
    the end of the stream) is seen.
    """
    buffer = b""
    base = 0                   # stream offset of buffer[0]
    start: int | None = None   # buffer offset of the current message's separator line
    body = 0                   # buffer offset where the current message's bytes begin
    while True:
        block = stream.read(BLOCK)
        buffer += block
        for line, end in find_separators(buffer, max(body - 2, 0)):
            if line < body:
                continue
            if start is not None:
                yield make_mail(buffer[body:line], source, base + start)
            elif buffer[:line].strip():
                yield make_mail(buffer[:line], source, base)  # text before the first separator
            start, body = line, end
        if not block:
            break
        if start:  # drop what has been yielded
            buffer = buffer[start:]
            base += start
            body -= start
            start = 0
    if start is not None:
        if buffer[body:].strip():
            yield make_mail(buffer[body:], source, base + start)
    elif buffer.strip():
        yield make_mail(buffer, source, base)


def make_mail(data: bytes, source: str, offset: int) -> RawMail:
    if data.endswith(b"\n\n"):  # the separator's blank line belongs to the mbox, not the mail
        data = data[:-1]
    return RawMail(data=unescape_from_lines(data), source=source, position=f"offset {offset}")


def iter_mbox(path: Path) -> Iterator[RawMail]:
    with open_binary(path) as stream:
        yield from iter_mbox_stream(stream, str(path))


def is_mbox(head: bytes) -> bool:
    """Does a file starting with these bytes look like an mbox?"""
    return head.startswith(b"From ") and b"\n" in head[:1024]
