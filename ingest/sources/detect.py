"""Which kind of source a path is: sniffed, never guessed from the name alone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kb.errors import SourceError

from ingest.sources import maildir, mbox, public_inbox

KINDS = ("public-inbox", "maildir", "mbox", "eml", "page")


@dataclass(frozen=True)
class SourceSpec:
    kind: str        # one of KINDS
    path: Path       # for public-inbox: one epoch


def sniff_file(path: Path) -> str | None:
    """The kind of a regular file, or None when it is not mail."""
    try:
        with mbox.open_binary(path) as stream:
            head = stream.read(4096)
            damaged = getattr(stream, "damage", None) is not None
    except (OSError, EOFError) as exc:
        raise SourceError(f"cannot read: {exc}", place=str(path)) from exc
    if mbox.is_mbox(head) or (damaged and not head):  # the reader quarantines the damage
        return "mbox"
    if maildir.is_eml(head):
        return "eml"
    if is_page(head, path.name):
        return "page"
    return None


def is_page(head: bytes, name: str) -> bool:
    try:
        from ingest.sources.webpage import is_web_page
    except ImportError:  # pragma: no cover - the web-page reader is optional at this layer
        return False
    return is_web_page(head, name)


NOT_MAIL = "not a mail archive (mbox, .eml, Maildir, public-inbox or web page)"


def find_sources(path: Path, unread: list[Path] | None = None) -> list[SourceSpec]:
    """Every source under path: an epoch, an inbox, a Maildir, a file, or a directory tree
    (whose files that are no mail archive are added to `unread`, when given)."""
    if not path.exists():
        raise SourceError("no such file or directory", place=str(path))
    epochs = public_inbox.find_epochs(path)
    if epochs:
        return [SourceSpec("public-inbox", epoch) for epoch in epochs]
    if maildir.is_maildir(path):
        return [SourceSpec("maildir", path)]
    if path.is_file():
        kind = sniff_file(path)
        if kind is None:
            raise SourceError(NOT_MAIL, place=str(path))
        return [SourceSpec(kind, path)]
    return list(walk_directory(path, unread))


def walk_directory(root: Path, unread: list[Path] | None = None) -> Iterator[SourceSpec]:
    """Recursive, sorted, by sniffing; git epochs and Maildirs are not descended into. Files
    that are no mail archive are left out (added to `unread` when given); hidden ones silently."""
    for current, dirs, files in os.walk(root):
        here = Path(current)
        dirs.sort()
        for name in list(dirs):
            sub = here / name
            if public_inbox.find_epochs(sub) or maildir.is_maildir(sub):
                dirs.remove(name)
                yield from find_sources(sub, unread)
            elif name.startswith("."):
                dirs.remove(name)
        for name in sorted(files):
            file = here / name
            if name.startswith(".") or not file.is_file():
                continue
            kind = sniff_file(file)
            if kind:
                yield SourceSpec(kind, file)
            elif unread is not None:
                unread.append(file)
