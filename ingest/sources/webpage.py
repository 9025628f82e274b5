"""Recover messages from web-archive pages (lkml.iu.edu, spinics, marc, mail-archive copies).

A page holds its author's message (depth 0) and, as `>` quotes, the messages it answers. Each
quoted message is recovered as a message of its own: author, date as written, own text (its
quotes removed), character spans into the page, and the rule that named its author.

    page = parse_page(text, "002_724bcb3cc4354858.txt")
    page.page_author.name                      # 'Mel Gorman'
    [(m.quote_depth, m.author) for m in page.messages]

Depth cutting lives in `webpage_runs.py`, names and dates in `webpage_authors.py`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from ingest.sources.webpage_authors import (ZH_VERB, Attribution, PageAuthor, find_attribution, find_cc_names,
                                            find_greeting_name, find_mentioned_names,
                                            find_sign_off, find_signature_name, parse_date_text,
                                            parse_person, resolve_name)
from ingest.sources.webpage_runs import (Run, find_footer_start, find_header, find_signature_start,
                                         is_snip_marker, restore_line_breaks, split_runs)

FIRST_WORDS = 8
_DASHES = re.compile(r"\s*-{2,3}\s*")    # a signature's or a patch's separator line alone
_MAIL_ONLY_HEADERS = re.compile(r"^(?:Message-ID|Received|Return-Path|MIME-Version|Content-Type|"
                                r"In-Reply-To|References|Delivered-To|X-[\w-]+|DKIM-Signature)\s*:",
                                re.I | re.M)
_ATTRIBUTION_VERB = re.compile(r"\b(?:wrote|writes|said|escribió|a\s+écrit)\s*:|\bschrieb\b[^:\n>]{0,80}:|"
                               rf"{ZH_VERB}\s*[:：]|\]\s*:\s*(?:\n|>)|\bQuoting\b[^:\n>]{{0,80}}:")
_PAGE_CUES = re.compile(r"(?:^|\s)>|\b(?:wrote|writes|schrieb|a\s+écrit)\s*:|^(?:From|Date):|"
                        r"\bSigned-off-by:", re.M)      # the last: a patch page copied without quotes


_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|aw|sv|fwd?)\s*:\s*)+", re.IGNORECASE)
_OPENER = re.compile(r"\W*(?:Hi|Hello|Hey|Dear|Thanks|Thank you|Looks good|LGTM|Yes|Yeah|No|Nope|Hmm+|Ok|Okay|"
                     r"Sure|Right|Agreed|Good|Nice|Well|Ah|Oh|Indeed|Tested|Reviewed-by|Acked-by)\b", re.IGNORECASE)
_PATCH_TAG = re.compile(r"\[(?:[^\]]*\s)?(?:PATCH|RFC|RESEND)[^\]]*\]", re.IGNORECASE)


@dataclass(frozen=True)
class RecoveredMessage:
    message_id: str                  # recovered.<sha1 prefix>@kb.invalid, stable across runs
    author: str                      # name as on the page; "" when unknown
    email: str                       # "" when unknown or obfuscated
    email_hint: str                  # visible local part of an obfuscated address ("hughd@")
    date_text: str                   # as written; "" when the page has none
    date: datetime | None
    quote_depth: int
    text: str                        # own words, quotes/footers/signature removed
    spans: tuple[tuple[int, int], ...]   # page offsets of the own text pieces
    first_words: str
    author_source: str               # 'attribution' | 'from-line' | 'sign-off' | 'inferred' | 'unknown'
    author_rule: str                 # the rule used: 'on-wrote', 'writes', 'greeting', 'thread-owner', ...
    parent_index: int | None         # index (in RecoveredPage.messages) of the message answered
    subject: str
    extent: str                      # 'heuristic' | 'aligned': what fixed the text's extent
    aligned_with: tuple[str, ...] = ()   # real message-ids whose bodies fixed (part of) the extent


@dataclass(frozen=True)
class RecoveredPage:
    source: str
    content_hash: str                # sha1 of the page text
    flattened: bool                  # newlines collapsed, markers inline
    subject: str
    page_author: PageAuthor
    messages: tuple[RecoveredMessage, ...]   # depth 0 first, then older and older


@dataclass(frozen=True)
class _Draft:
    depth: int
    text: str
    spans: tuple[tuple[int, int], ...]
    signature: str
    sign_off: str


def is_web_page(data: bytes, name: str) -> bool:
    """A text page copied from a web archive (not an mbox, not an .eml)."""
    if b"\x00" in data[:65536] or name.lower().endswith((".mbox", ".eml", ".gz", ".mbx")):
        return False
    head = data[:65536].decode("utf-8", errors="replace")
    if head.startswith("From ") or not head.strip():
        return False
    block = head.split("\n\n", 1)[0]
    if _MAIL_ONLY_HEADERS.search(block):
        return False
    return bool(_PAGE_CUES.search(head))


def parse_page(text: str, source: str) -> RecoveredPage:
    """Recover the page's own message and every message it quotes."""
    content_hash = hashlib.sha1(text.encode("utf-8")).hexdigest()
    header = find_header(text)
    max_depth = max(1, len(_ATTRIBUTION_VERB.findall(text)))
    runs = split_runs(text, header.body_start, max_depth)
    attributions, pieces = _find_attributions(text, runs)
    drafts = [_assemble(text, depth, pieces[depth]) for depth in sorted(pieces)]
    drafts = [d for d in drafts if d.text.strip() and not _DASHES.fullmatch(d.text)]   # a lone "--" is no message
    people = _assign_authors(drafts, attributions, header.from_text)
    messages: list[RecoveredMessage] = []
    for index, draft in enumerate(drafts):
        person, source_kind, rule = people[draft.depth]
        attribution = attributions.get(draft.depth)
        date_text = header.date_text if draft.depth == 0 else (attribution.date_text if attribution else "")
        first_words = " ".join(draft.text.split()[:FIRST_WORDS])
        messages.append(RecoveredMessage(
            message_id=make_message_id(content_hash, person.name, date_text, draft.depth, first_words),
            author=person.name, email=person.email, email_hint=person.email_hint,
            date_text=date_text, date=parse_date_text(date_text), quote_depth=draft.depth,
            text=draft.text, spans=draft.spans, first_words=first_words,
            author_source=source_kind, author_rule=rule,
            parent_index=index + 1 if index + 1 < len(drafts) else None,
            subject=find_quoted_subject(header.subject, draft.depth, index == len(drafts) - 1, draft.text),
            extent="heuristic"))
    page_author = people[drafts[0].depth][0] if drafts and drafts[0].depth == 0 else PageAuthor("", "", "")
    return RecoveredPage(source, content_hash, any(r.inline for r in runs), header.subject,
                         page_author, tuple(messages))


