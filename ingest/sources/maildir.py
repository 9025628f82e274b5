"""Maildir directories and single .eml files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.sources.base import RawMail


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def iter_maildir(path: Path) -> Iterator[RawMail]:
    """Messages in cur/ and new/, in file-name order (delivery order for most MDAs)."""
    for sub in ("cur", "new"):
        for file in sorted((path / sub).iterdir()):
            if file.is_file():
                yield RawMail(data=file.read_bytes(), source=str(path), position=f"{sub}/{file.name}")


def iter_eml(path: Path) -> Iterator[RawMail]:
    yield RawMail(data=path.read_bytes(), source=str(path), position="file")


_HEADER_START = (b"received:", b"return-path:", b"from:", b"message-id:", b"date:", b"subject:",
                 b"delivered-to:", b"mime-version:", b"x-", b"to:", b"in-reply-to:", b"references:",
                 b"content-type:", b"dkim-signature:", b"arc-", b"authentication-results:")


def is_eml(head: bytes) -> bool:
    """Does a file starting with these bytes look like one RFC 822 message?"""
    text = head.lstrip()
    first = text[:64].lower()
    if not (first.startswith(_HEADER_START) and b":" in first):
        return False
    # a header line is at most 998 bytes (RFC 5322), and a header block has a second line: a text
    # copied out of a browser ("From: A <a@b> The patch ...") is one long line
    line_end = text.find(b"\n")
    return 0 <= line_end <= 998 and bool(text[line_end + 1:].strip())
