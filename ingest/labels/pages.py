"""Labelled threads rendered as web-archive pages: development data for kb's page path.

The shared seeds are pages copied from web archives: one message, its quoted history nested
under `>` markers, addresses obfuscated, and either hypermail's layout (subject, `From:` name,
`Date:`, body) or the body with every newline collapsed to a space. `build_page` renders one real
message of a labelled thread that way and carries over the thread's labels that the page shows
(their quotes located in the page, `>` markers and all), in the seeds' gold convention
(`list: "seed"`, every message-id the page's file name). Nothing here is tuned on the seeds; it
only copies their layout, so that the page path can be measured on threads it was not tuned on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, timedelta, timezone
from email.utils import parsedate_to_datetime

STYLES = ("hypermail", "collapsed")
_EMAIL_RE = re.compile(r"\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b")
_QUOTED_LINE_RE = re.compile(r"^[ \t]*>", re.MULTILINE)
_EST = timezone(timedelta(hours=-5))


@dataclass(frozen=True)
class Page:
    name: str
    text: str
    gold: dict


def obfuscate_addresses(text: str) -> str:
    """`user@example.org` -> `user@xxxxxxxxxxx`, as web archives print addresses."""
    return _EMAIL_RE.sub(lambda m: f"{m.group(1)}@{'x' * len(m.group(2))}", text)


def format_hypermail_date(date: str) -> str:
    """`Wed Jan 03 2018 - 04:54:18 EST`; "" when the date does not parse."""
    try:
        when = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(_EST).strftime("%a %b %d %Y - %H:%M:%S EST")


def collapse_newlines(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).strip()


def render_page(msg: dict, style: str) -> tuple[str, int]:
    """The page text of one message record (`subject`, `from`, `date`, `body`) and the offset
    where its body starts."""
    body = obfuscate_addresses(msg["body"]).rstrip() + "\n"
    if style == "collapsed":
        return body, 0
    name = re.sub(r"\s*<[^>]*>\s*$", "", msg.get("from", "")).strip().strip('"') or msg.get("from", "")
    head = f"{msg.get('subject', '')}\n\nFrom: {name}\nDate: {format_hypermail_date(msg.get('date', ''))}\n\n\n"
    return head + body, len(head)


def locate_in_page(body: str, quote: str) -> tuple[int, int] | None:
    """Where `quote` shows in `body`, allowing whitespace and `>` quote markers between its words."""
    words = obfuscate_addresses(quote).split()
    if not words:
        return None
    found = re.search(r"[\s>]+".join(map(re.escape, words)), body)
    return found.span() if found else None


def count_quoted_lines(body: str) -> int:
    return len(_QUOTED_LINE_RE.findall(body))


def find_shown(thread: dict, body: str) -> dict:
    """The thread's labels that `body` shows: each quote replaced by the page's own text."""
    def shown(quote: str) -> str | None:
        span = locate_in_page(body, quote)
        return body[span[0]:span[1]] if span else None

    races = []
    for race in thread.get("races", []):
        evidence = [dict(e, quote=q) for e in race.get("evidence", []) if (q := shown(e["quote"]))]
        if evidence:
            races.append(dict(race, evidence=evidence))
    return {"races": races,
            "fixes": [dict(f, quote=q) for f in thread.get("fixes", []) if (q := shown(f["quote"]))],
            "objections": [dict(o, quote=q) for o in thread.get("objections", []) if (q := shown(o["quote"]))]}


def score_shown(shown: dict) -> int:
    return 3 * len(shown["objections"]) + 2 * len(shown["fixes"]) + len(shown["races"])


def choose_page_message(thread: dict, msgs: dict[str, dict]) -> str | None:
    """The message whose page shows the most labels (objections first); for a thread without
    races, the one quoting the most; later messages win ties."""
    best, best_key = None, None
    for mid in thread.get("message_ids", []):
        if mid not in msgs:
            continue
        body = obfuscate_addresses(msgs[mid]["body"])
        key = (score_shown(find_shown(thread, body)) if thread.get("is_race_discussion") else 0,
               count_quoted_lines(body))
        if best_key is None or key >= best_key:
            best, best_key = mid, key
    return best


def build_page(thread: dict, msgs: dict[str, dict], style: str, name: str) -> Page | None:
    """One labelled thread as a page named `name`, with its gold line; None when no message of
    the thread is at hand (or, for a race thread, no page shows any of its labels)."""
    mid = choose_page_message(thread, msgs)
    if mid is None:
        return None
    text, start = render_page(msgs[mid], style)
    shown = find_shown(thread, text[start:])
    if thread.get("is_race_discussion") and not score_shown(shown):
        return None
    if style == "collapsed":
        text = collapse_newlines(text) + "\n"
        shown = {k: [collapse_item(i) for i in v] for k, v in shown.items()}
    def mark(items: list[dict]) -> list[dict]:
        return [dict(i, message_id=name) for i in items]

    races = [dict(r, evidence=mark(r["evidence"])) for r in shown["races"]]
    gold = {"thread_id": name, "list": "seed", "subject": "", "message_ids": [],
            "is_race_discussion": bool(thread.get("is_race_discussion")),
            "races": races, "fixes": mark(shown["fixes"]), "objections": mark(shown["objections"]),
            "people": [], "source_thread": thread["thread_id"], "source_message": mid}
    return Page(name, text, gold)


def collapse_item(item: dict) -> dict:
    if "evidence" in item:
        return dict(item, evidence=[collapse_item(e) for e in item["evidence"]])
    return dict(item, quote=collapse_newlines(item["quote"]))
