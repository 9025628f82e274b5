"""Cut a web-archive page into runs of text, each with its quote depth.

Two page shapes: line pages keep their newlines, so each line's leading `>` count is its depth.
Flattened pages (newlines collapsed) keep the markers inline: "... wrote: > > Excellent! ...".
There a blank quoted line merges with the next line's markers ("> >" may be "> (blank)" +
"> text"), and where a quote ends nothing marks the return to unquoted text. The heuristics:

1. a marker cluster of n `>` may be n, n/2 (blank line at the same depth) or n - p (blank line
   at the previous depth p); depths above the page's attribution count are impossible;
2. a run that does not end a sentence continues on the next marker's depth;
3. prose right after a diff line is a reply to it, so the smaller reading wins;
4. a quoted run holds exactly one original line: text beyond the page's line width (from the
   first sentence end near that width), a greeting ("Hi Jason,") after a sentence end, or prose
   after a quoted line of code ("if (tag != -1) Can this trigger ...") is unquoted text of
   depth 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.sources.webpage_authors import find_attribution


@dataclass(frozen=True)
class Run:
    depth: int
    start: int        # page offsets of the run's text (markers excluded)
    end: int
    inline: bool      # cut out of a flattened line (its extent is heuristic); an empty run is a
                      # blank line (a line page's, or one a flattened line's marker cluster holds)


@dataclass(frozen=True)
class PageHeader:
    subject: str
    from_text: str
    date_text: str
    body_start: int   # page offset where the message body begins


LONG_LINE = 300
_HEADER_LINE = re.compile(r"^(?P<key>From|Date|Subject|To|Cc|Message-ID|In-Reply-To)\s*:\s*(?P<value>.*)$",
                          re.I)
# a From: value on a flattened line: a name and <address>, or a bare address
_FLAT_FROM = re.compile(r"[^<>@\n]{0,80}<[^<>\s@]+@[^<>\s]+>|\s*[^<>\s@]+@[^<>\s]+(?=\s)")
_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_CLUSTER = re.compile(r"(?<!\S)>(?:[ \t]*>)*(?=\s|$)")
_SENTENCE_END = re.compile(r"""(?:[.?!]["')\]]*|:\)|;\)|:-\))\s+(?=["'(\[]?[A-Z0-9(])""")
_GREETING = re.compile(r"(?:Hi|Hello|Hey|Dear)\s+[A-Z][\w-]*\s*[,!]")
_GREETING_AFTER = re.compile(rf"(?<=[.?!)])\s+(?={_GREETING.pattern})")
_DIFF_LINE = re.compile(r"^(?:[+\-@] |\+\+\+|---|@@|[+\-]\t|diff |index )")
_CODE_LINE = re.compile(r"(?:[;{}]|\*/)$|^(?:/\*|\*|#\s*(?:include|define|if))")
# the end of a C statement or condition, then a prose sentence ("...) Can the", "...; I think")
_CODE_THEN_PROSE = re.compile(r"(?:[;{})]|\*/)[ \t]+(?=(?:[A-Z][a-z]+|I)[ \t]+[a-z])")
_CODE_TOKEN = re.compile(r"->|[=!<>]=|&&|\|\||\w\(|\w\[|\b(?:if|while|for|switch|return)\s*\(|[;{}]")
_REPLY_OPENER = re.compile(r"(?:Yes|No|Nope|Yep|Right|Correct|Agreed|Indeed|Hmm+|Ok|OK|Okay|Sure|"
                           r"Thanks|Exactly|True|Well|Ah|Oh|Ooh|Fair|Good)\b")


def find_header(text: str) -> PageHeader:
    """The lkml.iu.edu-style block: optional subject line, then From:/Date:/Subject: lines."""
    lines = text.split("\n")
    fields: dict[str, str] = {}
    subject_line = ""
    offset = 0
    body_start = 0
    seen_header = False
    for index, line in enumerate(lines[:15]):
        found = _HEADER_LINE.match(line.strip())
        if found and len(line) > LONG_LINE:     # a flattened page: the body follows on this line
            key, value, rest = _cut_flat_header(found.group("key"), found.group("value"))
            fields.setdefault(key.lower(), value)
            seen_header = True
            body_start = offset + len(line) - len(rest)
            break
        if found:
            fields.setdefault(found.group("key").lower(), found.group("value").strip())
            seen_header = True
            body_start = offset + len(line) + 1
        elif line.strip() and not seen_header and index == 0:
            subject_line = line.strip()
        elif line.strip() and seen_header:
            break
        offset += len(line) + 1
    if not seen_header or "from" not in fields and "date" not in fields:
        return PageHeader("", "", "", 0)
    return PageHeader(fields.get("subject", subject_line), fields.get("from", ""),
                      fields.get("date", ""), min(body_start, len(text)))


def _cut_flat_header(key: str, value: str) -> tuple[str, str, str]:
    """(key, value, rest of the line) of a header that starts a flattened page: a From: value
    ends after its address; any other value stays whole (nothing bounds it)."""
    if key.lower() == "from":
        address = _FLAT_FROM.match(value)
        if address:
            return key, address.group(0).strip(), value[address.end():].lstrip()
    return key, value.strip(), ""


def split_runs(text: str, body_start: int, max_depth: int) -> list[Run]:
    """All runs of the page body, in page order, blank lines included (a line page's empty
    lines, and the blank quoted lines a flattened page's marker clusters hold)."""
    raw: list[tuple[int, int, int, bool]] = []   # (depth, start, end, inline)
    offset = body_start
    for line in text[body_start:].split("\n"):
        prefix = _PREFIX.match(line)
        depth = prefix.group(0).count(">") if prefix else 0
        start = offset + (prefix.end() if prefix else 0)
        end = offset + len(line.rstrip())
        if len(line) > LONG_LINE and _CLUSTER.search(text, start, max(start, end)):
            raw.extend(_split_flat_line(text, start, end, depth, max_depth))
        else:
            raw.append((depth, start, max(start, end), False))
        offset += len(line) + 1
    return [Run(d, s, e, i) for d, s, e, i in raw]


def _split_flat_line(text: str, start: int, end: int, first_depth: int,
                     max_depth: int) -> list[tuple[int, int, int, bool]]:
    # (raw marker count, start, end, the line's own prefix where the cluster tells it apart): where
    # nested prefixes are written together (">> text"), markers apart ("> >> text") are lines, a
    # blank quoted line and then a line whose own prefix is the last group
    pieces: list[tuple[int, int, int, int | None]] = []
    compact = ">>" in text[start:end]
    cursor, count, last = start, first_depth, None
    for found in _CLUSTER.finditer(text, start, end):
        pieces.append((count, cursor, found.start(), last))
        groups = found.group(0).split()
        cursor, count = found.end(), found.group(0).count(">")
        last = len(groups[-1]) if compact and len(groups) > 1 else None
    pieces.append((count, cursor, end, last))
    pieces = [(n, _skip_blank(text, s, e), e, g) for n, s, e, g in pieces]
    width = estimate_line_width(text, pieces)
    runs: list[tuple[int, int, int, bool]] = []
    previous, previous_text = first_depth, ""
    for index, (count, s, e, last) in enumerate(pieces):
        piece = text[s:e].rstrip()
        e = s + len(piece)
        if index == 0:
            depth = count
        else:
            following = pieces[index + 1][0] if index + 1 < len(pieces) else None
            depth = choose_depth(count, previous, following, piece, previous_text, max_depth, last)
        cut = find_quote_end(piece, width) if depth > 0 else None
        blank = [(depth, s, s, True)] if index and depth < count else []   # the cluster holds a blank quoted line
        if cut is None:
            parts = [(depth, s, e, True)]
            previous = depth
        else:
            parts = [(depth, s, s + cut[0], True), (0, s + cut[1], e, True)]
            previous = 0
        runs += blank + [r for r in parts if r[2] > r[1]]
        previous_text = piece
    return runs


def _skip_blank(text: str, start: int, end: int) -> int:
    while start < end and text[start] in " \t":
        start += 1
    return start


def estimate_line_width(text: str, pieces: list[tuple[int, int, int, int | None]]) -> int:
    """Typical wrap width of quoted lines: lengths of quoted runs that continue a sentence."""
    lengths = sorted(e - s for n, s, e, _ in pieces[1:-1] if n > 0 and not ends_sentence(text[s:e]))
    if not lengths:
        return 76
    return max(60, min(100, lengths[int(len(lengths) * 0.9) - 1 if len(lengths) > 1 else 0]))


def ends_sentence(piece: str) -> bool:
    piece = piece.rstrip()
    return bool(piece) and (piece[-1] in ".?!:;)}" or piece.endswith(":)"))


def choose_depth(count: int, previous: int, following: int | None, piece: str,
                 previous_text: str, max_depth: int, last_group: int | None = None) -> int:
    """Read a marker cluster: n, or a blank quoted line merged with the next line's markers
    (`last_group`: the line's own prefix, where the page writes its prefixes apart from blanks)."""
    valid = read_cluster(count, previous, max_depth)
    if len(valid) == 1:
        return valid[0]
    if following is not None and find_attribution(piece) is not None:
        # "X wrote:" stands one level above what it introduces (whose cluster may hold a blank line too)
        for after in sorted(read_cluster(following, max(valid), max_depth), reverse=True):
            if after - 1 in valid:
                return after - 1
    if last_group in valid:
        return last_group
    if _GREETING.match(piece) and find_attribution(previous_text) is None:
        # "Hi Bob," opens a message: not the quoted text before it going on, but a shallower reply
        shallower = [c for c in valid if c < previous]
        if shallower:
            return max(shallower)
    if following is not None and following in valid and not ends_sentence(piece):
        return following
    if is_code_line(previous_text) and not is_code_line(piece):
        smaller = [c for c in valid if 0 < c < count]
        if smaller:
            return smaller[0]
    if following is not None and following in valid:
        return following
    return valid[0]


def read_cluster(count: int, previous: int, max_depth: int) -> list[int]:
    """The depths a cluster of `count` markers may stand for, after a run at `previous`: n, n/2
    (a blank line at the same depth), n - previous (a blank line at the previous run's depth) or
    n - previous - 1 (a blank line one level deeper, where a deeper quote was cut); none deeper
    than the page goes."""
    candidates = [count]
    if count % 2 == 0 and count // 2 not in candidates:
        candidates.append(count // 2)
    if count - previous >= 0 and count - previous not in candidates:
        candidates.append(count - previous)
    if count - previous - 1 >= 1 and count - previous - 1 not in candidates:
        candidates.append(count - previous - 1)     # a blank line one level deeper: a trimmed quote's end
    return [c for c in candidates if c <= max_depth] or [min(candidates)]


def is_code_line(piece: str) -> bool:
    """A diff or C line (a quoted patch), as opposed to prose."""
    piece = piece.strip()
    return bool(_DIFF_LINE.match(piece) or _CODE_LINE.search(piece))


def find_quote_end(piece: str, width: int) -> tuple[int, int] | None:
    """(end of the quoted line, start of the unquoted rest) inside one flattened run."""
    greeting = _GREETING_AFTER.search(piece)
    code = find_code_end(piece)
    if code is not None and (greeting is None or code[0] < greeting.start()):
        return code
    ends = [(m.start() + len(m.group(0).rstrip()), m.end()) for m in _SENTENCE_END.finditer(piece)]
    if greeting:
        return greeting.start(), greeting.end()
    if len(piece) <= width + 12 or not ends:
        return None
    fitting = [e for e in ends if e[0] <= width + 12]
    for end in fitting:
        # a quoted question answered, or a reply opener ("Yes, ...") ends the quoted line
        if piece[end[0] - 1] == "?" or _REPLY_OPENER.match(piece, end[1]):
            return end
    return fitting[-1] if fitting else ends[0]


def find_code_end(piece: str) -> tuple[int, int] | None:
    """(end, start of the prose) where a quoted line of code ends and a reply sentence begins in
    one flattened run: the run up to there is C (a diff line, or code tokens without a sentence
    end) and the rest opens with a capitalised word and a lower-case one."""
    for found in _CODE_THEN_PROSE.finditer(piece):
        head = piece[:found.start() + 1]
        if _SENTENCE_END.search(head) or not (_DIFF_LINE.match(head) or _CODE_TOKEN.search(head)):
            continue
        return found.start() + 1, found.end()
    return None


# ---------------------------------------------------------------- flattened lines

_LINE_STARTS = re.compile(
    r"[ \t](?=(?:(?:Signed-off-by|Acked-by|Reviewed-by|Reported-by|Tested-by|Suggested-by|Co-developed-by|"
    r"Reported-and-tested-by|Fixes|Closes|Link|Cc):[ \t]|---[ \t]|diff --git |index [0-9a-f]{7,}\.\.|"
    r"--- a/|\+\+\+ b/|@@ -\d))")


def restore_line_breaks(text: str) -> str:
    """A line longer than a page line (its newlines collapsed) broken again where a mail line
    must have started: before trailer tags, the `---` cut and diff headers. Each break replaces
    one blank character, so offsets into the text stay valid."""
    if not any(len(line) > LONG_LINE for line in text.split("\n")):
        return text
    return "\n".join(_LINE_STARTS.sub("\n", line) if len(line) > LONG_LINE else line
                     for line in text.split("\n"))


# ---------------------------------------------------------------- footers and signatures

_FOOTERS = (
    r"To unsubscribe from this list:", r"More majordomo info at", r"Please read the FAQ at",
    r"You received this message because you are subscribed to the Google Groups",
    r"_{20,}\s*\n?\s*[\w.\-]+ mailing list", r"To unsubscribe, send a message with 'unsubscribe",
    r"Don't email: <a href=mailto:", r"To unsubscribe from this group and stop receiving",
    r"Unsubscribe instructions:", r"This message was sent to",
)
_FOOTER = re.compile(r"(?:(?:^|\s)--\s*\n?\s*)?(?:" + "|".join(_FOOTERS) + r")", re.S)
_SIG_LINE = re.compile(r"(?:^|\n)-- ?\n")
_SIG_INLINE = re.compile(r"(?:^|\s)--\s")
_SNIP = re.compile(r"^\s*(?:<\s*snip\s*>|\[\s*snip\s*\]|\[\.\.\.\]|\.\.\.\s*snip\s*\.\.\.|"
                   r"<\s*\.\.\.\s*>|\[\s*\.\.\.\s*\])\s*$", re.I)


def find_footer_start(text: str) -> int | None:
    """Where a mailing-list footer begins in a message's text (including its '--')."""
    found = _FOOTER.search(text)
    return found.start() if found else None


def find_signature_start(text: str) -> int | None:
    """Where the '-- ' signature block begins; inline '--' counts only near the end."""
    lines = list(_SIG_LINE.finditer(text))
    if lines:
        return lines[-1].start()
    for found in reversed(list(_SIG_INLINE.finditer(text))):
        rest = text[found.end():]
        if len(rest) <= 120 and not re.search(r"[.?!]\s+[a-z]", rest):
            return found.start()
        break
    return None


def is_snip_marker(piece: str) -> bool:
    return bool(_SNIP.match(piece))
