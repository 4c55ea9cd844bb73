"""The output file: resume, torn tails at every byte offset, transient failures retried, corruption named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat_openrouter.batch import BatchInputError, ResultLog
from chat_openrouter.batch._output import encode_line
from chat_openrouter.batch._rows import row_key


def _ok(row_id: object) -> dict[str, object]:
    return {"id": row_id, "text": "t", "output": None, "usage": None, "model": None, "provider": None,
            "generation_id": None, "attempts": 1, "error": None}


def _failed(row_id: object, *, retryable: bool) -> dict[str, object]:
    return {**_ok(row_id), "text": None,
            "error": {"type": "ServerError", "status": 503, "code": 503, "message": "m", "retryable": retryable}}


def test_written_lines_are_done_on_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with ResultLog.open(path) as log:
        log.write(_ok("a"))
        log.write(_ok(2))
        log.write(_failed("p", retryable=False))
    with ResultLog.open(path) as log:
        assert log.done == {row_key("a"), row_key(2), row_key("p")}
        assert log.failed_before == {row_key("p")}
    assert len(path.read_text().splitlines()) == 3


def test_transient_failures_are_removed_so_a_rerun_retries_them(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(encode_line(_ok(1)) + encode_line(_failed(2, retryable=True)) + encode_line(_ok(3)))
    with ResultLog.open(path) as log:
        assert log.done == {row_key(1), row_key(3)} and log.retrying == 1
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == [1, 3]
    assert not (tmp_path / "out.jsonl.rewrite").exists()


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=10_000), garbage=st.sampled_from([b"", b"\x00\x00", b"{\"id\":", b"\xff\n"]))
def test_a_file_cut_at_any_byte_keeps_exactly_its_complete_lines(tmp_path_factory: pytest.TempPathFactory, cut: int, garbage: bytes) -> None:
    lines = [encode_line(_ok(i)) for i in range(40)]
    whole = b"".join(lines)
    cut = cut % (len(whole) + 1)
    path = tmp_path_factory.mktemp("cut") / "out.jsonl"
    path.write_bytes(whole[:cut] + garbage)
    complete = 0
    offset = 0
    for line in lines:
        if offset + len(line) <= cut:
            complete += 1
        offset += len(line)
    with ResultLog.open(path) as log:
        assert log.done == {row_key(i) for i in range(complete)}
        log.write(_ok("after"))
    # The repaired file is whole lines only, and the next append starts on a fresh line.
    reread = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert [r["id"] for r in reread] == [*range(complete), "after"]


def test_a_bad_line_in_the_middle_is_an_error_not_a_guess(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(encode_line(_ok(1)) + b"not json\n" + encode_line(_ok(3)))
    with pytest.raises(BatchInputError, match="line 2"):
        ResultLog.open(path)


def test_missing_output_folder_or_a_device_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BatchInputError, match="does not exist"):
        ResultLog.open(tmp_path / "nope" / "out.jsonl")
    with pytest.raises(BatchInputError, match="not a regular file"):
        ResultLog.open("/dev/zero")
    with pytest.raises(BatchInputError, match="not a regular file"):
        ResultLog.open(tmp_path)


def test_fsync_interval_zero_syncs_every_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    import os

    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    with ResultLog.open(tmp_path / "o.jsonl", fsync_interval=0) as log:
        for i in range(3):
            log.write(_ok(i))
        assert len(synced) == 3
