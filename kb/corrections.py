"""What a person may correct in a fact, and the values each field takes (gold/SCHEMA.md's)."""

from __future__ import annotations

from kb.errors import KbError

CONSEQUENCES = ("use-after-free", "data-race", "deadlock", "lost-update", "wrong-result", "memory-leak", "other")
FIX_KINDS = ("patch", "prose")
FIX_STATUSES = ("proposed", "withdrawn", "revised", "acked", "applied", "nacked")
OBJECTION_REASONS = ("performance", "correctness", "complexity", "scalability", "stable-backport", "style", "nak",
                     "other")
ROLES = ("author", "reviewer", "reporter", "tester", "maintainer")

TEXT = None           # any one-line text
LIST = "list"         # comma-separated values
FLAG = "flag"         # true | false

FIELDS: dict[str, dict[str, tuple[str, ...] | str | None]] = {
    "race": {"summary": TEXT, "object": TEXT, "consequence": CONSEQUENCES, "participants": LIST, "symbols": LIST},
    "fix": {"summary": TEXT, "kind": FIX_KINDS, "status": FIX_STATUSES, "proposed_by": TEXT},
    "objection": {"by": TEXT, "reason": OBJECTION_REASONS, "resolved": FLAG},
}


class CorrectionError(KbError):
    """A correction naming a field a fact lacks, or a value the schema does not allow."""


def validate_changes(kind: str, fact_id: int, changes: dict[str, object]) -> dict[str, object]:
    """The changes as stored values (lists split, flags parsed); CorrectionError on anything else."""
    place = f"{kind} {fact_id}"
    fields = FIELDS.get(kind)
    if fields is None:
        raise CorrectionError(f"kind is one of {', '.join(FIELDS)}", place=place)
    out: dict[str, object] = {}
    for name, raw in changes.items():
        if name not in fields:
            raise CorrectionError(f"{kind} has no field {name!r} (fields: {', '.join(fields)})", place=place)
        allowed, value = fields[name], " ".join(str(raw).split())
        if allowed is LIST:
            out[name] = [item.strip() for item in value.split(",") if item.strip()]
        elif allowed is FLAG:
            if value.lower() not in ("true", "false"):
                raise CorrectionError(f"{name} is true or false, not {value!r}", place=place)
            out[name] = value.lower() == "true"
        elif isinstance(allowed, tuple) and value not in allowed:
            raise CorrectionError(f"{name} {value!r} is not one of {', '.join(allowed)}", place=place)
        else:
            out[name] = value
    return out