def find_quoted_subject(page_subject: str, depth: int, deepest: bool, text: str = "") -> str:
    """The subject a recovered message had: the page's for its own message; for a quoted one a
    reply's ("Re: TITLE"), except that the deepest message quoted on a reply to a patch is taken
    for that patch (the page quotes back to the posting it discusses) unless its text opens as a
    reply does ("Thanks", "Hi Bob", "Looks good"). Requiring the quote to show the patch's
    sign-off or diff instead loses more objections to the patch than it saves false fixes."""
    if depth == 0 or not page_subject:
        return page_subject if depth == 0 else ""
    title = _REPLY_PREFIX.sub("", page_subject)
    if deepest and title != page_subject and _PATCH_TAG.match(title) and not _OPENER.match(text):
        return title
    return f"Re: {title}"


def make_message_id(content_hash: str, author: str, date_text: str, depth: int, first_words: str) -> str:
    """recovered.<sha1 prefix>@kb.invalid from page content, author, date and first words."""
    key = "\x1f".join((content_hash, author, date_text, str(depth), first_words))
    return f"recovered.{hashlib.sha1(key.encode('utf-8')).hexdigest()[:20]}@kb.invalid"


# ---------------------------------------------------------------- attributions and text

def _find_attributions(text: str, runs: list[Run]) -> tuple[dict[int, Attribution],
                                                             dict[int, list[tuple[int, int]]]]:
    """Attribution per quoted depth, and each depth's own (start, end) pieces."""
    attributions: dict[int, Attribution] = {}
    pieces: dict[int, list[tuple[int, int]]] = {}
    skip: set[int] = set()
    for index, run in enumerate(runs):
        if index in skip:
            continue
        end = run.end
        piece = text[run.start:run.end]
        found, joined = _match_attribution(text, runs, index)
        deeper = _next_depth(text, runs, index + (2 if joined else 1))
        if found is not None and deeper is not None and deeper > run.depth:
            attributions.setdefault(run.depth + 1, found)
            end = run.start + found.start
            if joined:
                skip.add(index + 1)
            piece = text[run.start:end]
        if is_snip_marker(piece):
            continue
        if piece.strip() or not run.inline or run.start == run.end and not _ends_blank(pieces.get(run.depth)):
            pieces.setdefault(run.depth, []).append((run.start, run.start + len(piece.rstrip())))
    return attributions, pieces


def _ends_blank(pieces: list[tuple[int, int]] | None) -> bool:
    """A depth's pieces so far end with a blank line, or there are none: a flattened page's
    blank line adds no second one (a quote cut out between two leaves one gap, not two)."""
    return not pieces or pieces[-1][0] == pieces[-1][1]


def _match_attribution(text: str, runs: list[Run], index: int) -> tuple[Attribution | None, bool]:
    run = runs[index]
    found = find_attribution(text[run.start:run.end])
    if found is not None:
        return found, False
    if index + 1 < len(runs):
        nxt = runs[index + 1]
        if nxt.depth == run.depth and nxt.end - nxt.start < 160 and run.end > run.start:
            joined = text[run.start:run.end] + "\n" + text[nxt.start:nxt.end]
            found = find_attribution(joined)
            if found is not None and found.start < run.end - run.start:
                return found, True
    return None, False


