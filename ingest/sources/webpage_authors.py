"""Who wrote what on a web-archive page: attribution lines, names, dates, sign-offs.

Pure functions over strings; `webpage.py` decides where on the page they are applied.
Attribution forms: "On <date>, X wrote:", "On <date>\\nX <mail> wrote:", "X wrote:",
"X writes:", "X said:", "* X <mail> [date]:", "Quoting X (date):", German "Am <date>
schrieb X:", French "Le <date>, X a écrit :", Spanish "El <date>, X escribió:".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class PageAuthor:
    name: str          # as on the page ("Huang, Ying", "Hugh Dickins")
    email: str         # "" when unknown or obfuscated
    email_hint: str    # visible part of an obfuscated address ("hughd@"), else ""


@dataclass(frozen=True)
class Attribution:
    person: PageAuthor
    date_text: str     # as written, "" when the line has none
    start: int         # offsets of the attribution inside the searched text
    end: int
    form: str          # 'on-wrote' | 'wrote' | 'writes' | 'star' | 'quoting' | 'am-schrieb' | 'zh-wrote' | ...


_VERB = r"(?:wrote|writes|said|schrieb|escribió|a\s+écrit|scripsit)"
_NAME_WORD = r"[A-ZÀ-Þ][\w'.\-]*"
# A name as it stands before "wrote:": capitalised words ("Huang, Ying" allowed), quoted
# names, an optional <address>, a bare address, or lower-case words before an address.
_NAME = (rf"(?:\"[^\"\n]{{2,60}}\"|{_NAME_WORD}(?:,?[ \t]+(?:(?:van|von|de|der|da|le|la)[ \t]+)?"
         rf"{_NAME_WORD}){{0,3}})(?:[ \t]*<[^<>\s]+>|[ \t]*\([^()\n]{{2,40}}\))?"
         r"|<?[\w.+\-]+@[\w.\-]+>?"
         # a name typed in lower case ("haoran zheng <h@x>"): only with its address
         r"|[\w'.\-]+(?:[ \t]+[\w'.\-]+){0,3}[ \t]*<[^<>\s]+@[^<>\s]+>")
_TAIL = r"[ \t]*[:：][ \t]*$"     # a full-width colon after a Chinese verb
ZH_VERB = r"(?:写道|寫道)"     # "wrote" in Chinese mail clients' attributions

_LEAD_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "Am 19.03.22 um 00:48 schrieb Jason Gunthorpe:" -- name after the verb
    ("am-schrieb", re.compile(rf"\bAm[ \t]+(?P<date>[^\n]{{3,80}}?)[ \t]+schrieb[ \t]+"
                              rf"(?P<name>[^\n:]{{2,80}}?){_TAIL}")),
    ("on-wrote", re.compile(rf"\b(?:On|Le|El|Il)[ \t]+(?P<rest>[^\n]{{3,140}}(?:\n[^\n]{{2,100}})?)"
                            rf"[ \t]+{_VERB}{_TAIL}")),
    # "在 2024/02/17 3:03, Song Liu 写道:" (Chinese mail clients)
    ("zh-wrote", re.compile(rf"在[ \t]*(?P<rest>[^\n]{{3,140}}?)[ \t]*{ZH_VERB}{_TAIL}")),
)
_TRAILING_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("star", re.compile(rf"(?:^|\s)\*[ \t]+(?P<name>{_NAME})[ \t]+\[(?P<date>[^\]\n]{{4,60}})\]{_TAIL}")),
    ("quoting", re.compile(rf"\bQuoting[ \t]+(?P<name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,3}}"
                           rf"(?:[ \t]*<[^<>\s]+>)?)(?:[ \t]+\((?P<date>[^()\n]{{4,60}})\))?{_TAIL}")),
    ("wrote-on", re.compile(rf"(?P<name>{_NAME})[ \t]+wrote[ \t]+on[ \t]+(?P<date>[^\n]{{4,80}}?){_TAIL}")),
    ("writes", re.compile(rf"(?P<name>{_NAME})[ \t]+(?P<verb>{_VERB}){_TAIL}")),
    # "Song Liu <song@kernel.org> 于2024年2月17日周六 03:03写道："
    ("zh-name-first", re.compile(rf"(?P<name>{_NAME})[ \t]*于[ \t]*(?P<date>[^\n]{{4,60}}?)[ \t]*{ZH_VERB}{_TAIL}")),
)
_DIGITS_OUTSIDE_ADDR = re.compile(r"\d")


_NO_BREAK_SPACES = str.maketrans({"\u202f": " ", "\xa0": " "})


def find_attribution(text: str) -> Attribution | None:
    """The attribution line that ends `text` (trailing blanks allowed), or None."""
    # Gmail writes "3:36\u202fAM": no-break spaces read as blanks (one character each: offsets hold)
    stripped = text.rstrip().translate(_NO_BREAK_SPACES)
    if not stripped.endswith((":", "：")) or not re.search(rf"{_VERB}|{ZH_VERB}|\bQuoting\b|\]\s*:$", stripped):
        return None
    for form, pattern in _LEAD_FORMS:
        found = _match_rightmost(pattern, stripped)
        if found is None:
            continue
        if form == "am-schrieb":
            person = parse_person(found.group("name"))
            return Attribution(person, found.group("date").strip(), found.start(), found.end(), form)
        split = split_date_and_name(found.group("rest"))
        if split is not None:
            date_text, name = split
            person = parse_person(name)
            if person.name or person.email or person.email_hint:
                return Attribution(person, date_text, found.start(), found.end(), form)
    for form, pattern in _TRAILING_FORMS:
        found = pattern.search(stripped)
        if found is None:
            continue
        start = found.start("name")
        name = _trim_leading_words(found.group("name"))
        start += len(found.group("name")) - len(name)
        if not name:
            continue
        person = parse_person(name)
        date_text = (found.groupdict().get("date") or "").strip()
        form_name = "writes" if form == "writes" and "writes" in found.group(0) else (
            "wrote" if form == "writes" else form)
        return Attribution(person, date_text, start, found.end(), form_name)
    return None


_NOT_NAME_WORDS = {"I", "He", "She", "They", "We", "You", "It", "Someone", "Somebody", "Who",
                   "This", "That", "Which", "And", "But", "So", "Also", "As", "The", "Then"}


def _match_rightmost(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The match that starts last (attributions sit at the end of a run of prose)."""
    best = None
    pos = 0
    while True:
        found = pattern.search(text, pos)
        if found is None:
            return best
        best = found
        pos = found.start() + 1


