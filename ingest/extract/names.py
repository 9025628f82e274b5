"""People's names and addresses as mail writes them: one normal form for comparing them
(`Koutný, Michal` and `"Michal Koutny"` are one name; `ann+list@x` is `ann@x`)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ADDR_RE = re.compile(r"^(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$")
_PAREN_QUOTE_RE = re.compile(r"\(.*?\)|[\"']")
_OBFUSCATED_RE = re.compile(r"@x{3,}|\.{3}|\[at\]|@\.\.\.")


@lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """'Koutný, Michal' / '"Michal Koutný"' -> 'michal koutny'; drops (parentheticals)."""
    name = _PAREN_QUOTE_RE.sub(" ", name or "")
    if "," in name and name.count(",") == 1 and "@" not in name:
        last, first = name.split(",")
        name = f"{first} {last}"
    if not name.isascii():
        name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(name.split()).lower()


@lru_cache(maxsize=65536)
def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    local = local.split("+", 1)[0]
    return f"{local}@{domain}" if domain else local


@lru_cache(maxsize=65536)
def is_obfuscated(email: str) -> bool:
    return bool(email) and bool(_OBFUSCATED_RE.search(email))


def parse_person(text: str) -> tuple[str, str]:
    m = _ADDR_RE.match(text.strip())
    if m:
        return m.group(1).strip().strip('"'), m.group(2).lower()
    if "@" in text:
        return "", text.strip().strip("<>").lower()
    return text.strip().strip('"'), ""
