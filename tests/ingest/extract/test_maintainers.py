import pytest

from ingest.extract.maintainers import build_index, find_maintainers, parse_maintainers
from tests.conftest import require_shared
from tests.ingest.extract.helpers import MAINTAINERS_SAMPLE


@pytest.fixture(scope="module")
def mt():
    return build_index(parse_maintainers(MAINTAINERS_SAMPLE))


@pytest.mark.parametrize("files,patch,expected", [
    (["kernel/cgroup/cpuset.c"], None, ["CPUSET", "CGROUP", "THE REST"]),
    (["kernel/cgroup/legacy/x.c"], None, ["THE REST"]),
    (["include/linux/cgroup-defs.h"], None, ["CGROUP", "THE REST"]),
    (["drivers/net/a.c"], None, ["ONLY TOP", "NET DRIVERS", "THE REST"]),
    (["drivers/net/phy/b.c"], None, ["NET DRIVERS", "THE REST"]),
    (["tools/netdev/x.c"], None, ["THE REST", "NET DRIVERS"]),
    (["README"], "+\tfoo_magic(x);", ["THE REST", "KW"]),
])
def test_find_maintainers(mt, files, patch, expected):
    got = [s.name for s, _ in find_maintainers(files, patch_text=patch, maintainers=mt)]
    assert got == expected


def test_real_maintainers_file():
    from ingest.extract.maintainers import load_maintainers
    path = require_shared("data", "MAINTAINERS")
    mt = load_maintainers(str(path))
    sections = find_maintainers(["mm/memcontrol.c"], maintainers=mt)
    assert sections[0][0].name.startswith("CONTROL GROUP - MEMORY RESOURCE CONTROLLER")
    assert any("Johannes Weiner" in p for p in sections[0][1])
