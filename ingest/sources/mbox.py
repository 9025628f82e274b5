"""mbox files as they are found: mboxrd, mboxo and mboxcl2, LF, CRLF or mixed line endings,
plain or gzip (several members, truncated or corrupt).

A message starts at a `From ` line that follows a blank line (or starts the file) and looks like
a From_ line (it holds a time or ends in a year: `From the report above:` in a body does not
split). A message whose header gives a Content-Length (mboxcl2) keeps `From ` lines inside that
many body bytes. A damaged gzip yields every whole message before the damage, then one RawMail
with `damage` set: the incomplete rest, which the pipeline quarantines with the file and offset.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from ingest.sources.base import RawMail

_FROM_ESCAPED = re.compile(rb"^>(>*From )", re.MULTILINE)
_FROM_LINE_SHAPE = re.compile(rb"\d:\d\d|\d{4}\s*$")
_CONTENT_LENGTH = re.compile(rb"^content-length:[ \t]*(\d{1,12})[ \t]*\r?$", re.MULTILINE | re.IGNORECASE)
_HEADER_END = re.compile(rb"\n\r?\n")
GZIP_MAGIC = b"\x1f\x8b"
GZIP_CHUNK = 256 * 1024
BLOCK = 8 * 1024 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class SalvagingGzip:
    """A gzip file read as far as it decompresses (every member in turn). At a truncation or a
    corrupt block `read` ends early and `damage` says so, with the compressed byte offset."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("rb")
        self.inflater = zlib.decompressobj(31)
        self.in_member = False
        self.consumed = 0           # compressed bytes read from the file
        self.pending = bytearray()
        self.done = False
        self.damage: str | None = None

    def __enter__(self) -> SalvagingGzip:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.file.close()

    def read(self, size: int = -1, /) -> bytes:
        while not self.done and (size < 0 or len(self.pending) < size):
            self.inflate_chunk()
        cut = len(self.pending) if size < 0 else min(size, len(self.pending))
        data = bytes(self.pending[:cut])
        del self.pending[:cut]
        return data

    def inflate_chunk(self) -> None:
        chunk = self.file.read(GZIP_CHUNK)
        start = self.consumed
        self.consumed += len(chunk)
        if not chunk:
            if self.in_member:
                self.damage = f"truncated gzip: the compressed data ends at byte {start} inside a member"
            self.done = True
            return
        data = chunk
        while data:
            try:
                self.pending += self.inflater.decompress(data)
            except zlib.error as exc:
                self.damage = f"corrupt gzip near compressed byte {start}: {exc}"
                self.done = True
                return
            self.in_member = not self.inflater.eof
            if self.in_member:
                return
            data = self.inflater.unused_data
            self.inflater = zlib.decompressobj(31)
            if not data.strip(b"\x00"):  # padding after the last member
                return


def open_binary(path: Path) -> BinaryIO | SalvagingGzip:
    """The file's bytes, gunzipped as far as they decompress."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == GZIP_MAGIC:
        return SalvagingGzip(path)
    return path.open("rb")


def unescape_from_lines(data: bytes) -> bytes:
    """mboxrd/mboxo unescaping: one `>` comes off every `>*From ` line."""
    if b">From " not in data:
        return data
    return _FROM_ESCAPED.sub(rb"\1", data)


def follows_blank_line(buffer: bytes, newline: int) -> bool:
    """Is the line ending at buffer[newline] (a LF) empty, with LF or CRLF endings?"""
    return newline >= 1 and (buffer[newline - 1] == 10 or (buffer[newline - 1] == 13 and newline >= 2
                                                              and buffer[newline - 2] == 10))


def find_separators(buffer: bytes, start: int) -> Iterator[tuple[int, int]]:
    """(line start, line end + 1) of each From_ line at the start or after a blank line."""
    if start == 0 and buffer.startswith(b"From "):
        end = buffer.find(b"\n")
        if end < 0:
            return
        yield 0, end + 1
    pos = start
    while (hit := buffer.find(b"\nFrom ", pos)) >= 0:
        line = hit + 1
        pos = line
        if not follows_blank_line(buffer, hit):
            continue
        end = buffer.find(b"\n", line)
        if end < 0:
            return
        if _FROM_LINE_SHAPE.search(buffer, line, end):
            yield line, end + 1


def find_content_end(buffer: bytes, body: int) -> int | None:
    """mboxcl2: where the message starting at `body` ends by its Content-Length, if it has one
    and its header is complete in the buffer."""
    header_end = _HEADER_END.search(buffer, body)
    if header_end is None:
        return None
    found = _CONTENT_LENGTH.search(buffer, body, header_end.start() + 1)
    return header_end.end() + int(found.group(1)) if found else None


def iter_mbox_stream(stream: Readable, source: str) -> Iterator[RawMail]:
    """Messages of an mbox stream; position is the byte offset of the `From ` line.

    The stream is read in large blocks; a message is yielded once the next separator (or
    the end of the stream) is seen. A stream with `damage` (SalvagingGzip) ends with one
    RawMail carrying it: the incomplete message after the last whole one.
    """
    buffer = b""
    base = 0                   # stream offset of buffer[0]
    start: int | None = None   # buffer offset of the current message's separator line
    body = 0                   # buffer offset where the current message's bytes begin
    content_end: int | None = None
    while True:
        block = stream.read(BLOCK)
        buffer += block
        for line, end in find_separators(buffer, max(body - 2, 0)):
            if line < body or (content_end is not None and line < content_end):
                continue
            if start is not None:
                yield make_mail(buffer[body:line], source, base + start)
            elif buffer[:line].strip():
                yield make_mail(buffer[:line], source, base)  # text before the first separator
            start, body = line, end
            content_end = find_content_end(buffer, body)
        if not block:
            break
        if start:  # drop what has been yielded
            buffer = buffer[start:]
            base += start
            body -= start
            content_end = None if content_end is None else content_end - start
            start = 0
    damage = getattr(stream, "damage", None)
    last = (buffer[body:], base + start) if start is not None else (buffer, base)
    if damage:
        yield RawMail(data=last[0], source=source, position=f"offset {last[1]}", damage=damage)
    elif last[0].strip():
        yield make_mail(last[0], source, last[1])


def make_mail(data: bytes, source: str, offset: int) -> RawMail:
    if data.endswith(b"\n\n"):  # the separator's blank line belongs to the mbox, not the mail
        data = data[:-1]
    elif data.endswith(b"\r\n\r\n"):
        data = data[:-2]
    return RawMail(data=unescape_from_lines(data), source=source, position=f"offset {offset}")


def iter_mbox(path: Path) -> Iterator[RawMail]:
    with open_binary(path) as stream:
        yield from iter_mbox_stream(stream, str(path))


def is_mbox(head: bytes) -> bool:
    """Does a file starting with these bytes look like an mbox?"""
    return head.startswith(b"From ") and b"\n" in head[:1024]
