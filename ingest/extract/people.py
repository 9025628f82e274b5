"""People of a thread: one person across name/address variants (obfuscated addresses like
`hughd@xxxxxxxxxx` included) and their roles (author, reviewer, reporter, tester, maintainer)
from headers, trailers and the MAINTAINERS file."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from functools import lru_cache

from ingest.extract.maintainer_history import maintainers_at
from ingest.extract.maintainers import Maintainers, Section, find_maintainers, find_sections_for_list
from ingest.extract.names import is_obfuscated, normalise_email, normalise_name, parse_person
from ingest.extract.types import FixFinding, PersonRole, ThreadText

_TRAILER_RE = re.compile(r"^\s*(Reported|Tested|Reported-and-tested)-by:\s*(.+?)\s*$",
                         re.MULTILINE | re.IGNORECASE)
_BOT_RE = re.compile(r"syzbot|syzkaller|kernel test robot|lkp@intel\.com|\bbot\b", re.IGNORECASE)
_ROLE_ORDER = ("author", "reviewer", "reporter", "tester", "maintainer")
_TEST_ROBOT_RE = re.compile(r"test robot|lkp@", re.IGNORECASE)


class PersonIndex:
    """Union of (name, email) variants: same real address, or same normalised name, or same
    local part when one side is obfuscated (dict lookups, not a scan over people)."""

    def __init__(self) -> None:
        self.people: list[dict] = []
        self._by_email: dict[str, int] = {}
        self._by_name: dict[str, int] = {}
        self._by_local: dict[str, int] = {}

    def find(self, name: str, email: str) -> int | None:
        n, e = normalise_name(name), normalise_email(email)
        hits = []
        if e:
            if not is_obfuscated(e):
                i = self._by_email.get(e)
            else:
                i = self._by_local.get(e.split("@")[0]) if e.split("@")[0] else None
            if i is not None:
                hits.append(i)
        if n and len(n) > 2:
            i = self._by_name.get(n)
            if i is not None:
                hits.append(i)
        return min(hits) if hits else None

    def add(self, name: str, email: str, role: str | None = None) -> int:
        i = self.find(name, email)
        if i is None:
            self.people.append({"names": set(), "emails": set(), "name_forms": Counter(),
                                "email_forms": Counter(), "roles": set()})
            i = len(self.people) - 1
        p = self.people[i]
        if name:
            n = normalise_name(name)
            p["names"].add(n)
            p["name_forms"][name] += 1
            self._by_name.setdefault(n, i)
        if email:
            e = normalise_email(email)
            p["emails"].add(e)
            p["email_forms"][email.lower()] += 1
            self._by_email.setdefault(e, i)
            self._by_local.setdefault(e.split("@")[0], i)
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
    """Files changed by the thread's diffs (files only named in stack traces do not count)."""
    return list(dict.fromkeys(f.lstrip("./") for m in thread.messages for f in m.patch_files))


@lru_cache(maxsize=4096)
def find_thread_sections(maintainers: Maintainers, files: tuple[str, ...], list_address: str) -> tuple[Section, ...]:
    """The sections whose M: people maintain a thread: those covering `files` (else the list's
    own sections), cached per file set. Files only the catch-all covers (THE REST: F: *) are
    paths MAINTAINERS no longer knows, moved since the thread (fs/cifs/ is fs/smb/client/ today):
    the list's own sections say who maintained them."""
    sections = [s for s, _ in find_maintainers(files, maintainers=maintainers)] if files else []
    if list_address and all(is_catch_all(s) for s in sections):
        sections = find_sections_for_list(list_address, maintainers) or sections
    if maintainers.by_list.get(list_address) and any(list_address in s.lists for s in sections):
        # the list's own subsystems plus top-level catch-alls (mm/, THE REST); a file that
        # also belongs to an unrelated subsystem does not make its people maintainers here.
        # A patch none of whose files is the list's (a scheduler fix discussed on cgroups) is
        # that other subsystem's: its sections stay.
        sections = [s for s in sections if list_address in s.lists
                    or any(p.is_dir and p.raw.rstrip("/").count("/") == 0 for p in s.files)]
    return tuple(sections)


