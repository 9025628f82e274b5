"""Typed SQLAlchemy 2.0 models. Imports only sqlalchemy and the standard library."""

from kb.models.base import Base, CompressedText, UtcDateTime
from kb.models.findings import Correction, Evidence, Fix, MaintainerSection, Objection, Race, RaceHistory, Role
from kb.models.ingest import IndexRemoval, Quarantine, SourceCursor, StageLedger
from kb.models.mail import (
    REUSED_ID, Identity, MailingList, Message, MessageAlias, MessageList, MessageRef, Patch, Person, Segment, Series, SeriesMessage, Thread, Trailer,
)
from kb.models.scenarios import Scenario, ScenarioLink, ScenarioRun

__all__ = [
    "Base", "CompressedText", "UtcDateTime", "Correction", "Evidence", "Fix", "MaintainerSection", "Objection", "Race",
    "RaceHistory", "Role", "Quarantine", "SourceCursor", "StageLedger", "IndexRemoval", "Identity", "MailingList", "Message", "MessageAlias",
    "MessageList", "MessageRef", "Patch", "Person", "Segment", "Series", "SeriesMessage", "Thread", "Trailer",
    "Scenario", "ScenarioLink", "ScenarioRun", "REUSED_ID",
]
