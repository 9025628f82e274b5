"""Ingest bookkeeping: quarantined messages, per-source cursors, the stage ledger and the index
entries still to delete."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kb.models.base import Base, MailText, UtcDateTime


class Quarantine(Base):
    """A message that was read but not stored, with where it was and why."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("source", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    position: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)  # compressed (kb.blobs)
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


class StageLedger(Base):
    """The ledger of done work: which version of a per-thread stage (extract, index) ran on a
    thread, and a digest of what it produced. A thread whose shape changes loses its rows."""

    __tablename__ = "stage_ledger"
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[str] = mapped_column(String(128))
    digest: Mapped[str] = mapped_column(String(40), default="")


class IndexRemoval(Base):
    """A message id that left the database (a recovered page message merged into the mail it
    was cut from, or a row of a page cut an older reader made) whose search-index entry the
    index stage has yet to delete. Written in the transaction that deletes the message."""

    __tablename__ = "index_removals"
    message_id: Mapped[str] = mapped_column(MailText, primary_key=True)
