"""b4's change-id: only an unquoted `change-id:` line at column 0 of the body counts."""

from __future__ import annotations

import pytest

from ingest.parse.change_id import find_change_id

FOOTER = ("---\nbase-commit: 1b929c02afd37871d5afb9d498426f83432e71c2\n"
          "change-id: 20231120-slab-remove-slab-a76ec668d8c6\n\nBest regards,\n-- \nVlastimil Babka <vbabka@suse.cz>\n")

CASES = [
    # body, expected change-id
    ("Cover letter text.\n\n" + FOOTER, "20231120-slab-remove-slab-a76ec668d8c6"),
    ("text\n---\nchange-id: 20240229-slab-memcg-ae6b3789c924", "20240229-slab-memcg-ae6b3789c924"),  # no newline
    ("text\nchange-id: 20240229-slab-memcg-ae6b3789c924 \t\n", "20240229-slab-memcg-ae6b3789c924"),  # trailing ws
    ("text\r\n---\r\nchange-id: 20241104-class_fix-f176bd9eba22\r\n\r\n", "20241104-class_fix-f176bd9eba22"),  # CRLF
    ("text\nchange-id:20241104-class_fix-f176bd9eba22\n", "20241104-class_fix-f176bd9eba22"),  # no space
    ("Plain cover letter without a footer.\n", None),
    ("", None),
    ("> change-id: 20240229-slab-memcg-ae6b3789c924\n\nLooks good.\n", None),           # quoted
    (">> change-id: 20240229-slab-memcg-ae6b3789c924\n", None),                           # quoted twice
    ("  change-id: 20240229-slab-memcg-ae6b3789c924\n", None),                            # indented
    ("prerequisite-change-id: 20241201-const_dfc_done-aaec71e3bbea:v4\n", None),         # another series
    ("Change-Id: Ib9dfc9004473baa6ef26ca7277d220b6199517de\n", None),                    # Gerrit, per commit
    ("X-Change-ID: 20241104-class_fix-f176bd9eba22\n", None),                             # a header, not b4's line
    ("change-id:\n", None),                                                                 # empty
    ("change-id: two words\n", None),                                                       # not one token
    ("change-id: " + "x" * 129 + "\n", None),                                             # too long
    ("> change-id: 20230101-old-000000000000\n\n" + FOOTER, "20231120-slab-remove-slab-a76ec668d8c6"),
    ("change-id: 20230101-first-000000000000\n" + FOOTER, "20231120-slab-remove-slab-a76ec668d8c6"),  # last wins
]


@pytest.mark.parametrize(("body", "expected"), CASES)
def test_find_change_id(body: str, expected: str | None) -> None:
    assert find_change_id(body) == expected