def _trim_leading_words(name: str) -> str:
    """Drop sentence words a greedy name match picked up ('So Mel Gorman' -> 'Mel Gorman')."""
    words = name.split(" ")
    while words and words[0].strip(",") in _NOT_NAME_WORDS:
        words = words[1:]
    return " ".join(words).strip()


def split_date_and_name(rest: str) -> tuple[str, str] | None:
    """'Sat, Mar 30, 2019 at 07:10:52AM -0700, Matthew Wilcox' -> (date, name)."""
    rest = rest.strip()
    if "\n" in rest:
        date_text, name = rest.split("\n", 1)
        if re.search(r"\d", date_text) and not _has_digit_outside_address(name):
            return date_text.strip().rstrip(","), name.strip()
    for found in re.finditer(r",[ \t]+", rest):
        left, right = rest[:found.start()], rest[found.end():]
        if re.search(r"\d", left) and right and not _has_digit_outside_address(right):
            return left.strip(), right.strip()
    # no comma before the name: "Sat, 12 May 2012 04:59:56 -0700 (PDT) Hugh Dickins <x@y>"
    # Gmail: "Thu, Sep 26, 2019 at 4:55 AM Song Liu <song@x>" (AM/PM belongs to the date)
    found = re.search(rf"^(?P<date>.*\d[^\s]*(?:[ \t]+[AP]M\b)?(?:[ \t]+\([A-Z]{{2,5}}\))?)[ \t]+"
                      rf"(?P<name>{_NAME})$", rest)
    if found and not _has_digit_outside_address(found.group("name")):
        return found.group("date").strip(), found.group("name").strip()
    if not _has_digit_outside_address(rest):
        return "", rest
    return None


