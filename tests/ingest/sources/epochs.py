"""Build small public-inbox v2 epochs (bare git repos with one `m` blob per commit) for tests."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(["git", f"--git-dir={repo}", *args], input=data, capture_output=True, check=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                               "PATH": "/usr/bin:/bin"})
    return done.stdout.decode().strip()


def create_epoch(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


def append_message(epoch: Path, data: bytes, name: str = "m") -> str:
    """Commit one message (or, with name='d', a deletion) on top of HEAD."""
    blob = git(epoch, "hash-object", "-w", "--stdin", data=data)
    tree = git(epoch, "mktree", data=f"100644 blob {blob}\t{name}\n".encode())
    try:
        parent = ["-p", git(epoch, "rev-parse", "--verify", "-q", "HEAD")]
    except subprocess.CalledProcessError:
        parent = []
    commit = git(epoch, "commit-tree", tree, *parent, "-m", "msg")
    git(epoch, "update-ref", "HEAD", commit)
    return commit
