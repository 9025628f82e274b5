"""Findings: races, fixes, objections, people's roles, their evidence, and corrections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.models.base import Base, MailText, UtcDateTime


class RaceHistory(Base):
    """Races in different threads about the same participants, symbols or object."""

    __tablename__ = "race_histories"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    last_activity: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class Race(Base):
    __tablename__ = "races"
    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    history_id: Mapped[int | None] = mapped_column(ForeignKey("race_histories.id", ondelete="SET NULL"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer, default=0)  # index within its thread
    summary: Mapped[str] = mapped_column(Text, default="")
    participants: Mapped[list[str]] = mapped_column(JSON, default=list)
    symbols: Mapped[list[str]] = mapped_column(JSON, default=list)
    object: Mapped[str] = mapped_column(Text, default="")
    consequence: Mapped[str] = mapped_column(String(32), default="other")
    interleaving: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # [cpu, step] pairs
    source_kind: Mapped[str] = mapped_column(String(32), default="prose")  # prose|diagram|kcsan|...
    confidence: Mapped[float] = mapped_column(Float, default=0.5)
    fixes: Mapped[list[Fix]] = relationship(back_populates="race", order_by="Fix.ordinal")


class Fix(Base):
    __tablename__ = "fixes"
    id: Mapped[int] = mapped_column(primary_key=True)
    race_id: Mapped[int | None] = mapped_column(ForeignKey("races.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default="prose")  # patch|prose
    proposed_by: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(MailText, default="")
    status: Mapped[str] = mapped_column(String(16), default="proposed")  # withdrawn|revised|acked|applied
    race: Mapped[Race | None] = relationship(back_populates="fixes")
    objections: Mapped[list[Objection]] = relationship(back_populates="fix", order_by="Objection.ordinal")


class Objection(Base):
    __tablename__ = "objections"
    id: Mapped[int] = mapped_column(primary_key=True)
    fix_id: Mapped[int | None] = mapped_column(ForeignKey("fixes.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer, default=0)
    by: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(MailText, default="")
    reason: Mapped[str] = mapped_column(String(32), default="other")
    resolved: Mapped[bool] = mapped_column(default=False)
    fix: Mapped[Fix | None] = relationship(back_populates="objections")


class Evidence(Base):
    """The exact words a fact rests on: message, span, quote, extractor, confidence."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    fact_kind: Mapped[str] = mapped_column(String(16), index=True)  # race|fix|objection|role
    fact_id: Mapped[int] = mapped_column(Integer, index=True)
    message_id: Mapped[str] = mapped_column(MailText, index=True)
    start: Mapped[int] = mapped_column(Integer, default=0)
    end: Mapped[int] = mapped_column(Integer, default=0)
    quote: Mapped[str] = mapped_column(Text, default="")
    extractor: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[str] = mapped_column(String(32), default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.5)


class Role(Base):
    """A person's role in a thread: author, reviewer, reporter, tester, maintainer."""

    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(MailText, default="")
    email: Mapped[str] = mapped_column(MailText, default="")
    role: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(Text, default="")  # header|trailer|MAINTAINERS section|...


class Correction(Base):
    """A person's correction of a fact; user data that survives re-extraction."""

    __tablename__ = "corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    fact_kind: Mapped[str] = mapped_column(String(16))
    thread_root: Mapped[str] = mapped_column(MailText, index=True)  # stable across re-threading
    key: Mapped[str] = mapped_column(Text)  # what identifies the fact: its evidence message + quote
    action: Mapped[str] = mapped_column(String(16))  # delete|set
    changes: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MaintainerSection(Base):
    """A MAINTAINERS section as loaded by `kb maintainers load`."""

    __tablename__ = "maintainer_sections"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)  # M:, R:, L:, F:, X:, N:, K:
