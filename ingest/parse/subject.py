"""Subject lines: reply/forward chains, [PATCH vN m/n]-style tags, subsystem prefixes.

`title` is the subject without reply/forward markers and bracket tags (the subsystem prefix
"mm, swap:" stays: it is part of the commit title); `summary` is the title without the subsystem
prefix; `normalised` (lower-cased title, whitespace collapsed, trailing punctuation dropped)
groups the revisions of one patch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SubjectInfo:
    is_reply: bool
    is_forward: bool
    is_patch: bool
    is_rfc: bool
    is_resend: bool
    is_pull: bool
    version: int            # 1 unless "v2"/"V3"/"PATCHv4" says otherwise
    part: int | None        # "2/3" -> 2 (0 for a cover letter)
    total: int | None       # "2/3" -> 3
    tags: tuple[str, ...]   # other bracket words: "-mm", "net-next", "6.1.y", "syzbot", list names
    subsystems: tuple[str, ...]   # "mm, swap: x" -> ("mm", "swap"); "cgroup/cpuset: x" -> ("cgroup/cpuset",)
    title: str
    summary: str
    normalised: str
    reply_depth: int = 0    # number of reply markers ("Re: Re:" = 2, "Re[3]:" = 3)


_REPLY_WORDS = ("re", "aw", "antw", "antwort", "sv", "vs", "r", "rif", "odp", "ynt", "res",
                "atb", "vá", "回复", "回覆", "答复", "مطلب", "תגובה")
_FORWARD_WORDS = ("fw", "fwd", "wg", "tr", "enc", "rv", "doorst", "vb", "i", "转发", "轉寄")
_MARKER = re.compile(
    r"\s*(?P<word>[^\W\d_]{1,7})\s*(?:\[(?P<n1>\d+)\]|\((?P<n2>\d+)\)|\^(?P<n3>\d+))?\s*[:：]\s*"
)
_BRACKET = re.compile(r"\s*\[(?P<inner>[^\[\]]*)\]\s*")
_VERSION = re.compile(r"^(?:patch|rfc|resend)?[-_]?v(\d+)(?:\.\d+)?$", re.IGNORECASE)
_PART = re.compile(r"^(\d{1,4})/(\d{1,4})$")
_SUBSYS = re.compile(r"(?P<prefix>[A-Za-z0-9_][\w./+-]{0,39}(?:,\s*[\w./+-]{1,40}){0,4}):\s+")
_WS = re.compile(r"\s+")
_PULL_TAGS = ("git pull", "git", "pull", "pull request", "git pull request", "gitpull")
_REPLIES = r"(?:(?:re|aw|sv|fwd?)\s*:\s*)*"
# a mailman list's subject prefix ("[dm-devel] ", "[f2fs-dev] ") before a patch tag, a reply marker
# in front of it or not: "Re: [dm-devel] [PATCH v2] dm: x", "[f2fs-dev] Re: [PATCH] f2fs: x"
_LIST_TAG = re.compile(rf"^(\s*{_REPLIES})\[(?![^\]]*(?:PATCH|RFC|RESEND))[^\]\s]+\]\s*"
                       rf"(?={_REPLIES}\[[^\]]*(?:PATCH|RFC|RESEND))", re.IGNORECASE)


def strip_list_tag(subject: str) -> str:
    """The subject without the list's own tag before its patch tag ("[dm-devel] [PATCH] dm: x"
    -> "[PATCH] dm: x"): mailman lists prefix every subject with one, and a patch tag then no
    longer opens the subject where the extractor looks for it. Other subjects are unchanged."""
    return _LIST_TAG.sub(r"\1", subject or "", count=1)


def parse_subject(subject: str) -> SubjectInfo:
    """Parse one Subject header value (already decoded)."""
    text = " ".join((subject or "").split())
    is_reply = is_forward = is_patch = is_rfc = is_resend = is_pull = False
    version, part, total = 1, None, None
    tags: list[str] = []
    reply_depth = 0
    while text:
        m = _MARKER.match(text) if text[0] != "[" and ":" in text[:14] or "：" in text[:6] \
            else None
        if m is not None:
            word = m.group("word").lower()
            if word in _REPLY_WORDS:
                is_reply = True
                count = m.group("n1") or m.group("n2") or m.group("n3")
                reply_depth += int(count) if count else 1
                text = text[m.end():]
                continue
            if word in _FORWARD_WORDS:
                is_forward = True
                text = text[m.end():]
                continue
        m = _BRACKET.match(text) if text[0] == "[" else None
        if m is None:
            break
        inner = m.group("inner").strip()
        text = text[m.end():]
        low = inner.lower()
        if low in _PULL_TAGS:
            is_pull = True
            continue
        for token in _tokens(inner):
            t = token.lower()
            if t in ("patch", "patches", "patchv"):
                is_patch = True
            elif t == "rfc":
                is_rfc = True
            elif t == "resend":
                is_resend = True
            elif t in ("pull", "git"):
                is_pull = True
            elif (vm := _VERSION.match(token)) is not None:
                version = int(vm.group(1))
                if t.startswith("patch"):
                    is_patch = True
                elif t.startswith("rfc"):
                    is_rfc = True
                elif t.startswith("resend"):
                    is_resend = True
            elif (pm := _PART.match(token)) is not None:
                part, total = int(pm.group(1)), int(pm.group(2))
            elif token:
                tags.append(token)
    title = text.strip()
    if title.lower().startswith("git pull") or title.lower().startswith("pull request"):
        is_pull = True
    subsystems, summary = _split_subsystems(title)
    normalised = " ".join(title.lower().split()).rstrip(".")
    return SubjectInfo(is_reply, is_forward, is_patch, is_rfc, is_resend, is_pull, version, part,
                       total, tuple(tags), subsystems, title, summary, normalised, reply_depth)


def _tokens(inner: str) -> list[str]:
    """Words of one bracket; "PATCHv2" and "RFCv3" split into kind and version, "PATCH-block"
    and "PATCH-for-next" into kind and tree."""
    out: list[str] = []
    for token in inner.replace(",", " ").split():
        low = token.lower()
        for head in ("patch", "rfc", "resend"):
            if low.startswith(head) and len(low) > len(head) and low[len(head):][:1] in "v-_":
                rest = token[len(head):].lstrip("-_")
                if rest and (_VERSION.match(rest) or low[len(head)] != "v"):
                    out.extend((token[:len(head)], rest))
                    break
        else:
            out.append(token)
    return out


def _split_subsystems(title: str) -> tuple[tuple[str, ...], str]:
    subsystems: list[str] = []
    rest = title
    for _ in range(4):
        m = _SUBSYS.match(rest)
        if m is None:
            break
        prefix = m.group("prefix")
        if prefix.lower() in ("re", "fwd", "fw", "http", "https") or prefix.isdigit():
            break
        subsystems.extend(p.strip() for p in prefix.split(",") if p.strip())
        rest = rest[m.end():]
    if not rest.strip():
        return (), title
    return tuple(subsystems), rest.strip()
