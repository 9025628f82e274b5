"""Attribution lines ("On <date>, <Name> wrote:") in many forms and languages.

`parse_attribution(text, previous)` is the one entry point: it looks at one line (quote markers
already removed) and, for attributions wrapped over two lines, the line before it. Only lines that
end with ':' (or the full-width '：') are ever tried, so the regexes below run on few lines.
"""

from __future__ import annotations

import email.header
import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Attribution:
    name: str
    email: str          # lower-cased; "" when the line gives none
    date_text: str      # as written; "" when the line gives none
    joined: bool        # True when the previous line is part of the attribution


_VERBS = (
    r"wrote|writes|said|says|has\s+written|"
    r"schrieb|a\s+écrit|a\s+ecrit|escribió|escribio|escreveu|ha\s+scritto|scrisse|schreef|skrev|"
    r"kirjoitti|napisał|napisała|napisal|napsal(?:\(a\)|a)?|pisze|пишет|написал|написала|"
    r"írta|yazdı|έγραψε"
)
_END = r"\s*[:：]\s*$"

# "On <date>, <Name> wrote:" and its translations: a leading keyword, date and name, a verb.
_LEAD_DATE_NAME = re.compile(
    r"^(?:On|At|Le|El|Em|Il(?:\s+giorno)?|Dne|W\s+dniu|Den|Op|Am|Kun|Den|Pada|"
    r"Στις|В|Ο)\s+(?P<rest>.+?),?\s+(?:" + _VERBS + r")" + _END,
    re.IGNORECASE,
)
# German/Dutch/Scandinavian: "Am <date> schrieb <Name>:", "Op <date> schreef <Name>:".
_LEAD_DATE_VERB_NAME = re.compile(
    r"^(?:Am|Op|Den|)\s*(?P<date>.+?)\s+(?:schrieb|schreef|skrev)\s+(?P<who>.+?)" + _END,
    re.IGNORECASE,
)
# Chinese: "在 2022/1/21 23:57, Name 写道:" and "Name <e> 于2021年9月18日周六 上午12:41写道："
_ZH_LEAD = re.compile(r"^在\s*(?P<rest>.+?)\s*(?:写道|寫道)" + _END)
_ZH_NAME_FIRST = re.compile(r"^(?P<who>.+?)\s*于\s*(?P<date>.+?)\s*(?:写道|寫道)" + _END)
_JA = re.compile(r"^(?P<rest>.+?)\s*(?:さんは書きました|は書きました|さんが書きました)" + _END)
# "Quoting Name (date):" / "Quoting Name <email>:"
_QUOTING = re.compile(r"^Quoting\s+(?P<who>.+?)\s*(?:\((?P<date>[^()]*)\))?" + _END)
# mutt: "* Name <email> [2020-01-01 10:00:00 +0100]:"
_STAR = re.compile(r"^\*\s+(?P<who>.+?)\s*\[(?P<date>[^\]]+)\]" + _END)
# "<Name> wrote:", "Name <email> writes:", "Name via cgroups <x@y> wrote:", "Name schrieb am <date>:"
_NAME_VERB = re.compile(
    r"^\*?\s*(?P<who>[^\s:][^:]{0,100}?)\s*,?\s+(?:" + _VERBS + r")"
    r"(?:\s+(?:am|on|le|el)\s+(?P<date>.+?))?" + _END,
    re.IGNORECASE,
)
_HINT = re.compile(
    r"wrote|writes|said|says|written|schrieb|crit|escribi|escreveu|scritt|scrisse|schreef|skrev|"
    r"kirjoitti|napisa|napsal|pisze|пишет|написал|írta|yazdı|έγραψε|写道|寫道|書きました"
)
_OUTLOOK_FROM = re.compile(r"^\s*(?:From|Von|De|Van|Da|Från|Fra)\s*:\s*(?P<who>.+?)\s*$")

_EMAIL = re.compile(r"<?\(?(?:mailto:)?([\w.+=!#$%&'*/?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+)\)?>?")
_VIA = re.compile(r"\s+via\s+\S.*$", re.IGNORECASE)
# The end of the date part of "<date>, <Name>": a time with optional seconds, AM/PM, zone.
_TIME = re.compile(
    r"(?<![\d.:])\d{1,2}[:.h]\d{2}(?::\d{2})?(?![\d.])(?:\s*(?:[AaPp]\.?[Mm]\.?|Uhr|h)\b)?"
    r"(?:\s*(?:[+-]\d{2}:?\d{2}|\[[+-]\d{4}\]|\([A-Z]{2,5}\)|UTC[+-]\d{1,2}|"
    r"(?:GMT|UTC|CET|CEST|EET|EEST|WET|WEST|EST|EDT|CST|CDT|MST|MDT|PST|PDT|BST|IST|JST|KST|"
    r"MSK|HKT|SGT|AEST|AEDT)\b))?"
)
_YEAR_OR_DATE = re.compile(
    r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|(?:19|20)\d{2})\b"
)
_NAME_LEADS = ("at ", "à ", "a las ", "às ", "alle ", "um ")   # "<date> at <Name>": not the name
_LEAD_WORDS = ("on ", "at ", "le ", "el ", "em ", "il ", "dne ", "w dniu ", "den ", "op ",
               "am ", "在")
_NOT_NAMES = frozenset(
    "as i you he she it they we someone somebody which that and also previously above below "
    "this what who he/she everyone nobody one the then but so because if when".split()
)