def _has_digit_outside_address(text: str) -> bool:
    return bool(_DIGITS_OUTSIDE_ADDR.search(re.sub(r"<[^<>]*>|\S+@\S+", "", text)))


_OBFUSCATED = re.compile(r"^(?P<local>[^@\s]+)@(?:x{3,}[x.]*|\.\.\.|\[[^\]]*\]|\*+)$", re.I)


def parse_person(text: str) -> PageAuthor:
    """'Hugh Dickins <hughd@xxxxxxxxxx>' -> PageAuthor('Hugh Dickins', '', 'hughd@')."""
    text = text.strip().strip(",")
    address = ""
    found = re.search(r"<([^<>\s]+)>", text)
    if found:
        address = found.group(1)
        name = (text[:found.start()] + text[found.end():]).strip()
    else:
        paren = re.match(r"^(?P<addr>[^\s()]+@[^\s()]+)\s*\((?P<name>[^()]+)\)$", text)
        if paren:
            address, name = paren.group("addr"), paren.group("name")
        elif re.fullmatch(r"[^\s@]+@[^\s@]+", text):
            address, name = text, ""
        else:
            name = re.sub(r"\s*\([^()]*\)\s*$", "", text)
    name = name.strip().strip('"').strip()
    return PageAuthor(name, *classify_address(address))


def classify_address(address: str) -> tuple[str, str]:
    """(email, hint): a readable address is the email; an obfuscated one leaves a hint."""
    address = address.strip().strip("<>")
    if not address:
        return "", ""
    obfuscated = _OBFUSCATED.match(address)
    if obfuscated or "@" not in address:
        local = obfuscated.group("local") if obfuscated else address.split("@")[0]
        return "", local + "@"
    return address.lower(), ""


# ---------------------------------------------------------------- dates

_TZ_NAMES = {"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
             "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "CET": 1, "CEST": 2, "MET": 1,
             "MEST": 2, "BST": 1, "IST": 5.5, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11}
_DATE_FORMATS = (
    "%a, %b %d, %Y %I:%M:%S%p %z", "%a, %b %d, %Y %I:%M:%S%p", "%a, %b %d, %Y %I:%M %p", "%a, %b %d, %Y %H:%M:%S %z",
    "%a %b %d %Y - %H:%M:%S %z", "%a %b %d %Y %H:%M:%S %z", "%a %d-%m-%y %H:%M:%S",
    "%a %d-%m-%y %H:%M", "%d.%m.%y %H:%M", "%d.%m.%Y %H:%M", "%d/%m/%Y %H:%M", "%d/%m/%y %H:%M",
    "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%a, %d %b %Y", "%d %b %Y", "%a, %b %d, %Y", "%b %d, %Y",
)


_ZH_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:周.|星期.)?\s*(上午|下午)?\s*(\d{1,2}:\d{2})?$")


def _read_zh_date(found: re.Match[str]) -> str:
    """A Chinese client's date as "YYYY/M/D[ HH:MM]" (上午/下午: a.m./p.m.)."""
    year, month, day, half, clock = found.groups()
    if clock and half:      # 上午 12:41 is 00:41, 下午 3:41 is 15:41
        hour, minute = clock.split(":")
        clock = f"{int(hour) % 12 + (12 if half == '下午' else 0)}:{minute}"
    return f"{year}/{month}/{day}" + (f" {clock}" if clock else "")


def parse_date_text(date_text: str) -> datetime | None:
    """Parse a date as written on a page; None when no known form fits."""
    text = date_text.strip()
    if not text:
        return None
    text = re.sub(r"\s+\([A-Za-z]{2,5}\)$", "", text)          # "(PDT)"
    text = _ZH_DATE.sub(_read_zh_date, text)                    # "2024年2月17日周六 下午3:03"
    text = re.sub(r"\s+at\s+", " ", text)                       # mutt "at"
    text = re.sub(r"\s+um\s+|\s+à\s+", " ", text)               # German / French
    zone = re.search(r"\s([A-Z]{1,4})$", text)
    if zone and zone.group(1) in _TZ_NAMES:
        hours = _TZ_NAMES[zone.group(1)]
        sign = "-" if hours < 0 else "+"
        minutes = int(abs(hours) * 60)
        text = f"{text[:zone.start()]} {sign}{minutes // 60:02d}{minutes % 60:02d}"
    try:    # parsedate ignores AM/PM: such dates go to the formats below
        parsed = None if re.search(r"\d\s?[AP]M\b", text) else parsedate_to_datetime(text)
        if parsed is not None:
            return parsed
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------- names and sign-offs

