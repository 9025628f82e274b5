"""Tiny ThreadText builders for table-driven extraction tests."""

from __future__ import annotations

from ingest.extract.types import MessageText, ThreadText


def make_message(mid: str, body: str, author: str = "Ann Dev", email: str = "ann@example.org",
                 subject: str = "Re: x", reply_to: str | None = None,
                 files: tuple[str, ...] = ()) -> MessageText:
    return MessageText(message_id=mid, author_name=author, author_email=email, date=None,
                       subject=subject, in_reply_to=reply_to, body=body, patch_files=files)


def make_thread(subject: str, *messages: MessageText, list_name: str = "cgroups") -> ThreadText:
    return ThreadText(thread_id=messages[0].message_id, list=list_name, subject=subject,
                      messages=messages)


# a small MAINTAINERS file (the format of Linux's), for the maintainer and people tests
MAINTAINERS_SAMPLE = """
Maintainers List
----------------

CGROUP
M:\tTejun Heo <tj@kernel.org>
L:\tcgroups@vger.kernel.org
F:\tkernel/cgroup/
F:\tinclude/linux/cgroup*
X:\tkernel/cgroup/legacy/

CPUSET
M:\tWaiman Long <longman@redhat.com>
F:\tkernel/cgroup/cpuset.c

NET DRIVERS
M:\tNet Dev <net@example.org>
F:\tdrivers/net/
F:\tdrivers/net/*.h
N:\tnetdev

ONLY TOP
M:\tTop Dir <top@example.org>
F:\tdrivers/net/*

SCHEDULER
M:\tPeter Zijlstra <peterz@infradead.org>
L:\tlinux-kernel@vger.kernel.org
F:\tkernel/sched/

KW
M:\tKey Word <kw@example.org>
K:\t\\bfoo_magic\\b

THE REST
M:\tLinus Torvalds <torvalds@linux-foundation.org>
F:\t*
F:\t*/
"""
