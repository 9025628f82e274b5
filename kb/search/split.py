"""A large build in two processes that still writes one segment.

Tokenising is most of a build's cost and each document's is independent, so a build given a
second stream of documents forks a child for it (`PartProcess`) before it reads its own. The
child tokenises its documents into its own PostingPool (kb.search.builder's `add_pooled`, with a
stand-in for whoosh's per-document writer that records each document's stored fields and
column values), spills the pool to runs (kb.search.runs) in a directory the parent made, and
leaves its records there (`PartResult`). The parent adds its own documents as usual, then
adopts the child's runs, numbered after its own documents, and replays its records
(`SegmentBuilder.adopt`). The segment written is the one a single process writes for the
first stream followed by the second.

The child ignores Ctrl-C (the parent stops it), dies with the parent (even by SIGKILL), and
ends by `os._exit`, so it prints nothing and closes nothing of the parent's (database
connections, the index's write lock); its reason for failing is left in a file.
"""

from __future__ import annotations

import os
import signal
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

RESULT = "part.pickle"
FAILED = "part.failed"


@dataclass(frozen=True)
class DocRecord:
    """What a document gives whoosh's per-document writer: (name, stored value, length) per
    field, (name, column value) per column."""

    fields: tuple[tuple[str, Any, int], ...]
    columns: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class PartResult:
    """A child's documents: their ids and records in order, its runs, and its field lengths."""

    directory: Path
    runs: tuple[Path, ...]
    message_ids: tuple[str, ...]
    records: tuple[DocRecord, ...]
    lengths: dict[str, array]


class IndexPartError(KbError):
    """The second process of a build failed."""


class _RecordingPerDoc:
    """Stands in for whoosh's per-document writer in the child."""

    def __init__(self) -> None:
        self.records: list[DocRecord] = []
        self._fields: list[tuple[str, Any, int]] = []
        self._columns: list[tuple[str, Any]] = []

    def start_doc(self, docnum: int) -> None:
        self._fields, self._columns = [], []

    def add_field(self, name: str, field: object, value: Any, length: int) -> None:
        self._fields.append((name, value, length))

    def add_column_value(self, name: str, column: object, value: Any) -> None:
        self._columns.append((name, value))

    def finish_doc(self) -> None:
        self.records.append(DocRecord(tuple(self._fields), tuple(self._columns)))


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
    """A forked child tokenising `read_docs()` into runs in a new directory of `folder`."""

    def __init__(self, folder: Path, schema: Schema, read_docs: Callable[[], Iterable[IndexDoc]]) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix=RUNS_PREFIX, dir=folder))
        self.pid: int | None = os.fork()
        if self.pid == 0:
            _run_child(self.directory, schema, read_docs)

    def join(self) -> PartResult:
        """Wait for the child; its result, or IndexPartError with the child's reason."""
        assert self.pid is not None
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if os.waitstatus_to_exitcode(status) != 0:
            failed = self.directory / FAILED
            reason = failed.read_text() if failed.exists() else f"exit status {os.waitstatus_to_exitcode(status)}"
            raise IndexPartError(f"the index's second process failed: {reason}", place=str(self.directory.parent))
        return loads((self.directory / RESULT).read_bytes())

    def stop(self) -> None:
        """Kill the child if it still runs (the caller removes the directory with its runs)."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None


def _run_child(directory: Path, schema: Schema, read_docs: Callable[[], Iterable[IndexDoc]]) -> NoReturn:
    from kb.search.builder import add_pooled

    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        set_parent_death_signal()
        writer = _PartWriter(schema, directory)
        message_ids = []
        for doc in read_docs():
            message_ids.append(doc.message_id)
            add_pooled(writer, convert_doc(doc))
        spill_pool(writer)
        result = PartResult(directory, tuple(writer.kb_runs.paths), tuple(message_ids),
                            tuple(writer.perdocwriter.records), writer.kb_pool.lengths)
        (directory / RESULT).write_bytes(dumps(result, protocol=5))
        code = 0
    except BaseException as exc:  # noqa: BLE001 - the parent reports it; a child prints nothing
        try:
            (directory / FAILED).write_text(describe_exception(exc))
        except OSError:
            pass
    finally:
        os._exit(code)
