"""Faults on SQLite and PostgreSQL: a killed ingest (main process, whole group) run again, two
ingests at once, and an ingest in two halves with links and a correction between; each KB equals
a clean one and `kb check` is clean. (bench/faults.py does 20 kills on cgroups-2024.mbox.gz.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, make_postgres_url, require_shared

import sys

sys.path.append(str(ROOT / "bench"))   # after ROOT: bench/ingest.py is no package
import faults  # noqa: E402
from mail_files import iter_mails, write_mbox  # noqa: E402

MESSAGES = 80   # the first messages of the gold threads: a few threads with races, fixes and objections


class Reference:
    def __init__(self, backend: faults.Backend, source: Path, halves: tuple[Path, Path]) -> None:
        self.backend, self.source, self.halves = backend, source, halves
        self.kb = backend.new_kb("clean")
        faults.ingest(self.kb, source)
        self.snapshot = faults.snapshot(self.kb)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def reference(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    work = tmp_path_factory.mktemp(f"faults-{request.param}")
    mails = list(iter_mails(require_shared("corpus", "cgroups-gold-threads.mbox")))[:MESSAGES]
    source = write_mbox(work / "source.mbox", mails)
    halves = (write_mbox(work / "first.mbox", mails[:MESSAGES // 2]),
              write_mbox(work / "second.mbox", mails[MESSAGES // 2:]))
    base = None
    if request.param == "postgresql":
        base = make_postgres_url()
    return Reference(faults.Backend(request.param, work, base), source, halves)


def assert_equal(result: dict[str, object]) -> None:
    assert result["differs"] == {} and result["check"] == dict.fromkeys(("missing", "stale", "extra", "waiting"), 0), \
        result
    assert result["ok"], result


def test_the_reference_has_facts_to_lose(reference: Reference) -> None:
    counts = {name: len(rows) for name, rows in reference.snapshot.items()}
    assert counts["messages"] == MESSAGES == counts["index"]
    assert min(counts["races"], counts["fixes"], counts["objections"], counts["evidence"]) > 0, counts


@pytest.mark.parametrize(("stage", "group"), [("extract", False), ("index", True)])
def test_a_killed_ingest_run_again_equals_a_clean_one(reference: Reference, stage: str, group: bool) -> None:
    kb = reference.backend.new_kb(f"kill-{stage}")
    stopped = faults.kill_and_rerun(kb, reference.source, stage, group)
    assert not stopped["finished_first"] and not stopped["left_over"] and not stopped["lock_error"], stopped
    assert stopped["rerun_exit"] == 0, stopped
    assert_equal(faults.verdict(reference.snapshot, kb))


def test_two_ingests_at_once_equal_a_clean_one(reference: Reference) -> None:
    result = faults.run_concurrent(reference.halves, reference.snapshot, reference.backend.new_kb)
    assert result["exits"] == [0, 0]
    assert_equal(result)


def test_links_and_a_correction_between_two_halves_hold(reference: Reference) -> None:
    # last: it annotates the reference KB
    result = faults.run_halves(reference.halves, reference.kb, reference.backend.new_kb)
    assert result.get("races_annotated") == 2, result
    assert_equal(result)
