"""A large build in two processes that still writes one segment.

Tokenising is most of a build's cost and each document's is independent, so a build given a
second stream of documents starts a child for it (`PartProcess`) before it reads its own. The
child tokenises its documents into its own PostingPool (kb.search.builder's `add_pooled`, with a
stand-in for whoosh's per-document writer that records each document's stored fields and
column values), spills the pool to runs (kb.search.runs) in a directory the parent made, and
leaves its records there (`PartResult`). The parent adds its own documents as usual, then
adopts the child's runs, numbered after its own documents, and replays its records
(`SegmentBuilder.adopt`). The segment written is the one a single process writes for the
first stream followed by the second.

The child is outside the terminal's process group (the parent stops it on Ctrl-C), dies with
the parent (even by SIGKILL), prints nothing and ends by `os._exit`; its reason for failing is
left in a file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from pickle import dumps, loads
from typing import Any, NoReturn

from whoosh.fields import Schema

from kb.child_processes import set_parent_death_signal
from kb.errors import KbError, describe_exception
from kb.search.adapter import spill_pool
from kb.search.docs import IndexDoc, convert_doc
from kb.search.pool import PostingPool
from kb.search.runs import RUNS_PREFIX, RunFiles

ARGS = "part.args"
RESULT = "part.pickle"
FAILED = "part.failed"
CODE_ROOT = Path(__file__).resolve().parents[2]  # the child imports this checkout's kb


@dataclass(frozen=True)
class DocRecord:
    """A document's message id and what it gives whoosh's per-document writer: (name, stored
    value, length) per field, (name, column value) per column."""

    message_id: str
    fields: tuple[tuple[str, Any, int], ...]
    columns: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class PartResult:
    """A child's documents' records in order, its runs, and its field lengths."""

    directory: Path
    runs: tuple[Path, ...]
    records: tuple[DocRecord, ...]
    lengths: dict[str, array]


class IndexPartError(KbError):
    """The second process of a build failed."""


class _RecordingPerDoc:
    """Stands in for whoosh's per-document writer in the child."""

    def __init__(self) -> None:
        self.records: list[DocRecord] = []
        self.message_id = ""  # of the document about to start
        self._fields: list[tuple[str, Any, int]] = []
        self._columns: list[tuple[str, Any]] = []

    def start_doc(self, docnum: int) -> None:
        self._fields, self._columns = [], []

    def add_field(self, name: str, field: object, value: Any, length: int) -> None:
        self._fields.append((name, value, length))

    def add_column_value(self, name: str, column: object, value: Any) -> None:
        self._columns.append((name, value))

    def finish_doc(self) -> None:
        self.records.append(DocRecord(self.message_id, tuple(self._fields), tuple(self._columns)))


class _PartWriter:
    """The attributes of a pool writer that `add_pooled` and `spill_pool` use."""

    def __init__(self, schema: Schema, directory: Path) -> None:
        self.schema = schema
        self.kb_pool = PostingPool()
        self.kb_runs = RunFiles(directory.parent, directory)
        self.perdocwriter = _RecordingPerDoc()
        self.docnum = 0
        self._added = False


class PartProcess:
    """A child process tokenising `read_docs()` into runs in a new directory of `folder`.

    `read_docs` is pickled to the child, so it is a module-level function or a
    `functools.partial` of one. The child is a fresh interpreter, not a fork: a fork starts
    resident with every page of this process (an ingest's main process is ~190 MB by then),
    a fresh one with the modules it imports. It runs in its own process group, so Ctrl-C at the
    terminal reaches only this process, which stops it.
    """

    def __init__(self, folder: Path, schema: Schema, read_docs: Callable[[], Iterable[IndexDoc]]) -> None:
        from kb.search import builder

        self.directory = Path(tempfile.mkdtemp(prefix=RUNS_PREFIX, dir=folder))  # 0700: the args hold a database URL
        paths = [str(CODE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        try:
            (self.directory / ARGS).write_bytes(dumps((schema, read_docs, builder.POOL_MB), protocol=5))
            self.process: subprocess.Popen | None = subprocess.Popen(
                [sys.executable, "-c", _CHILD_CODE, str(self.directory)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, process_group=0,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)})
        except BaseException:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise

    def join(self) -> PartResult:
        """Wait for the child; its result, or IndexPartError with the child's reason."""
        assert self.process is not None
        code = self.process.wait()
        self.process = None
        if code != 0:
            failed = self.directory / FAILED
            reason = failed.read_text() if failed.exists() else f"exit status {code}"
            raise IndexPartError(f"the index's second process failed: {reason}", place=str(self.directory.parent))
        return loads((self.directory / RESULT).read_bytes())

    def stop(self) -> None:
        """Kill the child if it still runs (the caller removes the directory with its runs)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


_CHILD_CODE = "import sys; from kb.search.split import run_part; run_part(sys.argv[1])"


def run_part(directory: str) -> NoReturn:
    """The child's main: tokenise what the args file says, leave the result (or the reason)."""
    folder = Path(directory)
    code = 1
    try:
        set_parent_death_signal()
        from kb.search import builder

        schema, read_docs, builder.POOL_MB = loads((folder / ARGS).read_bytes())  # the parent's pool size
        _tokenise_part(folder, schema, read_docs)
        code = 0
    except BaseException as exc:  # noqa: BLE001 - the parent reports it; the child prints nothing
        try:
            (folder / FAILED).write_text(describe_exception(exc))
        except OSError:
            pass
    finally:
        os._exit(code)


def _tokenise_part(directory: Path, schema: Schema, read_docs: Callable[[], Iterable[IndexDoc]]) -> None:
    from kb.search.builder import add_pooled

    writer = _PartWriter(schema, directory)
    for doc in read_docs():
        writer.perdocwriter.message_id = doc.message_id
        add_pooled(writer, convert_doc(doc))
    spill_pool(writer)
    result = PartResult(directory, tuple(writer.kb_runs.paths), tuple(writer.perdocwriter.records),
                        writer.kb_pool.lengths)
    (directory / RESULT).write_bytes(dumps(result, protocol=5))
