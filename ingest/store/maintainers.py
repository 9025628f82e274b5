"""The loaded MAINTAINERS file and the archive's MAINTAINERS patches: saved, loaded and digested
for the extract stage (which maintained what, when)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import lru_cache

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from kb.models import MaintainerSection, Message, Patch

from ingest.extract.maintainer_history import collect_role_history
from ingest.extract.maintainers import Maintainers, build_index, parse_maintainers


def store_maintainers(session: Session, text: str) -> int:
    """Replace the loaded MAINTAINERS sections with those of `text`."""
    sections = parse_maintainers(text)
    session.execute(delete(MaintainerSection))
    session.execute(insert(MaintainerSection), [{"name": s.name, "data": {
        "M": list(s.maintainers), "R": list(s.reviewers), "L": list(s.lists), "S": [s.status],
        "F": [p.raw for p in s.files], "X": [p.raw for p in s.excludes],
        "N": [r.pattern for r in s.regexes], "K": [r.pattern for r in s.keywords]}} for s in sections])
    return len(sections)


def load_maintainers_digest(session: Session) -> str:
    """A digest of the loaded MAINTAINERS sections and of the role changes the archive's
    MAINTAINERS patches make to them ("none" when no file is loaded)."""
    loaded = _load(session)
    if loaded is None:
        return "none"
    text, maintainers = loaded
    return hashlib.sha1(f"{text}\0{sorted(maintainers.history.items())!r}".encode()).hexdigest()[:12]


def load_stored_maintainers(session: Session) -> Maintainers | None:
    """The loaded MAINTAINERS sections, with the dated M: changes of the KB's MAINTAINERS patches."""
    loaded = _load(session)
    return loaded[1] if loaded else None


def _load(session: Session) -> tuple[str, Maintainers] | None:
    """(the loaded sections as MAINTAINERS text, them parsed with the KB's role history)."""
    rows = session.execute(select(MaintainerSection.name, MaintainerSection.data)
                           .order_by(MaintainerSection.id)).all()
    if not rows:
        return None
    text = "\n\n".join(name + "\n" + "\n".join(f"{key}:\t{value}" for key, values in data.items()
                                                for value in values if value) for name, data in rows)
    patches = session.execute(select(Message.date, Message.subject, Message.body).where(
        Message.id.in_(select(Patch.message_pk).where(Patch.path == "MAINTAINERS"))).order_by(Message.id)).all()
    return text, add_role_history(text, tuple(tuple(p) for p in patches))


@lru_cache(maxsize=2)
def add_role_history(text: str, patches: tuple[tuple, ...]) -> Maintainers:
    """`text` parsed, with the role history of `patches`: once per process and data (the digest
    and the extract stage both load them)."""
    maintainers = parse_stored_maintainers(text)
    history = collect_role_history(maintainers.sections, patches)
    return replace(maintainers, history=history) if history else maintainers


@lru_cache(maxsize=2)
def parse_stored_maintainers(text: str) -> Maintainers:
    """Parsed once per process and text (a role history is added to a copy)."""
    return build_index(parse_maintainers(text))
