"""The only exceptions users see. Each carries the place it is about."""

from __future__ import annotations

import re

# What libraries append to their messages for programmers: SQLAlchemy's statement dump and its
# "Background on this error" link, any other URL in parentheses.
_LIBRARY_NOISE = re.compile(r"\[SQL: .*?\]|\[parameters: .*?\]|\(Background on this error at: [^)]*\)|"
                            r"\((?:see |at )?https?://[^)]*\)", re.S)


class KbError(Exception):
    """A failure to report in one line: `place: reason`."""

    def __init__(self, reason: str, *, place: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.place = place

    def __str__(self) -> str:
        text = f"{self.place}: {self.reason}" if self.place else self.reason
        return " ".join(text.split())  # always one line


class SourceError(KbError):
    """A source cannot be read at all (missing file, not a git repo, ...)."""


class ConfigError(KbError):
    """Bad settings: an unknown database URL, an unwritable directory."""


class NotFoundError(KbError):
    """A message, thread, race or scenario that is not in the KB."""


class QueryError(KbError):
    """A search query that does not parse; `position` is the 0-based column."""

    def __init__(self, reason: str, *, query: str, position: int) -> None:
        super().__init__(f"{reason} at column {position + 1}", place="query")
        self.query = query
        self.position = position


class ScenarioError(KbError):
    """A scenario file that does not parse or compile; place is file:line:column."""


def describe_exception(exc: BaseException) -> str:
    """An exception's message in one line, without library class names, statement dumps or URLs."""
    orig = getattr(exc, "orig", None)   # SQLAlchemy wraps the driver's error: its words are the useful ones
    # a database error: the driver's first line only, never the SQL, its parameters or DETAIL lines
    text = str(orig).strip().split("\n", 1)[0] if isinstance(orig, BaseException) else str(exc)
    text = " ".join(_LIBRARY_NOISE.sub(" ", text).split())
    return re.sub(r"^\(?[\w.]+(?:Error|Exception)\)?:?\s*", "", text) or "unexpected failure"
