"""Mail that is nobody's own word about a race: robots (syzbot, build and test robots, bots of
patchwork and pr-tracker), backports (AUTOSEL, stable review series, `[PATCH 6.1.y]`) and pull
requests. Their prose starts no race, and they neither propose fixes nor object. A sanitizer
report a robot sends still starts one; a report restated in a backport's changelog does not.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.extract.types import MessageText

_ROBOT_RE = re.compile(r"syzbot|syzkaller|test robot|lkp@intel|\bbot\b|-bot@|bot@|"
                       r"noreply|no-reply|patchwork|pr-tracker|kernelci|0day", re.IGNORECASE)
_REPLY_RE = re.compile(r"^\s*(?:re|aw|sv|fwd?)\s*:", re.IGNORECASE)
_TAG_RE = re.compile(r"^\s*\[([^\]]*)\]")
_BACKPORT_TAG_RE = re.compile(r"\bAUTOSEL\b|\bstable\b|(?:^|\s)v?\d+\.\d+(?:\.\d+|\.y|-stable)"
                              r"(?:\s|$)", re.IGNORECASE)
# a bare release in the tag ('[PATCH 5.11]', '[PATCH 6.6 016/568]') names the tree a patch is for:
# a fix for the current release candidates, or a stable backport whose changelog says so
_RELEASE_TAG_RE = re.compile(r"(?:^|\s)v?\d+\.\d+(?:\s|$)")
_UPSTREAM_RE = re.compile(r"^\s*(?:\[\s*)?(?:commit [0-9a-f]{12,40} upstream|upstream commit [0-9a-f]{12,40})",
                          re.IGNORECASE | re.MULTILINE)
_PULL_TAG_RE = re.compile(r"\b(?:GIT PULL|PULL(?: REQUEST)?|GIT)\b", re.IGNORECASE)


@lru_cache(maxsize=65536)
def is_robot_sender(name: str, email: str) -> bool:
    return bool(_ROBOT_RE.search(f"{name} {email}"))


@lru_cache(maxsize=65536)
def is_backport_or_pull_subject(subject: str) -> bool:
    """'[PATCH AUTOSEL 6.1 3/9] ...', '[PATCH 5.15.y] ...', '[PATCH 6.6 016/568] ...',
    '[GIT PULL] ...' (and their replies)."""
    m = _TAG_RE.match(_REPLY_RE.sub("", subject or "").lstrip())
    if not m:
        return False
    tag = m.group(1)
    return bool(_BACKPORT_TAG_RE.search(tag) or _PULL_TAG_RE.search(tag))


@lru_cache(maxsize=4096)
def names_release_tree(subject: str) -> bool:
    """The subject's tag (a reply's too) names a release or stable tree: '[PATCH 6.12]',
    '[PATCH 5.15.y 2/3]', '[PATCH AUTOSEL 6.1]', '[PATCH stable]': a patch for that tree, not for
    mainline ('[PATCH cgroup/for-6.11]' is a mainline tree's branch)."""
    m = _TAG_RE.match(_REPLY_RE.sub("", subject or "").lstrip())
    return bool(m) and bool(_BACKPORT_TAG_RE.search(m.group(1)) or _RELEASE_TAG_RE.search(m.group(1)))


def is_backport_posting(msg: MessageText) -> bool:
    """A backport or pull request posting (not a human reply to one): the changelogs it carries,
    sanitizer reports included, restate commits made elsewhere. A tag naming a bare release
    ('[PATCH 5.11]') marks a backport only when the body names the upstream commit; otherwise
    it is a fix sent for that release's -rc."""
    subject = msg.subject or ""
    if _REPLY_RE.match(subject):
        return False
    if is_backport_or_pull_subject(subject):
        return True
    m = _TAG_RE.match(subject.lstrip())
    return bool(m and _RELEASE_TAG_RE.search(m.group(1)) and _UPSTREAM_RE.search(msg.body))


def is_machine_mail(msg: MessageText) -> bool:
    """A robot's mail, or a backport or pull request posting (not a human reply to one)."""
    return is_robot_sender(msg.author_name, msg.author_email) or is_backport_posting(msg)
