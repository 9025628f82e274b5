"""Declarative base with a naming convention so Alembic migrations are stable."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from kb.blobs import pack_blob, unpack_blob

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Mail-derived strings (names, addresses, Message-IDs, trailer kinds, series keys) have no length
# limit: real mail exceeds any VARCHAR(n) (a Cc: trailer naming twenty people). Unbounded VARCHAR
# is TEXT on PostgreSQL; SQLite never enforced the lengths.
MailText = String()


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        """Always `timezone.utc`: PostgreSQL's driver gives ZoneInfo('Etc/UTC'), the same instant with
        another repr, which made every search-index digest differ from SQLite's."""
        if value is not None:
            value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return value


class CompressedText(TypeDecorator[str]):
    """Text kept compressed (mail bodies are most of a KB's bytes; kb.blobs).

    Binds a str (compressed here) or bytes already compressed by the caller (ingest workers
    compress in parallel); always reads back a str.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | bytes | None, dialect: object) -> bytes | None:
        if value is None or isinstance(value, bytes):
            return value
        return pack_blob(value.encode("utf-8", "surrogatepass"))

    def process_result_value(self, value: bytes | None, dialect: object) -> str | None:
        if value is None:
            return None
        return unpack_blob(value).decode("utf-8", "surrogatepass")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
