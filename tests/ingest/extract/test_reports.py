import pytest

from ingest.extract.reports import find_reports, normalise_lines
from tests.ingest.extract.conftest import read_fixture


def test_kcsan_real_report():
    body = read_fixture("kcsan_memcg.txt")
    (rep,) = find_reports(body)
    assert rep.kind == "kcsan" and rep.consequence == "data-race" and rep.is_race
    assert rep.functions == ("__count_memcg_events", "mem_cgroup_css_rstat_flush")
    assert body[rep.start:rep.end].strip() == rep.title
    assert any("write of 4 bytes" in s and "mem_cgroup_css_rstat_flush" in s for s in rep.steps)
    assert "value changed: 0x00000029 -> 0x00000000" in rep.steps


def test_kcsan_quoted_and_soft_wrapped():
    body = ("> BUG: KCSAN: data-race in foo_read / foo_wri=\n> te\n>\n"
            "> read to 0xffff888 of 8 bytes by\n> task 269 on cpu 0:\n")
    lines = normalise_lines(body)
    assert lines[0][0] == "BUG: KCSAN: data-race in foo_read / foo_write"
    (rep,) = find_reports(body)
    assert set(rep.functions) == {"foo_read", "foo_write"}


def test_kasan_real_report_finds_freer():
    (rep,) = find_reports(read_fixture("kasan_psi.txt"))
    assert rep.kind == "kasan" and rep.consequence == "use-after-free"
    assert rep.functions == ("pressure_write", "kernfs_release_file")


def test_lockdep_real_report_with_scenario():
    (rep,) = find_reports(read_fixture("lockdep_cpuset.txt"))
    assert rep.kind == "lockdep" and rep.consequence == "deadlock"
    assert {"cpuset_mutex", "cgroup_threadgroup_rwsem"} <= set(rep.symbols)
    assert "cpuset_can_attach" in rep.functions
    assert "CPU0: lock(cpuset_mutex);" in rep.steps
    assert "CPU1: lock(cgroup_threadgroup_rwsem);" in rep.steps


@pytest.mark.parametrize("body", [
    "Enable the tracepoint and look at the trace.",
    "The grace period is one second.",
])
def test_no_reports_in_prose(body):
    assert find_reports(body) == []
