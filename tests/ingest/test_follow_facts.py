"""A thread merged into another by later mail keeps its facts: same ids, links, corrections, evidence."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from ingest.pipeline import run_ingest
from kb.config import load_settings
from kb.library import Library
from kb.models import Correction, Evidence, Fix, Objection, Race, Thread

HEAD = "From: {name} <{user}@example.org>\nTo: cgroups@vger.kernel.org\nSubject: {subject}\nMessage-ID: <{mid}>\n"
RACE = ("There is a race between css_release() and cgroup_rstat_flush(): css_release() frees the\n"
        "rstat cpu data while cgroup_rstat_flush() still walks it, a use-after-free.\n")


def mail(mid: str, subject: str, body: str, references: tuple[str, ...] = (), name: str = "Ann") -> bytes:
    head = HEAD.format(name=name, user=name.lower(), subject=subject, mid=mid)
    if references:
        head += f"In-Reply-To: <{references[-1]}>\nReferences: {' '.join(f'<{r}>' for r in references)}\n"
    return (head + "Date: Mon, 1 Jan 2024 10:00:00 +0000\n\n" + body).encode()


def write_mbox(path: Path, mails: list[bytes]) -> str:
    path.write_bytes(b"".join(b"From x Mon Jan  1 00:00:00 2024\n" + m.rstrip(b"\n") + b"\n\n" for m in mails))
    return str(path)


def count(library: Library, column) -> int:
    with library.factory() as s:
        return s.scalar(select(func.count(column)))


def test_a_rerooted_threads_race_keeps_its_id_link_and_correction(db_url: str, tmp_path: Path) -> None:
    library = Library(load_settings(db_url, str(tmp_path / "kb.index")))
    # the patch answers a cover letter kb has not seen yet: its thread is rooted at the patch
    patch = mail("r@x", "[PATCH 1/1] cgroup: fix race between css_release() and cgroup_rstat_flush()", RACE,
                 ("c@x",))
    other = mail("u@x", "[PATCH] cgroup: fix race between cgroup_exit() and css_set_move_task()",
                 RACE.replace("css_release", "cgroup_exit").replace("cgroup_rstat_flush", "css_set_move_task"))
    run_ingest(library.factory, [write_mbox(tmp_path / "first.mbox", [patch, other])], "cgroups", workers=0,
               index_dir=library.settings.index_dir)
    race = next(r for r in library.list_races() if r.thread_root == "r@x")
    library.link_scenario(str(race.id), "seed002_swapoff_swap_ops")
    library.correct_fact("race", race.id, "set", {"summary": "rstat race, checked by hand"})
    assert library.check_index().stale == ()   # the corrected summary is in the index at once
    cover = mail("c@x", "[PATCH 0/1] cgroup: fix race between css_release() and cgroup_rstat_flush()", "One fix.\n")
    run_ingest(library.factory, [write_mbox(tmp_path / "second.mbox", [cover])], "cgroups", workers=0,
               index_dir=library.settings.index_dir)
    after = next(r for r in library.list_races() if r.thread_root == "c@x")
    view = library.show_race(after.id)
    assert after.id == race.id
    assert view.summary.summary == "rstat race, checked by hand"
    assert len(view.scenarios) == 1
    with library.factory() as s:
        assert list(s.scalars(select(Correction.thread_root))) == ["c@x"]
        facts = {kind: set(s.scalars(select(model.id))) for kind, model in
                 (("race", Race), ("fix", Fix), ("objection", Objection))}
        cited = {(kind, fact_id) for kind, fact_id in s.execute(select(Evidence.fact_kind, Evidence.fact_id))}
    assert cited and all(fact_id in facts[kind] for kind, fact_id in cited)   # no orphaned evidence
    assert count(library, Thread.id) == 2
