"""Mail: lists, people and identities, threads, messages, patches, trailers, segments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.models.base import Base, MailText, CompressedText, UtcDateTime


class MailingList(Base):
    __tablename__ = "lists"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(MailText, unique=True)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(MailText, default="")
    email: Mapped[str] = mapped_column(MailText, default="", index=True)
    identities: Mapped[list[Identity]] = relationship(back_populates="person")


class Identity(Base):
    """One (name, address) form a person writes under; addresses may be obfuscated."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("email", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(MailText, default="")
    email: Mapped[str] = mapped_column(MailText, default="")
    person: Mapped[Person] = relationship(back_populates="identities")


class Thread(Base):
    __tablename__ = "threads"
    id: Mapped[int] = mapped_column(primary_key=True)
    root_message_id: Mapped[str] = mapped_column(MailText, unique=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    first_date: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    last_date: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_thread_date", "thread_id", "date"),
                      # partial: the few recovered messages, never the planner's choice for the rest
                      Index("ix_messages_recovered", "recovered", sqlite_where=text("recovered = 1"),
                            postgresql_where=text("recovered")))
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(MailText, unique=True)
    synthetic_id: Mapped[bool] = mapped_column(Boolean, default=False)
    recovered: Mapped[bool] = mapped_column(Boolean, default=False)  # rebuilt from a web page quote
    # for recovered messages: quote_depth, author_source, author_rule, extent, page
    provenance: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    parent_message_id: Mapped[str | None] = mapped_column(MailText)  # may name a ghost
    # place in the thread's reply order and depth below its top, as the thread stage computed them
    thread_rank: Mapped[int | None] = mapped_column(Integer)
    thread_depth: Mapped[int | None] = mapped_column(Integer)
    in_reply_to: Mapped[str | None] = mapped_column(MailText, index=True)
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    author_name: Mapped[str] = mapped_column(MailText, default="")
    author_email: Mapped[str] = mapped_column(MailText, default="", index=True)
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id", ondelete="SET NULL"))
    to_addrs: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    cc_addrs: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    date: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    date_raw: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(CompressedText, default="")  # decoded text/plain
    raw: Mapped[bytes] = mapped_column(LargeBinary)  # compressed original bytes (kb.blobs)
    raw_size: Mapped[int] = mapped_column(Integer, default=0)
    attachments: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    defects: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[str] = mapped_column(Text, default="")
    ingested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MessageRef(Base):
    """One id of a message's reference chain (References, then In-Reply-To; its own id left out):
    which messages name an id, present or a ghost, so the thread stage finds, by index, the
    threads a new message joins."""

    __tablename__ = "message_refs"
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    ref: Mapped[str] = mapped_column(MailText, primary_key=True, index=True)


REUSED_ID = "reused-id"  # MessageAlias.method of a message kept under an id derived from a reused one


class MessageAlias(Base):
    """A message recovered from a web page that was later merged into the real one; or (method
    REUSED_ID) a message whose Message-ID was already taken, stored under `alias`, derived from it."""

    __tablename__ = "message_aliases"
    alias: Mapped[str] = mapped_column(MailText, primary_key=True)
    message_id: Mapped[str] = mapped_column(MailText, index=True)
    method: Mapped[str] = mapped_column(String(32), default="")


class MessageList(Base):
    """List membership: the same Message-ID seen on several lists is one message."""

    __tablename__ = "message_lists"
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True)


class Segment(Base):
    """A span of a message body: text, quote, attribution, patch, signature, trailer, footer."""

    __tablename__ = "segments"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    person_name: Mapped[str] = mapped_column(MailText, default="")
    person_email: Mapped[str] = mapped_column(MailText, default="")
    quoted_message_id: Mapped[str | None] = mapped_column(MailText)
    method: Mapped[str] = mapped_column(String(16), default="")  # how the extent was fixed


class Patch(Base):
    __tablename__ = "patches"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text, index=True)
    old_path: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="modified")
    functions: Mapped[list[str]] = mapped_column(JSON, default=list)  # hunk-header contexts
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    patch_id: Mapped[str | None] = mapped_column(String(64), index=True)


class Trailer(Base):
    __tablename__ = "trailers"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(MailText, index=True)
    name: Mapped[str] = mapped_column(MailText, default="")
    email: Mapped[str] = mapped_column(MailText, default="")
    value: Mapped[str] = mapped_column(Text, default="")


class Series(Base):
    """A patch series (cover letter and parts) at one revision."""

    __tablename__ = "series"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(MailText, unique=True)  # thread id | author | vN
    title: Mapped[str] = mapped_column(Text, default="")
    author_email: Mapped[str] = mapped_column(MailText, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    total: Mapped[int] = mapped_column(Integer, default=1)
    revision_key: Mapped[str] = mapped_column(MailText, index=True)  # groups v1..vN
    first_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    change_id: Mapped[str | None] = mapped_column(String(128), index=True)  # b4's, from the cover letter


class SeriesMessage(Base):
    __tablename__ = "series_messages"
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    part: Mapped[int] = mapped_column(Integer, default=0)
