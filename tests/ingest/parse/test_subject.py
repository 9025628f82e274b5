"""Subject lines: reply chains, bracket tags, versions, parts, subsystems, normalisation."""

from __future__ import annotations

import pytest

from ingest.parse.subject import parse_subject, strip_list_tag

CASES = [
    # subject, expected fields (only those named are checked)
    ("Re: [PATCH] mm: change memcg->oom_group access with atomic operations",
     dict(is_reply=True, is_patch=True, version=1, part=None, subsystems=("mm",),
          title="mm: change memcg->oom_group access with atomic operations",
          summary="change memcg->oom_group access with atomic operations")),
    ("Re: Re: [PATCH v4 -mm 2/3] mm, swap: fix a race",
     dict(is_reply=True, reply_depth=2, version=4, part=2, total=3, tags=("-mm",),
          subsystems=("mm", "swap"), title="mm, swap: fix a race")),
    ("Re[2]: foo", dict(is_reply=True, reply_depth=2, title="foo")),
    ("RE: [PATCH] cgroup: ensure stable pid sorting in cmppid()",
     dict(is_reply=True, subsystems=("cgroup",))),
    ("AW: Antw: Sv: bar", dict(is_reply=True, reply_depth=3, title="bar")),
    ("Fwd: [PATCH] x: y", dict(is_forward=True, is_reply=False, is_patch=True, title="x: y")),
    ("[RFC PATCH] cgroup/cpuset: allow x", dict(is_rfc=True, is_patch=True,
                                                subsystems=("cgroup/cpuset",))),
    ("[RFC][PATCH v2 0/5] sched: rework", dict(is_rfc=True, version=2, part=0, total=5)),
    ("[PATCH RESEND] mm: a", dict(is_resend=True, is_patch=True)),
    ("[RESEND PATCH v2] mm: a", dict(is_resend=True, version=2)),
    ("[PATCH net-next v2 03/10] net: b", dict(tags=("net-next",), version=2, part=3, total=10)),
    ("[PATCH 6.1.y] mm: c", dict(tags=("6.1.y",), version=1)),
    ("[PATCHv3 1/2] mm: d", dict(is_patch=True, version=3, part=1, total=2)),
    ("[PATCH V5] mm: e", dict(version=5)),
    ("[PATCH-block v2] nbd: e", dict(is_patch=True, version=2, tags=("block",))),
    ("[PATCH-for-next 2/3] md: e", dict(is_patch=True, part=2, total=3, tags=("for-next",))),
    ("[RFC-PATCH] mm: e", dict(is_rfc=True, is_patch=True, tags=())),
    ("[PATCHES] mm: e", dict(is_patch=True, tags=())),
    ("[patchwork] mm: e", dict(is_patch=False, tags=("patchwork",))),
    ("[PATCH 2/3 v4] mm: f", dict(version=4, part=2, total=3)),
    ("[GIT PULL] cgroup fixes for v6.9-rc3", dict(is_pull=True, is_patch=False,
                                                   title="cgroup fixes for v6.9-rc3")),
    ("[git pull] Please pull powerpc.git next branch", dict(is_pull=True)),
    ("[syzbot] [cgroups?] possible deadlock in cgroup_lock",
     dict(tags=("syzbot", "cgroups?"), title="possible deadlock in cgroup_lock")),
    ("[Buildroot] [PATCH 01/11] package/rpi-userland: rename patches",
     dict(tags=("Buildroot",), part=1, total=11, subsystems=("package/rpi-userland",))),
    ("Re: [PATCH v2] Revert \"mm: x\"", dict(subsystems=(), title='Revert "mm: x"')),
    ("KCSAN: data-race in mem_cgroup_oom_group / x", dict(subsystems=("KCSAN",))),
    ("", dict(title="", normalised="", is_reply=False)),
    ("   Re:   [PATCH]   Foo   Bar.  ", dict(title="Foo Bar.", normalised="foo bar")),
]


@pytest.mark.parametrize(("subject", "expected"), CASES)
def test_parse_subject(subject, expected):
    info = parse_subject(subject)
    got = {k: getattr(info, k) for k in expected}
    assert got == expected


def test_revisions_share_normalised_title():
    a = parse_subject("[PATCH v1 2/2] mm: memcg: introduce new event")
    b = parse_subject("Re: [PATCH v3 2/3] mm: memcg:  Introduce new event")
    assert a.normalised == b.normalised
    assert (a.version, b.version) == (1, 3)


@pytest.mark.parametrize(("subject", "stripped"), [
    ("[dm-devel] [PATCH] dm: fix a race", "[PATCH] dm: fix a race"),
    ("Re: [dm-devel] [PATCH v2] dm: fix a race", "Re: [PATCH v2] dm: fix a race"),
    ("[f2fs-dev] Re: [PATCH] f2fs: fix a race", "Re: [PATCH] f2fs: fix a race"),
    ("[f2fs-dev] [PATCHv3 2/4] f2fs: fix a race", "[PATCHv3 2/4] f2fs: fix a race"),
    ("Re: Re: [Cluster-devel] [RFC] gfs2: fix a race", "Re: Re: [RFC] gfs2: fix a race"),
    # no patch tag after it, or no list tag: unchanged
    ("Re: [dm-devel] dm-rq: fix a race", "Re: [dm-devel] dm-rq: fix a race"),
    ("[syzbot] KASAN: use-after-free in foo", "[syzbot] KASAN: use-after-free in foo"),
    ("[PATCH] [dm-devel] dm: x", "[PATCH] [dm-devel] dm: x"),
    ("[RFC PATCH] mm: x", "[RFC PATCH] mm: x"),
    ("", ""),
])
def test_strip_list_tag(subject, stripped):
    assert strip_list_tag(subject) == stripped
