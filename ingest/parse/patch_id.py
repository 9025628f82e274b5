"""`git patch-id --stable`, line for line (builtin/patch-id.c), over a list of diff lines."""

from __future__ import annotations

import hashlib
import re

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_HEX40 = re.compile(r"[0-9a-fA-F]{40}(?![0-9a-fA-F])")
_WS = str.maketrans("", "", " \t\n\r\f\v")  # git's isspace(): deleted from every hashed line
_HEX = frozenset("0123456789abcdefABCDEF")
_MASK160 = (1 << 160) - 1


def find_hunk_end(firsts: str, k: int, before: int, after: int) -> int:
    """Index just past the hunk body that starts at line k and needs `before` old and `after`
    new lines, when every line up to there is a ' ', '-', '+' or empty line ("\\n" in
    `firsts`: git counts it on neither side) and the counts come out exact; else 0 (the caller
    then walks the lines one by one, as git does)."""
    j = k + max(before, after)
    while j <= len(firsts):
        body = firsts[k:j]
        context = body.count(" ")
        old = context + body.count("-")
        new = context + body.count("+")
        if old + new - context + body.count("\n") != j - k or old > before or new > after:
            return 0
        if old == before and new == after:
            return j
        j += max(before - old, after - new)
    return 0


def git_patch_id(lines: list[str]) -> str | None:
    """Hex patch id of the first patch in `lines` (no newlines), or None when nothing hashed."""
    total = 0       # the sum of the per-file digests as 160-bit little-endian numbers
    ctx = hashlib.sha1()
    patchlen = 0
    before = after = -1
    is_binary = False
    pre = post = ""

    pending: list[str] = []  # lines to hash, fed to SHA-1 in one piece (same digest, less work)

    def drain() -> None:
        nonlocal patchlen
        if pending:
            data = "".join(pending).translate(_WS).encode("utf-8", "surrogateescape")
            pending.clear()
            patchlen += len(data)
            ctx.update(data)

    def flush() -> None:
        nonlocal ctx, total
        drain()
        total = (total + int.from_bytes(ctx.digest(), "little")) & _MASK160
        ctx = hashlib.sha1()

    n = len(lines)
    firsts = ""     # each line's first character ("\n" for an empty line), built on first hunk
    hunk_start = False
    i = 0
    while i < n:
        line = lines[i]
        i += 1
        if hunk_start and before >= 0 and after >= 0 and before + after > 0:
            # A hunk body: take every line up to the hunk's end in one step when they are all
            # plain lines (the loop below would do the same one by one).
            hunk_start = False
            if not firsts:
                firsts = "".join([text[:1] or "\n" for text in lines])
            end = find_hunk_end(firsts, i - 1, before, after)
            if end:
                pending.extend(lines[i - 1:end])
                before = after = 0
                i = end
                continue
        if line.startswith("commit "):
            rest = line[7:]
        elif line.startswith("From "):
            rest = line[5:]
        else:
            rest = line
            if line.startswith("\\ ") and len(line) + 1 > 12:
                continue
        if rest[:1] in _HEX and _HEX40.match(rest):
            break
        if not patchlen and not pending and not line.startswith("diff "):
            continue
        if before == -1:
            if line.startswith(("GIT binary patch", "Binary files")):
                is_binary, before = True, 0
                drain()
                ctx.update(pre.encode())
                ctx.update(post.encode())
                flush()
                continue
            if line.startswith("index "):
                dots = line.find("..")
                if dots >= 0:
                    space = line.find(" ", dots)
                    pre = line[6:dots]
                    post = line[dots + 2:space] if space >= 0 else line[dots + 2:].rstrip("\r")
                continue
            if line.startswith("--- "):
                before = after = 1
            elif not line[:1].isalpha():
                break
        if is_binary:
            if line.startswith("diff "):
                is_binary, before = False, -1
            continue
        if before == 0 and after == 0:
            if line.startswith("@@ -"):
                m = _HUNK.match(line)
                if m is None:
                    before = after = 0
                else:
                    hunk_start = True
                    before = int(m.group(2)) if m.group(2) is not None else 1
                    after = int(m.group(4)) if m.group(4) is not None else 1
                continue
            if not line.startswith("diff "):
                break
            flush()
            before = after = -1
        c = line[:1]
        if c == "-" or c == " ":
            before -= 1
        if c == "+" or c == " ":
            after -= 1
        pending.append(line)
    flush()
    if not patchlen:
        return None
    return total.to_bytes(20, "little").hex()
