"""A stream written to a file by a second thread while it is read: every byte in order, errors of
either side raised, and the disk's writeback started window by window."""

from __future__ import annotations

import io
import os
import random
import threading
from typing import TYPE_CHECKING

import pytest

from storage import file_writes
from storage.file_writes import WINDOW, write_synced

if TYPE_CHECKING:
    from pathlib import Path

CHUNK = 64 * 1024


class _Source(io.BytesIO):
    """Reads of exactly ``size`` bytes until the end, as ``HashingReader`` gives them; records
    the thread of each read."""

    def __init__(self, data: bytes, *, fail_after: int | None = None) -> None:
        super().__init__(data)
        self.threads: set[int] = set()
        self._fail_after = fail_after

    def read(self, size: int | None = -1, /) -> bytes:
        self.threads.add(threading.get_ident())
        if self._fail_after is not None and self.tell() >= self._fail_after:
            raise ValueError("the client went away")
        return super().read(size)


def _written(path: Path, source: _Source) -> bytes:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        write_synced(fd, source, CHUNK)
    finally:
        os.close(fd)
    return path.read_bytes()


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 40 * CHUNK + 17])
def test_every_byte_is_written_in_order(tmp_path: Path, size: int) -> None:
    data = random.Random(size).randbytes(size)
    source = _Source(data)
    assert _written(tmp_path / "blob", source) == data
    assert source.threads == {threading.get_ident()}  # read (and hashed) in the caller's thread


def test_an_error_of_the_source_is_raised_and_writing_stops(tmp_path: Path) -> None:
    source = _Source(bytes(100 * CHUNK), fail_after=30 * CHUNK)
    with pytest.raises(ValueError, match="went away"):
        _written(tmp_path / "blob", source)
    assert (tmp_path / "blob").stat().st_size <= 30 * CHUNK


def test_an_error_of_the_writer_is_raised(tmp_path: Path) -> None:
    fd = os.open(tmp_path / "blob", os.O_RDONLY | os.O_CREAT, 0o600)  # not writable
    try:
        with pytest.raises(OSError, match="Bad file descriptor"):
            write_synced(fd, _Source(bytes(10 * CHUNK)), CHUNK)
    finally:
        os.close(fd)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """The real ``sync_file_range`` calls, recorded."""
    real = file_writes._SYNC_FILE_RANGE
    assert real is not None, "Linux has sync_file_range"
    recorded: list[tuple[int, int, int]] = []

    def recording(fd: int, offset: int, size: int, flags: int) -> int:
        recorded.append((offset, size, flags))
        return real(fd, offset, size, flags)

    monkeypatch.setattr(file_writes, "_SYNC_FILE_RANGE", recording)
    return recorded


def test_writeback_starts_each_window_and_waits_for_the_one_before(
    tmp_path: Path, calls: list[tuple[int, int, int]]
) -> None:
    data = random.Random(7).randbytes(3 * WINDOW + CHUNK)
    assert _written(tmp_path / "blob", _Source(data)) == data
    started = [(offset, size) for offset, size, flags in calls if flags == file_writes._WRITE]
    waited = [(offset, size) for offset, size, flags in calls if flags == file_writes._WAIT_ALL]
    assert started == [(0, WINDOW), (WINDOW, WINDOW), (2 * WINDOW, WINDOW)]
    assert waited == [(0, WINDOW), (WINDOW, WINDOW)]  # the last windows are the fsync's
    assert calls.index((WINDOW, WINDOW, file_writes._WRITE)) < calls.index(
        (0, WINDOW, file_writes._WAIT_ALL)
    )


def test_a_file_that_refuses_writeback_is_left_to_the_fsync(
    calls: list[tuple[int, int, int]],
) -> None:
    read_end, write_end = os.pipe()  # sync_file_range refuses a pipe (ESPIPE)
    try:
        writeback = file_writes._Writeback(write_end)
        for _ in range(4):
            writeback.wrote(WINDOW)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert len(calls) == 1  # refused once, then not asked again
