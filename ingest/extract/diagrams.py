"""Interleaving diagrams in mail bodies: CPU0/CPU1, Thread A/B, T1/T2 column layouts."""

from __future__ import annotations

import re

from ingest.extract.types import MessageText

_DIAGRAM_HEAD_RE = re.compile(
    r"^[ \t>]*((?:CPU|cpu) ?[0-9A-Z]|[Tt]hread ?[A-Z0-9]|T[0-9]|P[0-9]|[Tt]ask ?[A-Z0-9])[\t ]{2,}"
    r"(?:.*?)((?:CPU|cpu) ?[0-9A-Z]|[Tt]hread ?[A-Z0-9]|T[0-9]|P[0-9]|[Tt]ask ?[A-Z0-9])\s*$",
    re.MULTILINE)


def find_diagrams(msg: MessageText) -> list[tuple[int, int, list[str]]]:
    """Interleaving diagrams (CPU0/CPU1, Thread A/B, T1/T2 columns) in a message body:
    (start, end, steps) with steps as 'COLUMN: text'."""
    out = []
    for m in _DIAGRAM_HEAD_RE.finditer(msg.body):
        if "Possible unsafe locking scenario" in msg.body[max(0, m.start() - 200):m.start()]:
            continue                  # lockdep tables are parsed with the report
        head = m.group(0)
        left, right = m.group(1), m.group(2)
        col = head.rindex(right) - (len(head) - len(head.lstrip(" \t>")))
        steps, pos, end = [], m.end(), m.end()
        for line in msg.body[m.end():m.end() + 3000].splitlines(keepends=True)[1:]:
            pos += len(line)
            body = re.sub(r"^[ \t]*>+ ?", "", line.rstrip("\n")).expandtabs()
            if not body.strip():
                if steps:
                    break
                continue
            if set(body.strip()) <= set("-=_ "):
                continue
            indent = len(body) - len(body.lstrip())
            steps.append(f"{right if indent >= max(col - 4, 8) else left}: {body.strip()}")
            end = pos
            if len(steps) > 30:
                break
        if len(steps) >= 2:
            out.append((m.start(), end, steps))
    return out
