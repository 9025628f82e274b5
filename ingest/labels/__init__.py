"""The labelled corpus tool: index archives, read threads, point and materialise labels.

Labels in `data/labels/<list>.jsonl` carry no mail text: each quote is a character span into
the named message's decoded text/plain body plus a short sha1 of the span. `python -m
ingest.labels` indexes an archive into a JSON-lines cache, finds and shows candidate threads,
turns quote labels into pointers (`point`), pointers back into the gold schema (`materialise`),
verifies them and prints per-list counts. See data/labels/README.md.
"""
