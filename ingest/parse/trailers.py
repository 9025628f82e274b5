"""Trailers (Signed-off-by, Acked-by, Fixes:, Link:, Cc: stable ...) in a mail body.

A trailer is a line that starts (column 0) with a known key and a colon: "*-by" person keys,
Fixes, Link, Closes, Cc. Lines inside '>' quotes are someone else's trailers: they are skipped by
default and returned with depth > 0 when `include_quoted=True`. A key mentioned mid-sentence is
never a trailer. Candidate lines are found by regexes anchored on the newline before them, so
the scan stays in C and messages without trailers cost one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class TrailerLine:
    kind: str               # normalised lower-case key: "signed-off-by", "fixes", "nacked-by", ...
    name: str               # person name ("" when none)
    email: str              # lower-cased ("" when none)
    value: str              # everything after "Key:", stripped (continuation lines joined)
    start: int              # character span of the trailer line(s) in the body
    end: int
    depth: int = 0          # quote depth: 0 = the message's own trailer
    sha: str = ""           # Fixes: abbreviated commit id
    title: str = ""         # Fixes: ("commit title")
    url: str = ""           # Link:/Closes: target
    comment: str = ""       # "# 5.10+" or "[5.10+]" after the address


_KEYS_OTHER = ("fixes", "link", "closes", "cc", "buglink")
_ALIASES = {
    "naked-by": "nacked-by",
    "nak-by": "nacked-by",
    "nack-by": "nacked-by",
    "ack-by": "acked-by",
    "acked-and-tested-by": "acked-and-tested-by",
    "signed-of-by": "signed-off-by",
    "signed-off-by": "signed-off-by",
    "buglink": "link",
}
# Possessive, behind a one-letter lookahead: most lines fail on their first character and no
# line backtracks (a third of the scanning time of the plain pattern).
_KEY = r"(?=[A-Za-z])(?:(?:[A-Za-z]++-)++[Bb][Yy]|Fixes|FIXES|Link|BugLink|Closes|C[Cc])[ \t]*+:"
# Candidate lines, found by regexes with a literal "\n" prefix (fast scanning in C).
_OWN_NL = re.compile(r"\n(?=" + _KEY + ")")
_OWN_AT = re.compile(_KEY)
_QUOTED_NL = re.compile(r"\n(?=[ \t]{0,3}>[> \t]*" + _KEY + ")")
_QUOTED_AT = re.compile(r"[ \t]{0,3}>[> \t]*" + _KEY)
_LINE = re.compile(
    r"(?P<prefix>(?:[ \t]{0,3}>(?:[ \t]?>)*[ \t]?)?)"
    r"(?P<key>[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)[ \t]*:[ \t]*(?P<value>\S.*?)[ \t\r]*$"
)
_EMAIL = re.compile(r"<?([\w.+=!#$%&'*/?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+)>?")
_FIXES = re.compile(r"(?:commit\s+)?([0-9a-fA-F]{7,40})\b\s*(.*)$")
_URL = re.compile(r"<?(https?://\S+?)>?(?:[\s,;]|$)")


def is_trailer_line(line: str) -> bool:
    """True when `line` (no quote markers) is a trailer of a kind this module parses."""
    if not line or not line[0].isalpha() or ":" not in line[:48]:
        return False
    m = _LINE.match(line)
    return bool(m and not m.group("prefix") and _build(m, 0, 0, 0) is not None)


def parse_trailers(body: str, include_quoted: bool = False) -> tuple[TrailerLine, ...]:
    """The trailers of `body` in order; quoted ones only with include_quoted (depth > 0).

    Memoised for the last few bodies: split_segments and the ingest pipeline share one parse.
    """
    return _parse_trailers_cached(body, include_quoted)


@lru_cache(maxsize=8)
def _parse_trailers_cached(body: str, include_quoted: bool) -> tuple[TrailerLine, ...]:
    hits = [m.start() + 1 for m in _OWN_NL.finditer(body)]
    if _OWN_AT.match(body):
        hits.insert(0, 0)
    if include_quoted:
        hits.extend(m.start() + 1 for m in _QUOTED_NL.finditer(body))
        if _QUOTED_AT.match(body):
            hits.append(0)
        hits = sorted(set(hits))
    if not hits:
        return ()
    out: list[TrailerLine] = []
    taken_until = -1
    for line_start in hits:
        if line_start < taken_until:
            continue
        line_end = body.find("\n", line_start)
        line_end = len(body) if line_end < 0 else line_end
        line = body[line_start:line_end]
        m = _LINE.match(line)
        if m is None:
            continue
        prefix = m.group("prefix")
        depth = prefix.count(">") if prefix else 0
        if depth and not include_quoted:
            continue
        end = line_end
        if m.group("key").lower() == "fixes" and "(" in line and ")" not in line[line.index("("):]:
            end = _continue_fixes(body, line_end, prefix)
        trailer = _build(m, line_start, end, depth, body[line_start:end])
        if trailer is not None:
            out.append(trailer)
            taken_until = end
    return tuple(out)


def _continue_fixes(body: str, line_end: int, prefix: str) -> int:
    """A Fixes: title wrapped onto the next line: extend the span to the closing paren."""
    nxt_end = body.find("\n", line_end + 1)
    nxt_end = len(body) if nxt_end < 0 else nxt_end
    nxt = body[line_end + 1:nxt_end]
    if prefix:
        nxt = nxt[len(prefix):] if nxt.startswith(prefix.rstrip()) else ""
    if nxt.strip() and ")" in nxt and not _LINE.match(nxt.strip()):
        return nxt_end
    return line_end


def _build(m: re.Match, start: int, end: int, depth: int, text: str | None = None):
    key = m.group("key").lower()
    kind = _ALIASES.get(key, key)
    if not (kind.endswith("-by") or kind in _KEYS_OTHER):
        return None
    value = m.group("value")
    if text is not None and "\n" in text.rstrip("\n"):
        tail = text.split("\n", 1)[1]
        prefix = m.group("prefix") or ""
        if prefix and tail.startswith(prefix.rstrip()):
            tail = tail[len(prefix.rstrip()):]
        value = value + " " + tail.strip()
    if kind == "fixes":
        fm = _FIXES.match(value)
        if fm is None:
            return None
        rest = fm.group(2).strip()
        title = rest
        if rest.startswith("("):
            title = rest[1:rest.rfind(")")] if ")" in rest else rest[1:]
            title = title.strip()
            if len(title) >= 2 and title[0] == '"' and title[-1] == '"':
                title = title[1:-1]
        return TrailerLine(kind, "", "", value, start, end, depth, sha=fm.group(1).lower(),
                       title=title)
    if kind in ("link", "closes"):
        um = _URL.search(value)
        if um is None:
            if kind == "link" or "@" in value or len(value.split()) > 3:
                return None
            return TrailerLine(kind, "", "", value, start, end, depth)
        return TrailerLine(kind, "", "", value, start, end, depth, url=um.group(1))
    name, email, comment = _split_person(value)
    if kind == "cc" and not email:
        return None
    if not email and (len(value.split()) > 6 or value.endswith((".", "?", "!"))):
        return None
    return TrailerLine(kind, name, email, value, start, end, depth, comment=comment)


@lru_cache(maxsize=1024)   # the same few people sign off, ack and review message after message
def _split_person(value: str) -> tuple[str, str, str]:
    comment = ""
    hash_at = value.find("#")
    if hash_at > 0 and value[hash_at - 1] in " \t":
        comment, value = value[hash_at + 1:].strip(), value[:hash_at].rstrip()
    elif value.endswith("]") and " [" in value:
        at = value.rfind(" [")
        comment, value = value[at + 2:-1].strip(), value[:at].rstrip()
    email = ""
    name = value
    m = _EMAIL.search(value)
    if m is not None:
        email = m.group(1).lower()
        name = value[: m.start()] + value[m.end():]
    name = " ".join(name.replace('"', " ").split()).strip(" ,")
    if name.startswith("(") and name.endswith(")"):
        name = name[1:-1].strip()
    return name, email, comment
