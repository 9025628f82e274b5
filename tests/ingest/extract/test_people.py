from ingest.extract.people import PersonIndex, extract_people, normalise_name
from tests.ingest.extract.helpers import make_message, make_thread


def test_person_variants_merge():
    idx = PersonIndex()
    a = idx.add("Hugh Dickins", "hughd@google.com")
    assert idx.add("Hugh Dickins", "hughd@xxxxxxxxxx") == a
    assert idx.add('"Dickins, Hugh"', "") == a
    assert idx.add("", "HUGHD@google.com") == a
    assert normalise_name("Michal Koutný") == "michal koutny"


def test_roles_from_headers_and_trailers():
    patch = ("fix\n\nReported-by: syzbot+123@syzkaller.appspotmail.com\n"
             "Signed-off-by: Ann Dev <ann@example.org>\n---\ndiff --git a/x.c b/x.c\n")
    t = make_thread("[PATCH] fix race", make_message("p@x", patch, subject="[PATCH] fix race",
                                                    files=("x.c",)),
                    make_message("r@x", "Looks good.", author="Bob", email="bob@x.org"))
    roles = {p.name or p.email: set(p.roles) for p in extract_people(t, [])}
    assert roles["Ann Dev"] == {"author"}
    assert roles["Bob"] == {"reviewer"}
    assert "reporter" in roles["syzbot+123@syzkaller.appspotmail.com"]
