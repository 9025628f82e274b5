"""Scenarios: versions of .kscen texts, their links to threads/messages/races, and runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kb.models.base import Base, UtcDateTime


class Scenario(Base):
    """One version of a scenario: the text and its hash, so links survive the file moving."""

    __tablename__ = "scenarios"
    __table_args__ = (UniqueConstraint("name", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ScenarioLink(Base):
    __tablename__ = "scenario_links"
    __table_args__ = (UniqueConstraint("scenario_id", "target_kind", "target"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # thread|message|race
    target: Mapped[str] = mapped_column(String(998), index=True)  # root message-id, message-id, race id
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ScenarioRun(Base):
    __tablename__ = "scenario_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), index=True)
    variant: Mapped[str] = mapped_column(String(255), default="")
    verdicts: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    states: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    kb_version: Mapped[str] = mapped_column(String(32), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
