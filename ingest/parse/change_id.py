"""b4's series change-id: the `change-id:` line b4 writes at the foot of a cover letter.

b4 (`b4 prep`) ends a cover letter (or a single patch sent without one) with

    ---
    base-commit: 1b929c02afd37871d5afb9d498426f83432e71c2
    change-id: 20231120-slab-remove-slab-a76ec668d8c6

and keeps the change-id across v1..vN even when the title changes, so it names the revisions
of one series. Only a line at column 0 counts: a quoted (`> change-id: …`) or indented one is
somebody else's, `prerequisite-change-id:` names another series, and Gerrit's per-commit
`Change-Id: I…` trailer (capitalised) is a different thing, so the key is matched in b4's
lower case. The value is one token (letters, digits, `._+-`, at most 128 characters); when a
body carries several, the last one (the footer) wins.
"""

from __future__ import annotations

import re

_CHANGE_ID = re.compile(r"^change-id:[ \t]*([\w.+-]{1,128})[ \t\r]*$", re.MULTILINE | re.ASCII)


def find_change_id(body: str) -> str | None:
    """The b4 change-id of a cover letter / single patch body, or None when it gives none."""
    if "change-id:" not in body:
        return None
    found = _CHANGE_ID.findall(body)
    return found[-1] if found else None
