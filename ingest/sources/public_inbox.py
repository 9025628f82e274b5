"""public-inbox v2 archives: a bare epoch (0.git) or an inbox with git/N.git epochs.

Each commit of an epoch adds one message as the blob `m` (or deletes one, as `d`).
Commit order comes from one `git log --raw`; blobs come from one long-lived
`git cat-file --batch` process. A cursor (the last commit read) lets a second
ingest of a grown epoch read only the new commits.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kb.errors import SourceError

from ingest.sources.base import RawMail

BATCH = 256
_EPOCH_NAME = re.compile(r"^(\d+)\.git$")


def is_git_repo(path: Path) -> bool:
    return path.is_dir() and (path / "HEAD").is_file() and (path / "objects").is_dir()


def find_epochs(path: Path) -> list[Path]:
    """The epochs of a public-inbox: the path itself, or git/N.git in numeric order."""
    if is_git_repo(path):
        return [path]
    git_dir = path / "git"
    if git_dir.is_dir():
        epochs = [p for p in git_dir.iterdir() if _EPOCH_NAME.match(p.name) and is_git_repo(p)]
        return sorted(epochs, key=lambda p: int(_EPOCH_NAME.match(p.name).group(1)))  # type: ignore[union-attr]
    return []


def run_git(epoch: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", f"--git-dir={epoch}", *args], capture_output=True, check=True)
    except FileNotFoundError as exc:
        raise SourceError("git is not installed", place=str(epoch)) from exc
    except subprocess.CalledProcessError as exc:
        reason = exc.stderr.decode(errors="replace").strip().splitlines()
        raise SourceError(reason[-1] if reason else "git failed", place=str(epoch)) from exc
    return done.stdout.decode()


def find_head(epoch: Path) -> str | None:
    out = run_git(epoch, "rev-parse", "--verify", "--quiet", "HEAD^{commit}") if has_commits(epoch) else ""
    return out.strip() or None


def has_commits(epoch: Path) -> bool:
    done = subprocess.run(["git", f"--git-dir={epoch}", "rev-parse", "--verify", "--quiet", "HEAD"],
                          capture_output=True)
    return done.returncode == 0


def list_commits(epoch: Path, since: str | None, until: str) -> list[str]:
    """Commits in order, after `since` when given. Each should hold one message as `m`."""
    out = run_git(epoch, "rev-list", "--reverse", f"{since}..{until}" if since else until)
    return out.split()


# git's defaults for a long read (a 96 MiB cache of delta bases, the whole pack mapped) made
# each cat-file process of the cgroups epoch 200 MB resident; bounded like this it holds 22 MB,
# at no cost in CPU (the epoch's messages are read in order, so their delta bases are near)
CAT_FILE_LIMITS = ("core.deltaBaseCacheLimit=8m", "core.packedGitWindowSize=1m", "core.packedGitLimit=8m")


class CatFile:
    """One `git cat-file --batch` process for an epoch, its memory bounded (CAT_FILE_LIMITS)."""

    def __init__(self, epoch: Path) -> None:
        self.epoch = epoch
        limits = [arg for limit in CAT_FILE_LIMITS for arg in ("-c", limit)]
        self.proc = subprocess.Popen(["git", f"--git-dir={epoch}", *limits, "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def read_many(self, shas: list[str]) -> Iterator[tuple[str, bytes | None]]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write("".join(f"{sha}\n" for sha in shas).encode())
        self.proc.stdin.flush()
        out = self.proc.stdout
        for sha in shas:
            header = out.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                yield sha, None
                continue
            size = int(header[2])
            data = out.read(size)
            out.read(1)  # the newline after each object
            yield sha, data

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


@dataclass(frozen=True)
class EpochChunk:
    """Commits of one epoch to read: what an ingest worker is sent instead of the bytes."""

    epoch: str
    commits: tuple[str, ...]


_readers: dict[str, CatFile] = {}  # one cat-file process per epoch per (worker) process


def read_chunk(chunk: EpochChunk) -> list[RawMail]:
    """The messages of these commits; commits without `m` delete a message and carry none."""
    reader = _readers.get(chunk.epoch)
    if reader is None:
        reader = _readers[chunk.epoch] = CatFile(Path(chunk.epoch))
    name = Path(chunk.epoch).name
    return [RawMail(data=data, source=chunk.epoch, position=f"{name} commit {commit}")
            for commit, (_, data) in zip(chunk.commits, reader.read_many([f"{c}:m" for c in chunk.commits]))
            if data is not None]


def close_readers() -> None:
    for reader in _readers.values():
        reader.close()
    _readers.clear()


def iter_epoch_chunks(epoch: Path, since: str | None, until: str, size: int) -> Iterator[EpochChunk]:
    """Commits in (since, until] in chunks. The blob is read as `<commit>:m`, not from the
    diff: a message delivered twice leaves no diff."""
    commits = list_commits(epoch, since, until)
    for start in range(0, len(commits), size):
        yield EpochChunk(str(epoch), tuple(commits[start:start + size]))


def iter_epoch(epoch: Path, since: str | None, until: str) -> Iterator[RawMail]:
    """Messages of one epoch in (since, until]; position names epoch and commit."""
    try:
        for chunk in iter_epoch_chunks(epoch, since, until, BATCH):
            yield from read_chunk(chunk)
    finally:
        close_readers()
