"""The only exceptions users see. Each carries the place it is about."""

from __future__ import annotations


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
