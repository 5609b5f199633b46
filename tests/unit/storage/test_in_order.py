"""Calls handed to a background thread: run in order there, bounded, errors raised to the caller,
and hashing beside the reader gives the digest of every byte read."""

from __future__ import annotations

import hashlib
import io
import random
import threading
import time

import pytest

from storage.errors import BlobTooLarge
from storage.in_order import InOrder
from storage.ports import HashingReader


def test_calls_run_in_order_in_one_other_thread() -> None:
    seen: list[tuple[bytes, int]] = []
    with InOrder("test", 2) as calls:
        for number in range(50):
            calls.submit(lambda data: seen.append((data, threading.get_ident())), b"%d" % number)
    assert [data for data, _ in seen] == [b"%d" % number for number in range(50)]
    threads = {thread for _, thread in seen}
    assert len(threads) == 1 and threading.get_ident() not in threads


def test_a_submitter_waits_once_limit_calls_wait() -> None:
    release = threading.Event()
    submitted: list[int] = []

    def submit_all() -> None:
        with InOrder("test", 2) as calls:
            for number in range(5):
                calls.submit(lambda _: release.wait(), b"")
                submitted.append(number)

    submitter = threading.Thread(target=submit_all)
    submitter.start()
    try:
        deadline = time.monotonic() + 10
        while len(submitted) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        # one call running and one waiting: the third submit waits for the first call to end
        assert submitted == [0, 1]
    finally:
        release.set()  # a failed assertion must not leave both threads waiting forever
    submitter.join()
    assert submitted == [0, 1, 2, 3, 4]


def test_an_error_of_a_call_is_raised_and_later_calls_are_cancelled() -> None:
    ran: list[bytes] = []

    def call(data: bytes) -> None:
        if data == b"3":
            raise OSError("disk full")
        ran.append(data)

    def submit_all() -> None:
        with InOrder("test", 1) as calls:
            for number in range(100):
                calls.submit(call, b"%d" % number)

    with pytest.raises(OSError, match="disk full"):
        submit_all()
    assert len(ran) < 10  # raised from a submit soon after; the rest never ran


def test_leaving_on_the_callers_error_cancels_calls_not_started() -> None:
    release = threading.Event()
    ran: list[bytes] = []

    def fail_while_calls_wait() -> None:
        with InOrder("test", 8) as calls:
            calls.submit(lambda _: release.wait(), b"")
            for number in range(5):
                calls.submit(ran.append, b"%d" % number)
            # after the block began to leave; not threading.Timer: its timed wait never ends
            # under faketime (`make test-shifted`), whose clock the kernel's deadline does not share
            threading.Thread(target=_set_after, args=(release, 0.2)).start()
            raise ValueError("client went away")

    with pytest.raises(ValueError, match="client went away"):
        fail_while_calls_wait()
    assert ran == []


def _set_after(event: threading.Event, seconds: float) -> None:
    time.sleep(seconds)
    event.set()


@pytest.mark.parametrize("size", [0, 1, 1024 * 1024, 5 * 1024 * 1024 + 3])
def test_hashing_aside_gives_the_digest_of_every_byte_read(size: int) -> None:
    data = random.Random(size).randbytes(size)
    reader = HashingReader(io.BytesIO(data))
    read = bytearray()
    with reader.hashing_aside():
        while chunk := reader.read(64 * 1024):
            read += chunk
        with pytest.raises(RuntimeError, match="complete once"):
            _ = reader.sha256  # not while chunks may still be hashing
    assert bytes(read) == data
    assert reader.sha256 == hashlib.sha256(data).hexdigest()
    assert reader.size == size


def test_hashing_aside_still_stops_at_the_size_limit() -> None:
    reader = HashingReader(io.BytesIO(bytes(300)), max_bytes=200)

    def read_all() -> None:
        with reader.hashing_aside():
            while reader.read(64):
                pass

    with pytest.raises(BlobTooLarge):
        read_all()
