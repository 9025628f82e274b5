"""Small hand-written messages and a throw-away public-inbox-like epoch for the label tool tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT_MSG = b"""From: Ann Author <ann@example.org>
Date: Mon, 1 Jan 2024 10:00:00 +0000
Subject: [PATCH] foo: fix a race between open and close
Message-ID: <root@example.org>
Content-Type: text/plain; charset=utf-8

The close path frees foo->buf while open still reads it.
Fix this by taking foo->lock in open.

diff --git a/foo.c b/foo.c
--- a/foo.c
+++ b/foo.c
@@ -1 +1,2 @@
+spin_lock(&foo->lock);
 x = foo->buf;
"""

REPLY_MSG = b"""From: Bob Reviewer <bob@example.org>
Date: Mon, 1 Jan 2024 11:00:00 +0000
Subject: Re: [PATCH] foo: fix a race between open and close
Message-ID: <reply@example.org>
In-Reply-To: <root@example.org>
References: <root@example.org>
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

> Fix this by taking foo->lock in open.

I'd prefer RCU here: the lock   is taken
on a hot path.  Caf=C3=A9.
"""

NESTED_MSG = b"""From: Ann Author <ann@example.org>
Date: Mon, 1 Jan 2024 12:00:00 +0000
Subject: Re: [PATCH] foo: fix a race between open and close
Message-ID: <nested@example.org>
In-Reply-To: <reply@example.org>
References: <root@example.org> <reply@example.org>
Content-Type: text/plain

Fair point, v2 will use RCU.
"""

HTML_MSG = b"""From: Carl <carl@example.org>
Date: Tue, 2 Jan 2024 10:00:00 +0000
Subject: html only
Message-ID: <html@example.org>
Content-Type: text/html

<p>trace me</p>
"""

NO_ID_MSG = b"""From: Dan <dan@example.org>
Subject: no id

body
"""


def run_git(git_dir: Path, *args: str, data: bytes | None = None) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t", GIT_AUTHOR_DATE="2024-01-01T00:00:00Z",
               GIT_COMMITTER_DATE="2024-01-01T00:00:00Z")
    out = subprocess.run(["git", "--git-dir", str(git_dir), *args], input=data, capture_output=True,
                         env=env, check=True)
    return out.stdout.decode().strip()


def make_epoch(path: Path, messages: list[bytes | None]) -> Path:
    """A bare repo with one commit per message (blob `m`); None makes a deletion commit (blob `d`)."""
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    parent: str | None = None
    for raw in messages:
        name = "m" if raw is not None else "d"
        blob = run_git(path, "hash-object", "-w", "--stdin", data=raw if raw is not None else b"gone\n")
        tree = run_git(path, "mktree", data=f"100644 blob {blob}\t{name}\n".encode())
        args = ["commit-tree", tree, "-m", "msg"] + (["-p", parent] if parent else [])
        parent = run_git(path, *args)
    run_git(path, "update-ref", "refs/heads/master", parent)
    return path


def make_mbox(path: Path, messages: list[bytes]) -> Path:
    with open(path, "wb") as f:
        for raw in messages:
            f.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n" + raw + b"\n")
    return path


THREAD_MSGS = [ROOT_MSG, REPLY_MSG, NESTED_MSG]
