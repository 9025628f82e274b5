"""What every source yields: raw message bytes and where they came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawMail:
    """One message as read from a source, before parsing.

    `source` names the file or epoch; `position` says where in it
    ("offset 1234", "line 17", "0.git commit abc123...", "cur/1234.eml"). `damage` is set
    on the incomplete rest of a damaged file (a truncated .gz): quarantined with that reason.
    """

    data: bytes
    source: str
    position: str
    damage: str | None = None
