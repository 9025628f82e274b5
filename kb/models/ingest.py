"""Ingest bookkeeping: quarantined messages and per-source cursors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kb.models.base import Base, UtcDateTime


class Quarantine(Base):
    """A message that was read but not stored, with where it was and why."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("source", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    position: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed
    raw_size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SourceCursor(Base):
    """How far an append-only source (a public-inbox epoch) has been read."""

    __tablename__ = "source_cursors"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    cursor: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
