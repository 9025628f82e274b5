"""People of a thread: one person across name/address variants (obfuscated addresses like
`hughd@xxxxxxxxxx` included) and their roles (author, reviewer, reporter, tester, maintainer)
from headers, trailers and the MAINTAINERS file."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from ingest.extract.maintainers import Maintainers, find_maintainers, find_sections_for_list
from ingest.extract.types import FixFinding, PersonRole, ThreadText

_TRAILER_RE = re.compile(r"^\s*(Reported|Tested|Reported-and-tested)-by:\s*(.+?)\s*$",
                         re.MULTILINE | re.IGNORECASE)
_ADDR_RE = re.compile(r"^(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$")
_BOT_RE = re.compile(r"syzbot|syzkaller|kernel test robot|lkp@intel\.com|\bbot\b", re.IGNORECASE)
_FILE_RE = re.compile(r"\b((?:kernel|mm|include|fs|net|drivers|block|lib|arch|security|init|"
                      r"ipc|tools|Documentation)/[\w/.-]+\.[ch])\b")
_ROLE_ORDER = ("author", "reviewer", "reporter", "tester", "maintainer")


def normalise_name(name: str) -> str:
    """'Koutný, Michal' / '"Michal Koutný"' -> 'michal koutny'; drops (parentheticals)."""
    name = re.sub(r"\(.*?\)|[\"']", " ", name or "")
    if "," in name and name.count(",") == 1 and "@" not in name:
        last, first = name.split(",")
        name = f"{first} {last}"
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", name).strip().lower()


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    local = local.split("+", 1)[0]
    return f"{local}@{domain}" if domain else local


def is_obfuscated(email: str) -> bool:
    return bool(re.search(r"@x{3,}|\.{3}|\[at\]|@\.\.\.", email or ""))


def parse_person(text: str) -> tuple[str, str]:
    m = _ADDR_RE.match(text.strip())
    if m:
        return m.group(1).strip().strip('"'), m.group(2).lower()
    if "@" in text:
        return "", text.strip().strip("<>").lower()
    return text.strip().strip('"'), ""


class PersonIndex:
    """Union of (name, email) variants: same real address, or same normalised name, or same
    local part when one side is obfuscated."""

    def __init__(self) -> None:
        self.people: list[dict] = []

    def find(self, name: str, email: str) -> int | None:
        n, e = normalise_name(name), normalise_email(email)
        local = e.split("@")[0]
        for i, p in enumerate(self.people):
            if e and not is_obfuscated(e) and e in p["emails"]:
                return i
            if n and len(n) > 2 and n in p["names"]:
                return i
            if e and is_obfuscated(e) and local and any(x.split("@")[0] == local
                                                        for x in p["emails"]):
                return i
        return None

    def add(self, name: str, email: str, role: str | None = None) -> int:
        i = self.find(name, email)
        if i is None:
            self.people.append({"names": set(), "emails": set(), "name_forms": Counter(),
                                "email_forms": Counter(), "roles": set()})
            i = len(self.people) - 1
        p = self.people[i]
        if name:
            p["names"].add(normalise_name(name))
            p["name_forms"][name] += 1
        if email:
            p["emails"].add(normalise_email(email))
            p["email_forms"][email.lower()] += 1
        if role:
            p["roles"].add(role)
        return i

    def to_roles(self) -> list[PersonRole]:
        out = []
        for p in self.people:
            name = p["name_forms"].most_common(1)[0][0] if p["name_forms"] else ""
            real = [e for e, _ in p["email_forms"].most_common() if not is_obfuscated(e)]
            email = real[0] if real else (p["email_forms"].most_common(1)[0][0]
                                          if p["email_forms"] else "")
            roles = tuple(r for r in _ROLE_ORDER if r in p["roles"])
            aliases = tuple(sorted(set(p["name_forms"]) | set(p["email_forms"]) - {name, email}))
            out.append(PersonRole(name, email, roles, aliases))
        return out


def find_touched_files(thread: ThreadText) -> list[str]:
    files = [f for m in thread.messages for f in m.patch_files]
    if not files:   # bug reports: files named in stack traces / text
        files = [f for m in thread.messages for f in _FILE_RE.findall(m.body)]
    return list(dict.fromkeys(f.lstrip("./") for f in files))


def find_thread_maintainers(thread: ThreadText, maintainers: Maintainers) -> PersonIndex:
    """M: people of the sections touched by the thread (files, else the list's sections)."""
    index = PersonIndex()
    files = find_touched_files(thread)
    sections = [s for s, _ in find_maintainers(files, maintainers=maintainers)] if files else []
    list_address = thread.list if "@" in thread.list else f"{thread.list}@vger.kernel.org"
    if not files and thread.list:
        sections = find_sections_for_list(list_address, maintainers)
    if maintainers.by_list.get(list_address):
        # the list's own subsystems plus top-level catch-alls (mm/, THE REST); a file that
        # also belongs to an unrelated subsystem does not make its people maintainers here
        sections = [s for s in sections if list_address in s.lists
                    or any(p.is_dir and p.raw.rstrip("/").count("/") == 0 for p in s.files)]
    for sec in sections:
        for entry in sec.maintainers:
            index.add(*parse_person(entry))
    return index


def extract_people(thread: ThreadText, fixes: list[FixFinding],
                   maintainers: Maintainers | None = None) -> list[PersonRole]:
    index = PersonIndex()
    fix_authors = {f.proposed_by for f in fixes}
    root = thread.messages[0] if thread.messages else None
    for i, msg in enumerate(thread.messages):
        is_bot = bool(_BOT_RE.search(f"{msg.author_name} {msg.author_email}"))
        if msg.author in fix_authors or (i == 0 and msg.patch_files):
            role = "author"
        elif is_bot and re.search(r"test robot|lkp@", msg.author_email + msg.author_name, re.I):
            role = "tester"
        elif is_bot or (i == 0 and not msg.patch_files and not fixes[:1]):
            role = "reporter"
        elif i == 0:
            role = "author" if msg.author in fix_authors else "reporter"
        else:
            role = "reviewer"
        index.add(msg.author_name, msg.author_email, role)
        if i > 0 and msg.author in fix_authors and not is_bot and root and \
                msg.author_email != root.author_email:
            index.add(msg.author_name, msg.author_email, "reviewer")
        for kind, who in _TRAILER_RE.findall(msg.own_text()):
            name, email = parse_person(who)
            if kind.lower().startswith("reported"):
                index.add(name, email, "reporter")
            if "tested" in kind.lower() and index.find(name, email) is not None:
                index.add(name, email, "tester")
    if maintainers is not None:
        mt_index = find_thread_maintainers(thread, maintainers)
        for p in index.people:
            for n in p["names"]:
                if mt_index.find(n, "") is not None:
                    p["roles"].add("maintainer")
            for e in p["emails"]:
                if mt_index.find("", e) is not None:
                    p["roles"].add("maintainer")
    return index.to_roles()
