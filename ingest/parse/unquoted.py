"""Unquoted regions of a mail body: attribution lines, Outlook header blocks, trailers,
signature and list footer (helpers of `quotes.split_segments`, found with str.find scans)."""

from __future__ import annotations

import re

from ingest.parse.attribution import Attribution, parse_attribution, parse_outlook_from
from ingest.parse.trailers import parse_trailers

_NONBLANK = re.compile(r"\S")
_COLON_NEEDLES = (":\n", ": \n")     # and ":\r\n" where there is a CR, "：\n" in non-ASCII text
_ORIGINAL = re.compile(r"\s*-{3,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|"
                       r"Mensaje original|Messaggio originale)\s*-{3,}\s*$", re.IGNORECASE)
_OUTLOOK_KEYS = ("Sent:", "Date:", "To:", "Cc:", "Subject:", "Gesendet:", "An:", "Betreff:",
                 "Envoyé :", "À :", "Objet :")
_FOOTER_STARTS = ("To unsubscribe from this list", "To unsubscribe, send",
                  "You received this message because you are subscribed")


def colon_lines(body: str, s: int, e: int) -> list[tuple[int, int]]:
    """(offset of the colon, offset of the newline) of the lines in [s, e) ending in ':'.
    Callers ask run by run and runs do not overlap, so each part of the body is scanned once
    (and patches never)."""
    out = []
    needles = _COLON_NEEDLES
    if body.find("\r", s, e) >= 0:
        needles += (":\r\n",)
    if not body.isascii():
        needles += ("：\n",)
    for needle in needles:
        at = body.find(needle, s, e)
        while at >= 0:
            out.append((at, at + len(needle) - 1))
            at = body.find(needle, at + 1, e)
    if len(out) > 1:
        out.sort()
    if e == len(body) and e > s and body[e - 1] in ":：":
        out.append((e - 1, e))
    return out


def line_end(body: str, pos: int, limit: int) -> int:
    """Offset just after the line containing pos (after its newline), at most limit."""
    nl = body.find("\n", pos, limit)
    return limit if nl < 0 else nl + 1


def line_start(body: str, pos: int, floor: int) -> int:
    nl = body.rfind("\n", floor, pos)
    return floor if nl < 0 else nl + 1


def find_footer(body: str, blocked: list[tuple[int, int]]) -> int:
    """Offset of list boilerplate at the end of the body, or len(body)."""
    size = len(body)
    end = body[-3000:]
    if "____" not in end and "unsubscribe" not in end and "You received this" not in end:
        return size
    tail = size
    for _ in range(16):
        nl = body.rfind("\n", 0, tail - 1) if tail > 1 else -1
        if nl < 0:
            tail = 0
            break
        tail = nl + 1
    if blocked and tail < blocked[-1][1]:
        tail = blocked[-1][1]
    lines = body[tail:].split("\n")
    offset = tail
    for k, line in enumerate(lines):
        start = -1
        if line.startswith("____") and len(line.strip()) >= 10 and set(line.strip()) == {"_"}:
            window = " ".join(lines[k + 1:k + 4]).lower()
            if "mailing list" in window or "listinfo" in window or "@" in window:
                start = offset
        elif line.startswith(_FOOTER_STARTS):
            start = offset
            if k > 0 and lines[k - 1].rstrip() in ("--", "---"):
                start = offset - len(lines[k - 1]) - 1
        if start >= 0:
            return start
        offset += len(line) + 1
    return size


def find_unquoted_runs(body: str, g0: int, g1: int) -> list[list]:
    """Unquoted, non-patch lines: attributions, trailers, signature, Outlook headers, text."""
    hard: list[tuple[int, int, str, Attribution | None]] = []
    for colon, stop in colon_lines(body, g0, g1):
        ls = line_start(body, colon, g0)
        line = body[ls:stop]
        if not line.strip() or line[:1] in " \t":
            continue
        prev = ""
        ps = ls
        if ls > g0:
            ps = line_start(body, ls - 1, g0)
            prev = body[ps:ls - 1]
        found = parse_attribution(line, prev)
        if found is not None:
            start = ps if found.joined else ls
            if hard and start < hard[-1][1]:
                start = hard[-1][1]
            hard.append((start, line_end(body, stop, g1), "attribution", found))
    _find_outlook(body, g0, g1, hard)
    sig = _find_signature(body, g0, g1)
    if sig < g1:
        stop = next((a for a, _b, kind, _f in sorted(hard) if a > sig), g1)
        hard.append((sig, stop, "signature", None))
    for t in parse_trailers(body):
        if g0 <= t.start < g1 and not (sig <= t.start):
            hard.append((t.start, line_end(body, t.end, g1), "trailer", None))
    hard.sort()
    out: list[list] = []
    pos = g0
    for a, b, kind, attr in hard:
        if a < pos:
            continue
        if a > pos:
            out.append(["text", 0, pos, a, None])
        out.append([kind, 0, a, b, attr])
        pos = b
    if pos < g1:
        out.append(["text", 0, pos, g1, None])
    return out


def _find_signature(body: str, g0: int, g1: int) -> int:
    """Start of the first "-- " line in [g0, g1) ("--" only near the end), or g1."""
    pos = g0
    while pos < g1:
        if body.startswith("--", pos):
            end = body.find("\n", pos, g1)
            line = body[pos:g1 if end < 0 else end].rstrip("\r")
            if line == "-- " or (line == "--" and body.count("\n", pos) <= 15):
                return pos
        nl = body.find("\n--", pos, g1)
        if nl < 0:
            return g1
        pos = nl + 1
    return g1


def _find_outlook(body: str, g0: int, g1: int, hard: list) -> None:
    """"-----Original Message-----" / "From: X" header blocks, as attribution runs."""
    pos = g0
    while True:
        at = body.find("From:", pos, g1)
        if at < 0:
            return
        pos = at + 5
        if at > g0 and body[at - 1] != "\n":
            continue
        end = line_end(body, at, g1)
        found = parse_outlook_from(body[at:end].rstrip("\n"))
        if found is None:
            continue
        start = at
        if at > g0:
            ps = line_start(body, at - 1, g0)
            if _ORIGINAL.match(body[ps:at - 1]):
                start = ps
        block_end, count = end, 0
        while block_end < len(body) and count < 6:
            nxt_end = line_end(body, block_end, len(body))
            if not body[block_end:nxt_end].lstrip(" >").startswith(_OUTLOOK_KEYS):
                break
            count += 1
            if body[block_end] == ">" or nxt_end > g1:  # "From: X" then "> Sent: ..."
                break
            block_end = nxt_end
        if count >= 1:
            hard.append((start, block_end, "attribution", found))
            pos = block_end