@lru_cache(maxsize=4096)
def parse_attribution(text: str, previous: str = "") -> Attribution | None:
    """Attribution in `text` (quote markers removed), joined with `previous` when wrapped.

    Memoised: a thread's replies quote the same attribution lines again and again.
    """
    line = text.strip().lstrip("\ufeff\u200b\u200e").strip()
    if not line or line[-1] not in ":：" or len(line) > 220:
        return None
    if _HINT.search(line[-110:].lower()) is None and not line.startswith(("Quoting ", "* ")):
        return None                     # cheap filter: no verb near the end
    found = _match_attribution(line)
    if found is not None and not _starts_with_lead(line):
        prev = previous.strip()
        # "On Mon, Jan 1, 2024 at 10:00 AM Name\n<email> wrote:" - wrapped after the date.
        if prev and _starts_with_lead(prev) and not prev.endswith(":") and _has_date(prev):
            joined = _match_attribution(prev + " " + line)
            if joined is not None:
                return Attribution(joined.name, joined.email, joined.date_text, True)
        return found
    if found is not None:
        return found
    prev = previous.strip()
    if (prev and not prev.endswith(":") and len(prev) < 200 and _starts_with_lead(prev)
            and _has_date(prev)):
        joined = _match_attribution(prev + " " + line)
        if joined is not None:
            return Attribution(joined.name, joined.email, joined.date_text, True)
    return None


def parse_outlook_from(text: str) -> Attribution | None:
    """The From: line of an Outlook-style header block ("From: Name [mailto:x@y]")."""
    m = _OUTLOOK_FROM.match(text)
    if m is None:
        return None
    name, email = _split_name_email(m.group("who"))
    if not name and not email:
        return None
    return Attribution(name, email, "", False)


def _starts_with_lead(line: str) -> bool:
    low = line[:8].lower()
    return low.startswith(_LEAD_WORDS)


def _match_attribution(line: str) -> Attribution | None:
    # The verb decides which forms can match: an ASCII line skips the Germanic and the CJK
    # forms unless it has their verb (each is a lazy scan of the whole line).
    ascii_line = line.isascii()
    low = line.lower()
    if not ascii_line or "schrieb" in low or "schreef" in low or "skrev" in low:
        m = _LEAD_DATE_VERB_NAME.match(line)
        if m and m.group("date") and _has_date(m.group("date")):
            return _make(m.group("who"), m.group("date"))
    m = _LEAD_DATE_NAME.match(line)
    if m:
        got = _split_date_name(m.group("rest"))
        if got is not None:
            return got
    if not ascii_line:
        if line.startswith("在"):
            m = _ZH_LEAD.match(line)
            if m:
                return _split_date_name(m.group("rest"))
        m = _ZH_NAME_FIRST.match(line)
        if m:
            return _make(m.group("who"), m.group("date"))
        m = _JA.match(line)
        if m:
            return _split_date_name(m.group("rest")) or _make(m.group("rest"), "")
    if line.startswith("Quoting"):
        m = _QUOTING.match(line)
        if m:
            return _make(m.group("who"), m.group("date") or "")
    if line.startswith("*"):
        m = _STAR.match(line)
        if m:
            return _make(m.group("who"), m.group("date"))
    m = _NAME_VERB.match(line)
    if m:
        who = m.group("who")
        first = who.split(None, 1)[0].lower().strip(",")
        if first in _NOT_NAMES or who.count(" ") > 8 or _TIME.search(who) and "<" not in who:
            return None
        if ("?" in who or "()" in who) and "@" not in who:    # prose, not a name
            return None
        return _make(who, m.group("date") or "")
    return None


def _has_date(text: str) -> bool:
    return bool(_TIME.search(text) or _YEAR_OR_DATE.search(text))


def _split_date_name(rest: str) -> Attribution | None:
    """Split "<date>, <Name> <email>" at the end of the last time (or date) token."""
    cut = -1
    for m in _TIME.finditer(rest):
        cut = m.end()
    if cut < 0:
        for m in _YEAR_OR_DATE.finditer(rest):
            cut = m.end()
    if cut < 0:
        comma = rest.rfind(",")
        if comma < 0:
            return None
        cut = comma
    date_text = rest[:cut].strip(" ,")
    who = rest[cut:].strip(" ,")
    low = who.lower()
    if low.startswith(_NAME_LEADS):
        for lead in _NAME_LEADS:
            if low.startswith(lead):
                who, low = who[len(lead):], low[len(lead):]
    if not who:
        return None
    return _make(who, date_text)


def _make(who: str, date_text: str) -> Attribution | None:
    name, email = _split_name_email(who)
    if not name and not email:
        return None
    return Attribution(name, email, date_text.strip(" ,"), False)


def _split_name_email(who: str) -> tuple[str, str]:
    email = ""
    m = None
    if "@" in who:
        for m in _EMAIL.finditer(who):
            pass
    if m is not None:
        email = m.group(1).lower()
        who = who[: m.start()] + who[m.end():]
    who = who.replace("[mailto:]", "").strip()
    if not who.isascii() or "via" in who.lower():     # beyond ASCII, only re knows its case folding
        who = _VIA.sub("", who)
    name = who.strip(" \t,\"'()[]").replace('"', "")
    name = " ".join(name.split())
    if "=?" in name:                    # an RFC 2047 encoded word pasted by the client
        name = _decode_words(name)
    if len(name) > 80:
        return "", email
    return name, email


def _decode_words(text: str) -> str:
    try:
        parts = email.header.decode_header(text)
    except (ValueError, LookupError):
        return text
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(chunk.decode(charset or "utf-8", "replace"))
        else:
            out.append(chunk)
    return "".join(out).strip()