def _next_depth(text: str, runs: list[Run], start: int) -> int | None:
    for run in runs[start:]:
        piece = text[run.start:run.end]
        if piece.strip() and not is_snip_marker(piece):
            return run.depth
    return None


def _assemble(text: str, depth: int, raw: list[tuple[int, int]]) -> _Draft:
    """Join a depth's pieces; cut footer, signature and sign-off from the end."""
    parts: list[tuple[int, int, int]] = []    # (text offset, page start, page end)
    chunks: list[str] = []
    length = 0
    for start, end in raw:
        if chunks:      # each piece began a line (a flattened page's marker stood at one's start)
            chunks.append("\n")
            length += 1
        parts.append((length, start, end))
        chunks.append(text[start:end])
        length += end - start
    joined = restore_line_breaks("".join(chunks))
    cut = find_footer_start(joined)
    body = joined if cut is None else joined[:cut]
    signature = ""
    sig_at = find_signature_start(body)
    if sig_at is not None:
        signature = body[sig_at:].strip().lstrip("-").strip()
        body = body[:sig_at]
    sign_off = find_sign_off(body)
    if sign_off is not None:
        body = body[:sign_off[1]]
    lead = len(body) - len(body.lstrip())
    body = body.strip()
    spans = _cut_spans(parts, lead, lead + len(body))
    return _Draft(depth, body, spans, signature, sign_off[0] if sign_off else "")


def _cut_spans(parts: list[tuple[int, int, int]], begin: int, end: int) -> tuple[tuple[int, int], ...]:
    spans = []
    for offset, start, stop in parts:
        lo, hi = max(offset, begin), min(offset + stop - start, end)
        if hi > lo:
            spans.append((start + lo - offset, start + hi - offset))
    return tuple(spans)


# ---------------------------------------------------------------- authors

def _assign_authors(drafts: list[_Draft], attributions: dict[int, Attribution],
                    from_text: str) -> dict[int, tuple[PageAuthor, str, str]]:
    """depth -> (person, author_source, rule). Unknown authors stay unknown, never guessed."""
    by_depth = {d.depth: d for d in drafts}
    people: dict[int, tuple[PageAuthor, str, str]] = {}
    for depth, found in attributions.items():
        people[depth] = (found.person, "attribution", found.form)
    if from_text:
        people[0] = (parse_person(from_text), "from-line", "from-line")
    known = list(dict.fromkeys(p.name for p, _, _ in people.values() if p.name))
    if 0 in by_depth and 0 not in people:
        top = by_depth[0]
        short = top.sign_off or find_signature_name(top.signature)
        if short:
            full = resolve_name(short, known) or short
            people[0] = (_known_person(full, people), "sign-off",
                         "sign-off" if top.sign_off else "signature")
    mentioned = [n for d in drafts for n in find_mentioned_names(d.text) if not resolve_name(n, known)]
    for depth in sorted(by_depth):
        if depth in people:
            continue
        guess = _infer_author(depth, by_depth, people, known, mentioned)
        if guess is None:
            people[depth] = (PageAuthor("", "", ""), "unknown", "none")
        else:
            name, rule = guess
            if name in mentioned:
                mentioned.remove(name)
            people[depth] = (_known_person(name, people), "inferred", rule)
    return people


def _infer_author(depth: int, by_depth: dict[int, _Draft], people: dict[int, tuple[PageAuthor, str, str]],
                  known: list[str], mentioned: list[str]) -> tuple[str, str] | None:
    def name_at(d: int) -> str:
        return people[d][0].name if d in people else ""

    if depth == 0:
        if name_at(1) and name_at(1) == name_at(2):
            return name_at(1), "self-reply-chain"
        if name_at(1) and name_at(2):
            return name_at(2), "alternation"
        return None
    replier = by_depth.get(depth - 1)
    greeting = find_greeting_name(replier.text) if replier else ""
    if greeting:
        return resolve_name(greeting, known) or greeting, "greeting"
    if mentioned:
        return mentioned[0], "named-on-page"
    excluded = {name_at(depth - 1)}
    if replier:
        excluded |= {resolve_name(n, known) or n for n in find_cc_names(replier.text)}
    for near, far in ((depth - 1, depth - 2), (depth + 1, depth + 2)):
        if name_at(near) and name_at(far) and name_at(far) != name_at(near) and name_at(far) not in excluded:
            return name_at(far), "alternation"
    for d in sorted(people):
        if name_at(d) and name_at(d) not in excluded:
            return name_at(d), "thread-owner"
    return None


def _known_person(name: str, people: dict[int, tuple[PageAuthor, str, str]]) -> PageAuthor:
    """The fullest PageAuthor already seen under this name (keeps email and hint)."""
    for person, _, _ in people.values():
        if person.name == name and (person.email or person.email_hint):
            return person
    return PageAuthor(name, "", "")
