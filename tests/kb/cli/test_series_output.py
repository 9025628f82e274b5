"""`kb series`: the subject as written, patches without the cover letter, resends told apart,
a lone later patch not shown as a series of its own."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from kb.cli.main import cli, register_commands
from tests.ingest.test_series import mail

register_commands()


def run_series(tmp_path: Path, *mails: str) -> list[str]:
    box = tmp_path / "s.mbox"
    box.write_text("".join(mails))
    db = str(tmp_path / "kb.sqlite")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "ingest", str(box), "--workers", "0"]).exit_code == 0
    result = runner.invoke(cli, ["--db", db, "series"])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_title_is_the_subject_and_the_cover_letter_is_not_a_patch(tmp_path: Path) -> None:
    lines = run_series(tmp_path,
                       mail("c0@x", "[PATCH 0/2] sched/psi: Fix race in pressure_write (CVE-2026-0001)", None, 1),
                       mail("c1@x", "[PATCH 1/2] cgroup/psi: Set of->priv to NULL", "c0@x", 1),
                       mail("c2@x", "[PATCH 2/2] sched/psi: Fix the race", "c0@x", 1))
    assert lines[0].startswith("sched/psi: Fix race in pressure_write (CVE-2026-0001)  <ann@example.org>")
    assert "2/2 patches + cover letter  <c0@x>" in lines[1]


def test_resends_of_one_version_show_their_tags(tmp_path: Path) -> None:
    title = "sched/psi: fix race in pressure_write"
    lines = run_series(tmp_path, *(mail(f"{tree}@x", f"[PATCH {tree}.y] {title}", None, day)
                                   for day, tree in ((1, "6.1"), (2, "6.6"))))
    assert lines[0].startswith(f"{title}  <ann@example.org>")
    assert lines[1].endswith("1/1 patch  <6.1@x>  [PATCH 6.1.y]")
    assert lines[2].endswith("1/1 patch  <6.6@x>  [PATCH 6.6.y]")


def test_a_lone_later_patch_says_it_is_only_one_part(tmp_path: Path) -> None:
    lines = run_series(tmp_path, mail("p3@x", "[PATCH v3 3/3] docs: fix typos in cgroup-v2.rst", None, 1))
    assert lines[0].startswith("docs: fix typos in cgroup-v2.rst  <ann@example.org>")
    assert "v3" in lines[1] and "only patch 3/3 here  <p3@x>" in lines[1]