def is_catch_all(section: Section) -> bool:
    """A section that covers every path (THE REST: F: * and F: */), no subsystem of its own."""
    return bool(section.files) and all(p.raw in ("*", "*/") for p in section.files)


def find_maintainer_keys(maintainers: Maintainers, files: tuple[str, ...], list_address: str,
                         date: datetime | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """(normalised names, normalised emails) of the people who were M: of the thread's sections
    at `date` (the loaded file, corrected by the archive's dated MAINTAINERS patches)."""
    entries = tuple(entry for sec in find_thread_sections(maintainers, files, list_address)
                    for entry in maintainers_at(sec, maintainers.history.get(sec.name, ()), date))
    return collect_person_keys(entries)


@lru_cache(maxsize=4096)
def collect_person_keys(entries: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    names, emails = set(), set()
    for entry in entries:
        name, email = parse_person(entry)
        n = normalise_name(name)
        if len(n) > 2:
            names.add(n)
        if email:
            emails.add(normalise_email(email))
    return frozenset(names), frozenset(emails)


def find_thread_date(thread: ThreadText) -> datetime | None:
    """When the thread started: its first dated message."""
    return next((m.date for m in thread.messages if m.date is not None), None)


def find_thread_maintainers(thread: ThreadText, maintainers: Maintainers) -> PersonIndex:
    """M: people of the sections touched by the thread (files, else the list's sections)."""
    index = PersonIndex()
    names, emails = find_maintainer_keys(maintainers, tuple(find_touched_files(thread)),
                                         _list_address(thread.list), find_thread_date(thread))
    for e in sorted(emails):
        index.add("", e)
    for n in sorted(names):
        index.add(n, "")
    return index


def _list_address(name: str) -> str:
    if not name:
        return ""
    return (name if "@" in name else f"{name}@vger.kernel.org").lower()


def is_maintainer(person: dict, names: frozenset[str], emails: frozenset[str]) -> bool:
    if person["names"] & names:
        return True
    for e in person["emails"]:
        if not is_obfuscated(e):
            if e in emails:
                return True
        elif any(x.split("@")[0] == e.split("@")[0] for x in emails):
            return True
    return False


def extract_people(thread: ThreadText, fixes: list[FixFinding],
                   maintainers: Maintainers | None = None,
                   appliers: set[str] | frozenset[str] = frozenset()) -> list[PersonRole]:
    """People and roles; `appliers` ("Name <email>") said they applied a patch of the thread:
    maintainers whatever MAINTAINERS says."""
    index = PersonIndex()
    fix_authors = {f.proposed_by for f in fixes}
    root = thread.messages[0] if thread.messages else None
    for i, msg in enumerate(thread.messages):
        is_bot = bool(_BOT_RE.search(f"{msg.author_name} {msg.author_email}"))
        if msg.author in fix_authors or (i == 0 and msg.patch_files):
            role = "author"
        elif is_bot and _TEST_ROBOT_RE.search(msg.author_email + msg.author_name):
            role = "tester"
        elif is_bot or (i == 0 and not msg.patch_files and not fixes[:1]):
            role = "reporter"
        elif i == 0:
            role = "author" if msg.author in fix_authors else "reporter"
        else:
            role = "reviewer"
        index.add(msg.author_name, msg.author_email, role)
        if msg.author in appliers:
            index.add(msg.author_name, msg.author_email, "maintainer")
        if i > 0 and msg.author in fix_authors and not is_bot and root and \
                msg.author_email != root.author_email:
            index.add(msg.author_name, msg.author_email, "reviewer")
        body = msg.body
        if "eported" not in body and "ested-" not in body and "EPORTED" not in body and \
                "ESTED-" not in body:
            continue
        for kind, who in _TRAILER_RE.findall(msg.own_text()):
            name, email = parse_person(who)
            if kind.lower().startswith("reported"):
                index.add(name, email, "reporter")
            if "tested" in kind.lower() and index.find(name, email) is not None:
                index.add(name, email, "tester")
    if maintainers is not None:
        names, emails = find_maintainer_keys(maintainers, tuple(find_touched_files(thread)),
                                             _list_address(thread.list), find_thread_date(thread))
        for p in index.people:
            if is_maintainer(p, names, emails):
                p["roles"].add("maintainer")
    return index.to_roles()