_VALEDICTION = (r"(?:Thanks(?:\s+again)?|Thank\s+you|Thx|Regards|Best\s+regards|Kind\s+regards|"
                r"Cheers|Greetings|Ciao|Best|Sincerely|Yours|Grüße|Gruß|Viele\s+Grüße|Merci|"
                r"Cordialement|Amicalement|HTH|Hope\s+this\s+helps)")
_SIGN_OFF = re.compile(rf"(?:^|[\s.!?])(?P<vale>{_VALEDICTION})[,.!]*\s+(?P<name>{_NAME_WORD}"
                       rf"(?:[ \t]+{_NAME_WORD}){{0,2}})(?P<alias>\s*/\s*[\w.\-]+)?\s*$")
_SIG_NAME = re.compile(rf"^\s*(?P<name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,3}})\s*(?:$|\n|/)")


def find_sign_off(text: str) -> tuple[str, int] | None:
    """('Hugh', offset) for a message ending in 'Thanks, Hugh'; offset where it starts."""
    found = _SIGN_OFF.search(text.rstrip())
    if found is None:
        return None
    name = found.group("name")
    if name.split()[0] in _NOT_NAME_WORDS:
        return None
    return name, found.start("vale")


def find_signature_name(signature: str) -> str:
    """The name a signature block starts with ('Mel Gorman' of '--\\nMel Gorman\\nSUSE Labs')."""
    sign_off = find_sign_off(signature)
    if sign_off is not None:
        return sign_off[0]
    found = _SIG_NAME.match(signature)
    return found.group("name") if found else ""


def resolve_name(short: str, known: list[str]) -> str:
    """A first name, surname or alias ('Hugh', 'dhildenb') -> the full known name, or ''."""
    key = short.strip().lower().rstrip(",")
    if not key:
        return ""
    hits = []
    for name in known:
        tokens = [t.strip(",").lower() for t in name.split()]
        if key == name.lower() or key in tokens:
            hits.append(name)
    unique = list(dict.fromkeys(hits))
    return unique[0] if len(unique) == 1 else ""


_GREETING = re.compile(rf"^\s*(?:Hi|Hello|Hey|Dear|Hallo|Bonjour|Salut)[ \t]+(?P<name>{_NAME_WORD}"
                       rf"(?:[ \t]+{_NAME_WORD})?)\s*[,!:]")
_CC_NAME = re.compile(rf"\b(?:Cc(?:'?ing)?|CC(?:'?ing)?|Adding|Add|Looping\s+in|\+Cc:?)[ \t]+"
                      rf"(?P<name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD})?)")
_POSSESSIVE = re.compile(r"(?<![\w.])(?P<name>[A-Z][a-z]{2,})'s\b")
_COMMON_POSSESSIVES = {"It", "That", "There", "Here", "What", "Let", "He", "She", "Who", "This",
                       "Where", "Linux", "Today", "Everyone", "Nobody", "Somebody", "Someone"}


def find_greeting_name(text: str) -> str:
    """'Hi Jason, thanks...' -> 'Jason' (the reply addresses the quoted author)."""
    found = _GREETING.match(text)
    return found.group("name") if found else ""


def find_cc_names(text: str) -> list[str]:
    """Names a message brings into the thread ('Ccing Mel:'): not the quoted author."""
    return [m.group("name").split()[0] for m in _CC_NAME.finditer(text)]


def find_mentioned_names(text: str) -> list[str]:
    """People a message names in passing ("the Kairui's original solution")."""
    names = [m.group("name") for m in _POSSESSIVE.finditer(text)]
    return [n for n in dict.fromkeys(names) if n not in _COMMON_POSSESSIVES]
