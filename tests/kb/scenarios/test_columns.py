"""The layout of a column diagram: cells by position, leaves of call chains, where a diagram ends."""

from __future__ import annotations

import pytest

from kb.scenarios.drafts.columns import find_diagram_end, find_leaves, split_cells


@pytest.mark.parametrize("cells,expected", [
    ([(0, "a"), (1, "b"), (2, "c"), (1, "d")], [False, False, True, True]),
    ([(0, "a"), (2, "..."), (0, "b")], [True, True, True]),  # an aside is no callee
    ([(4, "x"), (2, "// note"), (6, "y")], [False, True, True]),
    ([(3, "x")], [True]),
    ([], []),
])
def test_a_cell_is_a_leaf_when_nothing_is_indented_under_it(cells: list[tuple[int, str]], expected: list[bool]) -> None:
    assert find_leaves(cells) == expected


def test_cells_keep_their_positions() -> None:
    lines = ["CPU0            CPU1", "frob()", "  frob_one()     gizmo()"]
    names, columns = split_cells(lines)
    assert names == ["CPU0", "CPU1"]
    assert columns == [[(0, "frob()"), (2, "frob_one()")], [(17, "gizmo()")]]  # 2 + len("frob_one()") + 5


def test_a_code_comment_at_the_margin_does_not_end_the_diagram() -> None:
    lines = ["    CPU0                CPU1", "frob_add()", "/* the compiler may move this store before the flag */",
             "  f->ready = 1;", "The rest of this mail is prose about the race and its fix."]
    assert find_diagram_end(lines, 0) == 4


def test_a_note_after_a_cell_stays_with_it_wherever_it_starts() -> None:
    lines = ["CPU0                     CPU1", "kfree(w);      // UAF", "                         use(w)   <- here"]
    assert split_cells(lines)[1] == [[(0, "kfree(w);   // UAF")], [(25, "use(w)   <- here")]]
