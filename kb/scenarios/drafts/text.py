"""Report text as it arrives in mail: quote prefixes, timestamps and caller ids removed; frames."""

from __future__ import annotations

import re

MAX_REPORT = 20_000
QUOTE_RE = re.compile(r"^(?:\s*>)+ ?")
STAMP_RE = re.compile(r"^\s*\[\s*\d+\.\d+\]\s?(?:\[\s*[TC]\d+\]\s?)?")
FRAME_RE = re.compile(r"^\s*(?:\?\s+)?(?:\(inlined by\)\s+)?([A-Za-z_][\w.]*)(?:\+0x[0-9a-f]+/0x[0-9a-f]+|\s+at\s|\s+\S+:\d+|\s*$|\s+\[)")
SKIP_FRAMES = re.compile(r"^(?:instrument_|__tsan_|kcsan_|kasan_|__kasan_|lock_acquire|lock_release|__lock_acquire|"
                         r"_raw_|__raw_|do_raw_|raw_spin|__mutex_lock|mutex_lock|down_|__down|rwsem_|percpu_down|"
                         r"lock_sock|__might|save_stack|set_track|stack_trace|kfree$|kmem_cache_free$|slab_free|__slab_|"
                         r"___slab|kmalloc|__kmalloc|kmem_cache_alloc|kzalloc|slab_post|rcu_do_batch|rcu_core|"
                         r"rcu_process|__do_softirq|print_|dump_stack|check_|validate_chain|__x64_|do_syscall|"
                         r"entry_SYSCALL|ret_from_fork|kthread$|worker_thread|process_one_work|memcpy|memset|"
                         r"_copy_|copy_user|__asan_|asan_|report_|__warn|warn_|kasan_|ftrace_|arch_)")


def clean_report(text: str) -> list[str]:
    """Lines of a report with mail artefacts removed (bounded)."""
    out = []
    text = text[:MAX_REPORT].replace("#012", "\n")  # syslog's escaped newlines
    for raw in text.splitlines():
        line = QUOTE_RE.sub("", raw)
        line = STAMP_RE.sub("", line)
        out.append(line.rstrip())
    return out


def find_frames(lines: list[str], start: int, limit: int = 40) -> list[str]:
    """Function names of the stack lines after `start`, up to a blank line."""
    frames = []
    for line in lines[start:start + limit]:
        if not line.strip():
            if frames:
                break
            continue
        match = FRAME_RE.match(line)
        if not match:
            if frames:
                break
            continue
        frames.append(match.group(1))
    return frames


def pick_function(frames: list[str]) -> str:
    """The first frame that is not instrumentation, locking, allocation or entry code."""
    for name in frames:
        if not SKIP_FRAMES.match(name):
            return name
    return frames[0] if frames else ""
