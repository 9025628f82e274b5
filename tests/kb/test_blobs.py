"""Compressed blobs: written as zstd frames, zlib streams of older KBs still read, sizes bounded."""

from __future__ import annotations

import zlib

import pytest

from kb.blobs import ZSTD_MAGIC, BlobError, pack_blob, unpack_blob

DATA = b"From: a@example.org\nSubject: [PATCH] mm: fix a race\n\n" + bytes(range(256)) * 40


@pytest.mark.parametrize("data", [b"", b"x", DATA])
def test_a_blob_is_a_zstd_frame_that_gives_its_bytes_back(data: bytes) -> None:
    blob = pack_blob(data)
    assert blob.startswith(ZSTD_MAGIC)
    assert unpack_blob(blob) == data


@pytest.mark.parametrize("level", [0, 1, 6, 9])  # an older KB's zlib stream, whatever its level
def test_an_older_kbs_zlib_stream_is_read_as_it_is(level: int) -> None:
    assert unpack_blob(zlib.compress(DATA, level)) == DATA


@pytest.mark.parametrize("blob", [pack_blob(DATA), zlib.compress(DATA, 1)])
def test_a_limit_refuses_a_larger_blob_and_keeps_a_smaller_one(blob: bytes) -> None:
    assert unpack_blob(blob, len(DATA)) == DATA
    with pytest.raises(BlobError):
        unpack_blob(blob, len(DATA) - 1)


@pytest.mark.parametrize("blob", [b"not compressed", pack_blob(DATA)[:-5], zlib.compress(DATA)[:-5],
                                  ZSTD_MAGIC + b"\x00garbage"])
def test_damaged_bytes_raise_blob_error(blob: bytes) -> None:
    with pytest.raises(BlobError):
        unpack_blob(blob)
