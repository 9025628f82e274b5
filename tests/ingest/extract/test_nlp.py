import pytest

from ingest.extract import nlp


@pytest.mark.parametrize("text,token", [
    ("Call __delete_from_swap_cache(), then retry.", "__delete_from_swap_cache()"),
    ("pass FOLL_GET|FOLL_WRITE to GUP", "FOLL_GET|FOLL_WRITE"),
    ("see mm/vmscan.c.", "mm/vmscan.c"),
    ("we read page->mapping twice", "page->mapping"),
    ("the PG_anon_exclusive bit", "PG_anon_exclusive"),
    ("take the i_pages lock", "i_pages"),
    ("(memcg->css.cgroup)", "memcg->css.cgroup"),
])
def test_tokenizer_keeps_kernel_identifiers(nlp_pipeline, text, token):
    assert token in [t.text for t in nlp_pipeline.tokenizer(text)]


def test_tokenizer_is_serialisable(nlp_pipeline, tmp_path):
    nlp_pipeline.tokenizer.to_disk(tmp_path / "tok")
    assert (tmp_path / "tok").exists()


@pytest.mark.parametrize("text,expected", [
    ("It races. Then it crashes.", ["It races.", "Then it crashes."]),
    ("See e.g. foo() here. Done.", ["See e.g. foo() here.", "Done."]),
    ("Look at mm/vmscan.c. It is fine.", ["Look at mm/vmscan.c.", "It is fine."]),
    ("Prose first.\n\n    if (x)\n        foo();\n\nAfter code.", ["Prose first.", "After code."]),
    ("CPU0                    CPU1\nlock(a);\n\nThe end.", ["The end."]),
])
def test_split_sentences_skips_code_and_diagrams(text, expected):
    assert [text[a:b] for a, b in nlp.split_sentences(text)] == expected


@pytest.mark.parametrize("line,kind", [
    ("- Test accidentally negated? This test is new.", "prose"),      # a bullet
    ("  This patch fixes the issue in a very gross way.", "prose"),    # indented by the mail client
    ("- Fixed typos in commit messages", "prose"),
    ("-       spin_lock(&pers_lock);", "code"),                        # removed diff lines
    ("-\tspin_lock(&x);", "code"),
    ("- foo(bar);", "code"),
    ("- * Lock the thing", "code"),                                    # a comment's removed line
    ("+ This is added text", "code"),                                  # an added line stays code
    ("  Johannes,", "code"),                                           # too short to be prose
    ("   Code: 4e ad 5d", "code"),                                     # report output, 3 spaces
    (" Return foo(x, y);", "code"),
    ("", "blank"),
])
def test_classify_line(line, kind):
    assert nlp.classify_line(line) == kind


@pytest.mark.parametrize("text,label", [
    ("This can race with the shrinker running on another CPU.", "race"),
    ("How about taking the lock in the caller instead?", "fix"),
    ("That seems like overkill, and it will slow down the fast path.", "objection"),
    ("Thanks, applied.", "other"),
])
def test_textcat_labels(nlp_pipeline, text, label):
    scores = nlp.classify_sentences([text])[0]
    assert max(scores, key=scores.get) == label


def test_entities(nlp_pipeline):
    ents = dict((t, l) for l, t in nlp.find_entities(
        "We take cgroup_mutex in __cgroup_kill() and read page->mapping in mm/vmscan.c."))
    assert ents["__cgroup_kill()"] == "FUNC"
    assert ents["page->mapping"] == "FIELD"
    assert ents["mm/vmscan.c"] == "FILE"
    assert ents["cgroup_mutex"] == "LOCK"
