"""Kernel call names with a well-known meaning, for diagram lines that are bare call chains.

- Bit operations and page flags touch one bit of a word: `set_bit(nr, addr)`, `test_and_clear_bit`,
  `SetPageLRU(page)`, `folio_test_dirty(folio)`. The atomic ones are marked accesses, the `__` ones
  plain; a test-and-set is an exchange. `PageAnon`/`folio_test_anon` read the page's mapping, where
  the kernel keeps that bit.
- Lifetime verbs in a function's name: `X_free`, `X_destroy`, `X_release`, `free_X` free an X;
  `X_put`/`put_X` drop a reference, `X_get`/`get_X` take one, `X_tryget` tries to.
- Lock wrappers named `X_lock`/`X_unlock` (`cgroup_lock()`, `inode_lock(inode)`) take and release
  an exclusive lock of their own; read-side ones (`X_read_lock`) are left alone.
- A line that says it is where freed memory is used: "use after free", "UAF", "<- use-after-free".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BITOP_RE = re.compile(r"^(__)?(set|clear|change|test|test_and_set|test_and_clear|test_and_change)_bit(?:_lock|_unlock)?$")
PAGEFLAG_RE = re.compile(r"^(__)?(Set|Clear|TestSet|TestClear)?Page([A-Z][A-Za-z]*)$")
FOLIOFLAG_RE = re.compile(r"^(__)?folio_(set|clear|test|test_set|test_clear)_([a-z]+)$")
PAGEFLAG_VERBS = {None: "test", "Set": "set", "Clear": "clear", "TestSet": "test_set", "TestClear": "test_clear"}
MAPPING_FLAGS = {"anon", "ksm", "movable"}  # kept in page->mapping's low bits, not in page->flags
LIFETIME_SUFFIX = re.compile(r"^_*([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*?)_(free|destroy|release|put|get|tryget)$")
LIFETIME_PREFIX = re.compile(r"^_*(free|destroy|release|put|get)_([A-Za-z][A-Za-z0-9_]*)$")
LIFETIME_KIND = {"free": "free", "destroy": "free", "release": "free", "put": "put", "get": "get", "tryget": "tryget"}
LOCK_WRAPPER = re.compile(r"^_*([A-Za-z][A-Za-z0-9_]*?)_(lock|unlock)(?:_irq|_irqsave|_irqrestore|_bh)?$")
UAF_MARK = re.compile(r"\b(?:use[- ]after[- ]free|UAF)\b", re.I)
DEFAULT_BITS = "flags.bit"  # the one bit a diagram names by its operations alone (`clear_bit`, `test_bit()`)


@dataclass(frozen=True)
class BitAccess:
    op: str  # read | write | xchg
    value: int  # the value written (write, xchg)
    marked: bool
    word: str  # the word's expression as written (`page`, `&memcg->flags`), "" when left out
    bit: str  # the bit's name (`PG_lru`, `FLUSHING_CACHED_CHARGE`), "" when left out


def find_bit_access(name: str, args: list[str]) -> BitAccess | None:
    """A bit operation or a page/folio flag helper by its name, else None."""
    bitop = BITOP_RE.match(name)
    if bitop:
        plain, verb = bool(bitop.group(1)), bitop.group(2)
        bit, word = (args + ["", ""])[:2]
        return make_bit_access(verb.replace("_and_", "_"), not plain, word, bit)
    flag = PAGEFLAG_RE.match(name)
    folio = FOLIOFLAG_RE.match(name) if not flag else None
    if flag:
        plain, verb, bit = bool(flag.group(1)), PAGEFLAG_VERBS[flag.group(2)], flag.group(3)
    elif folio:
        plain, verb, bit = bool(folio.group(1)), folio.group(2), folio.group(3)
    else:
        return None
    word = args[0] if args else ("folio" if folio else "page")
    if bit.lower() in MAPPING_FLAGS:
        return BitAccess("read", 0, True, word, "mapping") if verb == "test" else None
    return make_bit_access(verb, not plain, word, f"PG_{bit.lower()}")


def make_bit_access(verb: str, marked: bool, word: str, bit: str) -> BitAccess | None:
    if verb == "test":
        return BitAccess("read", 0, marked, word, bit)
    if verb in ("set", "clear"):
        return BitAccess("write", int(verb == "set"), marked, word, bit)
    if verb in ("test_set", "test_clear"):
        return BitAccess("xchg", int(verb == "test_set"), True, word, bit)
    return None  # change_bit and friends: the new value depends on the old one


def find_lifetime(name: str) -> tuple[str, str]:
    """(free | put | get | tryget, the object's name) from a function's name, else ("", "")."""
    suffix = LIFETIME_SUFFIX.match(name)
    if suffix:
        return LIFETIME_KIND[suffix.group(2)], suffix.group(1)
    prefix = LIFETIME_PREFIX.match(name)
    if prefix:
        return LIFETIME_KIND[prefix.group(1)], prefix.group(2)
    return "", ""


def find_lock_wrapper(name: str) -> tuple[str, str]:
    """(lock | unlock, the lock's owner) for a wrapper named `X_lock`/`X_unlock`, else ("", "")."""
    match = LOCK_WRAPPER.match(name)
    if not match or match.group(1) == "read" or match.group(1).endswith(("_read", "_try", "_is")):
        return "", ""
    return match.group(2), match.group(1)


def is_uaf_marked(cell: str) -> bool:
    return bool(UAF_MARK.search(cell))
