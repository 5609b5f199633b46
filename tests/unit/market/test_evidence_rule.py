"""Who may read an attached file (the one rule behind the API download and the page link)."""

from __future__ import annotations

import pytest

from kernel.errors import Invalid
from market.rules.evidence import Subject, may_read, parse_subject


def test_subjects_parse_or_are_refused_with_the_field() -> None:
    assert parse_subject("purchase:12") == Subject("purchase", 12)
    assert parse_subject("intermediary:3") == Subject("intermediary", 3)
    assert parse_subject("qualification:9") == Subject("qualification", 9)
    for bad in ("purchase", "purchase:", "purchase:x", "contract:2", ":1", "purchase:-1", "q:1"):
        with pytest.raises(Invalid) as refused:
            parse_subject(bad)
        assert refused.value.field == "subject"


def test_holders_and_supervisors_read_others_do_not() -> None:
    parties = {10, 20}  # a purchase's owner and selected intermediary
    assert may_read(reader_org=10, reader_is_supervisor=False, holders=parties)
    assert may_read(reader_org=20, reader_is_supervisor=False, holders=parties)
    assert not may_read(reader_org=30, reader_is_supervisor=False, holders=parties)
    assert may_read(reader_org=30, reader_is_supervisor=True, holders=parties)
    assert not may_read(reader_org=30, reader_is_supervisor=False, holders=set())
