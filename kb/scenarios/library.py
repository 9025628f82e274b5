"""The bundled scenario library and skeleton drafting from an interleaving diagram."""

from __future__ import annotations

import re
from pathlib import Path

from kb.config import find_bundled_data
from kb.errors import ScenarioError
from kb.scenarios.primitives import find_primitive

CALL_RE = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


def find_library_scenarios() -> list[Path]:
    """Sorted .kscen files of the bundled library (data/scenarios)."""
    root = find_bundled_data() / "scenarios"
    return sorted(root.glob("*.kscen")) if root.is_dir() else []


def draft_scenario(name: str, participants: list[str], steps: list[tuple[int, str]], source: str = "",
                   condition: str = "uaf") -> str:
    """A skeleton .kscen for a person to finish: one process per participant, one line per step.

    steps are (column, diagram line) in diagram order, column = index into participants (the CPU
    column of an LKML interleaving). Lines that look like calls are kept as statements; anything
    else becomes a `// TODO` comment, since the modelling choices belong to a human.
    """
    if not participants:
        raise ScenarioError("a draft needs at least one participant", place="draft")
    if len(participants) > 16:
        raise ScenarioError("at most 16 participants", place="draft")
    safe_name = re.sub(r"[^\w.+-]+", "-", name).strip("-") or "draft"
    bodies: list[list[str]] = [[] for _ in participants]
    for column, text in steps:
        if not 0 <= column < len(participants):
            raise ScenarioError(f"step column {column} has no participant", place="draft")
        bodies[column].append(draft_line(text))
    lines = [f"C {safe_name}", "", "(*", " * Draft: incomplete: a skeleton for a person to finish", " *"]
    lines.append(f" * Source: {source or 'TODO (Message-ID of the mail with the interleaving)'}")
    lines.append(" * Abstraction: TODO (which objects, locks and fields the model keeps)")
    lines.append(" * Drafted from an interleaving diagram; review every line before trusting a verdict.")
    lines += [" *)", "", "{", "\t// TODO: objects (object inode;), locations (ptr page.mapping = &inode;), locks", "}", ""]
    for index, (who, body) in enumerate(zip(participants, bodies)):
        label = re.sub(r"\W+", "_", who.strip()) or f"cpu{index}"
        if label[0].isdigit():
            label = f"cpu_{label}"
        lines.append(f"P{index}({label})")
        lines.append("{")
        lines += [f"\t{b}" for b in body] or ["\t// TODO"]
        lines.append("}")
        lines.append("")
    lines.append(f"exists ({condition})")
    return "\n".join(lines) + "\n"


def draft_line(text: str) -> str:
    text = text.strip().rstrip(";").strip()
    if not text or text in ("...", "…"):
        return "// ..."
    safe = text.replace("*)", "* )").replace("\n", " ")
    calls = CALL_RE.findall(text)
    keywords = {"if", "while", "for", "switch", "return", "sizeof"}
    if calls and not keywords & set(calls) and all(find_primitive(c) for c in calls) \
            and "//" not in text and "=" not in text.replace("==", ""):
        return f"{safe};\t// TODO check"
    return f"// TODO: {safe}"
